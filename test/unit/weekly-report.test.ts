import { PNG } from 'pngjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { eachCheckpoint } from '../../src/core/checkpoints.ts';
import type { Checkpoint, Unit } from '../../src/core/model.ts';
import { activeRatio, sumFigures } from '../../src/core/report.ts';
import { daysOf, fixedClock, periodStartingAt } from '../../src/core/time.ts';
import { LIST_LIMIT, reportPeriod, runWeeklyReports, TopList } from '../../src/core/weekly-report.ts';
import { renderReport } from '../../src/render/index.ts';
import { hashOf, MemoryCheckins, MemoryRegistry, MemoryReports, RecordedEvents, sealedOf } from './fakes.ts';

const PERIOD = periodStartingAt('2022-01-06'); // 06/01/2022 – 12/01/2022, as in the Hải Hà table
const BEFORE = '2021-12-01T03:00:00.000Z';
const DURING = '2022-01-08T03:00:00.000Z';
const AFTER = '2022-01-13T03:00:00.000Z';

let registry: MemoryRegistry;
let checkins: MemoryCheckins;
let reports: MemoryReports;
let cpSeq = 0;
let charted: string[] = [];
/** A real 1 × 1 PNG: the XLSX places it as the chart. */
const TINY_PNG = PNG.sync.write(
  Object.assign(new PNG({ width: 1, height: 1 }), { data: Buffer.from([0, 0, 0, 255]) }),
);

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

function checkpoint(u: Unit, createdAt: string): Checkpoint {
  // Zero-padded: the registry lists by creation time, then id as a string, so ids sort as they were made.
  const id = `cp${String(++cpSeq).padStart(4, '0')}`;
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
    createdAt,
    canonicalName: id,
    followsNamingRule: true,
  };
  registry.checkpoints.set(id, cp);
  return cp;
}

function scans(cp: Checkpoint, day: string, n: number) {
  for (let i = 0; i < n; i++) {
    const id = `${cp.id}-${day}-${i}-${checkins.stored.size}`;
    checkins.stored.set(id, {
      id,
      checkpointId: cp.id,
      unitId: cp.unitId,
      phoneHash: hashOf('+84912345678'),
      sealedPhone: sealedOf('+84912345678'),
      direction: 'in',
      method: 'app',
      at: `${day}T02:00:00.000Z`,
      day,
      receivedAt: `${day}T02:00:00.000Z`,
      expiresAt: 0,
    });
  }
}

function run(period = PERIOD) {
  return runWeeklyReports(
    {
      units: registry,
      checkpoints: registry,
      activity: checkins,
      reports,
      render: renderReport,
      // The chart's pixels are src/render/chart.ts's business (test/unit/chart.test.ts): here, which report it drew.
      chart: async (report) => {
        charted.push(report.unit.id);
        return TINY_PNG;
      },
      clock: fixedClock('2022-01-14T08:00:00Z'),
      events: new RecordedEvents(),
      provinceId: 'qn',
    },
    period,
  );
}

function stored(unitId: string, period = PERIOD) {
  const key = [...reports.files.keys()].find(
    (k) => k.includes(`/${unitId}/${period.start}_`) && k.endsWith('.json'),
  )!;
  return JSON.parse(String(reports.files.get(key)!.body));
}

beforeEach(() => {
  charted = [];
  registry = new MemoryRegistry();
  checkins = new MemoryCheckins();
  reports = new MemoryReports();
});

