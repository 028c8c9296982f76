import type { Writable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import {
  activeRatio,
  REPORT_COLUMNS,
  type ReportFigures,
  TOTALS_LABEL,
  type UnitReport,
} from '../core/report.ts';
import { TIME_ZONE } from '../core/time.ts';

/**
 * Where things sit on the sheet. Rows 1–3 are the title block of the Hải Hà table (seed 004), row 4 is a
 * spacer, row 5 the headers, row 6 the column numbers; the panes freeze below row 6 and both header rows
 * repeat on every printed page.
 */
export const XLSX_LAYOUT = {
  sheetName: 'Báo cáo',
  titleRows: [1, 2, 3],
  headerRow: 5,
  numberRow: 6,
  firstDataRow: 7,
  columnCount: REPORT_COLUMNS.length + 1,
} as const;

/** Column (6): the fraction with a percent format, so Excel shows 13.51% and formulas can use it directly. */
export const RATIO_NUM_FMT = '0.00%';
export const COUNT_NUM_FMT = '#,##0';

/** Rows written between yields: small enough that the zip stage keeps up, large enough to stay fast. */
const ROWS_PER_BATCH = 256;
/** XML the zip entry may hold before the writer waits for it to be deflated. */
const ENTRY_BACKLOG_BYTES = 1024 * 1024;

/** Vietnamese administrative documents are set in Times New Roman (Nghị định 30/2020/NĐ-CP). */
const FONT_NAME = 'Times New Roman';
const FONT = { name: FONT_NAME, size: 12 } as const;
const BOLD = { ...FONT, bold: true } as const;
const THIN = { style: 'thin' } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN } as const;

type Style = Partial<ExcelJS.Style>;

/**
 * Shared, never-mutated style objects: every cell points at one of these, so 100k rows cost no per-cell
 * style objects and exceljs's style table stays at a handful of entries.
 */
const STYLE = {
  title: { font: { ...BOLD, size: 14 }, alignment: { horizontal: 'center', vertical: 'middle' } },
  subtitle: { font: BOLD, alignment: { horizontal: 'center', vertical: 'middle', wrapText: true } },
  header: {
    font: BOLD,
    border: BORDER,
    alignment: { horizontal: 'center', vertical: 'middle', wrapText: true },
  },
  number: { font: { ...FONT, italic: true }, border: BORDER, alignment: { horizontal: 'center' } },
  ordinal: { font: FONT, border: BORDER, alignment: { horizontal: 'center', vertical: 'middle' } },
  name: { font: FONT, border: BORDER, alignment: { vertical: 'middle', wrapText: true } },
  count: { font: FONT, border: BORDER, numFmt: COUNT_NUM_FMT, alignment: { vertical: 'middle' } },
  ratio: { font: FONT, border: BORDER, numFmt: RATIO_NUM_FMT, alignment: { vertical: 'middle' } },
  totalLabel: { font: BOLD, border: BORDER, alignment: { horizontal: 'center', vertical: 'middle' } },
  totalCount: { font: BOLD, border: BORDER, numFmt: COUNT_NUM_FMT, alignment: { vertical: 'middle' } },
  totalRatio: { font: BOLD, border: BORDER, numFmt: RATIO_NUM_FMT, alignment: { vertical: 'middle' } },
} satisfies Record<string, Style>;

/** TT, Đơn vị, then the five figures: wide enough for "Thị trấn Quảng Hà" and wrapped headers. */
const COLUMN_WIDTHS = [6, 32, 14, 16, 18, 16, 14, 16];
const HEADER_ROW_HEIGHT = 80;

/** "06/01/2022 - 12/01/2022", as the provinces write a period. */
export function formatPeriod(period: UnitReport['period']): string {
  return `${formatDay(period.start)} - ${formatDay(period.end)}`;
}

function formatDay(day: string): string {
  const date = DateTime.fromISO(day, { zone: TIME_ZONE });
  if (!date.isValid) throw new RangeError(`Not a local date: ${day}`);
  return date.toFormat('dd/MM/yyyy');
}

/** The three title lines above the table. */
export function xlsxTitle(report: UnitReport): [string, string, string] {
  return [
    'DANH SÁCH',
    `Số lượng điểm kiểm soát dịch bằng mã QR tại ${report.unit.name}`,
    `tính từ ngày ${formatPeriod(report.period)}`,
  ];
}

/** Excel stores (6) as a fraction; activeRatio is already rounded to two decimals of a percent. */
function ratioFraction(figures: ReportFigures): number | null {
  const ratio = activeRatio(figures);
  return ratio === null ? null : Math.round(ratio * 100) / 10_000;
}

/**
 * Streams the weekly report as an .xlsx workbook into `out` and resolves once `out` has finished.
 * Memory stays flat in the number of rows: each row is committed (serialised) as soon as it is written,
 * and the loop waits for the zip stage and `out` to drain so a slow consumer cannot make it buffer.
 */
