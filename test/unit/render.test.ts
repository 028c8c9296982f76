import { posix } from 'node:path';
import { Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_KINDS } from '../../src/core/model.ts';
import {
  activeRatio,
  type CheckpointRow,
  type IdleCheckpoint,
  type ListedCheckpoint,
  REPORT_CONTENT_TYPES,
  type ReportFigures,
  type ReportRow,
  sumFigures,
  type UnitReport,
} from '../../src/core/report.ts';
import {
  CHECKPOINT_KIND_NAMES,
  comparisonLine,
  renderCsv,
  renderJson,
  renderReport,
  renderXlsx,
  XLSX_SHEETS,
} from '../../src/render/index.ts';
import { addSheetImage } from '../../src/render/xlsx-image.ts';

/**
 * The Hải Hà table for 06/01/2022–12/01/2022 (seed 004), with the ratio the province printed. The last
 * figure, checkpoints named against the rule, is not the province's: it is made up for column (7), every
 * value unlike the row's other figures and its TT, with one zero, so a misplaced or dropped field shows.
 */
const HAI_HA: [
  name: string,
  total: number,
  created: number,
  checkins: number,
  active: number,
  pct: number,
  naming: number,
][] = [
  ['Thị trấn Quảng Hà', 2777, 11, 62735, 443, 15.95, 27],
  ['Xã Cái Chiên', 114, 2, 87, 12, 10.53, 0],
  ['Xã Đường Hoa', 435, 0, 896, 43, 9.89, 8],
  ['Xã Quảng Chính', 668, 5, 772, 87, 13.02, 19],
  ['Xã Quảng Đức', 280, 6, 1073, 49, 17.5, 7],
  ['Xã Quảng Long', 408, 3, 755, 38, 9.31, 13],
  ['Xã Quảng Minh', 601, 3, 1407, 81, 13.48, 2],
  ['Xã Quảng Phong', 472, 2, 3226, 45, 9.53, 33],
  ['Xã Quảng Sơn', 183, 4, 680, 14, 7.65, 5],
  ['Xã Quảng Thành', 376, 1, 424, 46, 12.23, 22],
  ['Xã Quảng Thịnh', 154, 0, 365, 16, 10.39, 9],
];
/** Column (7) of the Cộng row: the sum of the naming figures above. */
const NAMING_TOTAL = 145;

/**
 * The seven days before (30/12/2021–05/01/2022), made up: (2) is this week's less what was created in it, and
 * the check-ins total 78,439, so the week fell by 6,019 (the fall Bắc Kạn reported, seed 001).
 */
const PREVIOUS: [total: number, created: number, checkins: number, active: number, naming: number][] = [
  [2766, 9, 68575, 450, 28],
  [112, 1, 120, 10, 1],
  [435, 2, 910, 41, 8],
  [663, 3, 803, 90, 20],
  [274, 4, 1101, 45, 7],
  [405, 2, 700, 40, 14],
  [598, 0, 1500, 80, 2],
  [470, 5, 3300, 47, 35],
  [179, 1, 640, 15, 5],
  [375, 0, 410, 44, 22],
  [154, 2, 380, 16, 10],
];
const PREVIOUS_TOTALS = {
  checkpointsTotal: 6431,
  checkpointsNew: 29,
  checkins: 78439,
  activeCheckpoints: 878,
  namingViolations: 152,
};

/** The six headers the provinces use (seed 004), exactly and in this order. */
const PROVINCE_HEADERS = [
  'Đơn vị',
  'Số điểm kiểm soát đã tạo',
  'Số điểm kiểm soát tạo mới trong 7 ngày',
  'Số lượt vào/ra tại các điểm kiểm soát trong 7 ngày',
  'Số điểm kiểm soát hoạt động trong 7 ngày',
  'Tỷ lệ hoạt động (%)',
];
const NAMING_HEADER = 'Số điểm kiểm soát đặt tên chưa đúng quy tắc';
const HEADERS = [...PROVINCE_HEADERS, NAMING_HEADER];
const LEAF_HEADERS = [
  'Tên điểm kiểm soát',
  'Mã điểm kiểm soát',
  'Loại',
  'Ngày tạo',
  'Số lượt vào/ra trong 7 ngày',
  'Hoạt động trong 7 ngày',
  'Đặt tên đúng quy tắc',
];

const PERIOD = { start: '2022-01-06', end: '2022-01-12' };
const PREVIOUS_PERIOD = { start: '2021-12-30', end: '2022-01-05' };
const ZERO: ReportFigures = sumFigures([]);

function figures(
  total: number,
  created: number,
  checkins: number,
  active: number,
  naming: number,
): ReportFigures {
  return {
    checkpointsTotal: total,
    checkpointsNew: created,
    checkins,
    activeCheckpoints: active,
    namingViolations: naming,
  };
}

function listed(i: number, unitName: string, overrides: Partial<ListedCheckpoint> = {}): ListedCheckpoint {
  return {
    checkpointId: `cp-${i}`,
    code: `C${String(i).padStart(7, '0')}`,
    name: `Cửa hàng - Tạp hóa số ${i} - Thôn ${(i % 5) + 1}`,
    kind: 'shop',
    unitId: 'commune-9',
    unitName,
    createdAt: '2021-10-04T02:00:00.000Z',
    canonicalName: `Cửa hàng - Tạp hóa số ${i} - Thôn ${(i % 5) + 1}`,
    ...overrides,
  };
}

/** A report on units with everything but its rows empty; the rows' previous figures make previousTotals. */
function unitsReport(rows: ReportRow[], overrides: Partial<UnitReport> = {}): UnitReport {
  return {
    provinceId: 'quang-ninh',
    unit: { id: 'hai-ha', name: 'huyện Hải Hà' },
    period: PERIOD,
    previousPeriod: PREVIOUS_PERIOD,
    level: 'units',
    rows,
    checkpoints: [],
    totals: sumFigures(rows),
    previousTotals: sumFigures(rows.map((r) => r.previous)),
    idle: [],
    ranking: [],
    newCheckpoints: [],
    misnamed: [],
    daily: { days: [], series: [] },
    generatedAt: '2022-01-14T01:00:00.000Z',
    ...overrides,
  };
}

const haiHaRows: ReportRow[] = HAI_HA.map(
  ([unitName, checkpointsTotal, checkpointsNew, checkins, active, , naming], i) => ({
    unitId: `commune-${i + 1}`,
    unitName,
    checkpointsTotal,
    checkpointsNew,
    checkins,
    activeCheckpoints: active,
    namingViolations: naming,
    previous: figures(...PREVIOUS[i]!),
  }),
);

/** 1,253 idle checkpoints (so the count needs a thousands dot), every third never used. */
const IDLE: IdleCheckpoint[] = Array.from({ length: 1253 }, (_, i) => ({
  ...listed(i + 1, 'Xã Quảng Sơn'),
  lastActiveDay: i % 3 === 0 ? null : '2021-12-24',
}));
const NEW: ListedCheckpoint[] = [
  listed(501, 'Xã Quảng Đức', { kind: 'restaurant', createdAt: '2022-01-07T17:30:00.000Z' }),
  listed(502, 'Thị trấn Quảng Hà', { kind: 'transport', createdAt: '2022-01-06T00:00:00.000Z' }),
];
const MISNAMED: ListedCheckpoint[] = [
  listed(601, 'Xã Quảng Phong', {
    name: 'quán bà Lan',
    canonicalName: 'Nhà hàng/quán ăn - Quán bà Lan - Thôn 2',
  }),
  listed(602, 'Xã Đường Hoa', {
    name: 'UBND',
    canonicalName: 'Cơ quan nhà nước - UBND xã Đường Hoa - Thôn 1',
  }),
];

