import { createHash, randomUUID } from 'node:crypto';
import { assertAllowed } from './access.ts';
import type { RegistrationDeps } from './checkpoints.ts';
import { AppError, type ErrorDetail, NotFoundError } from './errors.ts';
import {
  CHECKPOINT_COLUMNS,
  type ImportResult,
  importCheckpoints,
  importUnits,
  noDeadline,
  type RowProblem,
  UNIT_COLUMNS,
} from './import.ts';
import { CSV_TYPE, type ImportRow, readTable, XLSX_TYPE } from './import-file.ts';
import type { Principal } from './model.ts';
import type { Events, ImportJobStore, ImportQueue, ImportUploads } from './ports.ts';
import { unitInScope } from './units.ts';

/**
 * Imports as jobs, for files of any size: `POST /v1/imports` records a job and answers a presigned PUT; the
 * file goes straight to S3 (no API Gateway 30 s, no Lambda 6 MB); its arrival starts the job (an S3 event on an
 * SQS queue in AWS), which reads the file and registers its rows a chunk at a time, recording its progress after
 * each chunk, and queues itself to go on where it stopped when its invocation's time runs short.
 * `GET /v1/imports/{id}` shows the progress and the row errors.
 *
 * Nothing is stored twice: a row with a ref is matched by its ref, as the JSON route does; every row's checkpoint
 * gets an id made from the rows read (not the file's bytes: a sheet saved again is the same), its unit and its
 * row, so a chunk done again (a redelivered message, a crash between a write and the progress record) or the same
 * sheet uploaded again finds its checkpoints stored.
 */
export type ImportWhat = 'checkpoints' | 'units';
export type ImportStatus = 'waiting' | 'running' | 'succeeded' | 'failed';

export interface ImportJob {
  importId: string;
  what: ImportWhat;
  /** Where the rows go: the unit checkpoints are imported under; for units, the token's own unit. */
  unitId: string;
  contentType: typeof CSV_TYPE | typeof XLSX_TYPE;
  /** Who imports: the job acts with the rights of the token that started it. */
  principal: Principal;
  status: ImportStatus;
  createdAt: string;
  updatedAt: string;
  uploadExpiresAt: string;
  /** The uploaded file's SHA-256 (hex), once read. */
  fileSha256?: string;
  /** Data rows in the file, once read. */
  rows?: number;
  /** Rows handled so far, in file order: the next chunk starts here. */
  position: number;
  created: number;
  existing: number;
  /** Rows rejected (one row may have several problems); `problems` lists the first MAX_LISTED problems. */
  rejectedRows: number;
  problems: RowProblem[];
  /** Passes (invocations) that worked on the job. */
  passes?: number;
  /** Rows the database kept failing: none in a succeeded job. */
  pending: { row: number; message?: string }[];
  /** Why a job failed as a whole (an unreadable file, too many rows, a token no longer in scope). */
  error?: { code: string; message: string; details: ErrorDetail[] };
}

/** Rows a job takes: a province's workbook (Hanoi had about 750,000 QR points; a district's list is smaller). */
export const MAX_JOB_ROWS = 200_000;
/** A file a job takes (a 100,000-row workbook is 5–10 MB). */
export const MAX_JOB_FILE_BYTES = 100 * 1024 * 1024;
/** A job's sheet may unpack to this much (a 100,000-row sheet takes 25–40 MB), still read as a stream. */
export const JOB_XLSX_LIMITS = { partBytes: 400 * 1024 * 1024, totalBytes: 480 * 1024 * 1024 };
/** Row problems kept in the record: enough to fix a file, bounded so the record stays small. */
export const MAX_LISTED = 1_000;
/** Rows registered between two progress records. */
export const JOB_CHUNK = 500;
/** A chunk's rows left pending by the database are tried this many times before the job gives up on them. */
const CHUNK_ATTEMPTS = 3;
/** How long the presigned PUT is good for. */
export const UPLOAD_TTL_SECONDS = 15 * 60;

export interface ImportJobDeps extends RegistrationDeps {
  jobs: ImportJobStore;
  uploads: ImportUploads;
  queue: ImportQueue;
  events: Events;
  provinceId: string;
}

