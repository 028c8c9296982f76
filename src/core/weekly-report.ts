import type { Readable } from 'node:stream';
import { DateTime } from 'luxon';
import { reportKeys } from '../keys.ts';
import { eachCheckpoint } from './checkpoints.ts';
import type { Checkpoint, Unit } from './model.ts';
import { mapLimit } from './pool.ts';
import type {
  ActivityStore,
  CheckpointStore,
  Events,
  ReportNotices,
  ReportStore,
  SummaryStore,
  UnitStore,
} from './ports.ts';
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
import type { UnitSummary } from './weekly-run.ts';

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
  /** Where each unit's summary goes for its parent; the in-process run keeps them in memory when not given. */
  summaries?: SummaryStore;
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
/** Children's summaries read at once: each holds up to 3 × LIST_LIMIT entries until it is folded in. */
const SUMMARY_READS = 4;
/** Units of one level reported at once by the in-process run (the state machine's Map has its own limit). */
export const UNIT_CONCURRENCY = 4;
/**
 * The most checkpoints a report (and its summary) lists in each of its lists (idle, new, misnamed), at every level:
 * a commune lists all of its own (a few thousand at most); a district or the province lists the first ones below
 * it, by unit then name, and counts the rest, which the child units' own reports list. A task holds at most twice
 * this many entries of a list while it merges (TopList), so a province's lists, its XLSX and its task's memory stay
 * the same at 70,000 checkpoints and at 700,000; Excel stops at 1,048,576 rows.
 */
export const LIST_LIMIT = 5000;

/** A period's figures and the same figures for the period before. */
export interface Compared {
  now: ReportFigures;
  before: ReportFigures;
}

