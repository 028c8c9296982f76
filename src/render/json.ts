import {
  activeRatio,
  type Period,
  REPORT_COLUMNS,
  type ReportFigures,
  type UnitReport,
} from '../core/report.ts';

export interface JsonFigures extends ReportFigures {
  /** (6) in percent with two decimals (13.51), null when nothing was created. */
  activeRatio: number | null;
}

export interface JsonReportRow extends JsonFigures {
  unitId: string;
  unitName: string;
}

/** What renderJson writes: the report's data with each ratio worked out, for the web page and for tools. */
export interface JsonReport {
  provinceId: string;
  unit: { id: string; name: string };
  period: Period;
  generatedAt: string;
  columns: string[];
  rows: JsonReportRow[];
  totals: JsonFigures;
}

export function toJsonReport(report: UnitReport): JsonReport {
  return {
    provinceId: report.provinceId,
    unit: { id: report.unit.id, name: report.unit.name },
    period: { start: report.period.start, end: report.period.end },
    generatedAt: report.generatedAt,
    columns: REPORT_COLUMNS.map((c) => c.header),
    rows: report.rows.map((row) => ({ unitId: row.unitId, unitName: row.unitName, ...withRatio(row) })),
    totals: withRatio(report.totals),
  };
}

export function renderJson(report: UnitReport): string {
  return JSON.stringify(toJsonReport(report));
}

/** Copies only the figures, so nothing else a caller put on a row leaks into the file. */
function withRatio(f: ReportFigures): JsonFigures {
  return {
    checkpointsTotal: f.checkpointsTotal,
    checkpointsNew: f.checkpointsNew,
    checkins: f.checkins,
    activeCheckpoints: f.activeCheckpoints,
    activeRatio: activeRatio(f),
    namingViolations: f.namingViolations,
  };
}