describe('the weekly aggregation', () => {
  it('makes the Hải Hà table: one row per child, created, new, check-ins, active, and a totals row', async () => {
    const qn = unit('qn');
    const hh = unit('hh', qn);
    const a = unit('a', hh);
    const b = unit('b', hh);
    const a1 = checkpoint(a, BEFORE);
    const a2 = checkpoint(a, DURING);
    checkpoint(a, BEFORE); // never used
    checkpoint(a, AFTER); // created after the period: not counted
    const b1 = checkpoint(b, BEFORE);
    scans(a1, '2022-01-06', 3);
    scans(a2, '2022-01-12', 2);
    scans(a1, '2022-01-13', 5); // after the period
    scans(b1, '2022-01-05', 4); // before the period

    const result = await run();

    // Every unit has its report: the leaves list their checkpoints.
    expect(result.map((r) => r.unitId).sort()).toEqual(['a', 'b', 'hh', 'qn']);
    const report = stored('hh');
    expect(report.rows).toEqual([
      expect.objectContaining({
        unitId: 'a',
        checkpointsTotal: 3,
        checkpointsNew: 1,
        checkins: 5,
        activeCheckpoints: 2,
      }),
      expect.objectContaining({
        unitId: 'b',
        checkpointsTotal: 1,
        checkpointsNew: 0,
        checkins: 0,
        activeCheckpoints: 0,
      }),
    ]);
    expect(report.totals).toMatchObject({
      checkpointsTotal: 4,
      checkpointsNew: 1,
      checkins: 5,
      activeCheckpoints: 2,
    });
    expect(report.totals.activeRatio).toBe(50);
  });

  it('rolls a three-level tree up so the parent’s row equals the child report’s totals', async () => {
    const qn = unit('qn');
    const hh = unit('hh', qn);
    const other = unit('tx', qn);
    const a = unit('a', hh);
    scans(checkpoint(a, BEFORE), '2022-01-07', 7);
    scans(checkpoint(hh, BEFORE), '2022-01-07', 2); // the district's own office
    scans(checkpoint(other, DURING), '2022-01-09', 1);

    await run();

    const district = stored('hh');
    const own = district.rows.find((r: { unitName: string }) => r.unitName.endsWith('(trực thuộc)'));
    expect(own).toMatchObject({ unitId: 'hh', checkins: 2 });
    const province = stored('qn');
    const hhRow = province.rows.find((r: { unitId: string }) => r.unitId === 'hh');
    for (const key of ['checkpointsTotal', 'checkpointsNew', 'checkins', 'activeCheckpoints']) {
      expect(hhRow[key]).toBe(district.totals[key]);
    }
    expect(province.totals.checkins).toBe(10);
  });

  it('stores XLSX, CSV, JSON and the chart under keys naming the province, the unit and the period', async () => {
    const qn = unit('qn');
    unit('a', qn);
    const results = await run();
    const result = results.find((r) => r.unitId === 'qn');
    expect(result!.keys).toEqual({
      xlsx: 'reports/qn/qn/2022-01-06_2022-01-12/bao-cao-qn-2022-01-06_2022-01-12.xlsx',
      csv: 'reports/qn/qn/2022-01-06_2022-01-12/bao-cao-qn-2022-01-06_2022-01-12.csv',
      json: 'reports/qn/qn/2022-01-06_2022-01-12/bao-cao-qn-2022-01-06_2022-01-12.json',
      png: 'reports/qn/qn/2022-01-06_2022-01-12/bao-cao-qn-2022-01-06_2022-01-12.png',
    });
    expect(reports.files.get(result!.keys.png!)!.body).toEqual(TINY_PNG);
    // A chart of the child units' days for the province; none for the leaf, which has no child units.
    expect(charted.sort()).toEqual(['qn']);
    expect(results.find((r) => r.unitId === 'a')!.keys).not.toHaveProperty('png');
    const xlsx = reports.files.get(result!.keys.xlsx!)!.body as Buffer;
    expect(xlsx.subarray(0, 2).toString()).toBe('PK');
  });

  it('replaces a period’s files when it runs again, picking up late check-ins', async () => {
    const qn = unit('qn');
    const a = unit('a', qn);
    const cp = checkpoint(a, BEFORE);
    scans(cp, '2022-01-07', 1);
    await run();
    expect(stored('qn').totals.checkins).toBe(1);
    scans(cp, '2022-01-08', 2); // offline scans arriving after the first run
    await run();
    expect(stored('qn').totals.checkins).toBe(3);
  });

  it('computes the ratio from totals, not as an average of row ratios', () => {
    expect(
      activeRatio({
        ...sumFigures([]),
        checkpointsTotal: 6468,
        checkpointsNew: 37,
        checkins: 72420,
        activeCheckpoints: 874,
      }),
    ).toBe(13.51);
    expect(activeRatio(sumFigures([]))).toBeNull();
  });
});

