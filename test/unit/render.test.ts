import { Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPORT_CONTENT_TYPES, type ReportRow, sumFigures, type UnitReport } from '../../src/core/report.ts';
import { renderCsv, renderJson, renderReport, renderXlsx } from '../../src/render/index.ts';

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

function report(rows: ReportRow[]): UnitReport {
  return {
    provinceId: 'quang-ninh',
    unit: { id: 'hai-ha', name: 'huyện Hải Hà' },
    period: { start: '2022-01-06', end: '2022-01-12' },
    rows,
    totals: sumFigures(rows),
    generatedAt: '2022-01-14T01:00:00.000Z',
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
  }),
);
const haiHa = report(haiHaRows);

const emptyUnit: ReportRow = {
  unitId: 'new-commune',
  unitName: 'Xã Mới Lập',
  namingViolations: 0,
  checkpointsTotal: 0,
  checkpointsNew: 0,
  checkins: 0,
  activeCheckpoints: 0,
};

async function xlsxBytes(r: UnitReport): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await renderXlsx(r, sink);
  return Buffer.concat(chunks);
}

async function loadSheet(bytes: Buffer): Promise<{ workbook: ExcelJS.Workbook; sheet: ExcelJS.Worksheet }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  const sheet = workbook.getWorksheet('Báo cáo');
  if (!sheet) throw new Error('no sheet named Báo cáo');
  return { workbook, sheet };
}

function rowValues(sheet: ExcelJS.Worksheet, row: number): unknown[] {
  return [1, 2, 3, 4, 5, 6, 7, 8].map((c) => sheet.getRow(row).getCell(c).value);
}

/** Column (7), the last field of a CSV line (the fixtures' names hold no commas). */
function lastCsvField(line: string | undefined): string | undefined {
  return line?.split(',').at(-1);
}

describe('fixtures', () => {
  it('total the naming column to NAMING_TOTAL, and sumFigures agrees', () => {
    expect(HAI_HA.reduce((sum, row) => sum + row[6], 0)).toBe(NAMING_TOTAL);
    expect(sumFigures(haiHaRows).namingViolations).toBe(NAMING_TOTAL);
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

  it('prints on A4 landscape, one page wide, repeating the header rows', () => {
    expect(sheet.pageSetup).toMatchObject({
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '5:6',
    });
  });

  it('makes the Đơn vị column wide enough for the longest commune name', () => {
    const longest = Math.max(...HAI_HA.map(([name]) => name.length));
    expect(sheet.getColumn(2).width).toBeGreaterThanOrEqual(longest);
  });

  it('stamps the workbook with the time the report was generated, not the time it was rendered', () => {
    expect(workbook.created.toISOString()).toBe('2022-01-14T01:00:00.000Z');
  });
});

describe('renderXlsx: edge cases', () => {
  it('leaves the ratio cell empty for a unit with no checkpoints', async () => {
    const { sheet } = await loadSheet(await xlsxBytes(report([...haiHaRows, emptyUnit])));
    const row = 7 + HAI_HA.length;
    expect(rowValues(sheet, row)).toEqual([12, 'Xã Mới Lập', 0, 0, 0, 0, null, 0]);
    expect(sheet.getRow(row + 1).getCell(2).value).toBe('Cộng');
  });

  it('renders a unit without children as headers and a Cộng row of zeros with an empty ratio', async () => {
    const { sheet } = await loadSheet(await xlsxBytes(report([])));
    expect(sheet.rowCount).toBe(7);
    expect(rowValues(sheet, 7)).toEqual([null, 'Cộng', 0, 0, 0, 0, null, 0]);
  });

  it('rejects a period that is not a date rather than printing Invalid DateTime', async () => {
    const bad = { ...haiHa, period: { start: '2022-13-01', end: '2022-01-12' } };
    await expect(xlsxBytes(bad)).rejects.toThrow(/2022-13-01/);
  });
});

describe('renderCsv', () => {
  const csv = renderCsv(haiHa);
  const lines = csv.slice(1).split('\r\n');

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
    expect(lines[0]).toBe(['TT', ...HEADERS].join(','));
    expect(lines[0]?.split(',').slice(1, 7)).toEqual(PROVINCE_HEADERS);
    expect(lastCsvField(lines[0])).toBe(NAMING_HEADER);
    expect(lines[1]).toBe('1,Thị trấn Quảng Hà,2777,11,62735,443,15.95,27');
    expect(lines[2]).toBe('2,Xã Cái Chiên,114,2,87,12,10.53,0');
    expect(lines[5]).toBe('5,Xã Quảng Đức,280,6,1073,49,17.50,7');
    expect(lines[12]).toBe(`,Cộng,6468,37,72420,874,13.51,${NAMING_TOTAL}`);
  });

  it("ends each commune's line with its naming count and the Cộng line with their sum", () => {
    for (const line of lines.slice(0, -1)) expect(line.split(',')).toHaveLength(8);
    HAI_HA.forEach(([, , , , , , naming], i) => {
      expect(lastCsvField(lines[i + 1])).toBe(String(naming));
    });
    expect(lastCsvField(lines[12])).toBe(String(NAMING_TOTAL));
  });

  it('quotes names holding commas, quotes or line breaks (RFC 4180)', () => {
    const names = ['Xã "Mới", Hải Hà', 'Khu phố 1\nThị trấn'];
    const out = renderCsv(report(names.map((unitName, i) => ({ ...emptyUnit, unitId: `u${i}`, unitName }))));
    expect(out).toContain('\r\n1,"Xã ""Mới"", Hải Hà",0,0,0,0,,0\r\n');
    expect(out).toContain('\r\n2,"Khu phố 1\nThị trấn",0,0,0,0,,0\r\n');
  });

  it('defuses a name that Excel would run as a formula', () => {
    const out = renderCsv(report([{ ...emptyUnit, unitName: '=HYPERLINK("http://x","y")' }]));
    expect(out).toContain('\r\n1,"\'=HYPERLINK(""http://x"",""y"")",0,0,0,0,,0\r\n');
  });

  it('leaves the ratio empty, not NaN or Infinity, for a unit with no checkpoints', () => {
    const out = renderCsv(report([emptyUnit]));
    expect(out).toContain('\r\n1,Xã Mới Lập,0,0,0,0,,0\r\n');
    expect(out).toContain('\r\n,Cộng,0,0,0,0,,0\r\n');
    expect(out).not.toMatch(/NaN|Infinity/);
  });
});