interface UnitNode {
  unit: Unit;
  /** "Xã Quảng Đức, Huyện Hải Hà": the unit and its parents below the province, for the lists. */
  label: string;
  /** The children's summaries without their lists, which are folded into `lists` as they are read. */
  children: UnitSummary[];
  /** The first LIST_LIMIT entries of the children's lists and their counts. */
  lists: {
    idle: TopList<IdleCheckpoint>;
    newCheckpoints: TopList<ListedCheckpoint>;
    misnamed: TopList<ListedCheckpoint>;
  };
  /** The checkpoints registered directly at this unit. */
  own: Compared;
  ownDaily: number[];
  /** Per own checkpoint, its check-ins on each day of the period (only those with some). */
  ownCheckpointDaily: Map<string, number[]>;
  ownRows: CheckpointRow[];
  ownIdle: IdleCheckpoint[];
  ownNew: ListedCheckpoint[];
  ownMisnamed: ListedCheckpoint[];
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

/** One unit of a level: its id and its label for the lists. */
export interface LevelUnit {
  unitId: string;
  label: string;
}

/**
 * The province's unit tree as levels, deepest first: every unit comes after all its children, so a level's
 * units can be reported together once the levels before it are done. Reads units only, never checkpoints.
 */
export async function unitLevels(units: UnitStore, provinceId: string): Promise<LevelUnit[][]> {
  const root = await units.getUnit(provinceId);
  if (!root) return [];
  const levels: LevelUnit[][] = [];
  let level: { unit: Unit; label: string }[] = [{ unit: root, label: root.name }];
  while (level.length > 0) {
    levels.push(level.map(({ unit, label }) => ({ unitId: unit.id, label })));
    const next = await mapLimit(level, READ_CONCURRENCY, async (parent) =>
      (await units.childrenOf(parent.unit.id)).map((unit) => ({
        unit,
        // The province itself is not named in its units' labels: every list is inside it.
        label: parent.unit.parentId ? `${unit.name}, ${parent.label}` : unit.name,
      })),
    );
    level = next.flat();
  }
  return levels.reverse();
}

export interface UnitTask {
  unitId: string;
  label: string;
  period: Period;
  /** When the run started (UTC ISO): a summary of this period stored since then is this run's, and kept. */
  runStartedAt?: string;
  /** Redo the unit even when this run already reported it. */
  force?: boolean;
}

export type UnitTaskResult = StoredUnitReport & { skipped: boolean };

/** A parent's task found no stored summary for a child: the child's task failed or has not run. */
export class ChildSummaryMissingError extends Error {
  override name = 'ChildSummaryMissingError';
  constructor(
    readonly unitId: string,
    readonly childId: string,
  ) {
    super(`No summary of unit ${childId} (a child of ${unitId}) for this period`);
  }
}

export type UnitTaskDeps = Omit<WeeklyReportDeps, 'summaries'> & {
  summaries: SummaryStore;
  /** The Friday delivery's queue: told of each report stored (src/core/report-mail.ts); none, no e-mail. */
  notices?: ReportNotices;
};

/**
 * The Friday run's task for one unit: reads the unit's own checkpoints and their counters, and its children's
 * stored summaries (never a child's checkpoints); renders and stores the unit's reports; stores its summary for
 * its parent. Its cost grows with the unit's own checkpoints and children, not with the province.
 */
export async function reportUnit(deps: UnitTaskDeps, task: UnitTask): Promise<UnitTaskResult> {
  const { period } = task;
  if (task.runStartedAt && !task.force) {
    const done = await deps.summaries.getSummary(task.unitId, period.start);
    if (done && done.generatedAt >= task.runStartedAt) {
      deps.events.emit({ event: 'WeeklyReportUnitSkipped', unitId: task.unitId, start: period.start });
      return { unitId: task.unitId, rows: done.rows, keys: done.keys, skipped: true };
    }
  }
  const unit = await deps.units.getUnit(task.unitId);
  if (!unit) throw new Error(`No unit ${task.unitId}`);
  const frame = frameOf(period);
  const childUnits = await deps.units.childrenOf(unit.id);
  const lists = {
    idle: new TopList<IdleCheckpoint>(),
    newCheckpoints: new TopList(),
    misnamed: new TopList(),
  };
  const children = await mapLimit(childUnits, SUMMARY_READS, async (child, i) => {
    const summary = await deps.summaries.getSummary(child.id, period.start);
    // Within a run, a child's summary from before the run is stale: the child's task failed this time.
    if (!summary || (task.runStartedAt && summary.generatedAt < task.runStartedAt)) {
      throw new ChildSummaryMissingError(unit.id, child.id);
    }
    // Each child's lists are folded in as it arrives and then let go: the task holds the first LIST_LIMIT of
    // each list and the counts, never every child's entries at once (a province of 30 districts would hold
    // 30 × 5,000 × 3 of them).
    lists.idle.add(OWN_PLACE + 1 + i, summary.idle.items, summary.idle.total);
    lists.newCheckpoints.add(OWN_PLACE + 1 + i, summary.newCheckpoints.items, summary.newCheckpoints.total);
    lists.misnamed.add(OWN_PLACE + 1 + i, summary.misnamed.items, summary.misnamed.total);
    const empty = { items: [], total: 0 };
    return { ...summary, idle: empty, newCheckpoints: empty, misnamed: empty };
  });
  const node: UnitNode = {
    unit,
    label: task.label,
    children,
    lists,
    own: { now: ZERO, before: ZERO },
    ownDaily: [],
    ownCheckpointDaily: new Map(),
    ownRows: [],
    ownIdle: [],
    ownNew: [],
    ownMisnamed: [],
  };
  await readUnit(deps, node, frame);

  const generatedAt = deps.clock.now().toISOString();
  const report = unitReport(deps.provinceId, node, frame, generatedAt);
  const key = (format: ReportFormat) =>
    reportKeys.file(deps.provinceId, unit.id, period.start, period.end, format);
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
  await deps.summaries.putSummary(summaryOf(node, report, rows, keys));
  deps.events.emit({ event: 'WeeklyReportStored', unitId: unit.id, start: period.start, rows });
  if (deps.notices && keys.json) {
    // The e-mails go out later and elsewhere: a queue that refuses the notice costs that unit its e-mail, never
    // its report or the run.
    await deps.notices
      .reportStored({ unitId: unit.id, period, jsonKey: keys.json, generatedAt })
      .catch((err: Error) =>
        deps.events.emit({
          event: 'ReportNoticeFailed',
          unitId: unit.id,
          start: period.start,
          errorName: err?.name ?? 'Error',
        }),
      );
  }
  return { unitId: unit.id, rows, keys, skipped: false };
}

/** A unit's summary for its parent: its Cộng over both periods, its days, and the first of its lists. */
function summaryOf(
  node: UnitNode,
  report: UnitReport,
  rows: number,
  keys: Partial<Record<ReportFormat, string>>,
): UnitSummary {
  const totals = report.listTotals ?? {
    idle: report.idle.length,
    newCheckpoints: report.newCheckpoints.length,
    misnamed: report.misnamed.length,
  };
  return {
    unitId: node.unit.id,
    unitName: node.unit.name,
    period: report.period,
    generatedAt: report.generatedAt,
    rows,
    keys,
    totals: { now: report.totals, before: report.previousTotals },
    daily: report.daily.days.map((_, i) => report.daily.series.reduce((n, s) => n + (s.values[i] ?? 0), 0)),
    idle: { items: report.idle, total: totals.idle },
    newCheckpoints: { items: report.newCheckpoints, total: totals.newCheckpoints },
    misnamed: { items: report.misnamed, total: totals.misnamed },
  };
}

/** Summaries kept in memory: the in-process run (tests, the local stand-in's default) passes them between levels. */
export class MemorySummaries implements SummaryStore {
  readonly stored = new Map<string, UnitSummary>();
  async getSummary(unitId: string, periodStart: string) {
    return this.stored.get(`${unitId}|${periodStart}`);
  }
  async putSummary(summary: UnitSummary) {
    this.stored.set(`${summary.unitId}|${summary.period.start}`, summary);
  }
}

/**
 * The weekly aggregation in one process, as the state machine runs it in AWS (lib/weekly-run.ts): the levels
 * deepest first, each level's units a few at a time, each unit one reportUnit task. It reads each unit's
 * checkpoints and per-checkpoint daily counters for the period and the one before — never the raw check-ins —
 * and its children's summaries. Every unit gets its report (a unit with children: a row per child, with the
 * chart of its children's days in the XLSX and as a PNG; a leaf: a row per checkpoint), in XLSX, CSV and JSON; a
 * rerun for the same period replaces the files, picking up check-ins that arrived late. Throws on the first
 * failed unit; src/core/weekly-run.ts executeRun records failures per unit instead.
 */
export async function runWeeklyReports(deps: WeeklyReportDeps, period: Period): Promise<StoredUnitReport[]> {
  const started = Date.now();
  const taskDeps: UnitTaskDeps = { ...deps, summaries: deps.summaries ?? new MemorySummaries() };
  const stored: StoredUnitReport[] = [];
  for (const level of await unitLevels(deps.units, deps.provinceId)) {
    const done = await mapLimit(level, UNIT_CONCURRENCY, (unit) => reportUnit(taskDeps, { ...unit, period }));
    stored.push(...done.map(({ unitId, rows, keys }) => ({ unitId, rows, keys })));
  }
  deps.events.emit({
    event: 'WeeklyReportRunCompleted',
    start: period.start,
    reports: stored.length,
    failed: 0,
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

const collator = new Intl.Collator('vi');
/** A unit's own checkpoints come before its children's in its lists when they compare equal. */
const OWN_PLACE = 0;
const byUnitThenName = (a: ListedCheckpoint, b: ListedCheckpoint) =>
  collator.compare(a.unitName, b.unitName) || collator.compare(a.name, b.name);

/**
 * The first LIST_LIMIT entries, by unit then name, of lists added in any order, and how many they hold in all.
 * Each list is added with its place (a unit's own checkpoints 0, its children 1, 2, … in the order of its
 * children), so entries that compare equal come out in the order of the places, as one stable sort of all the
 * lists one after another would give. Keeps at most twice LIST_LIMIT entries between sorts.
 */
export class TopList<T extends ListedCheckpoint> {
  private kept: { item: T; place: number; position: number }[] = [];
  private count = 0;

  add(place: number, items: readonly T[], total: number = items.length): void {
    this.count += total;
    items.forEach((item, position) => {
      this.kept.push({ item, place, position });
      if (this.kept.length >= 2 * LIST_LIMIT) this.compact();
    });
  }

  get total(): number {
    return this.count;
  }

  items(): T[] {
    this.compact();
    return this.kept.map(({ item }) => item);
  }

  private compact(): void {
    this.kept.sort((a, b) => byUnitThenName(a.item, b.item) || a.place - b.place || a.position - b.position);
    if (this.kept.length > LIST_LIMIT) this.kept.length = LIST_LIMIT;
  }
}

function unitReport(provinceId: string, node: UnitNode, frame: Frame, generatedAt: string): UnitReport {
  // Its own checkpoints and the first LIST_LIMIT of each child's list: the first LIST_LIMIT of the merge are the
  // first of everything below, in the same order; the rest are counted, and listed in the children's reports.
  const merged = <T extends ListedCheckpoint>(own: T[], list: TopList<T>) => {
    list.add(OWN_PLACE, own);
    return { items: list.items(), total: list.total };
  };
  const idle = merged(node.ownIdle, node.lists.idle);
  const newCheckpoints = merged(node.ownNew, node.lists.newCheckpoints);
  const misnamed = merged(node.ownMisnamed, node.lists.misnamed);
  const lists = {
    idle: idle.items,
    newCheckpoints: newCheckpoints.items,
    misnamed: misnamed.items,
    ...(idle.total > idle.items.length ||
    newCheckpoints.total > newCheckpoints.items.length ||
    misnamed.total > misnamed.items.length
      ? {
          listTotals: {
            idle: idle.total,
            newCheckpoints: newCheckpoints.total,
            misnamed: misnamed.total,
          },
        }
      : {}),
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
    unitId: child.unitId,
    unitName: child.unitName,
    ...child.totals.now,
    previous: child.totals.before,
    daily: child.daily,
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
