import { beforeEach, describe, expect, it } from 'vitest';
import { eachCheckpoint } from '../../src/core/checkpoints.ts';
import type { Checkpoint, Unit } from '../../src/core/model.ts';
import { activeRatio, sumFigures } from '../../src/core/report.ts';
import { fixedClock, periodStartingAt } from '../../src/core/time.ts';
import { reportPeriod, runWeeklyReports } from '../../src/core/weekly-report.ts';
import { renderReport } from '../../src/render/index.ts';
import { MemoryCheckins, MemoryRegistry, MemoryReports, RecordedEvents } from './fakes.ts';

const PERIOD = periodStartingAt('2022-01-06'); // 06/01/2022 – 12/01/2022, as in the Hải Hà table
const BEFORE = '2021-12-01T03:00:00.000Z';
const DURING = '2022-01-08T03:00:00.000Z';
const AFTER = '2022-01-13T03:00:00.000Z';

let registry: MemoryRegistry;
let checkins: MemoryCheckins;
let reports: MemoryReports;
let cpSeq = 0;

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
  const id = `cp${++cpSeq}`;
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
      phone: '+84912345678',
      direction: 'in',
      method: 'app',
      at: `${day}T02:00:00.000Z`,
      day,
      receivedAt: `${day}T02:00:00.000Z`,
      expiresAt: 0,
    });
  }
}

function run() {
  return runWeeklyReports(
    {
      units: registry,
      checkpoints: registry,
      activity: checkins,
      reports,
      render: renderReport,
      clock: fixedClock('2022-01-14T08:00:00Z'),
      events: new RecordedEvents(),
      provinceId: 'qn',
    },
    PERIOD,
  );
}

function stored(unitId: string) {
  const key = [...reports.files.keys()].find((k) => k.includes(`/${unitId}/`) && k.endsWith('.json'))!;
  return JSON.parse(String(reports.files.get(key)!.body));
}

beforeEach(() => {
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

    expect(result.map((r) => r.unitId).sort()).toEqual(['hh', 'qn']);
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

  it('stores XLSX, CSV and JSON under keys naming the province, the unit and the period', async () => {
    const qn = unit('qn');
    unit('a', qn);
    const [result] = await run();
    expect(result!.keys).toEqual({
      xlsx: 'reports/qn/qn/2022-01-06_2022-01-12/bao-cao-qn-2022-01-06_2022-01-12.xlsx',
      csv: 'reports/qn/qn/2022-01-06_2022-01-12/bao-cao-qn-2022-01-06_2022-01-12.csv',
      json: 'reports/qn/qn/2022-01-06_2022-01-12/bao-cao-qn-2022-01-06_2022-01-12.json',
    });
    const xlsx = reports.files.get(result!.keys.xlsx)!.body as Buffer;
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

describe('the period a run reports on', () => {
  const FRIDAY_15H = new Date('2022-01-14T08:00:00Z');

  it('defaults to the seven complete local days before the run', () => {
    expect(reportPeriod(FRIDAY_15H)).toEqual({ start: '2022-01-07', end: '2022-01-13' });
  });

  it('takes any start whose seven days have ended', () => {
    expect(reportPeriod(FRIDAY_15H, '2022-01-06')).toEqual({ start: '2022-01-06', end: '2022-01-12' });
    expect(reportPeriod(FRIDAY_15H, '2022-01-07')).toEqual({ start: '2022-01-07', end: '2022-01-13' });
  });

  it.each(['2022-01-08', '2022-02-30', '2022-1-6'])('refuses start %s with a 400 naming start', (start) => {
    expect(() => reportPeriod(FRIDAY_15H, start)).toThrow(
      expect.objectContaining({ status: 400, details: [expect.objectContaining({ path: 'start' })] }),
    );
  });
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
