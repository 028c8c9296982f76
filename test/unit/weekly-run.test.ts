import { PNG } from 'pngjs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Checkpoint, Unit } from '../../src/core/model.ts';
import type { CheckpointStore } from '../../src/core/ports.ts';
import { fixedClock, periodStartingAt } from '../../src/core/time.ts';
import {
  ChildSummaryMissingError,
  LIST_LIMIT,
  MemorySummaries,
  reportUnit,
  type UnitTaskDeps,
  unitLevels,
} from '../../src/core/weekly-report.ts';
import { executeRun, finishRun, MemoryRuns, planRun, type UnitSummary } from '../../src/core/weekly-run.ts';
import { InProcessRunStarter } from '../../src/local/weekly-runner.ts';
import { renderReport } from '../../src/render/index.ts';
import { MemoryCheckins, MemoryRegistry, MemoryReports, RecordedEvents } from './fakes.ts';

const PERIOD = periodStartingAt('2022-01-06');
const BEFORE = '2021-12-01T03:00:00.000Z';
const RUN_AT = '2022-01-14T08:00:00.000Z';
/** A real 1 × 1 PNG: the XLSX places it as the chart. */
const TINY_PNG = PNG.sync.write(
  Object.assign(new PNG({ width: 1, height: 1 }), { data: Buffer.from([0, 0, 0, 255]) }),
);

let registry: MemoryRegistry;
let checkins: MemoryCheckins;
let summaries: MemorySummaries;
/** Which units' checkpoints were listed, and which summaries were read. */
let checkpointReads: string[];
let summaryReads: string[];

function unit(id: string, parent?: Unit): Unit {
  const u: Unit = {
    id,
    name: `Unit ${id}`,
    kind: 'other',
    path: [...(parent?.path ?? []), id],
    createdAt: BEFORE,
    ...(parent ? { parentId: parent.id } : {}),
  };
  registry.units.set(id, u);
  return u;
}

function checkpoint(u: Unit, id: string): Checkpoint {
  const cp: Checkpoint = {
    id,
    code: id,
    name: id,
    kind: 'shop',
    placeName: id,
    address: '-',
    unitId: u.id,
    unitName: u.name,
    unitPath: u.path,
    active: true,
    createdAt: BEFORE,
    canonicalName: id,
    followsNamingRule: true,
  };
  registry.checkpoints.set(id, cp);
  return cp;
}

function scan(cp: Checkpoint, day: string) {
  const id = `${cp.id}-${day}-${checkins.stored.size}`;
  checkins.stored.set(id, {
    id,
    checkpointId: cp.id,
    unitId: cp.unitId,
    phoneHash: 'a'.repeat(43),
    sealedPhone: 'v1.sealed',
    direction: 'in',
    method: 'app',
    at: `${day}T02:00:00.000Z`,
    day,
    receivedAt: `${day}T02:00:00.000Z`,
    expiresAt: 0,
  });
}

function deps(overrides: Partial<UnitTaskDeps> = {}): UnitTaskDeps {
  const recording: CheckpointStore = Object.create(registry);
  recording.listCheckpoints = (unitId, page, filter) => {
    checkpointReads.push(unitId);
    return registry.listCheckpoints(unitId, page, filter);
  };
  return {
    units: registry,
    checkpoints: recording,
    activity: checkins,
    reports: new MemoryReports(),
    summaries: {
      getSummary: (unitId, start) => {
        summaryReads.push(unitId);
        return summaries.getSummary(unitId, start);
      },
      putSummary: (s) => summaries.putSummary(s),
    },
    render: renderReport,
    chart: async () => TINY_PNG,
    clock: fixedClock(RUN_AT),
    events: new RecordedEvents(),
    provinceId: 'qn',
    ...overrides,
  };
}

let qn: Unit;
let district: Unit;
let communeA: Unit;
let communeB: Unit;

beforeEach(() => {
  registry = new MemoryRegistry();
  checkins = new MemoryCheckins();
  summaries = new MemorySummaries();
  checkpointReads = [];
  summaryReads = [];
  qn = unit('qn');
  district = unit('hh', qn);
  communeA = unit('qd', district);
  communeB = unit('qs', district);
  scan(checkpoint(communeA, 'a1'), '2022-01-07');
  scan(checkpoint(communeA, 'a1b'), '2022-01-08');
  checkpoint(communeB, 'b1');
  scan(checkpoint(district, 'd1'), '2022-01-09');
});