export async function renderXlsx(report: UnitReport, out: Writable): Promise<void> {
  const title = xlsxTitle(report);
  const period = formatPeriod(report.period);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const generatedAt = new Date(report.generatedAt);
  workbook.created = generatedAt;
  workbook.modified = generatedAt;
  workbook.creator = 'vaora';
  workbook.lastModifiedBy = 'vaora';
  workbook.title = `${title[1]} ${title[2]}`;

  const { headerRow, numberRow, firstDataRow, columnCount } = XLSX_LAYOUT;
  // Views and page setup are written when the sheet opens (streaming), so they go in here, not later.
  const sheet = workbook.addWorksheet(XLSX_LAYOUT.sheetName, {
    views: [
      {
        state: 'frozen',
        xSplit: 0,
        ySplit: numberRow,
        topLeftCell: `A${firstDataRow}`,
        activeCell: `A${firstDataRow}`,
      },
    ],
    pageSetup: {
      paperSize: 9, // A4
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0, // as many pages tall as the rows need
      horizontalCentered: true,
      printTitlesRow: `${headerRow}:${numberRow}`,
      margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: `&L${period}&RTrang &P/&N` },
  });
  sheet.columns = COLUMN_WIDTHS.map((width) => ({ width }));

  const lastColumn = String.fromCharCode(64 + columnCount);
  for (const [i, text] of title.entries()) {
    const rowNumber = XLSX_LAYOUT.titleRows[i]!;
    const row = sheet.getRow(rowNumber);
    const cell = row.getCell(1);
    cell.value = text;
    cell.style = i === 0 ? STYLE.title : STYLE.subtitle;
    row.height = i === 0 ? 21 : 18;
    sheet.mergeCells(`A${rowNumber}:${lastColumn}${rowNumber}`);
  }

  const header = sheet.getRow(headerRow);
  ['TT', ...REPORT_COLUMNS.map((c) => c.header)].forEach((text, i) => {
    const cell = header.getCell(i + 1);
    cell.value = text;
    cell.style = STYLE.header;
  });
  header.height = HEADER_ROW_HEIGHT;

  // Text, not numbers: a SUM over a whole column must not pick up the column's own number.
  const numbers = sheet.getRow(numberRow);
  ['', '1', '2', '3', '4', '5', '6=(5/2)*100', '7'].forEach((text, i) => {
    const cell = numbers.getCell(i + 1);
    cell.value = text === '' ? null : text;
    cell.style = STYLE.number;
  });
  numbers.commit(); // also commits the title and header rows above it

  let rowNumber = firstDataRow;
  for (const [i, entry] of report.rows.entries()) {
    const row = sheet.getRow(rowNumber++);
    setCell(row, 1, i + 1, STYLE.ordinal);
    setCell(row, 2, entry.unitName, STYLE.name);
    setFigures(row, entry, STYLE.count, STYLE.ratio);
    row.commit();
    if ((i + 1) % ROWS_PER_BATCH === 0) await backpressure(sheet, out);
  }

  const totals = sheet.getRow(rowNumber);
  setCell(totals, 1, null, STYLE.totalLabel);
  setCell(totals, 2, TOTALS_LABEL, STYLE.totalLabel);
  setFigures(totals, report.totals, STYLE.totalCount, STYLE.totalRatio);
  totals.commit();

  sheet.commit();
  await workbook.commit();
}

function setCell(row: ExcelJS.Row, column: number, value: ExcelJS.CellValue, style: Style): void {
  const cell = row.getCell(column);
  cell.value = value;
  cell.style = style;
}

function setFigures(row: ExcelJS.Row, figures: ReportFigures, count: Style, ratio: Style): void {
  setCell(row, 3, figures.checkpointsTotal, count);
  setCell(row, 4, figures.checkpointsNew, count);
  setCell(row, 5, figures.checkins, count);
  setCell(row, 6, figures.activeCheckpoints, count);
  setCell(row, 7, ratioFraction(figures), ratio);
  setCell(row, 8, figures.namingViolations, count);
}

/**
 * exceljs writes each committed row's XML into its zip entry without heeding that stream's backpressure
 * (archiver wraps exceljs's buffer in a readable-stream PassThrough, which only deflates as fast as the
 * zip is read). Left alone, 100k rows pile up there as ~70 MB of XML. So after each batch we give the
 * event loop a turn, wait for the entry once it holds more than ENTRY_BACKLOG_BYTES, and wait for `out`.
 */
async function backpressure(sheet: ExcelJS.Worksheet, out: Writable): Promise<void> {
  await setImmediate();
  for (const entry of zipEntrySinks(sheet)) {
    if (pendingBytes(entry) > ENTRY_BACKLOG_BYTES) await drained(entry);
  }
  if (out.writableNeedDrain) await drained(out);
}

/** The streams exceljs pipes the sheet's XML into; empty if exceljs's internals ever change shape. */
function zipEntrySinks(sheet: ExcelJS.Worksheet): Writable[] {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  return Array.isArray(pipes) ? pipes.filter(isWritable) : [];
}

function isWritable(value: unknown): value is Writable {
  const s = value as Partial<Writable> | null;
  return typeof s?.once === 'function' && typeof s.write === 'function';
}

/** Bytes written but not yet taken; readable-stream v2 (archiver's) has no writableLength, only its state. */
function pendingBytes(stream: Writable): number {
  const legacy = stream as unknown as { _writableState?: { length?: number } };
  return stream.writableLength ?? legacy._writableState?.length ?? 0;
}

function drained(stream: Writable): Promise<void> {
  if (stream.destroyed) return Promise.reject(new Error('xlsx output closed before the report was written'));
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('xlsx output closed before the report was written'));
    stream.once('drain', onDrain);
    stream.once('close', onClose);
    stream.once('error', done);
  });
}
