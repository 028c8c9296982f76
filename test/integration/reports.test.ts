import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointKind } from '../../src/core/model.ts';
import { previousCompletePeriod } from '../../src/core/time.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import type { JsonFigures, JsonReport } from '../../src/render/json.ts';
import { type Client, client, runWeeklyReport, testStack } from './stack.ts';

/**
 * The checks for the weekly reports, end to end through the HTTP API: a three-level province seeded through
 * the import route, check-ins posted one by one and as offline batches, the week before and the period reported,
 * every unit's JSON compared with what was seeded (computed here from the seeding, never from a report), the
 * province's XLSX opened, and a rerun after late offline check-ins.
 */

const DAY = 86_400_000;
/** Asia/Ho_Chi_Minh is UTC+7 all year: the test works out local days on its own. */
const ICT = 7 * 3_600_000;
const period = previousCompletePeriod(new Date());
const from = Date.parse(`${period.start}T00:00:00+07:00`);
const dayOf = (ms: number) => new Date(ms + ICT).toISOString().slice(0, 10);
const previousWeek = { start: dayOf(from - 7 * DAY), end: dayOf(from - DAY) };
/** Local day `d` of the period (negative: days before it) at hh:mm, as epoch milliseconds. */
const at = (d: number, hour = 9, minute = 0) => from + d * DAY + (hour * 60 + minute) * 60_000;
const vnDate = (day: string) => day.split('-').reverse().join('/');

/** [from, to) of a report's seven days. */
interface Window {
  from: number;
  to: number;
}
const THIS_WEEK: Window = { from, to: from + 7 * DAY };
const WEEK_BEFORE: Window = { from: from - 7 * DAY, to: from };
const before = (w: Window): Window => ({ from: w.from - 7 * DAY, to: w.from });