describe('unitLevels', () => {
  it('lists the unit tree as levels, deepest first, each unit labelled with its parents below the province', async () => {
    const levels = await unitLevels(registry, 'qn');

    expect(levels).toEqual([
      [
        { unitId: 'qd', label: 'Unit qd, Unit hh' },
        { unitId: 'qs', label: 'Unit qs, Unit hh' },
      ],
      [{ unitId: 'hh', label: 'Unit hh' }],
      [{ unitId: 'qn', label: 'Unit qn' }],
    ]);
  });
});

describe('reportUnit', () => {
  it("reads the unit's own checkpoints and its children's summaries, never a child's checkpoints", async () => {
    const d = deps();
    await reportUnit(d, { unitId: 'qd', label: 'Unit qd, Unit hh', period: PERIOD });
    await reportUnit(d, { unitId: 'qs', label: 'Unit qs, Unit hh', period: PERIOD });
    checkpointReads = [];
    summaryReads = [];

    await reportUnit(d, { unitId: 'hh', label: 'Unit hh', period: PERIOD });

    expect(checkpointReads).toEqual(['hh']);
    expect(summaryReads.sort()).toEqual(['qd', 'qs']);
    const hh = await summaries.getSummary('hh', PERIOD.start);
    // Its Cộng: its own checkpoint and its two communes' three.
    expect(hh?.totals.now).toMatchObject({ checkpointsTotal: 4, checkins: 3, activeCheckpoints: 3 });
    expect(hh?.idle).toEqual({ items: [expect.objectContaining({ checkpointId: 'b1' })], total: 1 });
  });

  it("fails, naming the child, when a child's summary is missing", async () => {
    const d = deps();
    await reportUnit(d, { unitId: 'qd', label: 'Unit qd, Unit hh', period: PERIOD });

    await expect(reportUnit(d, { unitId: 'hh', label: 'Unit hh', period: PERIOD })).rejects.toThrow(
      new ChildSummaryMissingError('hh', 'qs'),
    );
  });

  it('skips a unit this run already reported, unless forced', async () => {
    const d = deps();
    const task = { unitId: 'qd', label: 'Unit qd, Unit hh', period: PERIOD, runStartedAt: RUN_AT };
    await reportUnit(d, task);
    checkpointReads = [];

    const again = await reportUnit(d, task);
    const forced = await reportUnit(d, { ...task, force: true });

    expect(again.skipped).toBe(true);
    expect(forced.skipped).toBe(false);
    expect(checkpointReads).toEqual(['qd']);
  });
});

describe('executeRun', () => {
  it('reports a failing unit in failed while the other units succeed', async () => {
    const runs = new MemoryRuns();
    const d = deps();
    const listCheckpoints = d.checkpoints.listCheckpoints;
    d.checkpoints.listCheckpoints = (unitId, page, filter) => {
      if (unitId === 'qs') return Promise.reject(new TypeError('throttled'));
      return listCheckpoints(unitId, page, filter);
    };

    const run = await executeRun({ ...d, runs }, { runId: 'r1', period: PERIOD });

    // qs failed; its district and province cannot be summed without it; qd is reported.
    expect(run.status).toBe('failed');
    expect(run.units).toBe(1);
    expect(run.failed).toEqual([
      { unitId: 'qs', error: 'TypeError' },
      { unitId: 'hh', error: 'ChildSummaryMissingError' },
      { unitId: 'qn', error: 'ChildSummaryMissingError' },
    ]);
    expect(await summaries.getSummary('qd', PERIOD.start)).toBeDefined();
    expect((await runs.getRun('r1'))?.status).toBe('failed');
  });

  it('succeeds with every unit, and stores the record under the run id', async () => {
    const runs = new MemoryRuns();

    const run = await executeRun({ ...deps(), runs }, { runId: 'r2', period: PERIOD });

    expect(run).toMatchObject({ status: 'succeeded', units: 4, failed: [], startedAt: RUN_AT });
    expect(await runs.getRun('r2')).toEqual(run);
  });
});