describe('a three-level province', () => {
  /** qn → hh (district, with its own office) → a, b (communes); qn → tx (a sector with no children). */
  function seed() {
    const qn = unit('qn');
    const hh = unit('hh', qn);
    const tx = unit('tx', qn);
    const a = unit('a', hh);
    const b = unit('b', hh);
    const cps = {
      a1: checkpoint(a, BEFORE),
      a2: checkpoint(a, DURING),
      a3: checkpoint(a, BEFORE), // used the week before only
      a4: checkpoint(a, BEFORE), // used a month before only
      b1: checkpoint(b, BEFORE), // never used
      b2: checkpoint(b, '2022-01-01T03:00:00.000Z'), // created the week before, used then and now
      hh1: checkpoint(hh, BEFORE),
      tx1: checkpoint(tx, BEFORE),
    };
    cps.a2.followsNamingRule = false;
    cps.a2.canonicalName = 'Cửa hàng a2 - Unit a';
    scans(cps.a1, '2022-01-06', 3);
    scans(cps.a1, '2022-01-12', 4);
    scans(cps.a2, '2022-01-09', 2);
    scans(cps.a3, '2022-01-03', 5);
    scans(cps.a4, '2021-12-10', 1);
    scans(cps.b2, '2022-01-02', 6);
    scans(cps.b2, '2022-01-11', 1);
    scans(cps.hh1, '2022-01-07', 2);
    scans(cps.tx1, '2021-12-31', 9);
    return cps;
  }

  const FIGURES = ['checkpointsTotal', 'checkpointsNew', 'checkins', 'activeCheckpoints', 'namingViolations'];

  it("gives each level totals equal to the sum of its rows and to its row in the parent's report", async () => {
    seed();
    await run();
    const reportsById = Object.fromEntries(['qn', 'hh', 'a', 'b', 'tx'].map((id) => [id, stored(id)]));
    for (const [parentId, childIds] of [
      ['qn', ['hh', 'tx']],
      ['hh', ['a', 'b']],
    ] as const) {
      const parent = reportsById[parentId];
      for (const key of FIGURES) {
        expect(parent.totals[key]).toBe(
          parent.rows.reduce((t: number, r: Record<string, number>) => t + r[key]!, 0),
        );
        for (const childId of childIds) {
          const row = parent.rows.find((r: { unitId: string }) => r.unitId === childId);
          expect(row[key], `${parentId} row ${childId} ${key}`).toBe(reportsById[childId].totals[key]);
          expect(row.previous[key], `${parentId} row ${childId} previous ${key}`).toBe(
            reportsById[childId].previousTotals[key],
          );
        }
      }
    }
    expect(reportsById.qn.totals).toMatchObject({
      checkpointsTotal: 8,
      checkpointsNew: 1,
      checkins: 12,
      activeCheckpoints: 4,
    });
  });

  it('lists a leaf by its checkpoints: name, kind, check-ins, whether active, this week and the week before', async () => {
    const cps = seed();
    await run();
    const leaf = stored('a');
    expect(leaf.level).toBe('checkpoints');
    expect(leaf.rows).toEqual([]);
    expect(
      leaf.checkpoints.map(
        (r: { checkpointId: string; checkins: number; previousCheckins: number; isNew: boolean }) => [
          r.checkpointId,
          r.checkins,
          r.previousCheckins,
          r.isNew,
        ],
      ),
    ).toEqual([
      // In the registry's order: by creation time, so the new one last.
      [cps.a1.id, 7, 0, false],
      [cps.a3.id, 0, 5, false],
      [cps.a4.id, 0, 0, false],
      [cps.a2.id, 2, 0, true],
    ]);
    expect(leaf.totals).toMatchObject({ checkpointsTotal: 4, checkins: 9, activeCheckpoints: 2 });
  });

  it('lists exactly the checkpoints nobody scanned, with the last day anyone did', async () => {
    const cps = seed();
    await run();
    const idle = (id: string) =>
      stored(id).idle.map((c: { checkpointId: string; lastActiveDay: string | null }) => [
        c.checkpointId,
        c.lastActiveDay,
      ]);
    expect(idle('qn').sort()).toEqual(
      [
        [cps.a3.id, '2022-01-03'],
        [cps.a4.id, '2021-12-10'],
        [cps.b1.id, null],
        [cps.tx1.id, '2021-12-31'],
      ].sort(),
    );
    expect(idle('b')).toEqual([[cps.b1.id, null]]);
    expect(
      stored('qn').idle.find((c: { checkpointId: string }) => c.checkpointId === cps.a3.id).unitName,
    ).toBe('Unit a, Unit hh');
  });

  it("puts beside each figure the week before's, as that week's own run reported it", async () => {
    seed();
    const week1 = periodStartingAt('2021-12-30');
    await run(week1);
    await run();
    for (const id of ['qn', 'hh', 'a', 'b', 'tx']) {
      expect(stored(id).previousPeriod).toEqual(week1);
      expect(stored(id).previousTotals, id).toEqual(stored(id, week1).totals);
    }
    expect(stored('qn').previousTotals).toMatchObject({
      checkins: 20,
      activeCheckpoints: 3,
      checkpointsNew: 1,
    });
  });

  it('lists new and misnamed checkpoints, ranks the rows by active ratio, and charts the days per row', async () => {
    const cps = seed();
    await run();
    const district = stored('hh');
    expect(district.newCheckpoints.map((c: { checkpointId: string }) => c.checkpointId)).toEqual([cps.a2.id]);
    expect(district.misnamed).toEqual([
      expect.objectContaining({ checkpointId: cps.a2.id, canonicalName: 'Cửa hàng a2 - Unit a' }),
    ]);
    // a: 2 of 4 (50%), b: 1 of 2 (50%), hh's own office: 1 of 1 (100%).
    expect(district.ranking.map((r: { unitId: string; ratio: number }) => [r.unitId, r.ratio])).toEqual([
      ['a', 50],
      ['b', 50],
      ['hh', 100],
    ]);
    expect(district.daily.days).toEqual(daysOf(PERIOD));
    const a = district.daily.series.find((s: { id: string }) => s.id === 'a');
    expect(a.values).toEqual([3, 0, 0, 2, 0, 0, 4]);
    const perDay = district.daily.days.map((_: string, i: number) =>
      district.daily.series.reduce((t: number, s: { values: number[] }) => t + s.values[i]!, 0),
    );
    expect(perDay.reduce((t: number, n: number) => t + n, 0)).toBe(district.totals.checkins);
  });
});

