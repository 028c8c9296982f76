import type { Readable } from 'node:stream';
import { reportKeys } from '../keys.ts';
import { eachCheckpoint } from './checkpoints.ts';
import { ValidationError } from './errors.ts';
import type { Checkpoint, Unit } from './model.ts';
import { mapLimit } from './pool.ts';
import type { ActivityStore, CheckpointStore, Events, ReportStore, UnitStore } from './ports.ts';
import {
  type Period,
  REPORT_FORMATS,
  type ReportFigures,
  type ReportFormat,
  type ReportRow,
  sumFigures,
  type UnitReport,
} from './report.ts';
import {
  type Clock,
  daysOf,
  isLocalDate,
  periodBounds,
  periodStartingAt,
  previousCompletePeriod,
} from './time.ts';

export type Renderer = (
  report: UnitReport,
  format: ReportFormat,
) => { body: Readable | string; contentType: string };

export interface WeeklyReportDeps {
  units: UnitStore;
  checkpoints: CheckpointStore;
  activity: ActivityStore;
  reports: ReportStore;
  render: Renderer;
  clock: Clock;
  events: Events;
  provinceId: string;
}

export interface StoredUnitReport {
  unitId: string;
  rows: number;
  keys: Record<ReportFormat, string>;
}

/**
 * The period a run reports on: by default the seven complete local days before now; a given start must name a
 * period that has ended (a report of days still running would be replaced, silently, by a different one).
 */
export function reportPeriod(now: Date, start?: string): Period {
  if (!start) return previousCompletePeriod(now);
  if (!isLocalDate(start))
    throw new ValidationError([{ path: 'start', message: 'Expected a date YYYY-MM-DD' }]);
  const period = periodStartingAt(start);
  if (period.end > previousCompletePeriod(now).end) {
    throw new ValidationError([{ path: 'start', message: 'This period has not ended yet' }]);
  }
  return period;
}

const READ_CONCURRENCY = 8;
const PAGE = 500;

interface UnitNode {
  unit: Unit;
  children: UnitNode[];
  /** Figures of the checkpoints registered directly at this unit. */
  own: ReportFigures;
  /** Figures of this unit and everything below it. */
  subtree: ReportFigures;
}

/**
 * The weekly aggregation: the same code runs from the Friday schedule and from POST /v1/reports/weekly.
 * It reads the unit tree, each unit's checkpoints and each unit's per-checkpoint daily counters — never the
 * raw check-ins — so its read cost grows with checkpoints × days, not with check-ins. Every unit with
 * children gets its table in XLSX, CSV and JSON; a rerun for the same period replaces the files.
 */
export async function runWeeklyReports(deps: WeeklyReportDeps, period: Period): Promise<StoredUnitReport[]> {
  const started = Date.now();
  const root = await deps.units.getUnit(deps.provinceId);
  if (!root) return [];
  const bounds = periodBounds(period);
  const days = daysOf(period);

  const nodes: UnitNode[] = [];
  const tree = await loadTree(deps.units, root, nodes);
  await mapLimit(nodes, READ_CONCURRENCY, async (node) => {
    const [checkpoints, activity] = await Promise.all([
      allCheckpoints(deps.checkpoints, node.unit.id),
      deps.activity.dailyActivity(node.unit.id, days),
    ]);
    node.own = ownFigures(checkpoints, activity, bounds);
  });
  rollUp(tree);

  const generatedAt = deps.clock.now().toISOString();
  const stored: StoredUnitReport[] = [];
  for (const node of nodes) {
    if (node.children.length === 0) continue;
    const report = unitReport(deps.provinceId, node, period, generatedAt);
    const keys = {} as Record<ReportFormat, string>;
    for (const format of REPORT_FORMATS) {
      keys[format] = reportKeys.file(deps.provinceId, node.unit.id, period.start, period.end, format);
      const { body, contentType } = deps.render(report, format);
      await deps.reports.put(keys[format], body, contentType);
    }
    deps.events.emit({
      event: 'WeeklyReportStored',
      unitId: node.unit.id,
      start: period.start,
      rows: report.rows.length,
    });
    stored.push({ unitId: node.unit.id, rows: report.rows.length, keys });
  }
  deps.events.emit({
    event: 'WeeklyReportRunCompleted',
    start: period.start,
    reports: stored.length,
    ms: Date.now() - started,
  });
  return stored;
}

const ZERO: ReportFigures = sumFigures([]);

async function loadTree(units: UnitStore, unit: Unit, all: UnitNode[]): Promise<UnitNode> {
  const node: UnitNode = { unit, children: [], own: ZERO, subtree: ZERO };
  all.push(node);
  const children = await units.childrenOf(unit.id);
  node.children = await mapLimit(children, READ_CONCURRENCY, (child) => loadTree(units, child, all));
  return node;
}

async function allCheckpoints(store: CheckpointStore, unitId: string): Promise<Checkpoint[]> {
  const all: Checkpoint[] = [];
  for await (const checkpoint of eachCheckpoint(store, unitId, { pageSize: PAGE })) all.push(checkpoint);
  return all;
}

function ownFigures(
  checkpoints: readonly Checkpoint[],
  activity: readonly { checkpointId: string; checkins: number }[],
  bounds: { from: Date; to: Date },
): ReportFigures {
  const from = bounds.from.toISOString();
  const to = bounds.to.toISOString();
  const existing = checkpoints.filter((cp) => cp.createdAt < to);
  const active = new Set<string>();
  let checkins = 0;
  for (const a of activity) {
    if (a.checkins <= 0) continue;
    checkins += a.checkins;
    active.add(a.checkpointId);
  }
  return {
    checkpointsTotal: existing.length,
    checkpointsNew: existing.filter((cp) => cp.createdAt >= from).length,
    checkins,
    activeCheckpoints: active.size,
    namingViolations: existing.filter((cp) => !cp.followsNamingRule).length,
  };
}

function rollUp(node: UnitNode): ReportFigures {
  node.subtree = sumFigures([node.own, ...node.children.map(rollUp)]);
  return node.subtree;
}

function unitReport(provinceId: string, node: UnitNode, period: Period, generatedAt: string): UnitReport {
  const rows: ReportRow[] = node.children.map((child) => ({
    unitId: child.unit.id,
    unitName: child.unit.name,
    ...child.subtree,
  }));
  // Checkpoints registered at this unit itself (a district's own offices) get their own row, so the totals
  // row equals this unit's row in its parent's report.
  if (node.own.checkpointsTotal > 0 || node.own.checkins > 0) {
    rows.push({ unitId: node.unit.id, unitName: `${node.unit.name} (trực thuộc)`, ...node.own });
  }
  return {
    provinceId,
    unit: { id: node.unit.id, name: node.unit.name },
    period,
    rows,
    totals: sumFigures(rows),
    generatedAt,
  };
}