const haiHa = unitsReport(haiHaRows, {
  idle: IDLE,
  ranking: haiHaRows
    .map((r) => ({
      unitId: r.unitId,
      unitName: r.unitName,
      checkpointsTotal: r.checkpointsTotal,
      activeCheckpoints: r.activeCheckpoints,
      ratio: activeRatio(r),
    }))
    .sort((a, b) => a.ratio! - b.ratio!),
  newCheckpoints: NEW,
  misnamed: MISNAMED,
});

const emptyUnit: ReportRow = {
  unitId: 'new-commune',
  unitName: 'Xã Mới Lập',
  namingViolations: 0,
  checkpointsTotal: 0,
  checkpointsNew: 0,
  checkins: 0,
  activeCheckpoints: 0,
  previous: ZERO,
};

/**
 * Xã Quảng Sơn as a leaf: its 183 checkpoints, so its Cộng is its row in Hải Hà's table (183 / 4 / 680 / 14 /
 * 7.65% / 5). The first 14 are active (13 × 48 + 56 = 680 check-ins), the last 4 were created in the period, five
 * are named against the rule; the seven days before, 15 were active with 640 check-ins.
 */
function quangSonCheckpoints(count = 183): CheckpointRow[] {
  const misnamed = new Set([3, 50, 90, 120, 170]);
  return Array.from({ length: count }, (_, i) => ({
    checkpointId: `qs-${i}`,
    code: `QS${String(i).padStart(6, '0')}`,
    name: misnamed.has(i) ? `tạp hóa ${i + 1}` : `Cửa hàng - Tạp hóa số ${i + 1} - Thôn ${(i % 5) + 1}`,
    kind: CHECKPOINT_KINDS[i % CHECKPOINT_KINDS.length]!,
    createdAt:
      i >= count - 4 ? `2022-01-0${6 + (i - (count - 4))}T03:00:00.000Z` : '2021-10-04T02:00:00.000Z',
    registered: true,
    checkins: i < 13 ? 48 : i === 13 ? 56 : 0,
    previousCheckins: i < 14 ? 42 : i === 14 ? 52 : 0,
    isNew: i >= count - 4,
    followsNamingRule: !misnamed.has(i),
  }));
}

function leafReport(checkpoints: CheckpointRow[], overrides: Partial<UnitReport> = {}): UnitReport {
  const active = checkpoints.filter((c) => c.checkins > 0).length;
  const activeBefore = checkpoints.filter((c) => c.previousCheckins > 0).length;
  const sum = (f: (c: CheckpointRow) => number) => checkpoints.reduce((s, c) => s + f(c), 0);
  const created = checkpoints.filter((c) => c.isNew).length;
  const misnamed = checkpoints.filter((c) => !c.followsNamingRule).length;
  return unitsReport([], {
    unit: { id: 'commune-9', name: 'Xã Quảng Sơn' },
    level: 'checkpoints',
    checkpoints,
    totals: figures(
      checkpoints.length,
      created,
      sum((c) => c.checkins),
      active,
      misnamed,
    ),
    previousTotals: figures(
      checkpoints.length - created,
      1,
      sum((c) => c.previousCheckins),
      activeBefore,
      misnamed,
    ),
    ...overrides,
  });
}

const quangSon = leafReport(quangSonCheckpoints());
/** Quảng Sơn's row in Hải Hà's table: what the leaf's Cộng must show. */
const QUANG_SON_ROW = haiHaRows[8]!;

function pngOf(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = (i / 4) % 251; // not one flat colour: the bytes must be the image's, not any PNG's
    png.data[i + 1] = 80;
    png.data[i + 2] = 160;
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

async function xlsxBytes(r: UnitReport, chartPng?: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await renderXlsx(r, sink, chartPng ? { chartPng } : {});
  return Buffer.concat(chunks);
}

async function loadWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  return workbook;
}

