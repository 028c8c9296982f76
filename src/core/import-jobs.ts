import { randomUUID } from 'node:crypto';
import { assertAllowed } from './access.ts';
import type { RegistrationDeps } from './checkpoints.ts';
import { CSV_TYPE, XLSX_TYPE } from './content-types.ts';
import { type ErrorDetail, NotFoundError } from './errors.ts';
import type { RowProblem } from './import.ts';
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
 *
 * Starting and following a job is here; running one (reading the file: exceljs, csv-parse) is in
 * ./import-run.ts, so only the function that runs jobs (process-import) bundles the readers.
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
export const CHUNK_ATTEMPTS = 3;
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
