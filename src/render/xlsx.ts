import type { Writable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import {
  activeRatio,
  type CheckpointRow,
  changeOf,
  type IdleCheckpoint,
  type ListedCheckpoint,
  type RankedUnit,
  REPORT_COLUMNS,
  type ReportFigures,
  type ReportRow,
  TOTALS_LABEL,
  type UnitReport,
} from '../core/report.ts';
import {
  CHECKPOINT_COLUMNS,
  comparisonLine,
  formatCount,
  formatPeriod,
  kindName,
  localDayOf,
  NEVER_ACTIVE,
  NO,
  RATIO_LABEL,
  YES,
} from './report-text.ts';
import { addSheetImage, pngSize } from './xlsx-image.ts';

/**
 * Where things sit on the main sheet. Rows 1–3 are the title block of the Hải Hà table (seed 004), row 4 the
 * comparison with the seven days before (where the seed has its italic line under the title), row 5 the headers,
 * row 6 the column numbers; the panes freeze below row 6 and both header rows repeat on every printed page.
 */
export const XLSX_LAYOUT = {
  sheetName: 'Báo cáo',
  titleRows: [1, 2, 3],
  comparisonRow: 4,
  headerRow: 5,
  numberRow: 6,
  firstDataRow: 7,
  columnCount: REPORT_COLUMNS.length + 1,
} as const;

/** The workbook's sheets, in tab order. Xếp hạng is left out of a leaf's report. */
export const XLSX_SHEETS = {
  report: XLSX_LAYOUT.sheetName,
  comparison: 'So sánh',
  idle: 'Không hoạt động',
  ranking: 'Xếp hạng',
  newCheckpoints: 'Điểm mới',
  naming: 'Đặt tên',
} as const;

/**
 * The other sheets: a title line (what, where), a second line (the period and the count), a spacer, the headers
 * (one row, or two on So sánh, whose groups each span three columns), then the rows.
 */
export const LIST_LAYOUT = { titleRow: 1, subtitleRow: 2, headerRow: 4 } as const;

/** Column (6): the fraction with a percent format, so Excel shows 13.51% and formulas can use it directly. */
export const RATIO_NUM_FMT = '0.00%';
export const COUNT_NUM_FMT = '#,##0';
/** A difference shows its sign: +1,234 / -6,019 / 0. */
export const DIFF_NUM_FMT = '+#,##0;-#,##0;0';
/** A difference of ratios, in percentage points (the value is 1.25 for +1.25 points). */
export const RATIO_DIFF_NUM_FMT = '+0.00;-0.00;0.00';
export const DATE_NUM_FMT = 'dd/mm/yyyy';

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
const MIDDLE = { vertical: 'middle' } as const;
const CENTER = { horizontal: 'center', vertical: 'middle' } as const;

type Style = Partial<ExcelJS.Style>;

function cellStyle(
  font: Partial<ExcelJS.Font>,
  numFmt?: string,
  alignment: Style['alignment'] = MIDDLE,
): Style {
  return numFmt ? { font, border: BORDER, numFmt, alignment } : { font, border: BORDER, alignment };
}

/**
 * Shared, never-mutated style objects: every cell points at one of these, so 100k rows cost no per-cell
 * style objects and exceljs's style table stays at a handful of entries.
 */
const STYLE = {
  title: { font: { ...BOLD, size: 14 }, alignment: CENTER },
  subtitle: { font: BOLD, alignment: { ...CENTER, wrapText: true } },
  comparison: { font: { ...FONT, italic: true }, alignment: { ...CENTER, wrapText: true } },
  header: cellStyle(BOLD, undefined, { ...CENTER, wrapText: true }),
  number: cellStyle({ ...FONT, italic: true }, undefined, { horizontal: 'center' }),
  ordinal: cellStyle(FONT, undefined, CENTER),
  name: cellStyle(FONT, undefined, { ...MIDDLE, wrapText: true }),
  centered: cellStyle(FONT, undefined, CENTER),
  date: cellStyle(FONT, DATE_NUM_FMT, CENTER),
  count: cellStyle(FONT, COUNT_NUM_FMT),
  ratio: cellStyle(FONT, RATIO_NUM_FMT),
  diff: cellStyle(FONT, DIFF_NUM_FMT),
  ratioDiff: cellStyle(FONT, RATIO_DIFF_NUM_FMT),
  totalLabel: cellStyle(BOLD, undefined, CENTER),
  totalCount: cellStyle(BOLD, COUNT_NUM_FMT),
  totalRatio: cellStyle(BOLD, RATIO_NUM_FMT),
  totalDiff: cellStyle(BOLD, DIFF_NUM_FMT),
  totalRatioDiff: cellStyle(BOLD, RATIO_DIFF_NUM_FMT),
  // A leaf's Cộng sums each column in its own words: "114 điểm", "2 tạo mới", "12 hoạt động", "3 chưa đúng".
  totalPoints: cellStyle(BOLD, '#,##0" điểm"', CENTER),
  totalNew: cellStyle(BOLD, '#,##0" tạo mới"', CENTER),
  totalActive: cellStyle(BOLD, '#,##0" hoạt động"', CENTER),
  totalMisnamed: cellStyle(BOLD, '#,##0" chưa đúng"', CENTER),
  totalRatioCentered: cellStyle(BOLD, RATIO_NUM_FMT, CENTER),
} satisfies Record<string, Style>;

/** TT, Đơn vị, then the five figures: wide enough for "Thị trấn Quảng Hà" and wrapped headers. */
const COLUMN_WIDTHS = [6, 32, 14, 16, 18, 16, 14, 16];
const HEADER_ROW_HEIGHT = 80;
/** The column numbers' row: set, not left to the reader, so the rows printed atop every page have a known height. */
const NUMBER_ROW_HEIGHT = 18;
/** The widest a column of names grows to fit them; longer names wrap. */
const MAX_NAME_WIDTH = 60;

/** Every sheet prints on A4 landscape with these margins (inches), one page wide. */
const MARGINS = { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 } as const;
/** A4 landscape (297 × 210 mm) in points, less the margins: what a printed page holds at 100%. */
const PRINTABLE_PT = {
  width: (297 / 25.4 - MARGINS.left - MARGINS.right) * 72,
  height: (210 / 25.4 - MARGINS.top - MARGINS.bottom) * 72,
} as const;
/** Room left under the chart on its page: LibreOffice and Excel round row heights and column widths their own way. */
const CHART_PAGE_SLACK_PT = 24;

/** The three title lines above the table. */
export function xlsxTitle(report: UnitReport): [string, string, string] {
  const what =
    report.level === 'checkpoints'
      ? 'Các điểm kiểm soát dịch bằng mã QR tại'
      : 'Số lượng điểm kiểm soát dịch bằng mã QR tại';
  return ['DANH SÁCH', `${what} ${report.unit.name}`, `tính từ ngày ${formatPeriod(report.period)}`];
}

/** Excel stores (6) as a fraction; activeRatio is already rounded to two decimals of a percent. */
function ratioFraction(figures: ReportFigures): number | null {
  return percentFraction(activeRatio(figures));
}

function percentFraction(ratio: number | null): number | null {
  return ratio === null ? null : Math.round(ratio * 100) / 10_000;
}

export interface XlsxOptions {
  /** The chart (src/render/chart.ts), placed under the table of the main sheet. */
  chartPng?: Buffer;
}

interface Context {
  workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  out: Writable;
  report: UnitReport;
  period: string;
}

/**
 * Streams the weekly report as an .xlsx workbook into `out` and resolves once `out` has finished.
 * Memory stays flat in the number of rows: each row is committed (serialised) as soon as it is written, each
 * sheet is finished before the next begins, and the loop waits for the zip stage and `out` to drain so a slow
 * consumer cannot make it buffer.
 */
export async function renderXlsx(
  report: UnitReport,
  out: Writable,
  options: XlsxOptions = {},
): Promise<void> {
  const chart = options.chartPng ? { png: options.chartPng, ...pngSize(options.chartPng) } : undefined;
  const title = xlsxTitle(report);
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
  const ctx: Context = { workbook, out, report, period: formatPeriod(report.period) };

  await writeMainSheet(ctx, title, chart);
  await writeComparisonSheet(ctx);
  await writeIdleSheet(ctx);
  if (report.ranking.length > 0) await writeRankingSheet(ctx);
  await writeNewSheet(ctx);
  await writeNamingSheet(ctx);
  await workbook.commit();
}

interface SheetSetup {
  widths: number[];
  /** Rows kept in view (and printed on every page) above the data. */
  frozenRows: number;
  frozenColumns?: number;
  printTitlesRow?: string;
}

/** Views and page setup are written when a streamed sheet opens, so they all go in here. */
function openSheet(ctx: Context, name: string, setup: SheetSetup): ExcelJS.Worksheet {
  const { frozenRows, frozenColumns = 0 } = setup;
  const topLeft = `${columnLetter(frozenColumns + 1)}${frozenRows + 1}`;
  const sheet = ctx.workbook.addWorksheet(name, {
    views: [
      frozenRows > 0
        ? {
            state: 'frozen',
            xSplit: frozenColumns,
            ySplit: frozenRows,
            topLeftCell: topLeft,
            activeCell: topLeft,
          }
        : { state: 'normal' },
    ],
    pageSetup: {
      paperSize: 9, // A4
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0, // as many pages tall as the rows need
      horizontalCentered: true,
      ...(setup.printTitlesRow ? { printTitlesRow: setup.printTitlesRow } : {}),
      margins: MARGINS,
    },
    headerFooter: { oddFooter: `&L${ctx.period}&RTrang &P/&N` },
  });
  sheet.columns = setup.widths.map((width) => ({ width }));
  return sheet;
}

/** A merged line across the sheet's columns. */
function textLine(sheet: ExcelJS.Worksheet, rowNumber: number, columns: number, text: string, style: Style) {
  const row = sheet.getRow(rowNumber);
  setCell(row, 1, text, style);
  sheet.mergeCells(`A${rowNumber}:${columnLetter(columns)}${rowNumber}`);
  return row;
}

function headerRow(sheet: ExcelJS.Worksheet, rowNumber: number, headers: readonly string[], height: number) {
  const row = sheet.getRow(rowNumber);
  headers.forEach((text, i) => {
    setCell(row, i + 1, text, STYLE.header);
  });
  row.height = height;
  return row;
}

// ─── Báo cáo ────────────────────────────────────────────────────────────────────────────────────────────────

async function writeMainSheet(
  ctx: Context,
  title: [string, string, string],
  chart: { png: Buffer; width: number; height: number } | undefined,
): Promise<void> {
  const { report } = ctx;
  const leaf = report.level === 'checkpoints';
  const { headerRow: headerRowNumber, numberRow, firstDataRow, columnCount, comparisonRow } = XLSX_LAYOUT;
  const widths = leaf ? checkpointWidths(report.checkpoints) : unitWidths(report.rows);
  const sheet = openSheet(ctx, XLSX_LAYOUT.sheetName, {
    widths,
    frozenRows: numberRow,
    printTitlesRow: `${headerRowNumber}:${numberRow}`,
  });

  for (const [i, text] of title.entries()) {
    const row = textLine(
      sheet,
      XLSX_LAYOUT.titleRows[i]!,
      columnCount,
      text,
      i === 0 ? STYLE.title : STYLE.subtitle,
    );
    row.height = i === 0 ? 21 : 18;
  }
  textLine(sheet, comparisonRow, columnCount, comparisonLine(report), STYLE.comparison).height = 33;

  const headers = leaf ? CHECKPOINT_COLUMNS.map((c) => c.header) : REPORT_COLUMNS.map((c) => c.header);
  headerRow(sheet, headerRowNumber, ['TT', ...headers], HEADER_ROW_HEIGHT);

  // Text, not numbers: a SUM over a whole column must not pick up the column's own number.
  const numbers = sheet.getRow(numberRow);
  const numbering = leaf
    ? ['', '1', '2', '3', '4', '5', '6', '7']
    : ['', '1', '2', '3', '4', '5', '6=(5/2)*100', '7'];
  numbering.forEach((text, i) => {
    setCell(numbers, i + 1, text === '' ? null : text, STYLE.number);
  });
  numbers.height = NUMBER_ROW_HEIGHT;
  numbers.commit(); // also commits the title and header rows above it

  let next: number;
  if (leaf) {
    next = await writeRows(ctx, sheet, report.checkpoints, firstDataRow, (row, cp, i) => {
      setCell(row, 1, i + 1, STYLE.ordinal);
      setCell(row, 2, cp.name, STYLE.name);
      setCell(row, 3, cp.code, STYLE.centered);
      setCell(row, 4, kindName(cp.kind), STYLE.name);
      setCell(row, 5, excelDay(localDayOf(cp.createdAt)), STYLE.date);
      setCell(row, 6, cp.checkins, STYLE.count);
      setCell(row, 7, cp.checkins > 0 ? YES : NO, STYLE.centered);
      setCell(row, 8, cp.followsNamingRule ? YES : NO, STYLE.centered);
    });
    const t = report.totals;
    const totals = sheet.getRow(next++);
    setCell(totals, 1, null, STYLE.totalLabel);
    setCell(totals, 2, TOTALS_LABEL, STYLE.totalLabel);
    setCell(totals, 3, t.checkpointsTotal, STYLE.totalPoints);
    setCell(totals, 4, null, STYLE.totalLabel);
    setCell(totals, 5, t.checkpointsNew, STYLE.totalNew);
    setCell(totals, 6, t.checkins, STYLE.totalCount);
    setCell(totals, 7, t.activeCheckpoints, STYLE.totalActive);
    setCell(totals, 8, t.namingViolations, STYLE.totalMisnamed);
    totals.commit();
    // (6) has no column of its own in a list of checkpoints: its own line, under Hoạt động.
    const ratio = sheet.getRow(next++);
    for (let c = 1; c <= columnCount; c++) setCell(ratio, c, null, STYLE.totalLabel);
    setCell(ratio, 2, RATIO_LABEL, STYLE.totalLabel);
    setCell(ratio, 7, ratioFraction(t), STYLE.totalRatioCentered);
    ratio.commit();
  } else {
    next = await writeRows(ctx, sheet, report.rows, firstDataRow, (row, entry, i) => {
      setCell(row, 1, i + 1, STYLE.ordinal);
      setCell(row, 2, entry.unitName, STYLE.name);
      setFigures(row, entry, STYLE.count, STYLE.ratio);
    });
    const totals = sheet.getRow(next++);
    setCell(totals, 1, null, STYLE.totalLabel);
    setCell(totals, 2, TOTALS_LABEL, STYLE.totalLabel);
    setFigures(totals, report.totals, STYLE.totalCount, STYLE.totalRatio);
    totals.commit();
  }

  if (chart) {
    // One empty row under Cộng, then the chart at the top of a printed page of its own (under the header rows
    // every page repeats), so it is never cut across a page break. A page holds about 509 pt at 100%; the title
    // block and the chart alone take more (about 190 pt and 390 pt; printing one page wide scales both alike), so
    // the chart could never share the table's first page anyway.
    const gap = sheet.getRow(next);
    gap.addPageBreak(1, 16384); // across every column, A to XFD (exceljs's default stops at 16838, past XFD)
    gap.commit();
    addSheetImage(ctx.workbook, sheet, {
      png: chart.png,
      anchor: { col: 0, row: next, ...chartSize(chart, widths) },
      description: chartDescription(report),
    });
  }
  sheet.commit();
}

function unitWidths(rows: readonly ReportRow[]): number[] {
  const widths = [...COLUMN_WIDTHS];
  widths[1] = nameWidth(
    rows.map((r) => r.unitName),
    COLUMN_WIDTHS[1]!,
  );
  return widths;
}

/** TT, name, code, kind ("Bến xe/nhà ga/bến tàu"), date, check-ins, Có/Không, Có/Không. */
function checkpointWidths(rows: readonly CheckpointRow[]): number[] {
  const name = nameWidth(
    rows.map((r) => r.name),
    36,
  );
  return [6, name, 12, 22, 13, 16, 14, 16];
}

function setFigures(row: ExcelJS.Row, figures: ReportFigures, count: Style, ratio: Style): void {
  setCell(row, 3, figures.checkpointsTotal, count);
  setCell(row, 4, figures.checkpointsNew, count);
  setCell(row, 5, figures.checkins, count);
  setCell(row, 6, figures.activeCheckpoints, count);
  setCell(row, 7, ratioFraction(figures), ratio);
  setCell(row, 8, figures.namingViolations, count);
}

function chartDescription(report: UnitReport): string {
  return `Biểu đồ số lượt vào/ra theo ngày tại ${report.unit.name}, ${formatPeriod(report.period)}`;
}

/**
 * The chart's size on the sheet: its own, shrunk in proportion to be no wider than the table and no taller than
 * a printed page holds under the repeated header rows. Printing one page wide shrinks a table wider than the page
 * by PRINTABLE_PT.width / its width, and a page then holds that much more of the sheet's height.
 */
function chartSize(
  image: { width: number; height: number },
  widths: readonly number[],
): { width: number; height: number } {
  const tableWidth = widths.reduce((sum, w) => sum + columnPixels(w), 0);
  const printScale = Math.min(1, PRINTABLE_PT.width / (tableWidth * PT_PER_PIXEL));
  const repeatedRows = HEADER_ROW_HEIGHT + NUMBER_ROW_HEIGHT;
  const pageHeight = (PRINTABLE_PT.height / printScale - repeatedRows - CHART_PAGE_SLACK_PT) / PT_PER_PIXEL;
  const scale = Math.min(1, tableWidth / image.width, pageHeight / image.height);
  return { width: Math.round(image.width * scale), height: Math.round(image.height * scale) };
}

/** 72 points to the inch, 96 pixels. */
const PT_PER_PIXEL = 0.75;

/** Excel's pixel width of a column `width` characters wide (Calibri 11's 7-pixel digit plus padding). */
function columnPixels(width: number): number {
  return Math.trunc(width * 7 + 5);
}

// ─── So sánh ────────────────────────────────────────────────────────────────────────────────────────────────

const SUBHEADERS = ['Kỳ này', '7 ngày trước', 'Chênh lệch'] as const;
const RATIO_SUBHEADERS = ['Kỳ này', '7 ngày trước', 'Chênh lệch (điểm %)'] as const;

/**
 * Each figure this period, the seven days before, and the difference. For units: the six figures of the main
 * table; for a leaf: each checkpoint's check-ins (the only figure a single checkpoint has).
 */
async function writeComparisonSheet(ctx: Context): Promise<void> {
  const { report } = ctx;
  const leaf = report.level === 'checkpoints';
  const fixed = leaf ? ['TT', 'Tên điểm kiểm soát', 'Mã điểm kiểm soát'] : ['TT', REPORT_COLUMNS[0].header];
  const groups = leaf
    ? [`(4) ${REPORT_COLUMNS[3].header}`]
    : REPORT_COLUMNS.slice(1).map((c, i) => `(${i + 2}) ${c.header}`);
  const columns = fixed.length + groups.length * 3;
  const names = leaf ? report.checkpoints.map((c) => c.name) : report.rows.map((r) => r.unitName);
  const widths = [
    6,
    nameWidth(names, leaf ? 36 : 28),
    ...(leaf ? [12] : []),
    ...groups.flatMap(() => [12, 12, 12]),
  ];
  const { headerRow: first } = LIST_LAYOUT;
  const sheet = openSheet(ctx, XLSX_SHEETS.comparison, {
    widths,
    frozenRows: first + 1,
    frozenColumns: fixed.length,
    printTitlesRow: `${first}:${first + 1}`,
  });
  textLine(sheet, 1, columns, `So sánh với 7 ngày trước tại ${report.unit.name}`, STYLE.subtitle);
  textLine(
    sheet,
    2,
    columns,
    `Kỳ này: ${ctx.period}; 7 ngày trước: ${formatPeriod(report.previousPeriod)}`,
    STYLE.comparison,
  );

  const top = sheet.getRow(first);
  const sub = sheet.getRow(first + 1);
  fixed.forEach((text, i) => {
    setCell(top, i + 1, text, STYLE.header);
    setCell(sub, i + 1, null, STYLE.header);
    sheet.mergeCells(first, i + 1, first + 1, i + 1);
  });
  groups.forEach((text, g) => {
    const col = fixed.length + g * 3 + 1;
    const labels = !leaf && g === 4 ? RATIO_SUBHEADERS : SUBHEADERS;
    for (let k = 0; k < 3; k++) {
      setCell(top, col + k, k === 0 ? text : null, STYLE.header);
      setCell(sub, col + k, labels[k]!, STYLE.header);
    }
    sheet.mergeCells(first, col, first, col + 2);
  });
  top.height = 64;
  sub.height = 33;
  sub.commit();

  const dataRow = first + 2;
  if (leaf) {
    const next = await writeRows(ctx, sheet, report.checkpoints, dataRow, (row, cp, i) => {
      setCell(row, 1, i + 1, STYLE.ordinal);
      setCell(row, 2, cp.name, STYLE.name);
      setCell(row, 3, cp.code, STYLE.centered);
      setComparison(row, 4, cp.checkins, cp.previousCheckins, STYLE.count, STYLE.diff);
    });
    const totals = sheet.getRow(next);
    setCell(totals, 1, null, STYLE.totalLabel);
    setCell(totals, 2, TOTALS_LABEL, STYLE.totalLabel);
    setCell(totals, 3, null, STYLE.totalLabel);
    setComparison(
      totals,
      4,
      report.totals.checkins,
      report.previousTotals.checkins,
      STYLE.totalCount,
      STYLE.totalDiff,
    );
    totals.commit();
  } else {
    const next = await writeRows(ctx, sheet, report.rows, dataRow, (row, entry, i) => {
      setCell(row, 1, i + 1, STYLE.ordinal);
      setCell(row, 2, entry.unitName, STYLE.name);
      setFigureComparisons(row, entry, entry.previous, false);
    });
    const totals = sheet.getRow(next);
    setCell(totals, 1, null, STYLE.totalLabel);
    setCell(totals, 2, TOTALS_LABEL, STYLE.totalLabel);
    setFigureComparisons(totals, report.totals, report.previousTotals, true);
    totals.commit();
  }
  sheet.commit();
}

function setComparison(
  row: ExcelJS.Row,
  col: number,
  now: number,
  before: number,
  count: Style,
  diff: Style,
) {
  setCell(row, col, now, count);
  setCell(row, col + 1, before, count);
  setCell(row, col + 2, now - before, diff);
}

function setFigureComparisons(row: ExcelJS.Row, now: ReportFigures, before: ReportFigures, total: boolean) {
  const count = total ? STYLE.totalCount : STYLE.count;
  const diff = total ? STYLE.totalDiff : STYLE.diff;
  setComparison(row, 3, now.checkpointsTotal, before.checkpointsTotal, count, diff);
  setComparison(row, 6, now.checkpointsNew, before.checkpointsNew, count, diff);
  setComparison(row, 9, now.checkins, before.checkins, count, diff);
  setComparison(row, 12, now.activeCheckpoints, before.activeCheckpoints, count, diff);
  setCell(row, 15, ratioFraction(now), total ? STYLE.totalRatio : STYLE.ratio);
  setCell(row, 16, ratioFraction(before), total ? STYLE.totalRatio : STYLE.ratio);
  setCell(row, 17, changeOf(now, before).ratio, total ? STYLE.totalRatioDiff : STYLE.ratioDiff);
  setComparison(row, 18, now.namingViolations, before.namingViolations, count, diff);
}

// ─── Không hoạt động, Xếp hạng, Điểm mới, Đặt tên ──────────────────────────────────────────────────────────

interface ListColumn<T> {
  header: string;
  width: number | ((items: readonly T[]) => number);
  value: (item: T) => ExcelJS.CellValue;
  style: Style;
}

/** A sheet that lists items one per row under a title, a second line and one header row. */
async function writeListSheet<T>(
  ctx: Context,
  name: string,
  title: string,
  subtitle: string,
  items: readonly T[],
  columns: ListColumn<T>[],
): Promise<void> {
  const all: ListColumn<T>[] = [
    { header: 'TT', width: 6, value: () => null, style: STYLE.ordinal },
    ...columns,
  ];
  const { headerRow: header } = LIST_LAYOUT;
  const sheet = openSheet(ctx, name, {
    widths: all.map((c) => (typeof c.width === 'number' ? c.width : c.width(items))),
    frozenRows: header,
    printTitlesRow: `${header}:${header}`,
  });
  textLine(sheet, LIST_LAYOUT.titleRow, all.length, title, STYLE.subtitle);
  textLine(sheet, LIST_LAYOUT.subtitleRow, all.length, subtitle, STYLE.comparison);
  headerRow(
    sheet,
    header,
    all.map((c) => c.header),
    48,
  ).commit();
  await writeRows(ctx, sheet, items, header + 1, (row, item, i) => {
    setCell(row, 1, i + 1, STYLE.ordinal);
    for (let c = 1; c < all.length; c++) setCell(row, c + 1, all[c]!.value(item), all[c]!.style);
  });
  sheet.commit();
}

/** Đơn vị, Tên, Mã, Loại, Ngày tạo: a checkpoint in the lists, with where it is. */
function listedColumns<T extends ListedCheckpoint>(): ListColumn<T>[] {
  return [
    textColumn(REPORT_COLUMNS[0].header, 28, (c) => c.unitName),
    textColumn('Tên điểm kiểm soát', 36, (c) => c.name),
    { header: 'Mã điểm kiểm soát', width: 12, value: (c) => c.code, style: STYLE.centered },
    { header: 'Loại', width: 22, value: (c) => kindName(c.kind), style: STYLE.name },
    { header: 'Ngày tạo', width: 13, value: (c) => excelDay(localDayOf(c.createdAt)), style: STYLE.date },
  ];
}

type ListName = 'idle' | 'newCheckpoints' | 'misnamed';
const listCount = (report: UnitReport, list: ListName) => report.listTotals?.[list] ?? report[list].length;
/** A bounded list (src/core/weekly-report.ts LIST_LIMIT) says where the rest are: the child units' own reports. */
const listedFirst = (report: UnitReport, list: ListName) =>
  listCount(report, list) > report[list].length
    ? `; liệt kê ${formatCount(report[list].length)} điểm đầu, các điểm còn lại xem báo cáo của từng đơn vị trực thuộc`
    : '';

async function writeIdleSheet(ctx: Context): Promise<void> {
  const { report } = ctx;
  await writeListSheet<IdleCheckpoint>(
    ctx,
    XLSX_SHEETS.idle,
    `Điểm kiểm soát không hoạt động tại ${report.unit.name}`,
    `tính từ ngày ${ctx.period}: ${formatCount(listCount(report, 'idle'))} điểm không có lượt vào/ra trong 7 ngày${listedFirst(report, 'idle')}`,
    report.idle,
    [
      ...listedColumns<IdleCheckpoint>(),
      {
        header: 'Hoạt động lần cuối',
        width: 18,
        value: (c) => (c.lastActiveDay === null ? NEVER_ACTIVE : excelDay(c.lastActiveDay)),
        style: STYLE.date,
      },
    ],
  );
}

async function writeRankingSheet(ctx: Context): Promise<void> {
  const { report } = ctx;
  await writeListSheet<RankedUnit>(
    ctx,
    XLSX_SHEETS.ranking,
    `Xếp hạng đơn vị theo tỷ lệ điểm kiểm soát hoạt động tại ${report.unit.name}`,
    `tính từ ngày ${ctx.period}; tỷ lệ thấp nhất xếp trước`,
    report.ranking,
    [
      textColumn(REPORT_COLUMNS[0].header, 32, (u) => u.unitName),
      { header: REPORT_COLUMNS[1].header, width: 16, value: (u) => u.checkpointsTotal, style: STYLE.count },
      { header: REPORT_COLUMNS[4].header, width: 18, value: (u) => u.activeCheckpoints, style: STYLE.count },
      {
        header: REPORT_COLUMNS[5].header,
        width: 14,
        value: (u) => percentFraction(u.ratio),
        style: STYLE.ratio,
      },
    ],
  );
}

async function writeNewSheet(ctx: Context): Promise<void> {
  const { report } = ctx;
  await writeListSheet<ListedCheckpoint>(
    ctx,
    XLSX_SHEETS.newCheckpoints,
    `Điểm kiểm soát tạo mới tại ${report.unit.name}`,
    `tính từ ngày ${ctx.period}: ${formatCount(listCount(report, 'newCheckpoints'))} điểm tạo mới trong 7 ngày${listedFirst(report, 'newCheckpoints')}`,
    report.newCheckpoints,
    listedColumns(),
  );
}

async function writeNamingSheet(ctx: Context): Promise<void> {
  const { report } = ctx;
  await writeListSheet<ListedCheckpoint>(
    ctx,
    XLSX_SHEETS.naming,
    `Điểm kiểm soát đặt tên chưa đúng quy tắc tại ${report.unit.name}`,
    `tính từ ngày ${ctx.period}: ${formatCount(listCount(report, 'misnamed'))} điểm đặt tên chưa đúng quy tắc${listedFirst(report, 'misnamed')}`,
    report.misnamed,
    [
      textColumn(REPORT_COLUMNS[0].header, 28, (c) => c.unitName),
      textColumn('Tên hiện tại', 36, (c) => c.name),
      textColumn('Tên theo quy tắc', 36, (c) => c.canonicalName),
      { header: 'Mã điểm kiểm soát', width: 12, value: (c) => c.code, style: STYLE.centered },
    ],
  );
}

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────────────────

/** A column of names, as wide as its longest one. */
function textColumn<T>(header: string, min: number, value: (item: T) => string): ListColumn<T> {
  return { header, width: (items) => nameWidth(items.map(value), min), value, style: STYLE.name };
}

/** As wide as the longest name (at least `min`, at most MAX_NAME_WIDTH: longer ones wrap). */
function nameWidth(names: readonly string[], min: number): number {
  let longest = 0;
  for (const name of names) longest = Math.max(longest, name.length);
  return Math.min(MAX_NAME_WIDTH, Math.max(min, longest + 2));
}

/** A local day as the Date Excel shows as that day (exceljs writes a Date as UTC). */
function excelDay(day: string): Date {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a local date: ${day}`);
  return date;
}

function columnLetter(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

function setCell(row: ExcelJS.Row, column: number, value: ExcelJS.CellValue, style: Style): void {
  const cell = row.getCell(column);
  cell.value = value;
  cell.style = style;
}

/** Writes one row per item from `first` on, committing each and yielding to the zip stage every batch. */
async function writeRows<T>(
  ctx: Context,
  sheet: ExcelJS.Worksheet,
  items: readonly T[],
  first: number,
  fill: (row: ExcelJS.Row, item: T, index: number) => void,
): Promise<number> {
  let rowNumber = first;
  for (let i = 0; i < items.length; i++) {
    const row = sheet.getRow(rowNumber++);
    fill(row, items[i]!, i);
    row.commit();
    if ((i + 1) % ROWS_PER_BATCH === 0) await backpressure(sheet, ctx.out);
  }
  return rowNumber;
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