describe('renderJson', () => {
  const parsed = JSON.parse(renderJson(report([...haiHaRows, emptyUnit])));

  it('carries the province, unit, period, generation time, the six headers and the naming header', () => {
    expect(parsed).toMatchObject({
      provinceId: 'quang-ninh',
      unit: { id: 'hai-ha', name: 'huyện Hải Hà' },
      period: { start: '2022-01-06', end: '2022-01-12' },
      generatedAt: '2022-01-14T01:00:00.000Z',
      columns: HEADERS,
    });
    expect(parsed.columns.slice(0, 6)).toEqual(PROVINCE_HEADERS);
    expect(parsed.columns[6]).toBe(NAMING_HEADER);
  });

  it('gives each row its figures, its ratio in percent and its naming count', () => {
    expect(parsed.rows[0]).toEqual({
      unitId: 'commune-1',
      unitName: 'Thị trấn Quảng Hà',
      checkpointsTotal: 2777,
      checkpointsNew: 11,
      checkins: 62735,
      activeCheckpoints: 443,
      activeRatio: 15.95,
      namingViolations: 27,
    });
    expect(parsed.rows.map((r: { activeRatio: number | null }) => r.activeRatio)).toEqual([
      ...HAI_HA.map((row) => row[5]),
      null,
    ]);
    expect(parsed.rows.map((r: { namingViolations: number }) => r.namingViolations)).toEqual([
      ...HAI_HA.map((row) => row[6]),
      0,
    ]);
  });

  it('totals the rows with ratio 13.51 (total active ÷ total created) and the naming counts summed', () => {
    expect(parsed.totals).toEqual({
      checkpointsTotal: 6468,
      checkpointsNew: 37,
      checkins: 72420,
      activeCheckpoints: 874,
      activeRatio: 13.51,
      namingViolations: NAMING_TOTAL,
    });
  });
});

describe('renderReport', () => {
  it('streams xlsx as a readable that loads as the same workbook', async () => {
    const { body, contentType } = renderReport(haiHa, 'xlsx');
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
});
