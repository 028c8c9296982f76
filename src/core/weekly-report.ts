import type { Readable } from 'node:stream';
import { DateTime } from 'luxon';
import { reportKeys } from '../keys.ts';
import { eachCheckpoint } from './checkpoints.ts';
import type { Checkpoint, Unit } from './model.ts';
import { mapLimit } from './pool.ts';
import type { ActivityStore, CheckpointStore, Events, ReportStore, UnitStore } from './ports.ts';
import {
  type CheckpointRow,
  type IdleCheckpoint,
  type ListedCheckpoint,
  type Period,
  REPORT_CONTENT_TYPES,
  REPORT_FORMATS,
  type ReportFigures,
  type ReportFormat,
  type ReportRow,
  rankByActiveRatio,
  sumFigures,
  type UnitReport,
} from './report.ts';
import {
  type Clock,
  daysOf,
  periodBounds,
  periodStartingAt,
  previousCompletePeriod,
  reportablePeriod,
  TIME_ZONE,
} from './time.ts';

/** A report as a file: the tables (XLSX, with the chart placed in it), CSV and JSON. */
export type Renderer = (
  report: UnitReport,
  format: Exclude<ReportFormat, 'png'>,
  options?: { chartPng?: Buffer },
) => { body: Readable | string; contentType: string };

/** The chart of a report's check-ins per day, as a PNG. */
export type ChartRenderer = (report: UnitReport) => Promise<Buffer>;

export interface WeeklyReportDeps {
  units: UnitStore;
  checkpoints: CheckpointStore;
  activity: ActivityStore;
  reports: ReportStore;
  render: Renderer;
  chart: ChartRenderer;
  clock: Clock;
  events: Events;
  provinceId: string;
}

export interface StoredUnitReport {
  unitId: string;
  rows: number;
  /** The stored files by format; a leaf's report has no chart (png). */
  keys: Partial<Record<ReportFormat, string>>;
}

/**
 * The period a run reports on: by default the seven complete local days before now; a given start must name a
 * period that has ended (a report of days still running would be replaced, silently, by a different one) and
 * that began when the province could have data (reportablePeriod).
 */
export function reportPeriod(now: Date, start?: string): Period {
  return start === undefined ? previousCompletePeriod(now) : reportablePeriod(start, now);
}

const READ_CONCURRENCY = 8;
const PAGE = 500;

/** A period's figures and the same figures for the period before. */
interface Compared {
  now: ReportFigures;
  before: ReportFigures;
}

interface UnitNode {
  unit: Unit;
  /** "Xã Quảng Đức, Huyện Hải Hà": the unit and its parents below the province, for the lists. */
  label: string;
  children: UnitNode[];
  /** The checkpoints registered directly at this unit. */
  own: Compared;
  ownDaily: number[];
  /** Per own checkpoint, its check-ins on each day of the period (only those with some). */
  ownCheckpointDaily: Map<string, number[]>;
  ownRows: CheckpointRow[];
  ownIdle: IdleCheckpoint[];
  ownNew: ListedCheckpoint[];
  ownMisnamed: ListedCheckpoint[];
  /** This unit and everything below it. */
  subtree: Compared;
  subtreeDaily: number[];
}

/** What a run knows about its periods. */
interface Frame {
  period: Period;
  previous: Period;
  days: string[];
  previousDays: string[];
  /** UTC ISO bounds: [previousFrom, from) the period before, [from, to) the period. */
  previousFrom: string;
  from: string;
  to: string;
}

/**
 * The weekly aggregation: the same code runs from the Friday schedule and from POST /v1/reports/weekly.
 * It reads the unit tree, each unit's checkpoints and each unit's per-checkpoint daily counters for the period
 * and the one before — never the raw check-ins — so its read cost grows with checkpoints × days, not with
 * check-ins; idle checkpoints' last active day is one keys-only lookup each. Every unit gets its report (a unit
 * with children: a row per child, with the chart of its children's days in the XLSX and as a PNG; a leaf: a row
 * per checkpoint), in XLSX, CSV and JSON; a rerun for the same period replaces the files, picking up check-ins that arrived late.
 */