export interface StartedImport {
  importId: string;
  status: ImportStatus;
  upload: { url: string; method: 'PUT'; headers: { 'content-type': string }; expiresAt: string };
}

/** Records a job for a file still to come, once the token may import there, and answers where to PUT the file. */
export async function startImport(
  deps: Pick<ImportJobDeps, 'units' | 'jobs' | 'uploads' | 'queue' | 'clock'>,
  principal: Principal,
  input: { what: ImportWhat; unitId?: string; format: 'csv' | 'xlsx' },
): Promise<StartedImport> {
  let unitId: string;
  if (input.what === 'units') {
    assertAllowed(principal, 'manageUnits', [principal.unitId]);
    unitId = principal.unitId;
  } else {
    unitId = (await unitInScope(deps.units, principal, input.unitId!, 'manageCheckpoints')).id;
  }
  const now = deps.clock.now();
  const contentType = input.format === 'csv' ? CSV_TYPE : XLSX_TYPE;
  const job: ImportJob = {
    importId: randomUUID(),
    what: input.what,
    unitId,
    contentType,
    principal,
    status: 'waiting',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    uploadExpiresAt: new Date(now.getTime() + UPLOAD_TTL_SECONDS * 1000).toISOString(),
    position: 0,
    created: 0,
    existing: 0,
    rejectedRows: 0,
    problems: [],
    pending: [],
  };
  // Recorded before the URL leaves: the upload's event always finds its job.
  await deps.jobs.putJob(job);
  const url = await deps.uploads.uploadUrl(job.importId, contentType, UPLOAD_TTL_SECONDS);
  await deps.queue.awaitUpload(job);
  return {
    importId: job.importId,
    status: job.status,
    upload: { url, method: 'PUT', headers: { 'content-type': contentType }, expiresAt: job.uploadExpiresAt },
  };
}

/** A job as its owner's unit sees it: 404 for an unknown id, 403 outside the token's scope. */
export async function getImport(
  deps: Pick<ImportJobDeps, 'units' | 'jobs'>,
  principal: Principal,
  importId: string,
): Promise<Omit<ImportJob, 'principal'> & { by: string }> {
  const job = await deps.jobs.getJob(importId);
  if (!job) throw new NotFoundError('unknown_import', `No import ${importId}`);
  const unit = await deps.units.getUnit(job.unitId);
  assertAllowed(
    principal,
    job.what === 'units' ? 'manageUnits' : 'manageCheckpoints',
    unit?.path ?? [job.unitId],
  );
  const { principal: by, ...view } = job;
  return { ...view, by: by.subject };
}

/**
 * Takes a job as far as `keepGoing` allows (the invocation's time), recording progress after each chunk; then
 * either finishes it or queues it to go on. Safe to run again for the same job at any point: a finished job is
 * left alone, and rows done before are found stored (by ref, or by the id their row gives them).
 */
