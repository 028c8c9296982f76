import {
  activeRatio,
  type CheckpointRow,
  changeOf,
  type DailyCheckins,
  type IdleCheckpoint,
  type ListedCheckpoint,
  type Period,
  type RankedUnit,
  REPORT_COLUMNS,
  type ReportFigures,
  type UnitReport,
} from '../core/report.ts';
import { CHECKPOINT_COLUMNS } from './report-text.ts';

export interface JsonFigures extends ReportFigures {
  /** (6) in percent with two decimals (13.51), null when nothing was created. */
  activeRatio: number | null;
}

/** This period minus the one before, figure by figure; `activeRatio` in percentage points. */
export type JsonChange = JsonFigures;

export interface JsonReportRow extends JsonFigures {
  unitId: string;
  unitName: string;
  previous: JsonFigures;
  change: JsonChange;
}

export interface JsonCheckpointRow extends CheckpointRow {
  change: { checkins: number };
}

/**
 * What renderJson writes: the whole report, with each ratio and each change worked out, for the web page and for
 * tools. Keys come in a fixed order (whatever order the report's objects were built in), and the file is indented,
 * so two weeks' files diff line by line.
 */
export interface JsonReport {
  provinceId: string;
  unit: { id: string; name: string };
  period: Period;
  previousPeriod: Period;
  level: UnitReport['level'];
  generatedAt: string;
  /** The main table's headers (after TT): the province's six and the naming column, or a leaf's. */
  columns: string[];
  rows: JsonReportRow[];
  checkpoints: JsonCheckpointRow[];
  totals: JsonFigures;
  previousTotals: JsonFigures;
  change: JsonChange;
  idle: IdleCheckpoint[];
  ranking: RankedUnit[];
  newCheckpoints: ListedCheckpoint[];
  misnamed: ListedCheckpoint[];
  daily: DailyCheckins;
  /** Present when a list holds only its first entries: how many each has in all (the rest: child units' reports). */
  listTotals?: { idle: number; newCheckpoints: number; misnamed: number };
}

export function toJsonReport(report: UnitReport): JsonReport {
  const leaf = report.level === 'checkpoints';
  return {
    provinceId: report.provinceId,
    unit: { id: report.unit.id, name: report.unit.name },
    period: period(report.period),
    previousPeriod: period(report.previousPeriod),
    level: report.level,
    generatedAt: report.generatedAt,
    columns: (leaf ? CHECKPOINT_COLUMNS : REPORT_COLUMNS).map((c) => c.header),
    rows: report.rows.map((row) => ({
      unitId: row.unitId,
      unitName: row.unitName,
      ...withRatio(row),
      previous: withRatio(row.previous),
      change: change(row, row.previous),
    })),
    checkpoints: report.checkpoints.map((cp) => ({
      checkpointId: cp.checkpointId,
      code: cp.code,
      name: cp.name,
      kind: cp.kind,
      createdAt: cp.createdAt,
      registered: cp.registered,
      checkins: cp.checkins,
      previousCheckins: cp.previousCheckins,
      isNew: cp.isNew,
      followsNamingRule: cp.followsNamingRule,
      change: { checkins: cp.checkins - cp.previousCheckins },
    })),
    totals: withRatio(report.totals),
    previousTotals: withRatio(report.previousTotals),
    change: change(report.totals, report.previousTotals),
    idle: report.idle.map((cp) => ({ ...listed(cp), lastActiveDay: cp.lastActiveDay })),
    ranking: report.ranking.map((u) => ({
      unitId: u.unitId,
      unitName: u.unitName,
      checkpointsTotal: u.checkpointsTotal,
      activeCheckpoints: u.activeCheckpoints,
      ratio: u.ratio,
    })),
    newCheckpoints: report.newCheckpoints.map(listed),
    misnamed: report.misnamed.map(listed),
    daily: {
      days: [...report.daily.days],
      series: report.daily.series.map((s) => ({ id: s.id, name: s.name, values: [...s.values] })),
    },
    ...(report.listTotals ? { listTotals: { ...report.listTotals } } : {}),
  };
}

export function renderJson(report: UnitReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

function period(p: Period): Period {
  return { start: p.start, end: p.end };
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

/** changeOf, keyed like the figures it compares (its `ratio` is the change of activeRatio). */
function change(now: ReportFigures, before: ReportFigures): JsonChange {
  const c = changeOf(now, before);
  return {
    checkpointsTotal: c.checkpointsTotal,
    checkpointsNew: c.checkpointsNew,
    checkins: c.checkins,
    activeCheckpoints: c.activeCheckpoints,
    activeRatio: c.ratio,
    namingViolations: c.namingViolations,
  };
}

function listed(cp: ListedCheckpoint): ListedCheckpoint {
  return {
    checkpointId: cp.checkpointId,
    code: cp.code,
    name: cp.name,
    kind: cp.kind,
    unitId: cp.unitId,
    unitName: cp.unitName,
    createdAt: cp.createdAt,
    canonicalName: cp.canonicalName,
  };
}