export async function runWeeklyReports(deps: WeeklyReportDeps, period: Period): Promise<StoredUnitReport[]> {
  const started = Date.now();
  const root = await deps.units.getUnit(deps.provinceId);
  if (!root) return [];
  const frame = frameOf(period);

  const nodes: UnitNode[] = [];
  const tree = await loadTree(deps.units, root, undefined, nodes);
  await mapLimit(nodes, READ_CONCURRENCY, (node) => readUnit(deps, node, frame));
  rollUp(tree);

  const generatedAt = deps.clock.now().toISOString();
  const stored: StoredUnitReport[] = [];
  for (const node of nodes) {
    const report = unitReport(deps.provinceId, node, frame, generatedAt);
    const key = (format: ReportFormat) =>
      reportKeys.file(deps.provinceId, node.unit.id, period.start, period.end, format);
    const keys: Partial<Record<ReportFormat, string>> = {};
    // The chart draws a line per child unit: a leaf's report (its checkpoints) has none, and at a province's
    // scale (150 communes) skipping them saves most of the run's drawing time.
    const chartPng = report.level === 'units' ? await deps.chart(report) : undefined;
    if (chartPng) {
      keys.png = key('png');
      await deps.reports.put(keys.png, chartPng, REPORT_CONTENT_TYPES.png);
    }
    for (const format of REPORT_FORMATS) {
      if (format === 'png') continue;
      const file = key(format);
      const { body, contentType } = deps.render(report, format, chartPng ? { chartPng } : {});
      await deps.reports.put(file, body, contentType);
      keys[format] = file;
    }
    const rows = report.level === 'units' ? report.rows.length : report.checkpoints.length;
    deps.events.emit({ event: 'WeeklyReportStored', unitId: node.unit.id, start: period.start, rows });
    stored.push({ unitId: node.unit.id, rows, keys });
  }
  deps.events.emit({
    event: 'WeeklyReportRunCompleted',
    start: period.start,
    reports: stored.length,
    ms: Date.now() - started,
  });
  return stored;
}

function frameOf(period: Period): Frame {
  const previous = periodStartingAt(
    DateTime.fromISO(period.start, { zone: TIME_ZONE }).minus({ days: 7 }).toISODate()!,
  );
  const bounds = periodBounds(period);
  return {
    period,
    previous,
    days: daysOf(period),
    previousDays: daysOf(previous),
    previousFrom: periodBounds(previous).from.toISOString(),
    from: bounds.from.toISOString(),
    to: bounds.to.toISOString(),
  };
}

const ZERO: ReportFigures = sumFigures([]);

async function loadTree(
  units: UnitStore,
  unit: Unit,
  parent: UnitNode | undefined,
  all: UnitNode[],
): Promise<UnitNode> {
  // The province itself is not named in its units' labels: every list is inside it.
  const label = !parent
    ? unit.name
    : parent.label && parent.unit.parentId
      ? `${unit.name}, ${parent.label}`
      : unit.name;
  const node: UnitNode = {
    unit,
    label,
    children: [],
    own: { now: ZERO, before: ZERO },
    ownDaily: [],
    ownCheckpointDaily: new Map(),
    ownRows: [],
    ownIdle: [],
    ownNew: [],
    ownMisnamed: [],
    subtree: { now: ZERO, before: ZERO },
    subtreeDaily: [],
  };
  all.push(node);
  const children = await units.childrenOf(unit.id);
  node.children = await mapLimit(children, READ_CONCURRENCY, (child) => loadTree(units, child, node, all));
  return node;
}

/** One unit's own checkpoints and their counters over both periods: its figures, rows and lists. */
async function readUnit(deps: WeeklyReportDeps, node: UnitNode, frame: Frame): Promise<void> {
  const [checkpoints, activity] = await Promise.all([
    allCheckpoints(deps.checkpoints, node.unit.id),
    deps.activity.dailyActivity(node.unit.id, [...frame.previousDays, ...frame.days]),
  ]);
  const dayIndex = new Map(frame.days.map((day, i) => [day, i]));
  const now = new Map<string, number>();
  const before = new Map<string, number>();
  const lastBefore = new Map<string, string>();
  node.ownDaily = frame.days.map(() => 0);
  for (const a of activity) {
    if (a.checkins <= 0) continue;
    const i = dayIndex.get(a.day);
    if (i !== undefined) {
      now.set(a.checkpointId, (now.get(a.checkpointId) ?? 0) + a.checkins);
      node.ownDaily[i]! += a.checkins;
      const perDay = node.ownCheckpointDaily.get(a.checkpointId) ?? frame.days.map(() => 0);
      perDay[i]! += a.checkins;
      node.ownCheckpointDaily.set(a.checkpointId, perDay);
    } else {
      before.set(a.checkpointId, (before.get(a.checkpointId) ?? 0) + a.checkins);
      if ((lastBefore.get(a.checkpointId) ?? '') < a.day) lastBefore.set(a.checkpointId, a.day);
    }
  }

  const existing = checkpoints.filter((cp) => cp.createdAt < frame.to);
  const existingBefore = existing.filter((cp) => cp.createdAt < frame.from);
  node.own = {
    now: {
      checkpointsTotal: existing.length,
      checkpointsNew: existing.length - existingBefore.length,
      checkins: sum(now.values()),
      activeCheckpoints: now.size,
      namingViolations: existing.filter((cp) => !cp.followsNamingRule).length,
    },
    before: {
      checkpointsTotal: existingBefore.length,
      checkpointsNew: existingBefore.filter((cp) => cp.createdAt >= frame.previousFrom).length,
      checkins: sum(before.values()),
      activeCheckpoints: before.size,
      namingViolations: existingBefore.filter((cp) => !cp.followsNamingRule).length,
    },
  };

  node.ownRows = existing.map((cp) => ({
    checkpointId: cp.id,
    code: cp.code,
    name: cp.name,
    kind: cp.kind,
    createdAt: cp.createdAt,
    registered: cp.active,
    checkins: now.get(cp.id) ?? 0,
    previousCheckins: before.get(cp.id) ?? 0,
    isNew: cp.createdAt >= frame.from,
    followsNamingRule: cp.followsNamingRule,
  }));
  const listed = (cp: Checkpoint): ListedCheckpoint => ({
    checkpointId: cp.id,
    code: cp.code,
    name: cp.name,
    kind: cp.kind,
    unitId: cp.unitId,
    unitName: node.label,
    createdAt: cp.createdAt,
    canonicalName: cp.canonicalName,
  });
  const idle = existing.filter((cp) => !now.has(cp.id));
  // Those idle for the period before too: when were they last used? One keys-only lookup each.
  const longIdle = idle.filter((cp) => !lastBefore.has(cp.id) && cp.createdAt < frame.previousFrom);
  const earlier = longIdle.length
    ? await deps.activity.lastActiveDays(
        longIdle.map((cp) => cp.id),
        frame.previous.start,
      )
    : new Map<string, string>();
  node.ownIdle = idle.map((cp) => ({
    ...listed(cp),
    lastActiveDay: lastBefore.get(cp.id) ?? earlier.get(cp.id) ?? null,
  }));
  node.ownNew = existing.filter((cp) => cp.createdAt >= frame.from).map(listed);
  node.ownMisnamed = existing.filter((cp) => !cp.followsNamingRule).map(listed);
}

