import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import cliProgress from 'cli-progress';
import { AppError, type ErrorDetail } from '../core/errors.ts';
import { CHECKPOINT_COLUMNS, type RowProblem, UNIT_COLUMNS } from '../core/import.ts';
import { CSV_TYPE, readTable, XLSX_TYPE } from '../core/import-file.ts';
import { JOB_XLSX_LIMITS, MAX_JOB_ROWS } from '../core/import-jobs.ts';

/** How often the job's progress is asked for. */
const POLL_MS = 500;

/** What `vaora import` ends with: the job's counts, and each row problem the job kept. */
export interface ImportSummary {
  importId: string;
  status: 'succeeded' | 'failed';
  rows: number;
  created: number;
  existing: number;
  rejectedRows: number;
  problems: RowProblem[];
  pending: { row: number; message?: string }[];
  error?: { code: string; message: string; details: ErrorDetail[] };
}

/**
 * `vaora import`: checks the file's header here (so a file with the wrong columns is refused before anything is
 * sent), then imports it as a job (POST /v1/imports, the file PUT straight to storage, GET /v1/imports/{id}
 * followed with a progress bar): no size limit but the job's, and nothing stored twice if run again.
 */
export async function importFile(options: {
  url: string;
  token: string;
  file: string;
  what: 'checkpoints' | 'units';
  unitId?: string;
}): Promise<ImportSummary> {
  const format = extname(options.file).toLowerCase() === '.csv' ? 'csv' : 'xlsx';
  const type = format === 'csv' ? CSV_TYPE : XLSX_TYPE;
  const columns = options.what === 'units' ? UNIT_COLUMNS : CHECKPOINT_COLUMNS;
  const body = await readFile(options.file);
  let rows: number;
  try {
    rows = (await readTable(body, type, columns, { maxRows: MAX_JOB_ROWS, xlsxLimits: JOB_XLSX_LIMITS })).rows
      .length;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    throw new Error(errorText(options.file, err));
  }
  const started = await api(options, 'POST', '/v1/imports', {
    what: options.what,
    format,
    ...(options.unitId ? { unitId: options.unitId } : {}),
  });
  const { importId, upload } = started as {
    importId: string;
    upload: { url: string; method: string; headers: Record<string, string> };
  };
  const put = await fetch(upload.url, { method: upload.method, headers: upload.headers, body });
  if (!put.ok)
    throw new Error(`The upload of ${options.file} answered ${put.status}: run the same command again`);

  const bar = new cliProgress.SingleBar(
    { format: `Importing ${options.what} {bar} {value}/{total} rows`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(rows, 0);
  try {
    for (;;) {
      const job = (await api(options, 'GET', `/v1/imports/${importId}`)) as ImportSummary & {
        position: number;
      };
      bar.update(job.position);
      if (job.status === 'succeeded' || job.status === 'failed') return { ...job, rows: job.rows ?? rows };
      await new Promise((ok) => setTimeout(ok, POLL_MS));
    }
  } finally {
    bar.stop();
  }
}

async function api(options: { url: string; token: string }, method: string, path: string, json?: unknown) {
  const res = await fetch(`${options.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.token}`,
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new Error(apiErrorText(`${path} answered ${res.status}`, body ?? text));
  return body;
}

/**
 * What the API said, as a person reads it: the error's message and each detail on its own line (`path: message`),
 * e.g. which column headers the file lacks. Also for API Gateway's own answers (`{"message"}`) and non-JSON ones.
 */
export function apiErrorText(what: string, body: unknown): string {
  const error = (body as { error?: { code?: string; message?: string; details?: ErrorDetail[] } })?.error;
  if (error) {
    return errorText(what, {
      message: `${error.message ?? ''}${error.code ? ` (${error.code})` : ''}`,
      details: Array.isArray(error.details) ? error.details : [],
    });
  }
  const message = (body as { message?: string })?.message ?? (typeof body === 'string' ? body.trim() : '');
  return message ? `${what}: ${message.slice(0, 500)}` : what;
}

function errorText(what: string, error: { message: string; details: readonly ErrorDetail[] }): string {
  const lines = error.details.map((d) => `  ${d.path || 'body'}: ${d.message}`);
  return [`${what}: ${error.message}`, ...lines].join('\n');
}
