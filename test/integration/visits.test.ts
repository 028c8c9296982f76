import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoCheckins } from '../../src/adapters/dynamo-checkins.ts';
import { type KmsPhoneReader, makePhoneReader } from '../../src/adapters/phone-vault.ts';
import { TIME_ZONE } from '../../src/core/time.ts';
import { contactsOf, visitsAtCheckpoint, visitsOfPhone } from '../../src/core/tracing.ts';
import type { Visit } from '../../src/core/visits.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * Visits and contacts read back from DynamoDB Local through the phone's partition of the table and the by-checkpoint-day index,
 * from check-ins posted through the API, a phone found by its keyed hash and its sealed number opened by the reader
 * (against the local KMS and Secrets Manager stand-in). The server takes only check-ins inside the retention window and not in
 * the future, so every time is pinned to one local day D, three days before the run: D 08:00, D+1 06:00…
 */
const D = DateTime.now().setZone(TIME_ZONE).startOf('day').minus({ days: 3 });
const at = (day: number, hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return D.plus({ days: day, hours: h!, minutes: m! });
};
const iso = (day: number, hhmm: string) => at(day, hhmm).toJSDate().toISOString();
const date = (day: number, hhmm: string) => at(day, hhmm).toJSDate();
/** A visit's times as "day+hh:mm" relative to D, so expectations read like the scenario. */
const rel = (instant: string) => {
  const t = DateTime.fromISO(instant, { zone: TIME_ZONE });
  return `${Math.round(t.startOf('day').diff(D, 'days').days)}+${t.toFormat('HH:mm')}`;
};

const ALICE = '+84912345678';
const BOB = '+84987654321';
const CAROL = '+84977123456';
const DAVE = '+84903123456';

let stack: LocalStack;
let api: Client;
let deps: { checkins: DynamoCheckins; phones: KmsPhoneReader };
/** Who each keyed hash stands for: filled from the reader's hashes, so expectations read as numbers. */
const numbers = new Map<string, string>();
const who = (phoneHash: string) => numbers.get(phoneHash) ?? phoneHash;
const cp: Record<'market' | 'factory' | 'gate', { id: string; code: string }> = {} as never;

async function post(code: string, phone: string, direction: 'in' | 'out', when: string, companions?: number) {
  const res = await api.call('POST', '/v1/checkins', {
    body: { code, phone, direction, at: when, ...(companions !== undefined ? { companions } : {}) },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
}

const shape = (v: Visit) => [who(v.phoneHash), rel(v.start), rel(v.end), v.opened, v.closed, v.companions];

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  const admin = await api.as('admin', 'quang-ninh');
  const unit = await api.call('POST', '/v1/units', {
    token: admin,
    body: { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'quang-ninh', kind: 'commune' },
  });
  expect(unit.status).toBe(201);
  // Registered (by import, which keeps a registration date) before the days the check-ins are stamped with.
  const registered = D.minus({ days: 7 }).toISODate();
  const imported = await api.call('POST', '/v1/units/quang-ha/checkpoints/import', {
    token: admin,
    body: {
      checkpoints: ['market', 'factory', 'gate'].map((name) => ({
        kind: name === 'gate' ? 'school' : name,
        placeName: `${name} Quảng Hà`,
        address: 'Khu 3',
        ref: name,
        createdAt: registered,
      })),
    },
  });
  expect(imported.json.created).toHaveLength(3);
  for (const [i, name] of (['market', 'factory', 'gate'] as const).entries()) {
    const row = imported.json.created.find((c: { row: number }) => c.row === i + 1);
    cp[name] = { id: row.id, code: row.code };
  }

  const db = makeDynamoClient(stack.config);
  const tables = { checkins: stack.config.checkinsTable, activity: stack.config.activityTable };
  deps = {
    checkins: new DynamoCheckins(db, tables, { emit: () => {} }),
    phones: makePhoneReader(stack.phones),
  };
  for (const phone of [ALICE, BOB, CAROL, DAVE]) numbers.set(await deps.phones.hash(phone), phone);

  const { market, factory, gate } = cp;
  await post(market.code, '0912 345 678', 'in', iso(0, '08:00'), 2);
  await post(market.code, '0912345678', 'out', iso(0, '10:00'));
  await post(market.code, '0987 654 321', 'in', iso(0, '09:30'));
  await post(market.code, '0977123456', 'out', iso(0, '09:00'));
  await post(factory.code, '0912345678', 'in', iso(0, '22:00'));
  await post(factory.code, '0912345678', 'out', iso(1, '06:00'));
  await post(factory.code, '0903 123 456', 'in', iso(1, '05:00'));
  await post(factory.code, '0903123456', 'out', iso(1, '07:00'));
  // A busy gate: 30 phones in at 07:00–07:29 on D+1, in one batch, read back below across many pages.
  const batch = await api.call('POST', '/v1/checkins/batch', {
    body: {
      checkins: Array.from({ length: 30 }, (_, i) => ({
        code: gate.code,
        phone: `09120000${String(i).padStart(2, '0')}`,
        direction: 'in',
        at: iso(1, `07:${String(i).padStart(2, '0')}`),
      })),
    },
  });
  expect(batch.json.results.map((r: { status: string }) => r.status)).toEqual(Array(30).fill('created'));
});

