import type { ImportRow } from '../../src/core/import-file.ts';
import { CSV_TYPE, fieldOf, readTable, XLSX_TYPE } from '../../src/core/import-file.ts';

/** What an import route accepts besides JSON: the spreadsheets, as the raw body (Lambda's 6 MB payload at most). */
export const SPREADSHEETS = { contentTypes: [CSV_TYPE, XLSX_TYPE], maxBytes: 6 * 1024 * 1024 } as const;

/** The rows of an import, from a spreadsheet body or a JSON list. */
export async function importRows(
  raw: { body: Buffer; contentType: string } | undefined,
  items: Record<string, string | number | null>[] | undefined,
  columns: Map<string, string>,
): Promise<ImportRow[]> {
  if (raw) return (await readTable(raw.body, raw.contentType, columns)).rows;
  return (items ?? []).map((item, i) => {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(item)) {
      const field = fieldOf(columns, key);
      if (field && value !== null && String(value).trim() !== '') values[field] = String(value).trim();
    }
    const row = Number(item.row);
    return { row: Number.isInteger(row) && row > 0 ? row : i + 1, values };
  });
}