function sheetOf(workbook: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const sheet = workbook.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet named ${name}`);
  return sheet;
}

async function loadSheet(bytes: Buffer): Promise<{ workbook: ExcelJS.Workbook; sheet: ExcelJS.Worksheet }> {
  const workbook = await loadWorkbook(bytes);
  return { workbook, sheet: sheetOf(workbook, 'Báo cáo') };
}

function rowValues(sheet: ExcelJS.Worksheet, row: number, columns = 8): unknown[] {
  return Array.from({ length: columns }, (_, c) => sheet.getRow(row).getCell(c + 1).value);
}

/**
 * Opens the package as any zip reader would and checks it is whole: every part has a content type (an Override,
 * or a Default for its extension), every Override names a part that exists, and every internal relationship's
 * target exists. Answers the parts' names and a reader for them.
 */
async function checkPackage(
  bytes: Buffer,
): Promise<{ names: string[]; text: (name: string) => Promise<string> }> {
  const zip = await JSZip.loadAsync(bytes);
  const names = Object.values(zip.files)
    .filter((f) => !f.dir)
    .map((f) => f.name);
  const text = async (name: string) => {
    const file = zip.file(name);
    if (!file) throw new Error(`no part ${name}`);
    return file.async('string');
  };
  const types = await text('[Content_Types].xml');
  const overrides = [...types.matchAll(/<Override PartName="([^"]+)"/g)].map((m) => m[1]!.replace(/^\//, ''));
  const defaults = [...types.matchAll(/<Default Extension="([^"]+)"/g)].map((m) => m[1]!);
  for (const part of overrides) expect(names, `Override for a missing part ${part}`).toContain(part);
  for (const name of names.filter((n) => n !== '[Content_Types].xml')) {
    const typed = overrides.includes(name) || defaults.includes(name.slice(name.lastIndexOf('.') + 1));
    expect(typed, `${name} has no content type`).toBe(true);
  }
  for (const rels of names.filter((n) => n.endsWith('.rels'))) {
    // xl/worksheets/_rels/sheet1.xml.rels is about xl/worksheets/sheet1.xml: targets are relative to xl/worksheets.
    const base = posix.dirname(posix.dirname(rels));
    for (const m of (await text(rels)).matchAll(/<Relationship ([^>]*)\/>/g)) {
      const attrs = m[1]!;
      if (/TargetMode="External"/.test(attrs)) continue;
      const target = /Target="([^"]+)"/.exec(attrs)![1]!;
      const resolved = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(base, target));
      expect(names, `${rels} points at a missing ${resolved}`).toContain(resolved.replace(/^\.\//, ''));
    }
  }
  return { names, text };
}

describe('fixtures', () => {
  it('total the naming column to NAMING_TOTAL, and sumFigures agrees', () => {
    expect(HAI_HA.reduce((sum, row) => sum + row[6], 0)).toBe(NAMING_TOTAL);
    expect(sumFigures(haiHaRows).namingViolations).toBe(NAMING_TOTAL);
  });

  it('make the seven days before total 78,439 check-ins and the leaf total its row in the table', () => {
    expect(haiHa.previousTotals).toEqual(PREVIOUS_TOTALS);
    const { unitId: _, unitName: __, previous: ___, ...row } = QUANG_SON_ROW;
    expect(quangSon.totals).toEqual(row);
    expect(quangSon.previousTotals.checkins).toBe(640);
  });
});

describe('renderXlsx: the Hải Hà table', () => {
  const FIRST_DATA_ROW = 7;
  const TOTALS_ROW = FIRST_DATA_ROW + HAI_HA.length;
  let workbook: ExcelJS.Workbook;
  let sheet: ExcelJS.Worksheet;

  beforeAll(async () => {
    ({ workbook, sheet } = await loadSheet(await xlsxBytes(haiHa)));
  });

  it('titles the sheet DANH SÁCH with the unit and the period as dd/MM/yyyy', () => {
    expect(sheet.getCell('A1').value).toBe('DANH SÁCH');
    expect(sheet.getCell('A2').value).toBe('Số lượng điểm kiểm soát dịch bằng mã QR tại huyện Hải Hà');
    expect(sheet.getCell('A3').value).toBe('tính từ ngày 06/01/2022 - 12/01/2022');
    expect(sheet.model.merges).toEqual(expect.arrayContaining(['A1:H1', 'A2:H2', 'A3:H3']));
    expect(sheet.model.merges).not.toEqual(expect.arrayContaining(['A1:G1']));
  });

  it('compares the week with the seven days before under the title, numbers written the Vietnamese way', () => {
    const line =
      'Số lượt vào/ra: 72.420, giảm 6.019 so với 7 ngày trước (30/12/2021 - 05/01/2022). ' +
      'Điểm kiểm soát hoạt động: 874 (13,51%), 7 ngày trước: 878 (13,65%).';
    expect(sheet.getCell('A4').value).toBe(line);
    expect(comparisonLine(haiHa)).toBe(line);
    expect(sheet.model.merges).toEqual(expect.arrayContaining(['A4:H4']));
    expect(sheet.getCell('A4').font?.italic).toBe(true);
  });

  it('says "tăng" for a rise and "không đổi" for no change', () => {
    const up = { ...haiHa, previousTotals: { ...PREVIOUS_TOTALS, checkins: 71_186 } };
    expect(comparisonLine(up)).toMatch(/^Số lượt vào\/ra: 72\.420, tăng 1\.234 so với 7 ngày trước/);
    const same = { ...haiHa, previousTotals: { ...PREVIOUS_TOTALS, checkins: 72_420 } };
    expect(comparisonLine(same)).toMatch(/^Số lượt vào\/ra: 72\.420, không đổi so với 7 ngày trước/);
  });

  it('heads the table with TT, the six Vietnamese headers and the naming column, bold and wrapped', () => {
    expect(rowValues(sheet, 5)).toEqual(['TT', ...HEADERS]);
    expect(rowValues(sheet, 5).slice(1, 7)).toEqual(PROVINCE_HEADERS);
    expect(sheet.getRow(5).getCell(8).value).toBe(NAMING_HEADER);
    expect(sheet.getRow(5).cellCount).toBe(8); // before getCell(9), which would add a cell
    expect(sheet.getRow(5).getCell(9).value).toBeNull();
    for (let c = 1; c <= 8; c++) {
      const cell = sheet.getRow(5).getCell(c);
      expect(cell.alignment?.wrapText).toBe(true);
      expect(cell.font?.bold).toBe(true);
      expect(cell.font?.name).toBe('Times New Roman');
    }
  });

  it('numbers the columns under the header as the provinces do, including 6=(5/2)*100, then 7', () => {
    expect(rowValues(sheet, 6)).toEqual([null, '1', '2', '3', '4', '5', '6=(5/2)*100', '7']);
    expect(sheet.getRow(6).getCell(9).value).toBeNull();
  });

  it('writes one row per commune, in order, with TT 1..n, its figures, its ratio and its naming count', () => {
    HAI_HA.forEach(([name, total, created, checkins, active, pct, naming], i) => {
      const values = rowValues(sheet, FIRST_DATA_ROW + i);
      expect(values.slice(0, 6)).toEqual([i + 1, name, total, created, checkins, active]);
      expect(values[6]).toBeCloseTo(pct / 100, 10);
      expect(values[7]).toBe(naming);
      expect(sheet.getRow(FIRST_DATA_ROW + i).getCell(9).value).toBeNull();
    });
  });

  it('ends with a bold Cộng row holding the totals and total active ÷ total created (13.51%)', () => {
    expect(sheet.rowCount).toBe(TOTALS_ROW);
    const totals = sheet.getRow(TOTALS_ROW);
    expect(rowValues(sheet, TOTALS_ROW)).toEqual([null, 'Cộng', 6468, 37, 72420, 874, 0.1351, NAMING_TOTAL]);
    expect(totals.getCell(9).value).toBeNull();
    expect(totals.getCell(2).font?.bold).toBe(true);
    expect(totals.getCell(7).font?.bold).toBe(true);
    expect(totals.getCell(8).font?.bold).toBe(true);
  });

  it('shows counts with thousands separators and the ratio as a two-decimal percentage', () => {
    for (const row of [FIRST_DATA_ROW, TOTALS_ROW]) {
      for (const c of [3, 4, 5, 6, 8]) expect(sheet.getRow(row).getCell(c).numFmt).toBe('#,##0');
      expect(sheet.getRow(row).getCell(7).numFmt).toBe('0.00%');
    }
  });

  it('gives each of the eight columns, naming included, a width', () => {
    for (let c = 1; c <= 8; c++) expect(sheet.getColumn(c).width).toBeGreaterThan(0);
  });

  it('freezes the panes below the header rows', () => {
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 6, topLeftCell: 'A7' });
  });

  it('prints on A4 landscape, one page wide, repeating the header rows, page numbers in the footer', () => {
    expect(sheet.pageSetup).toMatchObject({
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '5:6',
    });
    expect(sheet.headerFooter.oddFooter).toBe('&L06/01/2022 - 12/01/2022&RTrang &P/&N');
  });

  it('makes the Đơn vị column wide enough for the longest commune name', () => {
    const longest = Math.max(...HAI_HA.map(([name]) => name.length));
    expect(sheet.getColumn(2).width).toBeGreaterThanOrEqual(longest);
  });

  it('stamps the workbook with the time the report was generated, not the time it was rendered', () => {
    expect(workbook.created.toISOString()).toBe('2022-01-14T01:00:00.000Z');
  });

  it('has the main sheet first, then So sánh, Không hoạt động, Xếp hạng, Điểm mới, Đặt tên, and no chart sheet', () => {
    expect(workbook.worksheets.map((s) => s.name)).toEqual([
      'Báo cáo',
      'So sánh',
      'Không hoạt động',
      'Xếp hạng',
      'Điểm mới',
      'Đặt tên',
    ]);
  });
});

describe('renderXlsx: So sánh', () => {
  let sheet: ExcelJS.Worksheet;
  const FIRST = 6;
  const TOTALS = FIRST + HAI_HA.length;

  beforeAll(async () => {
    sheet = sheetOf(await loadWorkbook(await xlsxBytes(haiHa)), XLSX_SHEETS.comparison);
  });

  it('names the unit and both periods above the table', () => {
    expect(sheet.getCell('A1').value).toBe('So sánh với 7 ngày trước tại huyện Hải Hà');
    expect(sheet.getCell('A2').value).toBe(
      'Kỳ này: 06/01/2022 - 12/01/2022; 7 ngày trước: 30/12/2021 - 05/01/2022',
    );
  });

  it('groups each figure under its numbered province header, with this week, the week before and the difference', () => {
    expect(sheet.getCell('A4').value).toBe('TT');
    expect(sheet.getCell('B4').value).toBe('Đơn vị');
    expect(['C4', 'F4', 'I4', 'L4', 'O4', 'R4'].map((a) => sheet.getCell(a).value)).toEqual(
      HEADERS.slice(1).map((h, i) => `(${i + 2}) ${h}`),
    );
    expect(rowValues(sheet, 5, 20).slice(2, 8)).toEqual([
      'Kỳ này',
      '7 ngày trước',
      'Chênh lệch',
      'Kỳ này',
      '7 ngày trước',
      'Chênh lệch',
    ]);
    expect(sheet.getCell('Q5').value).toBe('Chênh lệch (điểm %)');
    expect(sheet.model.merges).toEqual(expect.arrayContaining(['A4:A5', 'B4:B5', 'C4:E4', 'R4:T4']));
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 5, xSplit: 2, topLeftCell: 'C6' });
    expect(sheet.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', printTitlesRow: '4:5' });
  });

  it('writes each commune this week, the week before and the signed difference', () => {
    expect(sheet.rowCount).toBe(TOTALS);
    // Thị trấn Quảng Hà: 2777/2766, 11/9, 62735/68575, 443/450, 15.95%/16.27%, 27/28.
    expect(rowValues(sheet, FIRST, 20)).toEqual([
      1,
      'Thị trấn Quảng Hà',
      2777,
      2766,
      11,
      11,
      9,
      2,
      62735,
      68575,
      -5840,
      443,
      450,
      -7,
      0.1595,
      0.1627,
      -0.32,
      27,
      28,
      -1,
    ]);
    expect(sheet.getCell('K6').numFmt).toBe('+#,##0;-#,##0;0');
    expect(sheet.getCell('Q6').numFmt).toBe('+0.00;-0.00;0.00');
    expect(sheet.getCell('O6').numFmt).toBe('0.00%');
  });

  it('totals both weeks in Cộng: check-ins down 6,019, the ratio down 0.14 points', () => {
    expect(rowValues(sheet, TOTALS, 20)).toEqual([
      null,
      'Cộng',
      6468,
      6431,
      37,
      37,
      29,
      8,
      72420,
      78439,
      -6019,
      874,
      878,
      -4,
      0.1351,
      0.1365,
      -0.14,
      NAMING_TOTAL,
      152,
      -7,
    ]);
    expect(sheet.getCell(`K${TOTALS}`).font?.bold).toBe(true);
  });
});

describe('renderXlsx: Không hoạt động, Xếp hạng, Điểm mới, Đặt tên', () => {
  let workbook: ExcelJS.Workbook;

  beforeAll(async () => {
    workbook = await loadWorkbook(await xlsxBytes(haiHa));
  });

  it('lists every idle checkpoint, counts them in the title, and says when one was never used', () => {
    const sheet = sheetOf(workbook, XLSX_SHEETS.idle);
    expect(sheet.getCell('A1').value).toBe('Điểm kiểm soát không hoạt động tại huyện Hải Hà');
    expect(sheet.getCell('A2').value).toBe(
      'tính từ ngày 06/01/2022 - 12/01/2022: 1.253 điểm không có lượt vào/ra trong 7 ngày',
    );
    expect(rowValues(sheet, 4, 8)).toEqual([
      'TT',
      'Đơn vị',
      'Tên điểm kiểm soát',
      'Mã điểm kiểm soát',
      'Loại',
      'Ngày tạo',
      'Hoạt động lần cuối',
      null,
    ]);
    expect(sheet.rowCount).toBe(4 + IDLE.length);
    expect(rowValues(sheet, 5, 7)).toEqual([
      1,
      'Xã Quảng Sơn',
      'Cửa hàng - Tạp hóa số 1 - Thôn 2',
      'C0000001',
      'Cửa hàng',
      new Date('2021-10-04T00:00:00.000Z'),
      'Chưa có lượt nào',
    ]);
    expect(sheet.getCell('G6').value).toEqual(new Date('2021-12-24T00:00:00.000Z'));
    expect(sheet.getCell('G6').numFmt).toBe('dd/mm/yyyy');
    expect(sheet.getCell('F5').numFmt).toBe('dd/mm/yyyy');
    expect(sheet.getCell(`A${4 + IDLE.length}`).value).toBe(IDLE.length);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 4 });
    expect(sheet.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', printTitlesRow: '4:4' });
  });

  it('ranks the communes by active ratio, lowest first', () => {
    const sheet = sheetOf(workbook, XLSX_SHEETS.ranking);
    expect(sheet.getCell('A1').value).toBe(
      'Xếp hạng đơn vị theo tỷ lệ điểm kiểm soát hoạt động tại huyện Hải Hà',
    );
    expect(rowValues(sheet, 4, 5)).toEqual([
      'TT',
      'Đơn vị',
      'Số điểm kiểm soát đã tạo',
      'Số điểm kiểm soát hoạt động trong 7 ngày',
      'Tỷ lệ hoạt động (%)',
    ]);
    expect(sheet.rowCount).toBe(4 + HAI_HA.length);
    expect(rowValues(sheet, 5, 5)).toEqual([1, 'Xã Quảng Sơn', 183, 14, 0.0765]);
    expect(rowValues(sheet, 4 + HAI_HA.length, 5)).toEqual([11, 'Xã Quảng Đức', 280, 49, 0.175]);
  });

  it('lists the checkpoints created in the period, with their kind in Vietnamese and the local day', () => {
    const sheet = sheetOf(workbook, XLSX_SHEETS.newCheckpoints);
    expect(sheet.getCell('A2').value).toBe(
      'tính từ ngày 06/01/2022 - 12/01/2022: 2 điểm tạo mới trong 7 ngày',
    );
    expect(sheet.rowCount).toBe(6);
    // 17:30 UTC on the 7th is already the 8th in Hải Hà.
    expect(rowValues(sheet, 5, 6)).toEqual([
      1,
      'Xã Quảng Đức',
      'Cửa hàng - Tạp hóa số 501 - Thôn 2',
      'C0000501',
      'Nhà hàng/quán ăn',
      new Date('2022-01-08T00:00:00.000Z'),
    ]);
    expect(sheet.getCell('E6').value).toBe('Bến xe/nhà ga/bến tàu');
  });

  it('lists the misnamed checkpoints with the name the rule gives', () => {
    const sheet = sheetOf(workbook, XLSX_SHEETS.naming);
    expect(sheet.getCell('A1').value).toBe('Điểm kiểm soát đặt tên chưa đúng quy tắc tại huyện Hải Hà');
    expect(rowValues(sheet, 4, 5)).toEqual([
      'TT',
      'Đơn vị',
      'Tên hiện tại',
      'Tên theo quy tắc',
      'Mã điểm kiểm soát',
    ]);
    expect(rowValues(sheet, 5, 5)).toEqual([
      1,
      'Xã Quảng Phong',
      'quán bà Lan',
      'Nhà hàng/quán ăn - Quán bà Lan - Thôn 2',
      'C0000601',
    ]);
    expect(sheet.rowCount).toBe(6);
  });

  it('keeps the list sheets when a list is empty: headers and a count of 0', async () => {
    const wb = await loadWorkbook(await xlsxBytes(unitsReport(haiHaRows)));
    const sheet = sheetOf(wb, XLSX_SHEETS.idle);
    expect(sheet.getCell('A2').value).toBe(
      'tính từ ngày 06/01/2022 - 12/01/2022: 0 điểm không có lượt vào/ra trong 7 ngày',
    );
    expect(sheet.rowCount).toBe(4);
    // No ranking in the report, no Xếp hạng sheet.
    expect(wb.getWorksheet(XLSX_SHEETS.ranking)).toBeUndefined();
  });
});

describe('renderXlsx: a leaf unit lists its checkpoints', () => {
  const FIRST = 7;
  const TOTALS = FIRST + 183;
  let workbook: ExcelJS.Workbook;
  let sheet: ExcelJS.Worksheet;

  beforeAll(async () => {
    ({ workbook, sheet } = await loadSheet(await xlsxBytes(quangSon)));
  });

  it('keeps the title block and names the checkpoints of the unit', () => {
    expect(sheet.getCell('A1').value).toBe('DANH SÁCH');
    expect(sheet.getCell('A2').value).toBe('Các điểm kiểm soát dịch bằng mã QR tại Xã Quảng Sơn');
    expect(sheet.getCell('A3').value).toBe('tính từ ngày 06/01/2022 - 12/01/2022');
    expect(sheet.getCell('A4').value).toBe(
      'Số lượt vào/ra: 680, tăng 40 so với 7 ngày trước (30/12/2021 - 05/01/2022). ' +
        'Điểm kiểm soát hoạt động: 14 (7,65%), 7 ngày trước: 15 (8,38%).',
    );
  });

  it('heads a checkpoint table with TT and seven columns, numbered 1 to 7', () => {
    expect(rowValues(sheet, 5)).toEqual(['TT', ...LEAF_HEADERS]);
    expect(rowValues(sheet, 6)).toEqual([null, '1', '2', '3', '4', '5', '6', '7']);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 6, topLeftCell: 'A7' });
  });

  it('writes one row per checkpoint: name, code, kind in Vietnamese, local day created, check-ins, Có/Không', () => {
    expect(rowValues(sheet, FIRST)).toEqual([
      1,
      'Cửa hàng - Tạp hóa số 1 - Thôn 1',
      'QS000000',
      'Cơ quan nhà nước',
      new Date('2021-10-04T00:00:00.000Z'),
      48,
      'Có',
      'Có',
    ]);
    // The fourth is misnamed; the fifteenth was not used this week.
    expect(rowValues(sheet, FIRST + 3).slice(1, 4)).toEqual(['tạp hóa 4', 'QS000003', 'Nhà máy/xí nghiệp']);
    expect(sheet.getCell(`H${FIRST + 3}`).value).toBe('Không');
    expect(rowValues(sheet, FIRST + 14).slice(5)).toEqual([0, 'Không', 'Có']);
    expect(sheet.getCell(`E${FIRST}`).numFmt).toBe('dd/mm/yyyy');
    expect(sheet.getCell(`F${FIRST}`).numFmt).toBe('#,##0');
  });

  it('ends with a Cộng row equal to the totals, which are Quảng Sơn’s row in the district’s table, and its ratio', () => {
    expect(sheet.rowCount).toBe(TOTALS + 1);
    expect(rowValues(sheet, TOTALS)).toEqual([
      null,
      'Cộng',
      QUANG_SON_ROW.checkpointsTotal,
      null,
      QUANG_SON_ROW.checkpointsNew,
      QUANG_SON_ROW.checkins,
      QUANG_SON_ROW.activeCheckpoints,
      QUANG_SON_ROW.namingViolations,
    ]);
    expect(rowValues(sheet, TOTALS)).toEqual([null, 'Cộng', 183, null, 4, 680, 14, 5]);
    expect(sheet.getCell(`C${TOTALS}`).numFmt).toBe('#,##0" điểm"');
    expect(sheet.getCell(`E${TOTALS}`).numFmt).toBe('#,##0" tạo mới"');
    expect(sheet.getCell(`G${TOTALS}`).numFmt).toBe('#,##0" hoạt động"');
    expect(sheet.getCell(`H${TOTALS}`).numFmt).toBe('#,##0" chưa đúng"');
    expect(rowValues(sheet, TOTALS + 1)).toEqual([
      null,
      'Tỷ lệ hoạt động (%)',
      null,
      null,
      null,
      null,
      0.0765,
      null,
    ]);
    expect(sheet.getCell(`G${TOTALS + 1}`).numFmt).toBe('0.00%');
  });

  it('translates every checkpoint kind, from one constant', () => {
    expect(Object.keys(CHECKPOINT_KIND_NAMES).sort()).toEqual([...CHECKPOINT_KINDS].sort());
    const kinds = CHECKPOINT_KINDS.map((_, i) => sheet.getCell(`D${FIRST + i}`).value);
    expect(kinds).toEqual([
      'Cơ quan nhà nước',
      'Trường học',
      'Cơ sở y tế',
      'Nhà máy/xí nghiệp',
      'Cửa hàng',
      'Chợ',
      'Nhà hàng/quán ăn',
      'Khách sạn/nhà nghỉ',
      'Cơ sở tôn giáo',
      'Bến xe/nhà ga/bến tàu',
      'Khác',
    ]);
  });

  it('compares each checkpoint’s check-ins with the week before on So sánh, and has no Xếp hạng', () => {
    const compare = sheetOf(workbook, XLSX_SHEETS.comparison);
    expect(compare.getCell('D4').value).toBe('(4) Số lượt vào/ra tại các điểm kiểm soát trong 7 ngày');
    // A merged cell reads as its first cell: TT, the name and the code span both header rows.
    expect(rowValues(compare, 5, 6)).toEqual([
      'TT',
      'Tên điểm kiểm soát',
      'Mã điểm kiểm soát',
      'Kỳ này',
      '7 ngày trước',
      'Chênh lệch',
    ]);
    expect(rowValues(compare, 6, 6)).toEqual([1, 'Cửa hàng - Tạp hóa số 1 - Thôn 1', 'QS000000', 48, 42, 6]);
    expect(rowValues(compare, 6 + 14, 6)).toEqual([
      15,
      'Cửa hàng - Tạp hóa số 15 - Thôn 5',
      'QS000014',
      0,
      52,
      -52,
    ]);
    expect(rowValues(compare, 6 + 183, 6)).toEqual([null, 'Cộng', null, 680, 640, 40]);
    expect(workbook.worksheets.map((s) => s.name)).toEqual([
      'Báo cáo',
      'So sánh',
      'Không hoạt động',
      'Điểm mới',
      'Đặt tên',
    ]);
  });

  it('renders a leaf with no checkpoints as headers, a Cộng of zeros and an empty ratio', async () => {
    const { sheet: empty } = await loadSheet(await xlsxBytes(leafReport([])));
    expect(empty.rowCount).toBe(8);
    expect(rowValues(empty, 7)).toEqual([null, 'Cộng', 0, null, 0, 0, 0, 0]);
    expect(rowValues(empty, 8)).toEqual([null, 'Tỷ lệ hoạt động (%)', null, null, null, null, null, null]);
  });

  it('streams a leaf of 3,000 checkpoints to the last row and its Cộng', async () => {
    const big = leafReport(quangSonCheckpoints(3000));
    const { sheet: s } = await loadSheet(await xlsxBytes(big));
    expect(s.rowCount).toBe(FIRST + 3000 + 1);
    expect(s.getCell(`A${FIRST + 2999}`).value).toBe(3000);
    expect(s.getCell(`E${FIRST + 2999}`).value).toEqual(new Date('2022-01-09T00:00:00.000Z'));
    expect(rowValues(s, FIRST + 3000)).toEqual([null, 'Cộng', 3000, null, 4, 680, 14, 5]);
  });
});

describe('renderXlsx: the chart', () => {
  const CHART = pngOf(300, 150);

  it('sits under the Cộng row of a report on units, one empty row below it, at its own size', async () => {
    const bytes = await xlsxBytes(haiHa, CHART);
    const { workbook, sheet } = await loadSheet(bytes);
    const images = sheet.getImages();
    expect(images).toHaveLength(1);
    const { range, imageId } = images[0]!;
    // Cộng is row 18 (1-based); the chart's top-left cell is A20: zero-based row 19, column 0.
    expect(range.tl.nativeRow).toBe(7 + HAI_HA.length + 1);
    expect(range.tl.nativeCol).toBe(0);
    expect((range as unknown as { ext: { width: number; height: number } }).ext).toEqual({
      width: 300,
      height: 150,
    });
    const media = workbook.getImage(Number(imageId)) as unknown as { buffer: Buffer; extension: string };
    expect(media.extension).toBe('png');
    expect(Buffer.compare(Buffer.from(media.buffer), CHART)).toBe(0);
    // The table is untouched, and no other sheet got a picture or a chart sheet appeared.
    expect(rowValues(sheet, 7 + HAI_HA.length)).toEqual([
      null,
      'Cộng',
      6468,
      37,
      72420,
      874,
      0.1351,
      NAMING_TOTAL,
    ]);
    expect(workbook.worksheets.filter((s) => s.getImages().length > 0).map((s) => s.name)).toEqual([
      'Báo cáo',
    ]);
    expect(workbook.getWorksheet('Biểu đồ')).toBeUndefined();
  });

  it('shrinks a chart wider than the table to the table’s width, keeping its proportions', async () => {
    const { sheet } = await loadSheet(await xlsxBytes(haiHa, pngOf(2000, 1000)));
    // Columns 6, 32, 14, 16, 18, 16, 14, 16 characters: 7 px a character and 5 px of padding each.
    const ext = (sheet.getImages()[0]!.range as unknown as { ext: { width: number; height: number } }).ext;
    expect(ext).toEqual({ width: 964, height: 482 });
  });

  it('writes a whole package: drawing parts typed, every relationship’s target present', async () => {
    for (const r of [haiHa, quangSon]) {
      const { names, text } = await checkPackage(await xlsxBytes(r, CHART));
      expect(names).toEqual(
        expect.arrayContaining([
          'xl/media/image0.png',
          'xl/drawings/drawing1.xml',
          'xl/drawings/_rels/drawing1.xml.rels',
        ]),
      );
      const types = await text('[Content_Types].xml');
      expect(types).toContain(
        '<Override PartName="/xl/drawings/drawing1.xml" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>',
      );
      expect(types).toContain('<Default Extension="png" ContentType="image/png"/>');
      // Under the main sheet's table, for a report on units and on a leaf's checkpoints alike.
      const sheetRels = await text('xl/worksheets/_rels/sheet1.xml.rels');
      const rId =
        /Id="(rId\d+)" Type="http:\/\/schemas\.openxmlformats\.org\/officeDocument\/2006\/relationships\/drawing" Target="\.\.\/drawings\/drawing1\.xml"/.exec(
          sheetRels,
        )?.[1];
      expect(rId).toBeDefined();
      // CT_Worksheet's order: … headerFooter, rowBreaks, … drawing, legacyDrawing …
      expect(await text('xl/worksheets/sheet1.xml')).toMatch(
        new RegExp(
          `</headerFooter>(<rowBreaks[^>]*/>|<rowBreaks.*?</rowBreaks>)?<drawing r:id="${rId}"/></worksheet>$`,
        ),
      );
      expect(await text('xl/drawings/_rels/drawing1.xml.rels')).toContain('Target="../media/image0.png"');
      expect(await text('xl/drawings/drawing1.xml')).toContain('descr="Biểu đồ số lượt vào/ra theo ngày tại');
    }
  });

  it('checks the package of a workbook without a chart as whole too, with no drawing in it', async () => {
    const { names } = await checkPackage(await xlsxBytes(haiHa));
    expect(names.filter((n) => n.includes('drawing') || n.includes('media'))).toEqual([]);
  });

  /**
   * How the main sheet prints, read back from the package as a printer would: the manual row breaks, the chart's
   * anchor row and height, and what room a page has for it under the repeated header rows, one page wide on A4
   * landscape (297 × 210 mm) within the sheet's own margins.
   */
  async function printedChart(bytes: Buffer) {
    const { text } = await checkPackage(bytes);
    const sheetXml = await text('xl/worksheets/sheet1.xml');
    const drawing = await text('xl/drawings/drawing1.xml');
    const workbookXml = await text('xl/workbook.xml');
    const attr = (xml: string, tag: string, name: string) => {
      const value = new RegExp(`<${tag}\\b[^>]*\\b${name}="([^"]*)"`).exec(xml)?.[1];
      if (value === undefined) throw new Error(`no ${tag} ${name}`);
      return value;
    };
    expect([attr(sheetXml, 'pageSetup', 'paperSize'), attr(sheetXml, 'pageSetup', 'orientation')]).toEqual([
      '9',
      'landscape',
    ]);
    expect(attr(sheetXml, 'pageSetup', 'fitToWidth')).toBe('1');
    const breaks = [...sheetXml.matchAll(/<brk ([^>]*)\/>/g)].map(([, a]) => ({
      id: Number(/id="(\d+)"/.exec(a!)![1]),
      max: Number(/max="(\d+)"/.exec(a!)![1]),
      manual: /man="1"/.test(a!),
    }));
    const anchors = [
      ...drawing.matchAll(
        /<xdr:from>.*?<xdr:row>(\d+)<\/xdr:row>.*?<\/xdr:from><xdr:ext cx="(\d+)" cy="(\d+)"\/>/g,
      ),
    ];
    expect(anchors).toHaveLength(1);
    const [, row, cx, cy] = anchors[0]!;
    // The rows every page repeats, and their heights as written.
    const titles =
      /<definedName name="_xlnm.Print_Titles" localSheetId="0">[^<]*!\$(\d+):\$(\d+)<\/definedName>/.exec(
        workbookXml,
      );
    expect(titles?.slice(1)).toEqual(['5', '6']);
    const rowHeight = (r: number) =>
      Number(new RegExp(`<row r="${r}" ht="([\\d.]+)" customHeight="1"`).exec(sheetXml)![1]);
    const repeatedPt = rowHeight(5) + rowHeight(6);
    const widthsPx = [...sheetXml.matchAll(/<col min="\d+" max="\d+" width="([\d.]+)"/g)].map(([, w]) =>
      Math.trunc(Number(w) * 7 + 5),
    );
    const margin = (side: string) => Number(attr(sheetXml, 'pageMargins', side)) * 72;
    const pageWidthPt = (297 / 25.4) * 72 - margin('left') - margin('right');
    const pageHeightPt = (210 / 25.4) * 72 - margin('top') - margin('bottom');
    const tableWidthPt = widthsPx.reduce((a, b) => a + b, 0) * 0.75;
    const printScale = Math.min(1, pageWidthPt / tableWidthPt);
    return {
      breaks,
      anchorRow: Number(row), // zero-based: the 1-based row anchorRow + 1
      widthPt: (Number(cx) / 12700) * printScale,
      heightPt: (Number(cy) / 12700) * printScale,
      tableWidthPt: tableWidthPt * printScale,
      roomPt: pageHeightPt - repeatedPt * printScale,
    };
  }

  it.each([
    ['the Hải Hà table', haiHa],
    [
      'a table whose long commune names make it wider than the page',
      unitsReport(
        haiHaRows.map((r, i) => (i === 3 ? { ...r, unitName: `${r.unitName} `.repeat(6).trim() } : r)),
      ),
    ],
    ['a table longer than a page', unitsReport([...haiHaRows, ...haiHaRows, ...haiHaRows, ...haiHaRows])],
  ])(
    'prints the chart of %s whole, at the top of a page of its own under the repeated headers',
    async (_, report) => {
      // The size renderReportChart draws (1200 × 675 CSS pixels at scale 2).
      const printed = await printedChart(await xlsxBytes(report, pngOf(2400, 1350)));
      const cong = 7 + report.rows.length; // 1-based: the rows start at row 7
      // One empty row under Cộng, then the chart: the page breaks after the empty row, right above the chart.
      expect(printed.anchorRow).toBe(cong + 1);
      expect(printed.breaks).toEqual([{ id: printed.anchorRow, max: 16383, manual: true }]);
      // Below the break and no taller than the page's room under the header rows: it cannot straddle a break.
      expect(printed.heightPt).toBeLessThanOrEqual(printed.roomPt - 12);
      expect(printed.heightPt).toBeGreaterThan(printed.roomPt * 0.8); // as large as the page allows, not a thumbnail
      expect(printed.widthPt).toBeLessThanOrEqual(printed.tableWidthPt + 0.5);
    },
  );

  it('refuses a chart that is not a PNG before writing anything', async () => {
    await expect(xlsxBytes(haiHa, Buffer.from('GIF89a not a png at all'))).rejects.toThrow(/not a PNG/);
  });
});

