import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import cliProgress from 'cli-progress';
import { AppError, type ErrorDetail } from '../core/errors.ts';
import { CHECKPOINT_COLUMNS, type ImportResult, UNIT_COLUMNS } from '../core/import.ts';
import { CSV_TYPE, type ImportRow, readTable, XLSX_TYPE } from '../core/import-file.ts';

/** Rows per request: small enough for a Lambda's time and payload, large enough to go fast. */
const CHUNK = 500;

/**
 * `vaora import`: reads a spreadsheet here, sends its rows in chunks to the import route with their own row
 * numbers, and shows progress; the answers add up to one result, rejections pointing at the file's rows.
 */
export async function importFile(options: {
  url: string;
  token: string;
  file: string;
  what: 'checkpoints' | 'units';
  unitId?: string;
}): Promise<ImportResult> {
  const type = extname(options.file).toLowerCase() === '.csv' ? CSV_TYPE : XLSX_TYPE;
  const columns = options.what === 'units' ? UNIT_COLUMNS : CHECKPOINT_COLUMNS;
  let rows: ImportRow[];
  try {
    ({ rows } = await readTable(await readFile(options.file), type, columns));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    throw new Error(errorText(options.file, err));
  }
  const path =
    options.what === 'units' ? '/v1/units/import' : `/v1/units/${options.unitId}/checkpoints/import`;
  const total: ImportResult = { created: [], existing: [], rejected: [], pending: [] };
  const bar = new cliProgress.SingleBar(
    { format: `Importing ${options.what} {bar} {value}/{total} rows`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(rows.length, 0);
  try {
    // Units go in one request: a parent may be anywhere in the file.
    const size = options.what === 'units' ? rows.length : CHUNK;
    for (let i = 0; i < rows.length; i += size) {
      let chunk = rows.slice(i, i + size);
      // Rows the server had no time for come back pending: send them again (safe, refs are never doubled).
      for (let attempt = 0; chunk.length > 0 && attempt < 5; attempt++) {
        const result = await send(options, path, options.what, chunk);
        total.created.push(...result.created);
        total.existing.push(...result.existing);
        total.rejected.push(...result.rejected);
        const pending = new Set((result.pending ?? []).map((p) => p.row));
        bar.increment(chunk.length - pending.size);
        chunk = chunk.filter((r) => pending.has(r.row));
      }
      total.pending.push(...chunk.map(({ row }) => ({ row })));
    }
  } finally {
    bar.stop();
  }
  return total;
}

async function send(
  options: { url: string; token: string },
  path: string,
  what: 'checkpoints' | 'units',
  rows: ImportRow[],
): Promise<ImportResult> {
  const res = await fetch(`${options.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ [what]: rows.map(({ row, values }) => ({ row, ...values })) }),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new Error(apiErrorText(`${path} answered ${res.status}`, body ?? text));
  return body as ImportResult;
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
