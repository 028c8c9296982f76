import { pipeline, Readable, Transform } from 'node:stream';
import { parse as csvParser } from 'csv-parse';
import ExcelJS from 'exceljs';
import { type CentralDirectory, Open } from 'unzipper';
import { CSV_TYPE, XLSX_TYPE } from './content-types.ts';
import { AppError, ValidationError } from './errors.ts';
import { looseKey } from './kinds.ts';

/**
 * The spreadsheets provinces already keep, read into rows of text keyed by column: CSV (UTF-8, with or without
 * BOM) or the first sheet of an XLSX. The header row names the columns, in English (the API's field names) or in
 * the Vietnamese the provinces write; row numbers are the sheet's own, so a rejection points at the right line.
 *
 * Both are read as streams, a line at a time, and refused while reading: an upload of at most 6 MB can declare a
 * sheet of gigabytes (a zip bomb) or hold 100,000 short rows, and neither may cost more than the rows an import
 * takes. An XLSX is refused before any sheet is inflated when its zip directory declares a part larger than
 * MAX_XLSX_PART_BYTES (`sheet_too_large`) or its sheet's `<dimension ref>` spans more rows than an import takes
 * (`too_many_rows`); every part is inflated through a counter that stops at the limit whatever the zip declared,
 * and reading stops at the first row past MAX_IMPORT_ROWS.
 */
export interface ImportRow {
  row: number;
  values: Record<string, string>;
}

/** The rows read from a file or a JSON list. */
export interface ImportTable {
  rows: ImportRow[];
  /** Reading was stopped (the request's time ran out) before this line: it and the rest of the file were not read. */
  unreadFrom?: number;
}

export { CSV_TYPE, XLSX_TYPE };

/** Rows an import takes at once; a larger file is refused (413 `too_many_rows`) and is to be split. */
export const MAX_IMPORT_ROWS = 10_000;
/**
 * What one part of a workbook (the sheet, its shared strings) may unpack to, and all parts read together. A
 * sheet of MAX_IMPORT_ROWS rows takes 2–3 MB, 20 MB with long text in every cell.
 */
export const MAX_XLSX_PART_BYTES = 24 * 1024 * 1024;
export const MAX_XLSX_TOTAL_BYTES = 32 * 1024 * 1024;
/** The header row is looked for among the first lines that hold anything (a title or a note may come first). */
export const HEADER_SEARCH_LINES = 50;

/** Column headers as people write them → field names. Compared without case, spaces or diacritics. */
export function headerMap(aliases: Record<string, readonly string[]>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [field, names] of Object.entries(aliases)) {
    map.set(looseKey(field), field);
    for (const name of names) map.set(looseKey(name), field);
  }
  return map;
}

/** The field a column header names, if any. */
export function fieldOf(headers: Map<string, string>, header: string): string | undefined {
  return headers.get(looseKey(header));
}

export interface ReadOptions {
  /** Rows taken at most (data rows, after the header); one more is refused with 413. */
  maxRows?: number;
  /** Asked before each line: false stops reading, and the table says where (`unreadFrom`). */
  keepReading?: () => boolean;
  /** What an XLSX's sheet (and all its parts together) may unpack to: an import job's larger files take more. */
  xlsxLimits?: XlsxLimits;
}

export interface XlsxLimits {
  partBytes: number;
  totalBytes: number;
}

const REQUEST_XLSX_LIMITS: XlsxLimits = { partBytes: MAX_XLSX_PART_BYTES, totalBytes: MAX_XLSX_TOTAL_BYTES };

/** A line of the sheet: its own number and its cells as text. */
interface Line {
  row: number;
  cells: string[];
}