afterAll(async () => {
  await stack?.stop();
});

describe('visits read back from DynamoDB', () => {
  it("finds a phone's visits, whole, from the number as typed, with the night shift split at midnight", async () => {
    const visits = await visitsOfPhone(deps, '0912 345 678', date(0, '09:00'), date(1, '05:30'));
    expect(visits.map((v) => [v.checkpointId, ...shape(v)])).toEqual([
      [cp.market.id, ALICE, '0+08:00', '0+10:00', 'in', 'out', 2],
      [cp.factory.id, ALICE, '0+22:00', '1+00:00', 'in', 'midnight', 0],
      [cp.factory.id, ALICE, '1+00:00', '1+06:00', 'inferred', 'out', 0],
    ]);
    // The sealed number each visit carries opens to the number, for the functions that hold a reader.
    expect(await Promise.all(visits.map((v) => deps.phones.open(v.sealedPhone)))).toEqual([
      ALICE,
      ALICE,
      ALICE,
    ]);
  });

  it("finds every phone's visits at a checkpoint in a window, an unscanned entry starting at midnight", async () => {
    const visits = await visitsAtCheckpoint(deps, cp.market.id, date(0, '00:00'), date(1, '00:00'));
    expect(visits.map(shape)).toEqual([
      [CAROL, '0+00:00', '0+09:00', 'inferred', 'out', 0],
      [ALICE, '0+08:00', '0+10:00', 'in', 'out', 2],
      [BOB, '0+09:30', '1+00:00', 'in', 'midnight', 0],
    ]);
  });

  it('finds the phones that were with a person, with the minutes they overlapped', async () => {
    const contacts = await contactsOf(deps, '0912345678', date(0, '00:00'), date(2, '00:00'));
    expect(
      contacts.map((c) => [who(c.phoneHash), c.checkpointId, rel(c.start), rel(c.end), c.minutes]),
    ).toEqual([
      [CAROL, cp.market.id, '0+08:00', '0+09:00', 60],
      [BOB, cp.market.id, '0+09:30', '0+10:00', 30],
      [DAVE, cp.factory.id, '1+05:00', '1+06:00', 60],
    ]);
  });
});

describe('the check-in store’s tracing queries against DynamoDB', () => {
  it('reads every page of a busy checkpoint-day', async () => {
    const db = makeDynamoClient(stack.config);
    const tables = { checkins: stack.config.checkinsTable, activity: stack.config.activityTable };
    const smallPages = new DynamoCheckins(db, tables, { emit: () => {} }, undefined, 7);
    const found = await smallPages.checkinsAtCheckpoint(cp.gate.id, date(1, '00:00'), date(2, '00:00'));
    expect(found).toHaveLength(30);
    expect(found.map((c) => c.at)).toEqual(
      Array.from({ length: 30 }, (_, i) => iso(1, `07:${String(i).padStart(2, '0')}`)),
    );
    expect(new Set(found.map((c) => c.phoneHash)).size).toBe(30);
  });

  it('takes a check-in scanned exactly at the start and leaves out one scanned exactly at the end', async () => {
    const found = await deps.checkins.checkinsAtCheckpoint(cp.gate.id, date(1, '07:05'), date(1, '07:10'));
    expect(found.map((c) => c.at)).toEqual(['05', '06', '07', '08', '09'].map((m) => iso(1, `07:${m}`)));
  });

  it("reads one phone's check-ins across local days, oldest first, with their companions", async () => {
    const found = await deps.checkins.checkinsOfPhone(
      await deps.phones.hash(ALICE),
      date(0, '00:00'),
      date(2, '00:00'),
    );
    expect(found.map((c) => [c.checkpointId, c.direction, rel(c.at), c.companions])).toEqual([
      [cp.market.id, 'in', '0+08:00', 2],
      [cp.market.id, 'out', '0+10:00', undefined],
      [cp.factory.id, 'in', '0+22:00', undefined],
      [cp.factory.id, 'out', '1+06:00', undefined],
    ]);
  });

  it('reads a checkpoint across the local days a window spans, and nothing of other checkpoints', async () => {
    const found = await deps.checkins.checkinsAtCheckpoint(cp.factory.id, date(0, '21:00'), date(1, '06:30'));
    expect(found.map((c) => [who(c.phoneHash), c.direction, rel(c.at)])).toEqual([
      [ALICE, 'in', '0+22:00'],
      [DAVE, 'in', '1+05:00'],
      [ALICE, 'out', '1+06:00'],
    ]);
  });
});