const PROVINCE = 'quang-ninh';
const UNITS = [
  { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: PROVINCE, kind: 'district' },
  { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
  { id: 'quang-duc', name: 'Xã Quảng Đức', parentId: 'hai-ha', kind: 'commune' },
  { id: 'cai-chien', name: 'Xã Cái Chiên', parentId: 'hai-ha', kind: 'commune' },
  { id: 'dam-ha', name: 'Huyện Đầm Hà', parentId: PROVINCE, kind: 'district' },
  { id: 'tt-dam-ha', name: 'Thị trấn Đầm Hà', parentId: 'dam-ha', kind: 'commune' },
  { id: 'quang-tan', name: 'Xã Quảng Tân', parentId: 'dam-ha', kind: 'commune' },
  { id: 'so-y-te', name: 'Sở Y tế', parentId: PROVINCE, kind: 'sector' },
] as const;

/** A checkpoint as seeded: `created` is a day of the period (negative: before it), or 'now' (no createdAt sent). */
interface Seed {
  ref: string;
  unitId: string;
  kind: CheckpointKind;
  placeName: string;
  address: string;
  /** A name from elsewhere that breaks the naming rule. */
  name?: string;
  created: number | 'now';
}
const OLD = -30;
const SEEDS: Seed[] = [
  // A district's own checkpoint: its row "(trực thuộc)" in the district's report.
  {
    ref: 'hh-ubnd',
    unitId: 'hai-ha',
    kind: 'state-office',
    placeName: 'UBND huyện',
    address: 'Khu 3',
    created: OLD,
  },
  {
    ref: 'qh-market',
    unitId: 'quang-ha',
    kind: 'market',
    placeName: 'Chợ Quảng Hà',
    address: 'Khu 1',
    created: OLD,
  },
  {
    ref: 'qh-school',
    unitId: 'quang-ha',
    kind: 'school',
    placeName: 'THCS Quảng Hà',
    address: 'Khu 2',
    created: OLD,
  },
  {
    ref: 'qh-shop-new',
    unitId: 'quang-ha',
    kind: 'shop',
    placeName: 'Minh Anh',
    address: 'Khu 4',
    created: 2,
  },
  {
    ref: 'qh-gate',
    unitId: 'quang-ha',
    kind: 'factory',
    placeName: 'Công ty May Hải Hà',
    address: 'KCN Texhong',
    name: 'Cổng số 2 nhà máy may',
    created: OLD,
  },
  {
    ref: 'qd-factory',
    unitId: 'quang-duc',
    kind: 'factory',
    placeName: 'Xưởng gỗ',
    address: 'Thôn 1',
    created: OLD,
  },
  {
    ref: 'qd-never',
    unitId: 'quang-duc',
    kind: 'religious',
    placeName: 'Chùa Quảng Đức',
    address: 'Thôn 2',
    created: OLD,
  },
  {
    ref: 'qd-early',
    unitId: 'quang-duc',
    kind: 'restaurant',
    placeName: 'Quán Bảy Tư',
    address: 'Thôn 3',
    created: OLD,
  },
  {
    ref: 'cc-shop',
    unitId: 'cai-chien',
    kind: 'shop',
    placeName: 'Tạp hoá Cái Chiên',
    address: 'Thôn Đông',
    created: -5,
  },
  {
    ref: 'cc-new-idle',
    unitId: 'cai-chien',
    kind: 'transport',
    placeName: 'Bến Cái Chiên',
    address: 'Thôn Tây',
    created: 1,
  },
  {
    ref: 'dh-market',
    unitId: 'tt-dam-ha',
    kind: 'market',
    placeName: 'Chợ Đầm Hà',
    address: 'Phố Mới',
    created: OLD,
  },
  {
    ref: 'dh-hotel',
    unitId: 'tt-dam-ha',
    kind: 'hotel',
    placeName: 'Khách sạn Đầm Hà',
    address: 'Phố Cũ',
    name: 'KS Đầm Hà',
    created: OLD,
  },
  {
    ref: 'dh-today',
    unitId: 'tt-dam-ha',
    kind: 'shop',
    placeName: 'Cửa hàng mới',
    address: 'Phố Mới',
    created: 'now',
  },
  {
    ref: 'qt-restaurant',
    unitId: 'quang-tan',
    kind: 'restaurant',
    placeName: 'Quán Tân',
    address: 'Thôn 5',
    created: OLD,
  },
  {
    ref: 'qt-bus',
    unitId: 'quang-tan',
    kind: 'transport',
    placeName: 'Bến xe Quảng Tân',
    address: 'QL18',
    created: -6,
  },
  {
    ref: 'syt-hospital',
    unitId: 'so-y-te',
    kind: 'hospital',
    placeName: 'BVĐK tỉnh',
    address: 'Hạ Long',
    created: OLD,
  },
  {
    ref: 'syt-clinic',
    unitId: 'so-y-te',
    kind: 'hospital',
    placeName: 'Phòng khám Bãi Cháy',
    address: 'Bãi Cháy',
    name: 'Phòng khám BC',
    created: 5,
  },
];
const createdAtOf = (seed: Seed) => (seed.created === 'now' ? undefined : at(seed.created, 8));

interface Scan {
  id: string;
  ref: string;
  at: number;
  via: 'single' | 'batch';
  phone: string;
  direction: 'in' | 'out';
}
const scans: Scan[] = [];
let scanned = 0;
function makeScan(ref: string, when: number, via: Scan['via']): Scan {
  const n = scanned++;
  const phone = `0912${String(100_000 + n).slice(-6)}`;
  return { id: randomUUID(), ref, at: when, via, phone, direction: n % 2 ? 'out' : 'in' };
}
function scan(ref: string, day: number, count: number, via: Scan['via'] = 'batch', hour = 9): Scan[] {
  const made = Array.from({ length: count }, (_, i) =>
    makeScan(ref, at(day, hour + Math.floor(i / 60), i % 60), via),
  );
  scans.push(...made);
  return made;
}

// The period (days 0–6), the week before (−7…−1), the week before that (−14…−8) and earlier.
scan('hh-ubnd', 0, 3, 'single');
scan('hh-ubnd', 3, 2);
scan('hh-ubnd', -4, 4);
for (let d = 0; d < 7; d++) scan('qh-market', d, 6);
for (let d = -7; d < 0; d++) scan('qh-market', d, 5);
scan('qh-market', -9, 4);
scan('qh-school', -2, 3, 'single'); // idle in the period, last used two days before it
scan('qh-shop-new', 4, 7);
scan('qh-gate', 1, 10);
scan('qh-gate', -6, 2);
scan('qd-factory', 5, 15);
scan('qd-factory', -3, 9);
// Idle both weeks: its last day comes from before them. Just after local midnight, the day before in UTC.
scan('qd-early', -16, 2, 'single', 0);
scan('cc-shop', -3, 4, 'batch', 0); // registered in the week before, used then (early morning), idle now
scan('dh-market', 2, 8);
scan('dh-market', 6, 3, 'single');
scan('qt-restaurant', -1, 2, 'single');
scan('qt-bus', -6, 1);
scan('qt-bus', 3, 5);
scan('syt-hospital', 0, 20);
scan('syt-hospital', -5, 11);
scan('syt-hospital', -10, 3);
// The edges of the period, in local time: its first minute, and the last minutes of it and of the week before.
scans.push(makeScan('syt-hospital', at(0, 0, 0), 'single'));
scans.push(makeScan('syt-hospital', at(-1, 23, 59), 'batch'));
scans.push(makeScan('dh-market', at(6, 23, 50), 'batch'));

/** The late offline uploads of the rerun, all inside the period: three at a busy market, two at an idle restaurant. */
const LATE: [string, number, number][] = [
  ['qh-market', 6, 3],
  ['qt-restaurant', 6, 2],
];
const LATE_COUNT = 5;

let stack: LocalStack;
let api: Client;
let admin: string;
let provinceName: string;
const ids = new Map<string, string>();
const refOf = new Map<string, string>();
const listed = new Map<
  string,
  { id: string; code: string; name: string; createdAt: string; follows: boolean }
>();

type Reports = Map<string, { report: JsonReport; url: string }>;
let previousReports: Reports;
let reports: Reports;

const ALL_UNITS = [PROVINCE, ...UNITS.map((u) => u.id)].sort();
const childrenOf = (unitId: string) => UNITS.filter((u) => u.parentId === unitId).map((u) => u.id as string);
const subtreeOf = (unitId: string): string[] => [unitId, ...childrenOf(unitId).flatMap(subtreeOf)];
const unitName = (unitId: string) =>
  unitId === PROVINCE ? provinceName : UNITS.find((u) => u.id === unitId)!.name;
/** How the lists name a unit: with its parents, the province left out ("Xã Quảng Đức, Huyện Hải Hà"). */
function labelOf(unitId: string): string {
  const unit = UNITS.find((u) => u.id === unitId);
  if (!unit) return provinceName;
  return unit.parentId === PROVINCE ? unit.name : `${unit.name}, ${labelOf(unit.parentId)}`;
}

// ─── What the reports must say, from the seeding ───────────────────────────────────────────────────────────────

const createdMs = (seed: Seed) => Date.parse(listed.get(seed.ref)!.createdAt);
const misnamed = (seed: Seed) => seed.name !== undefined;
const checkinsAt = (ref: string, w: Window) =>
  scans.filter((s) => s.ref === ref && s.at >= w.from && s.at < w.to).length;
const existingIn = (unitIds: readonly string[], w: Window) =>
  SEEDS.filter((s) => unitIds.includes(s.unitId) && createdMs(s) < w.to);

function ratio(active: number, total: number): number | null {
  return total === 0 ? null : Math.round((active / total) * 10_000) / 100;
}

function figures(unitIds: readonly string[], w: Window): JsonFigures {
  const existing = existingIn(unitIds, w);
  const counts = existing.map((s) => checkinsAt(s.ref, w));
  const checkpointsTotal = existing.length;
  const activeCheckpoints = counts.filter((n) => n > 0).length;
  return {
    checkpointsTotal,
    checkpointsNew: existing.filter((s) => createdMs(s) >= w.from).length,
    checkins: counts.reduce((a, b) => a + b, 0),
    activeCheckpoints,
    activeRatio: ratio(activeCheckpoints, checkpointsTotal),
    namingViolations: existing.filter(misnamed).length,
  };
}

const figuresOf = (f: JsonFigures): JsonFigures => ({
  checkpointsTotal: f.checkpointsTotal,
  checkpointsNew: f.checkpointsNew,
  checkins: f.checkins,
  activeCheckpoints: f.activeCheckpoints,
  activeRatio: f.activeRatio,
  namingViolations: f.namingViolations,
});

function sumOf(rows: readonly JsonFigures[]): Omit<JsonFigures, 'activeRatio'> {
  const sum = {
    checkpointsTotal: 0,
    checkpointsNew: 0,
    checkins: 0,
    activeCheckpoints: 0,
    namingViolations: 0,
  };
  for (const r of rows) {
    sum.checkpointsTotal += r.checkpointsTotal;
    sum.checkpointsNew += r.checkpointsNew;
    sum.checkins += r.checkins;
    sum.activeCheckpoints += r.activeCheckpoints;
    sum.namingViolations += r.namingViolations;
  }
  return sum;
}
const withoutRatio = ({ activeRatio: _, ...rest }: JsonFigures) => rest;

/** The last local day a checkpoint was scanned before `w`, or null. */
function lastActiveDay(ref: string, w: Window): string | null {
  const days = scans.filter((s) => s.ref === ref && s.at < w.from).map((s) => dayOf(s.at));
  return days.length ? days.sort().at(-1)! : null;
}

const byUnitThenName = (a: { unitName: string; name: string }, b: { unitName: string; name: string }) =>
  a.unitName.localeCompare(b.unitName, 'vi') || a.name.localeCompare(b.name, 'vi');

function listEntry(seed: Seed) {
  const cp = listed.get(seed.ref)!;
  return {
    checkpointId: cp.id,
    code: cp.code,
    name: cp.name,
    unitId: seed.unitId,
    unitName: labelOf(seed.unitId),
  };
}

/** Everything a unit's report must say about window `w`, worked out from SEEDS and scans alone. */
function expected(unitId: string, w: Window) {
  const below = subtreeOf(unitId);
  const children = childrenOf(unitId);
  const own = existingIn([unitId], w);
  const rows = children.map((child) => ({
    unitId: child,
    unitName: unitName(child),
    ...figures(subtreeOf(child), w),
    previous: figures(subtreeOf(child), before(w)),
  }));
  const ownCheckins = own.reduce((n, s) => n + checkinsAt(s.ref, w), 0);
  const ownBefore = existingIn([unitId], before(w)).reduce((n, s) => n + checkinsAt(s.ref, before(w)), 0);
  if (children.length > 0 && (own.length > 0 || ownCheckins > 0 || ownBefore > 0)) {
    rows.push({
      unitId,
      unitName: `${unitName(unitId)} (trực thuộc)`,
      ...figures([unitId], w),
      previous: figures([unitId], before(w)),
    });
  }
  const existing = existingIn(below, w);
  return {
    level: children.length > 0 ? 'units' : 'checkpoints',
    period: { start: dayOf(w.from), end: dayOf(w.to - DAY) },
    previousPeriod: { start: dayOf(w.from - 7 * DAY), end: dayOf(w.from - DAY) },
    totals: figures(below, w),
    previousTotals: figures(below, before(w)),
    rows: children.length > 0 ? rows.sort((a, b) => a.unitId.localeCompare(b.unitId)) : [],
    checkpoints:
      children.length > 0
        ? []
        : own
            .map((s) => ({
              checkpointId: listed.get(s.ref)!.id,
              name: listed.get(s.ref)!.name,
              checkins: checkinsAt(s.ref, w),
              previousCheckins: checkinsAt(s.ref, before(w)),
              isNew: createdMs(s) >= w.from,
              followsNamingRule: !misnamed(s),
            }))
            .sort((a, b) => a.checkpointId.localeCompare(b.checkpointId)),
    idle: existing
      .filter((s) => checkinsAt(s.ref, w) === 0)
      .map((s) => ({ ...listEntry(s), lastActiveDay: lastActiveDay(s.ref, w) }))
      .sort(byUnitThenName),
    newCheckpoints: existing
      .filter((s) => createdMs(s) >= w.from)
      .map(listEntry)
      .sort(byUnitThenName),
    misnamed: existing.filter(misnamed).map(listEntry).sort(byUnitThenName),
  };
}

/** The same fields, read from a report. */
function actual(report: JsonReport) {
  const entry = (c: JsonReport['idle'][number] | JsonReport['misnamed'][number]) => ({
    checkpointId: c.checkpointId,
    code: c.code,
    name: c.name,
    unitId: c.unitId,
    unitName: c.unitName,
  });
  return {
    level: report.level,
    period: report.period,
    previousPeriod: report.previousPeriod,
    totals: figuresOf(report.totals),
    previousTotals: figuresOf(report.previousTotals),
    rows: report.rows
      .map((r) => ({
        unitId: r.unitId,
        unitName: r.unitName,
        ...figuresOf(r),
        previous: figuresOf(r.previous),
      }))
      .sort((a, b) => a.unitId.localeCompare(b.unitId)),
    checkpoints: report.checkpoints
      .map((c) => ({
        checkpointId: c.checkpointId,
        name: c.name,
        checkins: c.checkins,
        previousCheckins: c.previousCheckins,
        isNew: c.isNew,
        followsNamingRule: c.followsNamingRule,
      }))
      .sort((a, b) => a.checkpointId.localeCompare(b.checkpointId)),
    idle: report.idle.map((c) => ({ ...entry(c), lastActiveDay: c.lastActiveDay })),
    newCheckpoints: report.newCheckpoints.map(entry),
    misnamed: report.misnamed.map(entry),
  };
}

// ─── Through the API ──────────────────────────────────────────────────────────────────────────────────────────

/** A check-in as the phone sends it, with the id and time it got when it was tapped. */
const body = (s: Scan) => ({
  id: s.id,
  code: listed.get(s.ref)!.code,
  phone: s.phone,
  direction: s.direction,
  at: new Date(s.at).toISOString(),
  method: 'app',
});

async function post(list: readonly Scan[]): Promise<void> {
  const singles = list.filter((s) => s.via === 'single');
  const answers = await Promise.all(singles.map((s) => api.call('POST', '/v1/checkins', { body: body(s) })));
  expect(answers.map((a) => a.status)).toEqual(singles.map(() => 201));
  const batched = list.filter((s) => s.via === 'batch');
  for (let i = 0; i < batched.length; i += 100) {
    const chunk = batched.slice(i, i + 100);
    const res = await api.call('POST', '/v1/checkins/batch', { body: { checkins: chunk.map(body) } });
    expect(res.status).toBe(200);
    expect(res.json.results.map((r: { status: string }) => r.status)).toEqual(chunk.map(() => 'created'));
  }
}

async function runWeekly(start: string): Promise<void> {
  const { period: reported, run } = await runWeeklyReport(api, admin, { start });
  expect(reported).toEqual(start === period.start ? period : previousWeek);
  expect(run).toMatchObject({ status: 'succeeded', units: ALL_UNITS.length, failed: [] });
}

async function link(unitId: string, start: string, format: string): Promise<string> {
  const res = await api.call('GET', `/v1/units/${unitId}/reports/${start}?format=${format}`, {
    token: admin,
  });
  expect(res.status).toBe(200);
  return res.json.url;
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function fetchReports(start: string): Promise<Reports> {
  const all: Reports = new Map();
  await Promise.all(
    ALL_UNITS.map(async (unitId) => {
      const url = await link(unitId, start, 'json');
      all.set(unitId, { url, report: JSON.parse((await download(url)).toString('utf8')) });
    }),
  );
  return all;
}

const reportOf = (all: Reports, unitId: string) => all.get(unitId)!.report;
const idleRefs = (report: JsonReport) => report.idle.map((c) => refOf.get(c.checkpointId)).sort();

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', PROVINCE);
  provinceName = (await api.call('GET', `/v1/units/${PROVINCE}`, { token: admin })).json.name;

  for (const unit of UNITS) {
    expect((await api.call('POST', '/v1/units', { token: admin, body: unit })).status).toBe(201);
  }
  const imported = await api.call('POST', `/v1/units/${PROVINCE}/checkpoints/import`, {
    token: admin,
    body: {
      checkpoints: SEEDS.map((s) => {
        const createdAt = createdAtOf(s);
        return {
          unitId: s.unitId,
          kind: s.kind,
          placeName: s.placeName,
          address: s.address,
          ref: s.ref,
          ...(s.name ? { name: s.name } : {}),
          ...(createdAt !== undefined ? { createdAt: new Date(createdAt).toISOString() } : {}),
        };
      }),
    },
  });
  expect(imported.status).toBe(200);
  expect([imported.json.rejected, imported.json.existing, imported.json.pending]).toEqual([[], [], []]);
  expect(imported.json.created).toHaveLength(SEEDS.length);
  for (const { row, id } of imported.json.created as { row: number; id: string }[]) {
    ids.set(SEEDS[row - 1]!.ref, id);
    refOf.set(id, SEEDS[row - 1]!.ref);
  }
  for (const unit of UNITS) {
    const res = await api.call('GET', `/v1/units/${unit.id}/checkpoints?limit=500`, { token: admin });
    for (const cp of res.json.items) {
      listed.set(cp.ref, {
        id: cp.id,
        code: cp.code,
        name: cp.name,
        createdAt: cp.createdAt,
        follows: cp.followsNamingRule,
      });
    }
  }

  // A check-in after the period, where the clock allows one (not in the last minutes of the period's last day).
  if (Date.now() - 15 * 60_000 >= THIS_WEEK.to) {
    scans.push(makeScan('dh-hotel', Date.now() - 15 * 60_000, 'single'));
  }
  await post(scans);

  await runWeekly(previousWeek.start);
  await runWeekly(period.start);
  previousReports = await fetchReports(previousWeek.start);
  reports = await fetchReports(period.start);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the seeded province', () => {
  it('holds every checkpoint as imported, created when the seeding says, misnamed where it meant to', () => {
    expect([...listed.keys()].sort()).toEqual(SEEDS.map((s) => s.ref).sort());
    for (const seed of SEEDS) {
      const cp = listed.get(seed.ref)!;
      expect(cp.id).toBe(ids.get(seed.ref));
      expect(cp.follows).toBe(!misnamed(seed));
      const createdAt = createdAtOf(seed);
      if (createdAt !== undefined) expect(Date.parse(cp.createdAt)).toBe(createdAt);
      else expect(Date.parse(cp.createdAt)).toBeGreaterThanOrEqual(THIS_WEEK.to); // registered after the period
      // Every check-in is after its checkpoint was registered (the API would have refused it otherwise).
      for (const s of scans.filter((x) => x.ref === seed.ref))
        expect(s.at).toBeGreaterThan(Date.parse(cp.createdAt));
    }
  });
});

