import type { Context } from 'aws-lambda';
import * as z from 'zod';
import {
  API_GATEWAY_TIMEOUT_MS,
  type Deadline,
  type ImportSource,
  importDeadline,
} from '../../src/core/import.ts';
import type { ImportRow } from '../../src/core/import-file.ts';
import { CSV_TYPE, fieldOf, readTable, XLSX_TYPE } from '../../src/core/import-file.ts';

/** What an import route accepts besides JSON: the spreadsheets, as the raw body (Lambda's 6 MB payload at most). */
export const SPREADSHEETS = { contentTypes: [CSV_TYPE, XLSX_TYPE], maxBytes: 6 * 1024 * 1024 } as const;

/**
 * IMPORT_BUDGET_MS, optional: the most an import request works (ms) before answering the rest `pending`, when
 * that is shorter than what the Lambda has left. Unset in AWS; the integration tests and the bench set it to see
 * requests end with rows pending without waiting for thousands of rows. Read once, at cold start.
 */
const BUDGET_MS = z.coerce
  .number()
  .int()
  .positive()
  .optional()
  .parse(process.env.IMPORT_BUDGET_MS || undefined);

/**
 * The import's deadline, counted from the request's start: Lambda's remaining time (which counts down from the
 * invocation's start, so whatever came before the handler is already spent), within API Gateway's 30 s.
 */
export function requestDeadline(context: Partial<Pick<Context, 'getRemainingTimeInMillis'>>): Deadline {
  // A context without a clock (a test calling the handler) gets API Gateway's limit.
  const remaining = context.getRemainingTimeInMillis?.() ?? API_GATEWAY_TIMEOUT_MS;
  return importDeadline(remaining, BUDGET_MS ? { budgetMs: BUDGET_MS } : {});
}

/** The rows of an import: a spreadsheet body, read within the deadline once the core says so, or a JSON list. */
export function importSource(
  raw: { body: Buffer; contentType: string } | undefined,
  items: Record<string, string | number | null>[] | undefined,
  columns: Map<string, string>,
): ImportSource {
  if (raw) {
    return (deadline) => readTable(raw.body, raw.contentType, columns, { keepReading: deadline.open });
  }
  return (items ?? []).map((item, i): ImportRow => {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(item)) {
      const field = fieldOf(columns, key);
      if (field && value !== null && String(value).trim() !== '') values[field] = String(value).trim();
    }
    const row = Number(item.row);
    return { row: Number.isInteger(row) && row > 0 ? row : i + 1, values };
  });
}
