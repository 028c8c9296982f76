import {
  activeRatio,
  REPORT_COLUMNS,
  type ReportFigures,
  TOTALS_LABEL,
  type UnitReport,
} from '../core/report.ts';

/** Excel reads a CSV without a BOM as the local ANSI code page and garbles Vietnamese. */
export const CSV_BOM = '\uFEFF';
const EOL = '\r\n';

/**
 * The weekly report as CSV (RFC 4180, CRLF, UTF-8 with BOM): TT and the six headers, one line per row,
 * then the totals line (Cộng). Counts are plain integers and (6) a number with two decimals, so the file
 * stays machine-readable whatever the reader's locale; (6) is empty when nothing was created.
 */
export function renderCsv(report: UnitReport): string {
  const lines = [line(['TT', ...REPORT_COLUMNS.map((c) => c.header)])];
  report.rows.forEach((row, i) => {
    lines.push(line([String(i + 1), row.unitName, ...figures(row)]));
  });
  lines.push(line(['', TOTALS_LABEL, ...figures(report.totals)]));
  return CSV_BOM + lines.join(EOL) + EOL;
}

function figures(f: ReportFigures): string[] {
  const ratio = activeRatio(f);
  return [
    String(f.checkpointsTotal),
    String(f.checkpointsNew),
    String(f.checkins),
    String(f.activeCheckpoints),
    ratio === null ? '' : ratio.toFixed(2),
    String(f.namingViolations),
  ];
}

function line(fields: string[]): string {
  return fields.map(field).join(',');
}

/**
 * RFC 4180 quoting, plus the usual guard against formula injection: Excel runs a cell that starts with
 * = + - @ (or a tab/CR) as a formula, and unit names are typed by people, so such text gets a leading '.
 */
function field(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