describe('addSheetImage: against exceljs internals', () => {
  const picture = { png: pngOf(4, 4), anchor: { col: 0, row: 0, width: 4, height: 4 }, description: 'x' };
  const discard = () =>
    new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
    });

  it('throws, naming what is missing, when a sheet lacks what it wraps', () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: discard() });
    const sheet = workbook.addWorksheet('Báo cáo');
    (sheet as unknown as { _writeRowBreaks: unknown })._writeRowBreaks = undefined;
    expect(() => addSheetImage(workbook, sheet, picture)).toThrow(
      /exceljs's internals are not those of 4\.4\.0 \(WorksheetWriter\._writeRowBreaks is missing\)/,
    );
  });

  it('fails the workbook rather than leave the drawing untyped when [Content_Types].xml is written elsewhere', async () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: discard() });
    workbook.addContentTypes = async () => {}; // as if a new exceljs wrote it at some other time
    const sheet = workbook.addWorksheet('Báo cáo');
    addSheetImage(workbook, sheet, picture);
    sheet.commit();
    await expect(workbook.commit()).rejects.toThrow(/did not append \[Content_Types\]\.xml/);
  });

  it('refuses a sheet already committed: its XML is written', () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: discard() });
    const sheet = workbook.addWorksheet('Báo cáo');
    sheet.commit();
    expect(() => addSheetImage(workbook, sheet, picture)).toThrow(/already committed/);
  });
});