describe("planRun and finishRun (the state machine's first and last tasks)", () => {
  it('records the run as running and hands on the levels, deepest first', async () => {
    const runs = new MemoryRuns();

    const plan = await planRun({ ...deps(), runs }, { runId: 'r3', period: PERIOD });

    expect(plan).toMatchObject({ runId: 'r3', period: PERIOD, startedAt: RUN_AT, force: false });
    expect(plan.levels.map((level) => level.map((u) => u.unitId))).toEqual([['qd', 'qs'], ['hh'], ['qn']]);
    expect((await runs.getRun('r3'))?.status).toBe('running');
  });

  it('counts a unit whose summary predates the run as failed, the others as reported', async () => {
    const runs = new MemoryRuns();
    const d = deps();
    // qs reported by an earlier run, an hour before this one started; the others by this run.
    await reportUnit(
      { ...d, clock: fixedClock('2022-01-14T07:00:00.000Z') },
      { unitId: 'qs', label: 'Unit qs, Unit hh', period: PERIOD },
    );
    await planRun({ ...d, runs }, { runId: 'r4', period: PERIOD });
    await reportUnit(d, { unitId: 'qd', label: 'Unit qd, Unit hh', period: PERIOD, runStartedAt: RUN_AT });

    // Finished 95 s after the plan started it.
    const run = await finishRun(
      { ...d, runs, clock: fixedClock(new Date(Date.parse(RUN_AT) + 95_000).toISOString()) },
      'r4',
    );

    expect(run).toMatchObject({
      status: 'failed',
      units: 1,
      failed: [
        { unitId: 'qs', error: 'NotReported' },
        { unitId: 'hh', error: 'NotReported' },
        { unitId: 'qn', error: 'NotReported' },
      ],
    });
    expect(await runs.getRun('r4')).toEqual(run);
    // The operator's metrics (WeeklyRunUnitsFailed, WeeklyRunTime): from the plan's start to the finish.
    expect((d.events as RecordedEvents).events.filter((e) => e.event === 'WeeklyReportRunCompleted')).toEqual(
      [{ event: 'WeeklyReportRunCompleted', start: PERIOD.start, reports: 1, failed: 3, ms: 95_000 }],
    );
  });
});

describe('the local stand-in', () => {
  it('answers before the run is done, and the record follows the run to succeeded', async () => {
    const runs = new MemoryRuns();
    const starter = new InProcessRunStarter({ ...deps(), runs });

    await starter.start({ runId: 'r5', period: PERIOD });
    const first = await runs.getRun('r5');
    await Promise.all(starter.running.values());

    expect(first?.status).toBe('running');
    expect(await runs.getRun('r5')).toMatchObject({ status: 'succeeded', units: 4, failed: [] });
  });
});

describe('bounded lists', () => {
  it('lists the first LIST_LIMIT idle checkpoints below a unit and counts the rest', async () => {
    const d = deps();
    const idle = (unitId: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        checkpointId: `${unitId}-${String(i).padStart(5, '0')}`,
        code: 'c',
        name: `${unitId}-${String(i).padStart(5, '0')}`,
        kind: 'shop',
        unitId,
        unitName: `Unit ${unitId}, Unit hh`,
        createdAt: BEFORE,
        canonicalName: 'c',
        lastActiveDay: null,
      }));
    for (const [unitId, n] of [
      ['qd', 3000],
      ['qs', 3000],
    ] as const) {
      const summary: UnitSummary = {
        unitId,
        unitName: `Unit ${unitId}`,
        period: PERIOD,
        generatedAt: RUN_AT,
        rows: 0,
        keys: {},
        totals: {
          now: {
            checkpointsTotal: n,
            checkpointsNew: 0,
            checkins: 0,
            activeCheckpoints: 0,
            namingViolations: 0,
          },
          before: {
            checkpointsTotal: n,
            checkpointsNew: 0,
            checkins: 0,
            activeCheckpoints: 0,
            namingViolations: 0,
          },
        },
        daily: [0, 0, 0, 0, 0, 0, 0],
        idle: { items: idle(unitId, n), total: n + 500 },
        newCheckpoints: { items: [], total: 0 },
        misnamed: { items: [], total: 0 },
      };
      await summaries.putSummary(summary);
    }

    await reportUnit(d, { unitId: 'hh', label: 'Unit hh', period: PERIOD });

    const hh = await summaries.getSummary('hh', PERIOD.start);
    // Its own idle checkpoint is none (d1 was used); the children's 6,000 listed, 7,000 idle in all.
    expect(hh?.idle.total).toBe(7000);
    expect(hh?.idle.items).toHaveLength(LIST_LIMIT);
    expect(hh?.idle.items.at(-1)?.checkpointId).toBe(`qs-${String(LIST_LIMIT - 3000 - 1).padStart(5, '0')}`);
    const json = JSON.parse(
      String(
        d.reports instanceof MemoryReports &&
          [...d.reports.files.entries()].find(([k]) => k.endsWith('.json'))?.[1].body,
      ),
    );
    expect(json.listTotals).toEqual({ idle: 7000, newCheckpoints: 0, misnamed: 0 });
    expect(json.idle).toHaveLength(LIST_LIMIT);
  });
});
