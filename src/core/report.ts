/** The weekly report as data: the Hải Hà table (../shared/DOMAIN.md), before any file format. */

/** Seven local days, inclusive, as YYYY-MM-DD in Asia/Ho_Chi_Minh. */
export interface Period {
  start: string;
  end: string;
}

export interface ReportFigures {
  /** (2) checkpoints created, in total, at the end of the period */
  checkpointsTotal: number;
  /** (3) created during the period */
  checkpointsNew: number;
  /** (4) check-ins (in or out) during the period */
  checkins: number;
  /** (5) checkpoints with at least one check-in during the period */
  activeCheckpoints: number;
  /** (7) of (2), those whose name breaks the province's naming rule */
  namingViolations: number;
}

export interface ReportRow extends ReportFigures {
  unitId: string;
  unitName: string;
}

export interface UnitReport {
  provinceId: string;
  unit: { id: string; name: string };
  period: Period;
  rows: ReportRow[];
  /** The totals row (Cộng): sums of the rows; its ratio is total active ÷ total created. */
  totals: ReportFigures;
  generatedAt: string;
}

/** (6) = (5) / (2) × 100, rounded to two decimals; null when nothing was created (no ratio to show). */
export function activeRatio(f: ReportFigures): number | null {
  if (f.checkpointsTotal === 0) return null;
  return Math.round((f.activeCheckpoints / f.checkpointsTotal) * 10000) / 100;
}

export function sumFigures(rows: readonly ReportFigures[]): ReportFigures {
  const total: ReportFigures = {
    checkpointsTotal: 0,
    checkpointsNew: 0,
    checkins: 0,
    activeCheckpoints: 0,
    namingViolations: 0,
  };
  for (const r of rows) {
    total.checkpointsTotal += r.checkpointsTotal;
    total.checkpointsNew += r.checkpointsNew;
    total.checkins += r.checkins;
    total.activeCheckpoints += r.activeCheckpoints;
    total.namingViolations += r.namingViolations;
  }
  return total;
}

/**
 * The six columns with the headers the provinces use (seed 004), and after them a seventh the inspections asked
 * for: checkpoints not named by the province's rule.
 */
export const REPORT_COLUMNS = [
  { key: 'unitName', header: 'Đơn vị' },
  { key: 'checkpointsTotal', header: 'Số điểm kiểm soát đã tạo' },
  { key: 'checkpointsNew', header: 'Số điểm kiểm soát tạo mới trong 7 ngày' },
  { key: 'checkins', header: 'Số lượt vào/ra tại các điểm kiểm soát trong 7 ngày' },
  { key: 'activeCheckpoints', header: 'Số điểm kiểm soát hoạt động trong 7 ngày' },
  { key: 'activeRatio', header: 'Tỷ lệ hoạt động (%)' },
  { key: 'namingViolations', header: 'Số điểm kiểm soát đặt tên chưa đúng quy tắc' },
] as const;

export const TOTALS_LABEL = 'Cộng';

export const REPORT_FORMATS = ['xlsx', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
};