describe('renderXlsx: edge cases', () => {
  it('leaves the ratio cell empty for a unit with no checkpoints', async () => {
    const { sheet } = await loadSheet(await xlsxBytes(unitsReport([...haiHaRows, emptyUnit])));
    const row = 7 + HAI_HA.length;
    expect(rowValues(sheet, row)).toEqual([12, 'Xã Mới Lập', 0, 0, 0, 0, null, 0]);
    expect(sheet.getRow(row + 1).getCell(2).value).toBe('Cộng');
  });

  it('rejects a period that is not a date rather than printing Invalid DateTime', async () => {
    const bad = { ...haiHa, period: { start: '2022-13-01', end: '2022-01-12' } };
    await expect(xlsxBytes(bad)).rejects.toThrow(/2022-13-01/);
  });
});

describe('renderCsv: a report on units', () => {
  const csv = renderCsv(haiHa);
  const lines = csv.slice(1).split('\r\n');
  const COMPARISON_HEADERS = [2, 3, 4, 5, 6, 7].flatMap((n) => [`(${n}) 7 ngày trước`, `(${n}) chênh lệch`]);

  it('starts with a UTF-8 BOM so Excel reads Vietnamese', () => {
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const bytes = Buffer.from(csv, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes)).toContain('Xã Quảng Thịnh');
  });

  it('writes the header, one CRLF line per commune and the Cộng line, ending with CRLF', () => {
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(lines).toHaveLength(1 + HAI_HA.length + 1 + 1); // the last is the empty string after the final CRLF
    expect(lines[0]).toBe(['TT', ...HEADERS, ...COMPARISON_HEADERS].join(','));
    expect(lines[0]?.split(',').slice(1, 7)).toEqual(PROVINCE_HEADERS);
    expect(lines[0]?.split(',')[7]).toBe(NAMING_HEADER);
  });

  it('keeps the seven columns first, figures as the province prints them', () => {
    const seven = (line: string | undefined) => line?.split(',').slice(0, 8).join(',');
    expect(seven(lines[1])).toBe('1,Thị trấn Quảng Hà,2777,11,62735,443,15.95,27');
    expect(seven(lines[2])).toBe('2,Xã Cái Chiên,114,2,87,12,10.53,0');
    expect(seven(lines[5])).toBe('5,Xã Quảng Đức,280,6,1073,49,17.50,7');
    expect(seven(lines[12])).toBe(`,Cộng,6468,37,72420,874,13.51,${NAMING_TOTAL}`);
  });

  it('adds the week before and the difference of each figure after the seven, negative differences as numbers', () => {
    for (const line of lines.slice(0, -1)) expect(line.split(',')).toHaveLength(8 + 12);
    expect(lines[1]?.split(',').slice(8)).toEqual([
      '2766',
      '11',
      '9',
      '2',
      '68575',
      '-5840',
      '450',
      '-7',
      '16.27',
      '-0.32',
      '28',
      '-1',
    ]);
    expect(lines[12]?.split(',').slice(8)).toEqual([
      '6431',
      '37',
      '29',
      '8',
      '78439',
      '-6019',
      '878',
      '-4',
      '13.65',
      '-0.14',
      '152',
      '-7',
    ]);
  });

  it("ends each commune's seventh column with its naming count and the Cộng line's with their sum", () => {
    HAI_HA.forEach(([, , , , , , naming], i) => {
      expect(lines[i + 1]?.split(',')[7]).toBe(String(naming));
    });
    expect(lines[12]?.split(',')[7]).toBe(String(NAMING_TOTAL));
  });

  it('quotes names holding commas, quotes or line breaks (RFC 4180)', () => {
    const names = ['Xã "Mới", Hải Hà', 'Khu phố 1\nThị trấn'];
    const out = renderCsv(
      unitsReport(names.map((unitName, i) => ({ ...emptyUnit, unitId: `u${i}`, unitName }))),
    );
    expect(out).toContain('\r\n1,"Xã ""Mới"", Hải Hà",0,0,0,0,,0,0,0,0,0,0,0,0,0,,,0,0\r\n');
    expect(out).toContain('\r\n2,"Khu phố 1\nThị trấn",0,0,0,0,,0,');
  });

  it('defuses a name that Excel would run as a formula', () => {
    const out = renderCsv(unitsReport([{ ...emptyUnit, unitName: '=HYPERLINK("http://x","y")' }]));
    expect(out).toContain('\r\n1,"\'=HYPERLINK(""http://x"",""y"")",0,0,0,0,,0,');
  });

  it('leaves the ratio empty, not NaN or Infinity, for a unit with no checkpoints', () => {
    const out = renderCsv(unitsReport([emptyUnit]));
    expect(out).toContain('\r\n1,Xã Mới Lập,0,0,0,0,,0,0,0,0,0,0,0,0,0,,,0,0\r\n');
    expect(out).toContain('\r\n,Cộng,0,0,0,0,,0,');
    expect(out).not.toMatch(/NaN|Infinity/);
  });
});

