import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { defuse, renderCaseExport } from '../../src/render/case-export.ts';

describe('the case export', () => {
  it('writes every cell that could start a formula as text', () => {
    for (const dangerous of ['=HYPERLINK("http://x")', '+84912345678', '-1+2', '@SUM(A1)', '\tx', '\rx']) {
      expect(defuse(dangerous)).toBe(`'${dangerous}`);
    }
    expect(defuse('Chợ Quảng Hà')).toBe('Chợ Quảng Hà');
  });

  it('keeps the rows, and no formula reaches the workbook', async () => {
    const buffer = await renderCaseExport({
      title: 'Truy vết ca F0-1',
      subtitle: 'từ 01/12/2026 đến 02/12/2026',
      columns: [
        { header: 'Số điện thoại', width: 16 },
        { header: 'Điểm kiểm soát', width: 40 },
        { header: 'Phút', width: 8 },
      ],
      rows: [
        ['+84912345678', '=cmd|" /C calc"!A0', 20],
        ['0987654321', 'Chợ Quảng Hà', 15],
      ],
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet('Truy vết')!;
    expect(sheet.getCell('A5').value).toBe("'+84912345678");
    expect(sheet.getCell('B5').value).toBe('\'=cmd|" /C calc"!A0');
    expect(sheet.getCell('C5').value).toBe(20);
    expect(sheet.getCell('B6').value).toBe('Chợ Quảng Hà');
    sheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
  });
});