describe('the period a run reports on', () => {
  const FRIDAY_15H = new Date('2022-01-14T08:00:00Z');

  it('defaults to the seven complete local days before the run', () => {
    expect(reportPeriod(FRIDAY_15H)).toEqual({ start: '2022-01-07', end: '2022-01-13' });
  });

  it('takes any start whose seven days have ended', () => {
    expect(reportPeriod(FRIDAY_15H, '2022-01-06')).toEqual({ start: '2022-01-06', end: '2022-01-12' });
    expect(reportPeriod(FRIDAY_15H, '2022-01-07')).toEqual({ start: '2022-01-07', end: '2022-01-13' });
  });

  it.each(['2022-01-08', '2022-02-30', '2022-1-6', '9999-12-26', '0000-01-03', '2019-12-30'])(
    'refuses start %s with a 400 naming start',
    (start) => {
      expect(() => reportPeriod(FRIDAY_15H, start)).toThrow(
        expect.objectContaining({ status: 400, details: [expect.objectContaining({ path: 'start' })] }),
      );
    },
  );
});

describe('reading a unit’s checkpoints', () => {
  it('follows the store’s pages to the last one, and passes the filter on', async () => {
    const qn = unit('qn');
    const made = Array.from({ length: 5 }, () => checkpoint(qn, BEFORE));
    made[3]!.active = false;
    const all: string[] = [];
    for await (const cp of eachCheckpoint(registry, 'qn', { pageSize: 2 })) all.push(cp.id);
    expect(all).toEqual(made.map((c) => c.id));
    const active: string[] = [];
    for await (const cp of eachCheckpoint(registry, 'qn', { pageSize: 2, filter: { active: true } }))
      active.push(cp.id);
    expect(active).toEqual(made.filter((c) => c.active).map((c) => c.id));
  });
});

describe('a parent’s lists, merged as its children’s summaries arrive', () => {
  const listed = (unitName: string, name: string, checkpointId: string) => ({
    checkpointId,
    code: 'ABCD2345',
    name,
    kind: 'shop',
    unitId: 'u',
    unitName,
    createdAt: BEFORE,
    canonicalName: name,
  });

  it('keeps the first LIST_LIMIT of all the lists, by unit then name, whatever order the children come in', () => {
    // Three children of 4,000 each (12,000 entries, more than twice LIST_LIMIT) and the unit's own; names
    // repeat within a unit (ties keep their place: own first, then the children in order, then their order).
    const children = [0, 1, 2].map((c) =>
      Array.from({ length: 4000 }, (_, i) =>
        listed(`Xã ${['Đông', 'Bắc', 'Ánh'][c]}`, `Điểm ${i % 1500}`, `c${c}-${i}`),
      ),
    );
    const own = [listed('Xã Bắc', 'Điểm 7', 'own-1'), listed('Ấp', 'Điểm 1', 'own-2')];
    const expected = [...own, ...children.flat()]
      .sort((a, b) => a.unitName.localeCompare(b.unitName, 'vi') || a.name.localeCompare(b.name, 'vi'))
      .slice(0, LIST_LIMIT)
      .map((cp) => cp.checkpointId);
    const top = new TopList();
    for (const c of [2, 0, 1]) top.add(c + 1, children[c]!, children[c]!.length + 10);
    top.add(0, own);
    expect(top.items().map((cp) => cp.checkpointId)).toEqual(expected);
    expect(top.total).toBe(12_032);
  });
});