describe('renderCsv: a leaf unit', () => {
  const lines = renderCsv(quangSon).slice(1).split('\r\n');

  it('writes its checkpoints with the same columns as the XLSX, and only the main table', () => {
    expect(lines).toHaveLength(1 + 183 + 2 + 1);
    expect(lines[0]).toBe(['TT', ...LEAF_HEADERS].join(','));
    expect(lines[1]).toBe('1,Cửa hàng - Tạp hóa số 1 - Thôn 1,QS000000,Cơ quan nhà nước,04/10/2021,48,Có,Có');
    expect(lines[4]).toBe('4,tạp hóa 4,QS000003,Nhà máy/xí nghiệp,04/10/2021,48,Có,Không');
    expect(lines[183]).toBe(
      '183,Cửa hàng - Tạp hóa số 183 - Thôn 3,QS000182,Nhà hàng/quán ăn,09/01/2022,0,Không,Có',
    );
  });

  it('ends with the Cộng line (each total under its column, as in the XLSX) and the ratio', () => {
    expect(lines[184]).toBe(',Cộng,183,,4,680,14,5');
    expect(lines[185]).toBe(',Tỷ lệ hoạt động (%),,,,,7.65,');
  });

  it('defuses a checkpoint name Excel would run as a formula', () => {
    const [first] = quangSonCheckpoints(1);
    const out = renderCsv(leafReport([{ ...first!, name: '@SUM(A1)', code: '-1+1' }]));
    expect(out).toContain("\r\n1,'@SUM(A1),'-1+1,");
  });
});