const sum = (values: Iterable<number>) => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

async function allCheckpoints(store: CheckpointStore, unitId: string): Promise<Checkpoint[]> {
  const all: Checkpoint[] = [];
  for await (const checkpoint of eachCheckpoint(store, unitId, { pageSize: PAGE })) all.push(checkpoint);
  return all;
}

function rollUp(node: UnitNode): Compared {
  const children = node.children.map(rollUp);
  node.subtree = {
    now: sumFigures([node.own.now, ...children.map((c) => c.now)]),
    before: sumFigures([node.own.before, ...children.map((c) => c.before)]),
  };
  node.subtreeDaily = node.ownDaily.map(
    (n, i) => n + node.children.reduce((total, child) => total + (child.subtreeDaily[i] ?? 0), 0),
  );
  return node.subtree;
}

/** Everything below a unit (itself included), depth first: for the report's lists. */
function* subtreeOf(node: UnitNode): Generator<UnitNode> {
  yield node;
  for (const child of node.children) yield* subtreeOf(child);
}

const byUnitThenName = (a: ListedCheckpoint, b: ListedCheckpoint) =>
  a.unitName.localeCompare(b.unitName, 'vi') || a.name.localeCompare(b.name, 'vi');

function unitReport(provinceId: string, node: UnitNode, frame: Frame, generatedAt: string): UnitReport {
  const below = [...subtreeOf(node)];
  const lists = {
    idle: below.flatMap((n) => n.ownIdle).sort(byUnitThenName),
    newCheckpoints: below.flatMap((n) => n.ownNew).sort(byUnitThenName),
    misnamed: below.flatMap((n) => n.ownMisnamed).sort(byUnitThenName),
  };
  const common = {
    provinceId,
    unit: { id: node.unit.id, name: node.unit.name },
    period: frame.period,
    previousPeriod: frame.previous,
    generatedAt,
    ...lists,
  };
  if (node.children.length === 0) {
    return {
      ...common,
      level: 'checkpoints',
      rows: [],
      checkpoints: node.ownRows,
      totals: node.own.now,
      previousTotals: node.own.before,
      ranking: [],
      // A leaf's chart: a line per checkpoint that was used (the chart keeps the busiest, groups the rest).
      daily: {
        days: frame.days,
        series: node.ownRows
          .filter((row) => node.ownCheckpointDaily.has(row.checkpointId))
          .map((row) => ({
            id: row.checkpointId,
            name: row.name,
            values: node.ownCheckpointDaily.get(row.checkpointId)!,
          })),
      },
    };
  }
  const rows: (ReportRow & { daily: number[] })[] = node.children.map((child) => ({
    unitId: child.unit.id,
    unitName: child.unit.name,
    ...child.subtree.now,
    previous: child.subtree.before,
    daily: child.subtreeDaily,
  }));
  // Checkpoints registered at this unit itself (a district's own offices) get their own row, so the totals
  // row equals this unit's row in its parent's report.
  if (node.own.now.checkpointsTotal > 0 || node.own.now.checkins > 0 || node.own.before.checkins > 0) {
    rows.push({
      unitId: node.unit.id,
      unitName: `${node.unit.name} (trực thuộc)`,
      ...node.own.now,
      previous: node.own.before,
      daily: node.ownDaily,
    });
  }
  return {
    ...common,
    level: 'units',
    rows: rows.map(({ daily: _, ...row }) => row),
    checkpoints: [],
    totals: sumFigures(rows),
    previousTotals: sumFigures(rows.map((r) => r.previous)),
    ranking: rankByActiveRatio(rows),
    daily: {
      days: frame.days,
      series: rows.map((r) => ({ id: r.unitId, name: r.unitName, values: r.daily })),
    },
  };
}