describe('the weekly reports, through the HTTP API', () => {
  it('say, for every unit and both weeks, exactly what was seeded', () => {
    for (const unitId of ALL_UNITS) {
      expect(actual(reportOf(previousReports, unitId)), `${unitId}, the week before`).toEqual(
        expected(unitId, WEEK_BEFORE),
      );
      expect(actual(reportOf(reports, unitId)), `${unitId}, the period`).toEqual(expected(unitId, THIS_WEEK));
    }
  });

  it('list the units at every level with children, and their checkpoints at the leaves', () => {
    for (const all of [previousReports, reports]) {
      for (const unitId of ALL_UNITS) {
        const report = reportOf(all, unitId);
        expect(report.unit).toEqual({ id: unitId, name: unitName(unitId) });
        if (childrenOf(unitId).length === 0) {
          expect(report.level).toBe('checkpoints');
          expect(report.rows).toEqual([]);
          const refs = report.checkpoints.map((c) => refOf.get(c.checkpointId)).sort();
          const w = report.period.start === period.start ? THIS_WEEK : WEEK_BEFORE;
          expect(refs).toEqual(
            existingIn([unitId], w)
              .map((s) => s.ref)
              .sort(),
          );
        } else {
          expect(report.level).toBe('units');
          expect(report.checkpoints).toEqual([]);
        }
      }
    }
    // The communes and the sector list their checkpoints; the one registered today is in neither week.
    expect(
      reportOf(reports, 'tt-dam-ha')
        .checkpoints.map((c) => refOf.get(c.checkpointId))
        .sort(),
    ).toEqual(['dh-hotel', 'dh-market']);
  });

  it('total each report as the sum of its rows, and each unit’s totals as its row in its parent’s report', () => {
    for (const all of [previousReports, reports]) {
      for (const unitId of ALL_UNITS) {
        const report = reportOf(all, unitId);
        const { totals, previousTotals } = report;
        if (report.level === 'units') {
          expect(withoutRatio(totals)).toEqual(sumOf(report.rows));
          expect(withoutRatio(previousTotals)).toEqual(sumOf(report.rows.map((r) => r.previous)));
          for (const row of report.rows)
            expect(row.change.checkins).toBe(row.checkins - row.previous.checkins);
        } else {
          const cps = report.checkpoints;
          expect(withoutRatio(totals)).toEqual({
            checkpointsTotal: cps.length,
            checkpointsNew: cps.filter((c) => c.isNew).length,
            checkins: cps.reduce((n, c) => n + c.checkins, 0),
            activeCheckpoints: cps.filter((c) => c.checkins > 0).length,
            namingViolations: cps.filter((c) => !c.followsNamingRule).length,
          });
          expect(previousTotals.checkins).toBe(cps.reduce((n, c) => n + c.previousCheckins, 0));
        }
        expect(totals.activeRatio).toBe(ratio(totals.activeCheckpoints, totals.checkpointsTotal));
        const parentId = UNITS.find((u) => u.id === unitId)?.parentId;
        if (parentId) {
          const row = reportOf(all, parentId).rows.find((r) => r.unitId === unitId);
          expect(row, `${unitId}'s row in ${parentId}'s report`).toBeDefined();
          expect(figuresOf(row!)).toEqual(figuresOf(totals));
          expect(figuresOf(row!.previous)).toEqual(figuresOf(previousTotals));
        }
      }
    }
    // A district's own checkpoint gets its row, so the district's totals are its communes plus that row.
    const haiHa = reportOf(reports, 'hai-ha');
    const own = haiHa.rows.find((r) => r.unitId === 'hai-ha')!;
    expect(own.unitName).toBe('Huyện Hải Hà (trực thuộc)');
    expect(withoutRatio(haiHa.totals)).toEqual(
      sumOf([...['quang-ha', 'quang-duc', 'cai-chien'].map((id) => reportOf(reports, id).totals), own]),
    );
    expect(
      reportOf(reports, PROVINCE)
        .rows.map((r) => r.unitId)
        .sort(),
    ).toEqual(['dam-ha', 'hai-ha', 'so-y-te']);
  });

  it('list as idle exactly the checkpoints nobody scanned in the period, with the last day they were used', () => {
    const province = reportOf(reports, PROVINCE);
    expect(idleRefs(province)).toEqual(
      [
        'qh-school',
        'qd-never',
        'qd-early',
        'cc-shop',
        'cc-new-idle',
        'dh-hotel',
        'qt-restaurant',
        'syt-clinic',
      ].sort(),
    );
    const last = Object.fromEntries(province.idle.map((c) => [refOf.get(c.checkpointId), c.lastActiveDay]));
    expect(last).toEqual({
      'qh-school': dayOf(at(-2)),
      'qd-never': null,
      'qd-early': dayOf(at(-16)),
      'cc-shop': dayOf(at(-3)),
      'cc-new-idle': null,
      'dh-hotel': null,
      'qt-restaurant': dayOf(at(-1)),
      'syt-clinic': null,
    });
    expect(province.idle.find((c) => refOf.get(c.checkpointId) === 'qd-never')!.unitName).toBe(
      'Xã Quảng Đức, Huyện Hải Hà',
    );
    // Each unit lists those below it, and only those.
    expect(idleRefs(reportOf(reports, 'dam-ha'))).toEqual(['dh-hotel', 'qt-restaurant']);
    expect(idleRefs(reportOf(reports, 'quang-ha'))).toEqual(['qh-school']);
    expect(idleRefs(reportOf(reports, 'so-y-te'))).toEqual(['syt-clinic']);
  });

  it('list exactly the checkpoints registered in the period and those named against the rule', () => {
    const province = reportOf(reports, PROVINCE);
    const refs = (list: { checkpointId: string }[]) => list.map((c) => refOf.get(c.checkpointId)).sort();
    expect(refs(province.newCheckpoints)).toEqual(['cc-new-idle', 'qh-shop-new', 'syt-clinic']);
    expect(refs(province.misnamed)).toEqual(['dh-hotel', 'qh-gate', 'syt-clinic']);
    expect(refs(reportOf(previousReports, PROVINCE).newCheckpoints)).toEqual(['cc-shop', 'qt-bus']);
    expect(refs(reportOf(previousReports, PROVINCE).misnamed)).toEqual(['dh-hotel', 'qh-gate']);
    const clinic = province.misnamed.find((c) => refOf.get(c.checkpointId) === 'syt-clinic')!;
    expect([clinic.name, clinic.canonicalName]).toEqual([
      'Phòng khám BC',
      'Cơ sở y tế - Phòng khám Bãi Cháy - Bãi Cháy',
    ]);
  });

  it('put beside each figure the figures of the week before’s own report', () => {
    for (const unitId of ALL_UNITS) {
      const now = reportOf(reports, unitId);
      const then = reportOf(previousReports, unitId);
      expect(now.previousPeriod).toEqual(then.period);
      expect(figuresOf(now.previousTotals)).toEqual(figuresOf(then.totals));
      for (const row of now.rows) {
        const earlier = then.rows.find((r) => r.unitId === row.unitId);
        expect(figuresOf(row.previous), `${unitId}: ${row.unitId}`).toEqual(
          earlier ? figuresOf(earlier) : figures([], WEEK_BEFORE),
        );
      }
      for (const cp of now.checkpoints) {
        const earlier = then.checkpoints.find((c) => c.checkpointId === cp.checkpointId);
        expect(cp.previousCheckins).toBe(earlier?.checkins ?? 0);
      }
    }
    // Not trivially zero: the week before had check-ins, and fewer checkpoints than now.
    const province = reportOf(reports, PROVINCE);
    expect(province.previousTotals.checkins).toBeGreaterThan(0);
    expect(province.previousTotals.checkpointsTotal).toBeLessThan(province.totals.checkpointsTotal);
  });

  it('write the province’s XLSX with the title, the period, the six columns, the chart and the idle sheet', async () => {
    const report = reportOf(reports, PROVINCE);
    const xlsx = await download(await link(PROVINCE, period.start, 'xlsx'));
    const png = await download(await link(PROVINCE, period.start, 'png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx as any);
    const names = workbook.worksheets.map((s) => s.name);
    expect(names[0]).toBe('Báo cáo');
    expect(names).toContain('Không hoạt động');
    const sheet = workbook.getWorksheet('Báo cáo')!;
    const text = (row: number, col = 1) => sheet.getRow(row).getCell(col).value;
    expect(text(1)).toBe('DANH SÁCH');
    expect(text(2)).toBe(`Số lượng điểm kiểm soát dịch bằng mã QR tại ${provinceName}`);
    expect(text(3)).toBe(`tính từ ngày ${vnDate(period.start)} - ${vnDate(period.end)}`);
    const headers = [2, 3, 4, 5, 6, 7].map((c) => text(5, c));
    expect(headers).toEqual([
      'Đơn vị',
      'Số điểm kiểm soát đã tạo',
      'Số điểm kiểm soát tạo mới trong 7 ngày',
      'Số lượt vào/ra tại các điểm kiểm soát trong 7 ngày',
      'Số điểm kiểm soát hoạt động trong 7 ngày',
      'Tỷ lệ hoạt động (%)',
    ]);
    // The rows as in the JSON, then Cộng with the totals.
    report.rows.forEach((row, i) => {
      expect([3, 4, 5, 6].map((c) => text(7 + i, c))).toEqual([
        row.checkpointsTotal,
        row.checkpointsNew,
        row.checkins,
        row.activeCheckpoints,
      ]);
      expect(text(7 + i, 2)).toBe(row.unitName);
    });
    const totalsRow = 7 + report.rows.length;
    expect([2, 3, 4, 5, 6].map((c) => text(totalsRow, c))).toEqual([
      'Cộng',
      report.totals.checkpointsTotal,
      report.totals.checkpointsNew,
      report.totals.checkins,
      report.totals.activeCheckpoints,
    ]);
    expect(text(totalsRow, 7)).toBeCloseTo(report.totals.activeRatio! / 100, 6);

    const images = sheet.getImages();
    expect(images).toHaveLength(1);
    const media = workbook.getImage(Number(images[0]!.imageId)) as unknown as {
      buffer: Buffer;
      extension: string;
    };
    expect(media.extension).toBe('png');
    expect(Buffer.compare(Buffer.from(media.buffer), png)).toBe(0);

    const idle = workbook.getWorksheet('Không hoạt động')!;
    const idleRows: { code: unknown; last: unknown }[] = [];
    idle.eachRow((row, n) => {
      if (n > 4) idleRows.push({ code: row.getCell(4).value, last: row.getCell(7).value });
    });
    expect(idleRows.map((r) => r.code)).toEqual(report.idle.map((c) => c.code));
    expect(idleRows.map((r) => r.code).sort()).toEqual(
      expected(PROVINCE, THIS_WEEK)
        .idle.map((c) => c.code)
        .sort(),
    );
    expect(
      idleRows.map((r) => (r.last instanceof Date ? r.last.toISOString().slice(0, 10) : r.last)),
    ).toEqual(report.idle.map((c) => c.lastActiveDay ?? 'Chưa có lượt nào'));
  });
});

describe('a rerun after late offline check-ins', () => {
  it('changes the counts by exactly those check-ins and replaces the files', async () => {
    const before = reports;
    const beforeUrls = new Map<string, string>();
    for (const unitId of ALL_UNITS) {
      for (const format of ['json', 'xlsx', 'csv']) {
        beforeUrls.set(`${unitId}.${format}`, new URL(await link(unitId, period.start, format)).pathname);
      }
    }

    const late = LATE.flatMap(([ref, day, count]) => scan(ref, day, count, 'batch', 20));
    expect(late).toHaveLength(LATE_COUNT);
    // The same upload with an item the phone had sent already: stored and counted once.
    const replayed = scans.find((s) => s.ref === 'qh-market' && s.via === 'batch' && s.at < THIS_WEEK.to)!;
    const res = await api.call('POST', '/v1/checkins/batch', {
      body: {
        checkins: [...late, replayed].map(body),
      },
    });
    expect(res.json.results.map((r: { status: string }) => r.status)).toEqual([
      ...late.map(() => 'created'),
      'duplicate',
    ]);

    await runWeekly(period.start);
    const after = await fetchReports(period.start);
    for (const unitId of ALL_UNITS) {
      expect(actual(reportOf(after, unitId)), unitId).toEqual(expected(unitId, THIS_WEEK));
      // The week before is the same week before.
      expect(reportOf(after, unitId).previousTotals).toEqual(reportOf(before, unitId).previousTotals);
    }

    const delta = (unitId: string, rowId?: string) => {
      const pick = (all: Reports) => {
        const r = reportOf(all, unitId);
        return rowId ? r.rows.find((x) => x.unitId === rowId)! : r.totals;
      };
      const [a, b] = [pick(before), pick(after)];
      return [
        b.checkins - a.checkins,
        b.activeCheckpoints - a.activeCheckpoints,
        b.checkpointsTotal - a.checkpointsTotal,
      ];
    };
    expect(delta(PROVINCE)).toEqual([LATE_COUNT, 1, 0]); // the idle restaurant became active
    expect(delta(PROVINCE, 'hai-ha')).toEqual([3, 0, 0]);
    expect(delta(PROVINCE, 'dam-ha')).toEqual([2, 1, 0]);
    expect(delta(PROVINCE, 'so-y-te')).toEqual([0, 0, 0]);
    expect(delta('hai-ha', 'quang-ha')).toEqual([3, 0, 0]);
    expect(delta('hai-ha', 'hai-ha')).toEqual([0, 0, 0]);
    expect(delta('dam-ha', 'quang-tan')).toEqual([2, 1, 0]);
    expect(delta('dam-ha', 'tt-dam-ha')).toEqual([0, 0, 0]);
    const restaurant = reportOf(after, 'quang-tan').checkpoints.find(
      (c) => refOf.get(c.checkpointId) === 'qt-restaurant',
    )!;
    expect(restaurant.checkins).toBe(2);
    expect(idleRefs(reportOf(after, PROVINCE))).toEqual(
      idleRefs(reportOf(before, PROVINCE)).filter((r) => r !== 'qt-restaurant'),
    );

    // Replaced, not added: the same keys, a newer file, and the period listed once.
    for (const unitId of ALL_UNITS) {
      expect(reportOf(after, unitId).generatedAt > reportOf(before, unitId).generatedAt).toBe(true);
      for (const format of ['json', 'xlsx', 'csv']) {
        expect(new URL(await link(unitId, period.start, format)).pathname).toBe(
          beforeUrls.get(`${unitId}.${format}`),
        );
      }
      const list = await api.call('GET', `/v1/units/${unitId}/reports`, { token: admin });
      expect(list.json.items).toEqual([period, previousWeek]);
    }
    const xlsx = new ExcelJS.Workbook();
    await xlsx.xlsx.load((await download(await link(PROVINCE, period.start, 'xlsx'))) as any);
    const main = xlsx.getWorksheet('Báo cáo')!;
    const totalsRow = 7 + reportOf(after, PROVINCE).rows.length;
    expect(main.getRow(totalsRow).getCell(5).value).toBe(
      reportOf(before, PROVINCE).totals.checkins + LATE_COUNT,
    );
  }, 120_000);
});