describe('renderJson', () => {
  const text = renderJson(
    unitsReport([...haiHaRows, emptyUnit], { idle: IDLE.slice(0, 2), misnamed: MISNAMED }),
  );
  const parsed = JSON.parse(text);

  it('carries the whole model, in a fixed key order, indented so two weeks diff line by line', () => {
    expect(Object.keys(parsed)).toEqual([
      'provinceId',
      'unit',
      'period',
      'previousPeriod',
      'level',
      'generatedAt',
      'columns',
      'rows',
      'checkpoints',
      'totals',
      'previousTotals',
      'change',
      'idle',
      'ranking',
      'newCheckpoints',
      'misnamed',
      'daily',
    ]);
    expect(text).toMatch(/^\{\n {2}"provinceId": "quang-ninh",\n/);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parsed).toMatchObject({
      provinceId: 'quang-ninh',
      unit: { id: 'hai-ha', name: 'huyện Hải Hà' },
      period: PERIOD,
      previousPeriod: PREVIOUS_PERIOD,
      level: 'units',
      generatedAt: '2022-01-14T01:00:00.000Z',
      columns: HEADERS,
    });
    expect(parsed.idle[1]).toEqual({ ...IDLE[1], lastActiveDay: '2021-12-24' });
    expect(parsed.idle[0].lastActiveDay).toBeNull();
    expect(parsed.misnamed).toEqual(MISNAMED);
  });

  it('gives each row its figures, its ratio, the week before and the change', () => {
    expect(parsed.rows[0]).toEqual({
      unitId: 'commune-1',
      unitName: 'Thị trấn Quảng Hà',
      checkpointsTotal: 2777,
      checkpointsNew: 11,
      checkins: 62735,
      activeCheckpoints: 443,
      activeRatio: 15.95,
      namingViolations: 27,
      previous: {
        checkpointsTotal: 2766,
        checkpointsNew: 9,
        checkins: 68575,
        activeCheckpoints: 450,
        activeRatio: 16.27,
        namingViolations: 28,
      },
      change: {
        checkpointsTotal: 11,
        checkpointsNew: 2,
        checkins: -5840,
        activeCheckpoints: -7,
        activeRatio: -0.32,
        namingViolations: -1,
      },
    });
    expect(parsed.rows.map((r: { activeRatio: number | null }) => r.activeRatio)).toEqual([
      ...HAI_HA.map((row) => row[5]),
      null,
    ]);
    expect(parsed.rows.at(-1).change.activeRatio).toBeNull();
  });

  it('totals both weeks and their change: 6,019 fewer check-ins, 0.14 points lower', () => {
    expect(parsed.totals).toEqual({
      checkpointsTotal: 6468,
      checkpointsNew: 37,
      checkins: 72420,
      activeCheckpoints: 874,
      activeRatio: 13.51,
      namingViolations: NAMING_TOTAL,
    });
    expect(parsed.previousTotals).toEqual({ ...PREVIOUS_TOTALS, activeRatio: 13.65 });
    expect(parsed.change).toEqual({
      checkpointsTotal: 37,
      checkpointsNew: 8,
      checkins: -6019,
      activeCheckpoints: -4,
      activeRatio: -0.14,
      namingViolations: -7,
    });
  });

  it('gives a leaf its checkpoints, each with the change of its check-ins, and its own headers', () => {
    const leaf = JSON.parse(renderJson(quangSon));
    expect(leaf.level).toBe('checkpoints');
    expect(leaf.columns).toEqual(LEAF_HEADERS);
    expect(leaf.rows).toEqual([]);
    expect(leaf.checkpoints).toHaveLength(183);
    expect(leaf.checkpoints[14]).toEqual({ ...quangSon.checkpoints[14], change: { checkins: -52 } });
    expect(leaf.change.checkins).toBe(40);
  });

  it('writes nothing a caller put on a row beyond the model', () => {
    const row = { ...haiHaRows[0]!, phone: '+84912345678' } as ReportRow;
    expect(renderJson(unitsReport([row]))).not.toContain('+84912345678');
  });
});

