import {
  activeRatio,
  changeOf,
  REPORT_COLUMNS,
  type ReportFigures,
  TOTALS_LABEL,
  type UnitReport,
} from '../core/report.ts';
import { CHECKPOINT_COLUMNS, formatDay, kindName, localDayOf, NO, RATIO_LABEL, YES } from './report-text.ts';

/** Excel reads a CSV without a BOM as the local ANSI code page and garbles Vietnamese. */
export const CSV_BOM = '\uFEFF';
const EOL = '\r\n';

/**
 * After the seven columns of a report on units, for each figure (2)…(7): its value the seven days before and the
 * difference (for (6), in percentage points).
 */
export const CSV_COMPARISON_HEADERS: readonly string[] = REPORT_COLUMNS.slice(1).flatMap((_, i) => [
  `(${i + 2}) 7 ngày trước`,
  `(${i + 2}) chênh lệch`,
]);

/**
 * The weekly report's main table as CSV (RFC 4180, CRLF, UTF-8 with BOM), one file, one table.
 *
 * A report on units: TT and the seven headers, then the comparison columns; one line per row and the totals line
 * (Cộng). A leaf: TT and its checkpoints' columns, one line per checkpoint, the Cộng line (each column's total in
 * that column, as in the XLSX) and the ratio's line. Counts are plain integers (a difference may be negative) and
 * ratios numbers with two decimals, so the file stays machine-readable whatever the reader's locale; a ratio is
 * empty when nothing was created.
 */
export function renderCsv(report: UnitReport): string {
  const lines: string[] = [];
  if (report.level === 'checkpoints') {
    lines.push(line(['TT', ...CHECKPOINT_COLUMNS.map((c) => c.header)].map(text)));
    report.checkpoints.forEach((cp, i) => {
      lines.push(
        line([
          String(i + 1),
          text(cp.name),
          text(cp.code),
          text(kindName(cp.kind)),
          formatDay(localDayOf(cp.createdAt)),
          String(cp.checkins),
          cp.checkins > 0 ? YES : NO,
          cp.followsNamingRule ? YES : NO,
        ]),
      );
    });
    const t = report.totals;
    const counts = [
      t.checkpointsTotal,
      '',
      t.checkpointsNew,
      t.checkins,
      t.activeCheckpoints,
      t.namingViolations,
    ];
    lines.push(line(['', TOTALS_LABEL, ...counts.map(String)]));
    lines.push(line(['', RATIO_LABEL, '', '', '', '', ratioText(activeRatio(t)), '']));
  } else {
    lines.push(line(['TT', ...REPORT_COLUMNS.map((c) => c.header), ...CSV_COMPARISON_HEADERS].map(text)));
    report.rows.forEach((row, i) => {
      lines.push(
        line([String(i + 1), text(row.unitName), ...figures(row), ...comparison(row, row.previous)]),
      );
    });
    lines.push(
      line([
        '',
        TOTALS_LABEL,
        ...figures(report.totals),
        ...comparison(report.totals, report.previousTotals),
      ]),
    );
  }
  return CSV_BOM + lines.join(EOL) + EOL;
}

function figures(f: ReportFigures): string[] {
  return [
    String(f.checkpointsTotal),
    String(f.checkpointsNew),
    String(f.checkins),
    String(f.activeCheckpoints),
    ratioText(activeRatio(f)),
    String(f.namingViolations),
  ];
}

function comparison(now: ReportFigures, before: ReportFigures): string[] {
  const change = changeOf(now, before);
  return [
    String(before.checkpointsTotal),
    String(change.checkpointsTotal),
    String(before.checkpointsNew),
    String(change.checkpointsNew),
    String(before.checkins),
    String(change.checkins),
    String(before.activeCheckpoints),
    String(change.activeCheckpoints),
    ratioText(activeRatio(before)),
    ratioText(change.ratio),
    String(before.namingViolations),
    String(change.namingViolations),
  ];
}

function ratioText(ratio: number | null): string {
  return ratio === null ? '' : ratio.toFixed(2);
}

/** Fields are joined as they are: text from people went through text() first, numbers need no guard. */
function line(fields: string[]): string {
  return fields.map(quote).join(',');
}

/**
 * The usual guard against formula injection for text people typed (unit and checkpoint names, codes): Excel runs
 * a cell that starts with = + - @ (or a tab/CR) as a formula, so such text gets a leading '. Numbers are not
 * guarded: a difference of -6019 must stay a number.
 */
function text(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180 quoting. */
function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
