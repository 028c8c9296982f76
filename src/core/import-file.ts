import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { ValidationError } from './errors.ts';

/**
 * The spreadsheets provinces already keep, read into rows of text keyed by column: CSV (UTF-8, with or without
 * BOM) or the first sheet of an XLSX. The header row names the columns, in English (the API's field names) or in
 * the Vietnamese the provinces write; row numbers are the sheet's own, so a rejection points at the right line.
 */
export interface ImportRow {
  row: number;
  values: Record<string, string>;
}

export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Column headers as people write them → field names. Compared without case, spaces or diacritics. */
export function headerMap(aliases: Record<string, readonly string[]>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [field, names] of Object.entries(aliases)) {
    map.set(fold(field), field);
    for (const name of names) map.set(fold(name), field);
  }
  return map;
}

/** The field a column header names, if any. */
export function fieldOf(headers: Map<string, string>, header: string): string | undefined {
  return headers.get(fold(header));
}

export async function readTable(
  body: Buffer,
  contentType: string,
  headers: Map<string, string>,
): Promise<ImportRow[]> {
  const grid = contentType.startsWith(XLSX_TYPE) ? await xlsxGrid(body) : csvGrid(body);
  const header = grid.find((r) => r.cells.some((c) => headers.has(fold(c))));
  if (!header) {
    const known = [...new Set(headers.values())].join(', ');
    throw new ValidationError([{ path: 'body', message: `No header row naming the columns (${known})` }]);
  }
  const fields = header.cells.map((c) => headers.get(fold(c)));
  const rows: ImportRow[] = [];
  for (const line of grid) {
    if (line.row <= header.row || line.cells.every((c) => c.trim() === '')) continue;
    const values: Record<string, string> = {};
    fields.forEach((field, i) => {
      const value = line.cells[i]?.trim();
      if (field && value) values[field] = value;
    });
    rows.push({ row: line.row, values });
  }
  return rows;
}

function csvGrid(body: Buffer): { row: number; cells: string[] }[] {
  try {
    const records: string[][] = parse(body, { bom: true, relax_column_count: true, skip_empty_lines: false });
    return records.map((cells, i) => ({ row: i + 1, cells }));
  } catch (err) {
    throw new ValidationError([{ path: 'body', message: `Not readable as CSV: ${(err as Error).message}` }]);
  }
}

async function xlsxGrid(body: Buffer): Promise<{ row: number; cells: string[] }[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(body as unknown as ExcelJS.Buffer);
  } catch {
    throw new ValidationError([{ path: 'body', message: 'Not readable as an XLSX workbook' }]);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new ValidationError([{ path: 'body', message: 'The workbook has no sheet' }]);
  const grid: { row: number; cells: string[] }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      cells[column - 1] = cellText(cell.value);
    });
    grid.push({ row: number, cells: Array.from(cells, (c) => c ?? '') });
  });
  return grid;
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  // Excel stores a date without a zone; exceljs hands it over as that wall time in UTC. A bare date stays a date.
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19);
  }
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value) return String(value.text);
    if ('result' in value) return String(value.result ?? '');
  }
  return String(value);
}
