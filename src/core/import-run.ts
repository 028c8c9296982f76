import { createHash } from 'node:crypto';
import { AppError } from './errors.ts';
import {
  CHECKPOINT_COLUMNS,
  type ImportResult,
  importCheckpoints,
  importUnits,
  noDeadline,
  UNIT_COLUMNS,
} from './import.ts';
import { type ImportRow, readTable } from './import-file.ts';
import {
  CHUNK_ATTEMPTS,
  type ImportJob,
  type ImportJobDeps,
  JOB_CHUNK,
  JOB_XLSX_LIMITS,
  MAX_JOB_FILE_BYTES,
  MAX_JOB_ROWS,
  MAX_LISTED,
} from './import-jobs.ts';

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