describe('renderReport', () => {
  it('streams xlsx as a readable that loads as the same workbook, with the chart it was given', async () => {
    const chart = pngOf(40, 20);
    const { body, contentType } = renderReport(haiHa, 'xlsx', { chartPng: chart });
    expect(contentType).toBe(REPORT_CONTENT_TYPES.xlsx);
    expect(typeof body).not.toBe('string');
    const bytes = await buffer(body as NodeJS.ReadableStream);
    const { sheet } = await loadSheet(bytes);
    expect(rowValues(sheet, 7 + HAI_HA.length)).toEqual([
      null,
      'Cộng',
      6468,
      37,
      72420,
      874,
      0.1351,
      NAMING_TOTAL,
    ]);
    expect(sheet.getImages()).toHaveLength(1);
  });

  it('fails the xlsx stream when rendering fails, so no half file is stored', async () => {
    const { body } = renderReport({ ...haiHa, period: { start: 'not-a-day', end: '2022-01-12' } }, 'xlsx');
    await expect(buffer(body as NodeJS.ReadableStream)).rejects.toThrow(/not-a-day/);
  });

  it('returns csv and json as strings with their content types', () => {
    expect(renderReport(haiHa, 'csv')).toEqual({
      body: renderCsv(haiHa),
      contentType: 'text/csv; charset=utf-8',
    });
    expect(renderReport(haiHa, 'json')).toEqual({ body: renderJson(haiHa), contentType: 'application/json' });
  });

  it('leaves the chart to its own renderer', () => {
    expect(() => renderReport(haiHa, 'png' as 'xlsx')).toThrow(/renderChartPng/);
  });
});
