import ExcelJS from 'exceljs';

/**
 * A tracing answer as an XLSX for the case file. Every text cell is defused: a value a person or a registrant
 * typed (a checkpoint's name, a place) that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be
 * read by Excel or LibreOffice as a formula (Luca's health-department export was exactly this hole), so it is
 * written with a leading apostrophe, as text. Times are written as local time text (Asia/Ho_Chi_Minh), the way a
 * health official reads them, never as Excel serial dates that change with the reader's time zone.
 */
export interface CaseExport {
  /** The title line: what this is and for which case. */
  title: string;
  /** The second line: the window and who asked. */
  subtitle: string;
  columns: readonly { header: string; width: number }[];
  rows: readonly (readonly (string | number)[])[];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell Excel and LibreOffice take as text, whatever it starts with. */
export function defuse(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export async function renderCaseExport(content: CaseExport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'vaora';
  const sheet = workbook.addWorksheet('Truy vết', {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
    views: [{ state: 'frozen', ySplit: 4 }],
  });
  sheet.getCell('A1').value = defuse(content.title);
  sheet.getCell('A1').font = { bold: true, size: 13 };
  sheet.getCell('A2').value = defuse(content.subtitle);
  const header = sheet.getRow(4);
  content.columns.forEach((column, i) => {
    header.getCell(i + 1).value = defuse(column.header);
    sheet.getColumn(i + 1).width = column.width;
  });
  header.font = { bold: true };
  for (const values of content.rows) {
    sheet.addRow(values.map((v) => (typeof v === 'string' ? defuse(v) : v)));
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