export async function processImport(
  deps: ImportJobDeps,
  importId: string,
  keepGoing: () => boolean,
): Promise<ImportJob | undefined> {
  const job = await deps.jobs.getJob(importId);
  if (!job || job.status === 'succeeded' || job.status === 'failed') return job;
  const body = await deps.uploads.readUpload(importId);
  // An event for a file not (or no longer) there: nothing to do until it is.
  if (!body) return job;
  if (body.length > MAX_JOB_FILE_BYTES) {
    return fail(
      job,
      () => deps.jobs.putJob(job),
      new AppError(
        413,
        'file_too_large',
        `At most ${MAX_JOB_FILE_BYTES / 1024 / 1024} MB per file: split it`,
        [{ path: 'file', message: `Larger than ${MAX_JOB_FILE_BYTES / 1024 / 1024} MB` }],
      ),
    );
  }
  const sha = createHash('sha256').update(body).digest('hex');
  if (job.fileSha256 !== sha) {
    // A first read, or the file was replaced through the same URL: (re)start from its first row.
    Object.assign(job, { fileSha256: sha, position: 0, created: 0, existing: 0, rejectedRows: 0 });
    Object.assign(job, { problems: [], pending: [] });
  }
  job.status = 'running';
  job.passes = (job.passes ?? 0) + 1;
  const save = async () => {
    job.updatedAt = deps.clock.now().toISOString();
    await deps.jobs.putJob(job);
  };

  let rows: ImportRow[];
  try {
    const columns = job.what === 'units' ? UNIT_COLUMNS : CHECKPOINT_COLUMNS;
    ({ rows } = await readTable(body, job.contentType, columns, {
      maxRows: MAX_JOB_ROWS,
      xlsxLimits: JOB_XLSX_LIMITS,
    }));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return fail(job, save, err);
  }
  job.rows = rows.length;
  await save();

  try {
    if (job.what === 'units') {
      // Units go in one piece: a parent may be anywhere in the file (a province has thousands, not millions).
      add(job, await withRetries((r) => importUnits(deps, job.principal, r), rows));
      job.position = rows.length;
    } else {
      // By the rows' content, not the file's bytes: the same sheet saved again (new timestamps inside) is the same.
      const content = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
      const idOf = (unitId: string) => (row: number) => rowCheckpointId(content, unitId, row);
      // At least one chunk a pass, so a pass that spent its time reading the file still moves the job on.
      let chunks = 0;
      while (job.position < rows.length) {
        if (chunks++ > 0 && !keepGoing()) {
          await save();
          await deps.queue.continueLater(importId);
          deps.events.emit({ event: 'ImportContinued', importId, position: job.position });
          return job;
        }
        const chunk = rows.slice(job.position, job.position + JOB_CHUNK);
        add(
          job,
          await withRetries(
            (r) =>
              importCheckpoints(deps, job.principal, job.unitId, r, noDeadline(), { idOf: idOf(job.unitId) }),
            chunk,
          ),
        );
        job.position += chunk.length;
        await save();
      }
    }
  } catch (err) {
    // The token's unit gone or out of scope since the job started (403/404): the job fails, saying why.
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return fail(job, save, err);
  }
  job.status = 'succeeded';
  await save();
  deps.events.emit({
    event: 'ImportCompleted',
    importId,
    rows: rows.length,
    created: job.created,
    rejected: job.rejectedRows,
    pending: job.pending.length,
  });
  return job;
}

/**
 * A checkpoint id (UUID-shaped) for a row of a file: the same rows' row at the same unit always gets the same
 * id, so registering it again finds it. Rows of another file (or the row moved) get other ids; a ref still
 * matches them.
 */
export function rowCheckpointId(contentSha256: string, unitId: string, row: number): string {
  const h = createHash('sha256').update(`${contentSha256}\u0000${unitId}\u0000${row}`).digest('hex');
  // Version 8 (custom) UUID layout, so it reads as a UUID wherever ids are shown.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${'89ab'[parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Runs an import over rows, sending the rows it leaves pending again, a few times. */
async function withRetries(run: (rows: ImportRow[]) => Promise<ImportResult>, rows: ImportRow[]) {
  const total: ImportResult = { created: [], existing: [], rejected: [], pending: [] };
  let left = rows;
  for (let attempt = 0; attempt < CHUNK_ATTEMPTS && left.length > 0; attempt++) {
    const result = await run(left);
    total.created.push(...result.created);
    total.existing.push(...result.existing);
    total.rejected.push(...result.rejected);
    const pending = new Set(result.pending.map((p) => p.row));
    total.pending = result.pending;
    left = left.filter((r) => pending.has(r.row));
  }
  return total;
}

function add(job: ImportJob, result: ImportResult): void {
  job.created += result.created.length;
  job.existing += result.existing.length;
  job.rejectedRows += new Set(result.rejected.map((r) => r.row)).size;
  job.problems.push(...result.rejected.slice(0, Math.max(0, MAX_LISTED - job.problems.length)));
  job.pending.push(...result.pending.slice(0, Math.max(0, MAX_LISTED - job.pending.length)));
}

async function fail(job: ImportJob, save: () => Promise<void>, err: AppError): Promise<ImportJob> {
  job.status = 'failed';
  job.error = { code: err.code, message: err.message, details: err.details };
  await save();
  return job;
}
