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
  /** The same figures for the period before (the seven days before `period.start`). */
  previous: ReportFigures;
}

/** A leaf unit's report lists its own checkpoints, one row each. */
export interface CheckpointRow {
  checkpointId: string;
  code: string;
  name: string;
  kind: string;
  /** UTC ISO */
  createdAt: string;
  /** Still registered (not deactivated). */
  registered: boolean;
  /** Check-ins in the period; active in the period means checkins > 0. */
  checkins: number;
  /** Check-ins in the period before. */
  previousCheckins: number;
  /** Created during the period. */
  isNew: boolean;
  followsNamingRule: boolean;
}

/** A checkpoint, with where it is, in the lists of a report (idle, new, misnamed). */
export interface ListedCheckpoint {
  checkpointId: string;
  code: string;
  name: string;
  kind: string;
  unitId: string;
  /** The unit's name with its parents below the province, the same in every report: "Xã Quảng Đức, Huyện Hải Hà". */
  unitName: string;
  /** UTC ISO */
  createdAt: string;
  /** What the province's naming rule makes of the checkpoint's fields (differs from `name` when misnamed). */
  canonicalName: string;
}

export interface IdleCheckpoint extends ListedCheckpoint {
  /** The last local day (YYYY-MM-DD) with a check-in before the period; null when none is on record. */
  lastActiveDay: string | null;
}

/** A unit of the report's rows, ranked by its active ratio (lowest first). */
export interface RankedUnit {
  unitId: string;
  unitName: string;
  checkpointsTotal: number;
  activeCheckpoints: number;
  /** activeRatio(), null when the unit has no checkpoint (listed last). */
  ratio: number | null;
}

/** Check-ins per local day of the period, per child unit (a leaf: per checkpoint): the chart's data. */
export interface DailyCheckins {
  days: string[];
  series: { id: string; name: string; values: number[] }[];
}

export interface UnitReport {
  provinceId: string;
  unit: { id: string; name: string };
  period: Period;
  previousPeriod: Period;
  /** 'units': one row per child unit (and the unit's own checkpoints); 'checkpoints': a leaf's checkpoints. */
  level: 'units' | 'checkpoints';
  /** level 'units': the rows; empty for a leaf. */
  rows: ReportRow[];
  /** level 'checkpoints': the rows; empty otherwise. */
  checkpoints: CheckpointRow[];
  /** The totals row (Cộng): equals this unit's row in its parent's report. */
  totals: ReportFigures;
  previousTotals: ReportFigures;
  /** Every checkpoint under this unit with no check-in in the period (existing at its end), by unit then name. */
  idle: IdleCheckpoint[];
  /** The rows' units by active ratio, lowest first (empty for a leaf). */
  ranking: RankedUnit[];
  /** Checkpoints under this unit created during the period. */
  newCheckpoints: ListedCheckpoint[];
  /** Checkpoints under this unit whose name breaks the province's naming rule, with their canonical names. */
  misnamed: ListedCheckpoint[];
  daily: DailyCheckins;
  generatedAt: string;
  /**
   * Present when a list holds only its first entries (src/core/weekly-report.ts LIST_LIMIT): how many each list
   * has in all; the rest are listed in the child units' own reports.
   */
  listTotals?: { idle: number; newCheckpoints: number; misnamed: number };
}

/** The rows' units by active ratio, lowest first (then by name); units with no checkpoint, and so no ratio, last. */
export function rankByActiveRatio(rows: readonly ReportRow[]): RankedUnit[] {
  return rows
    .map((r) => ({
      unitId: r.unitId,
      unitName: r.unitName,
      checkpointsTotal: r.checkpointsTotal,
      activeCheckpoints: r.activeCheckpoints,
      ratio: activeRatio(r),
    }))
    .sort(
      (a, b) =>
        (a.ratio ?? Number.POSITIVE_INFINITY) - (b.ratio ?? Number.POSITIVE_INFINITY) ||
        a.unitName.localeCompare(b.unitName, 'vi'),
    );
}

/** The difference this period minus the one before, figure by figure (ratio in percentage points). */
export function changeOf(
  now: ReportFigures,
  before: ReportFigures,
): ReportFigures & { ratio: number | null } {
  const a = activeRatio(now);
  const b = activeRatio(before);
  return {
    checkpointsTotal: now.checkpointsTotal - before.checkpointsTotal,
    checkpointsNew: now.checkpointsNew - before.checkpointsNew,
    checkins: now.checkins - before.checkins,
    activeCheckpoints: now.activeCheckpoints - before.activeCheckpoints,
    namingViolations: now.namingViolations - before.namingViolations,
    ratio: a === null || b === null ? null : Math.round((a - b) * 100) / 100,
  };
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

export const REPORT_FORMATS = ['xlsx', 'csv', 'json', 'png'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  png: 'image/png',
};