export async function readTable(
  body: Buffer,
  contentType: string,
  headers: Map<string, string>,
  options: ReadOptions = {},
): Promise<ImportTable> {
  const maxRows = options.maxRows ?? MAX_IMPORT_ROWS;
  const keepReading = options.keepReading ?? (() => true);
  const lines = contentType.startsWith(XLSX_TYPE)
    ? xlsxLines(body, maxRows, options.xlsxLimits ?? REQUEST_XLSX_LIMITS)
    : csvLines(body);
  const rows: ImportRow[] = [];
  let fields: (string | undefined)[] | undefined;
  let searched = 0;
  // Leaving the loop early (a refusal, the deadline) returns the generator, which closes its streams.
  for await (const line of lines) {
    if (line.cells.every((c) => c.trim() === '')) continue;
    if (!keepReading()) return { rows, unreadFrom: line.row };
    if (!fields) {
      if (line.cells.some((c) => headers.has(looseKey(c)))) {
        fields = line.cells.map((c) => headers.get(looseKey(c)));
      } else if (++searched >= HEADER_SEARCH_LINES) {
        break;
      }
      continue;
    }
    if (rows.length >= maxRows) throw tooManyRows(maxRows);
    const values: Record<string, string> = {};
    fields.forEach((field, i) => {
      const value = line.cells[i]?.trim();
      if (field && value) values[field] = value;
    });
    rows.push({ row: line.row, values });
  }
  if (!fields) {
    const known = [...new Set(headers.values())].join(', ');
    throw new ValidationError([{ path: 'body', message: `No header row naming the columns (${known})` }]);
  }
  return { rows };
}

export function tooManyRows(maxRows: number): AppError {
  return new AppError(413, 'too_many_rows', `At most ${maxRows} rows per import: split the file`, [
    { path: 'body', message: `More than ${maxRows} rows` },
  ]);
}

const CSV_CHUNK_BYTES = 64 * 1024;

/** CSV records one at a time: the parser is fed the body in slices, so it never holds all records at once. */
async function* csvLines(body: Buffer): AsyncGenerator<Line> {
  const slices = function* () {
    for (let i = 0; i < body.length; i += CSV_CHUNK_BYTES) yield body.subarray(i, i + CSV_CHUNK_BYTES);
  };
  const parser = Readable.from(slices()).pipe(
    csvParser({ bom: true, relax_column_count: true, skip_empty_lines: false }),
  );
  let row = 0;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) yield { row: ++row, cells };
  } catch (err) {
    throw new ValidationError([{ path: 'body', message: `Not readable as CSV: ${(err as Error).message}` }]);
  } finally {
    parser.destroy();
  }
}

const notXlsx = (message = 'Not readable as an XLSX workbook') =>
  new ValidationError([{ path: 'body', message }]);

function sheetTooLarge(limit: number, bytes?: number): AppError {
  const mb = (n: number) => `${Math.ceil(n / 1024 / 1024)} MB`;
  const size = bytes === undefined ? 'more' : mb(bytes);
  return new AppError(
    413,
    'sheet_too_large',
    `The workbook unpacks to ${size}; an import reads at most ${mb(limit)} of a sheet: split the file`,
    [{ path: 'body', message: `Unpacks to more than ${mb(limit)}` }],
  );
}

/**
 * exceljs's streaming reader, driven part by part. Its own walk through the zip inflates every part in zip order
 * with no limit, and spools a sheet stored before its shared strings (as Excel stores them) to a temporary file
 * that an early stop leaves behind; here each part is taken from the zip's directory, through a byte counter, in
 * the order the sheet needs them. These are the reader's own steps (exceljs is pinned in package.json; the
 * import tests read real workbooks through them).
 */
interface PartReader {
  workbookRels?: { Id: string; Target: string }[];
  model?: { sheets?: { rId: string }[] };
  _parseRels(part: Readable): Promise<void>;
  _parseWorkbook(part: Readable): Promise<void>;
  _parseStyles(part: Readable): Promise<void>;
  _parseSharedStrings(part: Readable): AsyncIterable<unknown>;
  _parseWorksheet(part: Readable, sheetNo: string): Iterable<{ value: AsyncIterable<ExcelJS.Row> }>;
}

const SHEET_PART = /^xl\/worksheets\/sheet(\d+)\.xml$/;
const DIMENSION_PEEK_BYTES = 64 * 1024;

async function* xlsxLines(body: Buffer, maxRows: number, limits: XlsxLimits): AsyncGenerator<Line> {
  const tooLarge = (bytes?: number) => sheetTooLarge(limits.partBytes, bytes);
  let directory: CentralDirectory;
  try {
    directory = await Open.buffer(body);
  } catch {
    throw notXlsx();
  }
  const files = new Map(directory.files.map((f) => [f.path, f]));
  let unpacked = 0;
  /**
   * A part, inflated through a counter that fails as `sheet_too_large` past the limit, whatever the zip declared.
   * A part declared larger is refused before it is inflated at all (but for a look at its first bytes).
   */
  const open = (path: string, { peek = false } = {}): Readable | undefined => {
    const file = files.get(path);
    if (!file) return undefined;
    if (!peek && file.uncompressedSize > limits.partBytes) throw tooLarge(file.uncompressedSize);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        unpacked += chunk.length;
        if (bytes > limits.partBytes || unpacked > limits.totalBytes) done(tooLarge());
        else done(null, chunk);
      },
    });
    return pipeline(file.stream(), counter, () => {});
  };
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([]), {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
  }) as unknown as PartReader;

  const step = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw err instanceof AppError ? err : notXlsx();
    }
  };
  const rels = open('xl/_rels/workbook.xml.rels');
  const book = open('xl/workbook.xml');
  if (!rels || !book) throw notXlsx();
  await step(() => reader._parseRels(rels));
  await step(() => reader._parseWorkbook(book));
  const sheetPath = firstSheetPath(reader, [...files.keys()]);
  if (!sheetPath) throw notXlsx('The workbook has no sheet');

  // Before anything large is inflated: the sheet's own count of its rows, and what the directory declares.
  const spanned = await step(() => dimensionRows(open(sheetPath, { peek: true })!));
  if (spanned !== undefined && spanned > maxRows + HEADER_SEARCH_LINES) throw tooManyRows(maxRows);
  const parts = [sheetPath, 'xl/sharedStrings.xml', 'xl/styles.xml'];
  const declared = parts.reduce((sum, p) => sum + (files.get(p)?.uncompressedSize ?? 0), 0);
  if (declared > limits.totalBytes) throw tooLarge(declared);
  unpacked = 0;

  const styles = open('xl/styles.xml');
  if (styles) await step(() => reader._parseStyles(styles));
  const strings = open('xl/sharedStrings.xml');
  if (strings) {
    await step(async () => {
      for await (const _ of reader._parseSharedStrings(strings));
    });
  }
  const sheetNo = SHEET_PART.exec(sheetPath)?.[1] ?? '1';
  const [worksheet] = [...reader._parseWorksheet(open(sheetPath)!, sheetNo)];
  if (!worksheet) throw notXlsx('The workbook has no sheet');
  const rows = worksheet.value[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await step(() => rows.next());
      if (next.done) return;
      yield { row: next.value.number, cells: cellsOf(next.value) };
    }
  } finally {
    // Stops the sheet's parser and destroys its stream, and with it the inflater.
    await rows.return?.();
  }
}

/** The sheet the workbook lists first (its own order, not the zip's); the lowest-numbered sheet part otherwise. */
function firstSheetPath(reader: PartReader, paths: string[]): string | undefined {
  const rId = reader.model?.sheets?.[0]?.rId;
  const target = reader.workbookRels?.find((r) => r.Id === rId)?.Target;
  if (target) {
    const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
    if (paths.includes(path)) return path;
  }
  return paths
    .filter((p) => SHEET_PART.test(p))
    .sort((a, b) => Number(SHEET_PART.exec(a)![1]) - Number(SHEET_PART.exec(b)![1]))[0];
}

/**
 * The rows a sheet says it spans (`<dimension ref="A1:G7001"/>`, written before its rows by Excel, LibreOffice and
 * exceljs), read from its first bytes; undefined when it says nothing.
 */
async function dimensionRows(part: Readable): Promise<number | undefined> {
  let head = '';
  try {
    for await (const chunk of part) {
      head += (chunk as Buffer).toString('utf8');
      const ref = /<(?:\w+:)?dimension\s+ref="[A-Z]*(\d+)(?::[A-Z]*(\d+))?"/.exec(head);
      if (ref) return Number(ref[2] ?? ref[1]) - Number(ref[1]) + 1;
      if (/<(?:\w+:)?sheetData[\s>/]/.test(head) || head.length > DIMENSION_PEEK_BYTES) return undefined;
    }
    return undefined;
  } finally {
    part.destroy();
  }
}

function cellsOf(row: ExcelJS.Row): string[] {
  // row.values is 1-based and sparse: a hole is an empty cell.
  const values = row.values as ExcelJS.CellValue[];
  return Array.from({ length: Math.max(0, values.length - 1) }, (_, i) => cellText(values[i + 1]));
}

function cellText(value: ExcelJS.CellValue | undefined): string {
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
    if ('error' in value) return '';
  }
  return String(value);
}
