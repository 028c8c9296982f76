import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoCheckins } from '../../src/adapters/dynamo-checkins.ts';
import { AppError } from '../../src/core/errors.ts';
import type { Checkin, Direction } from '../../src/core/model.ts';
import { TIME_ZONE } from '../../src/core/time.ts';
import { contactsOf, visitsAtCheckpoint, visitsOfPhone } from '../../src/core/tracing.ts';
import { contactsOf as contactsBetween, overlaps, type Visit, visitsOf } from '../../src/core/visits.ts';
import { hashOf, MemoryCheckins, MemoryPhones, RecordedEvents, sealedOf } from './fakes.ts';

/** A local (Asia/Ho_Chi_Minh) wall-clock time as the UTC ISO a check-in carries: '2022-01-06 09:00'. */
const t = (local: string) => DateTime.fromSQL(local, { zone: TIME_ZONE }).toJSDate().toISOString();
const d = (local: string) => new Date(t(local));

const ALICE = '+84912345678';
const BOB = '+84987654321';
const CAROL = '+84977123456';
/** Who a keyed hash stands for, so expectations read as names. */
const who = (hash: string) => [ALICE, BOB, CAROL].find((phone) => hashOf(phone) === hash) ?? hash;
const MARKET = 'cp-market';
const SCHOOL = 'cp-school';

let sequence = 0;
function scan(
  direction: Direction,
  local: string,
  options: { phone?: string; checkpointId?: string; companions?: number } = {},
): Checkin {
  const at = t(local);
  return {
    id: `c${String(++sequence).padStart(4, '0')}`,
    checkpointId: options.checkpointId ?? MARKET,
    unitId: 'quang-ha',
    phoneHash: hashOf(options.phone ?? ALICE),
    sealedPhone: sealedOf(options.phone ?? ALICE),
    direction,
    method: 'app',
    ...(options.companions !== undefined ? { companions: options.companions } : {}),
    at,
    day: DateTime.fromISO(at, { zone: TIME_ZONE }).toISODate()!,
    receivedAt: at,
    expiresAt: 0,
  };
}

/** What a visit says, in local wall-clock times, for readable expectations. */
const local = (iso: string) => DateTime.fromISO(iso, { zone: TIME_ZONE }).toFormat('yyyy-MM-dd HH:mm:ss');
const shape = (v: Visit) => ({
  phone: who(v.phoneHash),
  checkpointId: v.checkpointId,
  start: local(v.start),
  end: local(v.end),
  opened: v.opened,
  closed: v.closed,
  companions: v.companions,
});

describe('visits from check-ins', () => {
  it('pairs an in with the next out of the same phone at the same checkpoint', () => {
    const first = scan('in', '2022-01-06 09:00');
    const visits = visitsOf([first, scan('out', '2022-01-06 10:30')]);
    expect(visits).toEqual([
      {
        phoneHash: hashOf(ALICE),
        sealedPhone: first.sealedPhone,
        checkpointId: MARKET,
        unitId: 'quang-ha',
        day: '2022-01-06',
        start: t('2022-01-06 09:00'),
        end: t('2022-01-06 10:30'),
        opened: 'in',
        closed: 'out',
        companions: 0,
      },
    ]);
  });

  it('closes an in with no later out that local day at the next local midnight', () => {
    const [visit] = visitsOf([scan('in', '2022-01-06 20:15')]);
    expect(visit).toMatchObject({ end: '2022-01-06T17:00:00.000Z', closed: 'midnight', opened: 'in' });
  });

  it('opens an out with no open visit and no earlier scan that day at local midnight', () => {
    const [visit] = visitsOf([scan('out', '2022-01-06 11:00')]);
    expect(visit).toMatchObject({ start: '2022-01-05T17:00:00.000Z', opened: 'inferred', closed: 'out' });
  });

  it("opens an out with no open visit at that phone's previous scan there that day", () => {
    const visits = visitsOf([
      scan('in', '2022-01-06 08:00'),
      scan('out', '2022-01-06 09:00'),
      scan('out', '2022-01-06 12:00'),
    ]);
    expect(visits.map(shape)).toEqual([
      expect.objectContaining({ start: '2022-01-06 08:00:00', end: '2022-01-06 09:00:00', opened: 'in' }),
      expect.objectContaining({
        start: '2022-01-06 09:00:00',
        end: '2022-01-06 12:00:00',
        opened: 'inferred',
      }),
    ]);
  });

  it("ignores other phones' and other checkpoints' scans when inferring a start", () => {
    const visit = visitsOf([
      scan('out', '2022-01-06 09:00', { phone: BOB }),
      scan('out', '2022-01-06 09:30', { checkpointId: SCHOOL }),
      scan('out', '2022-01-06 12:00'),
    ]).find((v) => who(v.phoneHash) === ALICE && v.checkpointId === MARKET);
    expect(visit).toMatchObject({ checkpointId: MARKET, start: t('2022-01-06 00:00'), opened: 'inferred' });
  });

  it('keeps the earlier start when a second in comes while a visit is open: one visit', () => {
    const visits = visitsOf([
      scan('in', '2022-01-06 08:00'),
      scan('in', '2022-01-06 08:40'),
      scan('out', '2022-01-06 11:00'),
    ]);
    expect(visits.map(shape)).toEqual([
      expect.objectContaining({ start: '2022-01-06 08:00:00', end: '2022-01-06 11:00:00', opened: 'in' }),
    ]);
  });

  it('splits a night shift at local midnight: [22:00, 24:00) and [00:00, 06:00)', () => {
    const visits = visitsOf([scan('out', '2022-01-07 06:00'), scan('in', '2022-01-06 22:00')]);
    expect(visits.map(shape)).toEqual([
      expect.objectContaining({
        start: '2022-01-06 22:00:00',
        end: '2022-01-07 00:00:00',
        opened: 'in',
        closed: 'midnight',
      }),
      expect.objectContaining({
        start: '2022-01-07 00:00:00',
        end: '2022-01-07 06:00:00',
        opened: 'inferred',
        closed: 'out',
      }),
    ]);
    expect(visits.map((v) => v.day)).toEqual(['2022-01-06', '2022-01-07']);
  });

  it('groups by the local day, not the UTC date (06:30 local is 23:30 UTC the day before)', () => {
    const visits = visitsOf([scan('in', '2022-01-07 06:30'), scan('out', '2022-01-07 08:00')]);
    expect(visits.map(shape)).toEqual([
      expect.objectContaining({ start: '2022-01-07 06:30:00', end: '2022-01-07 08:00:00', closed: 'out' }),
    ]);
  });

  it('carries the companions of its opening scan', () => {
    const [visit] = visitsOf([
      scan('in', '2022-01-06 09:00', { companions: 2 }),
      scan('out', '2022-01-06 10:00'),
    ]);
    expect(visit!.companions).toBe(2);
  });

  it('carries the larger companions when both the in and the out carry some', () => {
    const [visit] = visitsOf([
      scan('in', '2022-01-06 09:00', { companions: 1 }),
      scan('out', '2022-01-06 10:00', { companions: 3 }),
    ]);
    expect(visit!.companions).toBe(3);
  });

  it("carries an inferred visit's out companions, and a repeated in's when larger", () => {
    const visits = visitsOf([
      scan('out', '2022-01-06 07:00', { companions: 4 }),
      scan('in', '2022-01-06 09:00'),
      scan('in', '2022-01-06 09:05', { companions: 2 }),
    ]);
    expect(visits.map((v) => v.companions)).toEqual([4, 2]);
  });

  it('takes unsorted scans of several phones and checkpoints and answers visits sorted by start', () => {
    const visits = visitsOf([
      scan('out', '2022-01-06 12:00', { phone: BOB, checkpointId: SCHOOL }),
      scan('out', '2022-01-06 10:00'),
      scan('in', '2022-01-06 11:00', { phone: BOB, checkpointId: SCHOOL }),
      scan('in', '2022-01-06 08:00', { phone: BOB }),
      scan('in', '2022-01-06 09:00'),
      scan('out', '2022-01-06 09:30', { phone: BOB }),
    ]);
    expect(visits.map((v) => [who(v.phoneHash), v.checkpointId, local(v.start), local(v.end)])).toEqual([
      [BOB, MARKET, '2022-01-06 08:00:00', '2022-01-06 09:30:00'],
      [ALICE, MARKET, '2022-01-06 09:00:00', '2022-01-06 10:00:00'],
      [BOB, SCHOOL, '2022-01-06 11:00:00', '2022-01-06 12:00:00'],
    ]);
  });

  it('makes an in and an out scanned at the same instant a visit of no length, not a whole day', () => {
    const visits = visitsOf([scan('out', '2022-01-06 09:00'), scan('in', '2022-01-06 09:00')]);
    expect(visits.map(shape)).toEqual([
      expect.objectContaining({ start: '2022-01-06 09:00:00', end: '2022-01-06 09:00:00', opened: 'in' }),
    ]);
  });

  it('closes the open visit before opening the next when an out and an in share an instant', () => {
    const visits = visitsOf([
      scan('in', '2022-01-06 08:00'),
      scan('in', '2022-01-06 10:00'),
      scan('out', '2022-01-06 10:00'),
      scan('out', '2022-01-06 11:00'),
    ]);
    expect(visits.map(shape)).toEqual([
      expect.objectContaining({ start: '2022-01-06 08:00:00', end: '2022-01-06 10:00:00', opened: 'in' }),
      expect.objectContaining({ start: '2022-01-06 10:00:00', end: '2022-01-06 11:00:00', opened: 'in' }),
    ]);
  });

  it('adds no visit for an out repeated at the same instant', () => {
    const visits = visitsOf([
      scan('in', '2022-01-06 08:00'),
      scan('out', '2022-01-06 09:00'),
      scan('out', '2022-01-06 09:00'),
    ]);
    expect(visits).toHaveLength(1);
  });

  it('answers no visits for no check-ins', () => {
    expect(visitsOf([])).toEqual([]);
  });
});

describe('whether a visit touches a window', () => {
  const visit = { start: t('2022-01-06 09:00'), end: t('2022-01-06 10:00') };

  it('touches a window it overlaps in part', () => {
    expect(overlaps(visit, d('2022-01-06 09:30'), d('2022-01-06 11:00'))).toBe(true);
    expect(overlaps(visit, d('2022-01-06 08:00'), d('2022-01-06 09:01'))).toBe(true);
  });

  it('does not touch a window that starts as it ends, or ends as it starts (half-open)', () => {
    expect(overlaps(visit, d('2022-01-06 10:00'), d('2022-01-06 11:00'))).toBe(false);
    expect(overlaps(visit, d('2022-01-06 08:00'), d('2022-01-06 09:00'))).toBe(false);
  });

  it('counts a visit of no length as the instant it happened', () => {
    const instant = { start: t('2022-01-06 09:00'), end: t('2022-01-06 09:00') };
    expect(overlaps(instant, d('2022-01-06 09:00'), d('2022-01-06 10:00'))).toBe(true);
    expect(overlaps(instant, d('2022-01-06 08:00'), d('2022-01-06 09:00'))).toBe(false);
  });
});

describe('contacts between visits', () => {
  const visit = (phone: string, start: string, end: string, extra: Partial<Visit> = {}): Visit => ({
    phoneHash: hashOf(phone),
    sealedPhone: sealedOf(phone),
    checkpointId: MARKET,
    unitId: 'quang-ha',
    day: start.slice(0, 10),
    start: t(start),
    end: t(end),
    opened: 'in',
    closed: 'out',
    companions: 0,
    ...extra,
  });
  const alice = visit(ALICE, '2022-01-06 09:00', '2022-01-06 11:00');

  it('finds the other phones whose visits overlap at the same checkpoint, with the overlap in minutes', () => {
    const bob = visit(BOB, '2022-01-06 10:15', '2022-01-06 12:00', { companions: 2 });
    const contacts = contactsBetween([alice], [alice, bob]);
    expect(contacts).toEqual([
      {
        phoneHash: hashOf(BOB),
        sealedPhone: bob.sealedPhone,
        checkpointId: MARKET,
        unitId: 'quang-ha',
        start: t('2022-01-06 10:15'),
        end: t('2022-01-06 11:00'),
        minutes: 45,
        companions: 2,
      },
    ]);
  });

  it('ignores visits at other checkpoints and visits that only meet end to start', () => {
    const contacts = contactsBetween(
      [alice],
      [
        visit(BOB, '2022-01-06 09:30', '2022-01-06 10:00', { checkpointId: SCHOOL }),
        visit(CAROL, '2022-01-06 11:00', '2022-01-06 12:00'),
      ],
    );
    expect(contacts).toEqual([]);
  });

  it('rounds a part of a minute up: 20 seconds together is 1 minute', () => {
    const [contact] = contactsBetween([alice], [visit(BOB, '2022-01-06 10:59:40', '2022-01-06 12:00:00')]);
    expect(contact!.minutes).toBe(1);
  });

  it('counts a visit of no length inside the person’s visit as a contact of 0 minutes', () => {
    const [contact] = contactsBetween([alice], [visit(BOB, '2022-01-06 10:00', '2022-01-06 10:00')]);
    expect(contact).toMatchObject({ phoneHash: hashOf(BOB), start: t('2022-01-06 10:00'), minutes: 0 });
  });

  it('keeps only the part of each overlap inside the window, and drops overlaps outside it', () => {
    const contacts = contactsBetween(
      [alice],
      [
        visit(BOB, '2022-01-06 08:00', '2022-01-06 12:00'),
        visit(CAROL, '2022-01-06 09:00', '2022-01-06 09:20'),
      ],
      { from: d('2022-01-06 10:00'), to: d('2022-01-06 12:00') },
    );
    expect(contacts.map((c) => [who(c.phoneHash), local(c.start), local(c.end), c.minutes])).toEqual([
      [BOB, '2022-01-06 10:00:00', '2022-01-06 11:00:00', 60],
    ]);
  });

  it('answers one contact per pair of overlapping visits, sorted by start', () => {
    const morning = visit(ALICE, '2022-01-06 07:00', '2022-01-06 08:00');
    const contacts = contactsBetween(
      [alice, morning],
      [
        visit(BOB, '2022-01-06 07:30', '2022-01-06 10:00'),
        visit(CAROL, '2022-01-06 07:45', '2022-01-06 07:50'),
      ],
    );
    expect(contacts.map((c) => [who(c.phoneHash), local(c.start), c.minutes])).toEqual([
      [BOB, '2022-01-06 07:30:00', 30],
      [CAROL, '2022-01-06 07:45:00', 5],
      [BOB, '2022-01-06 09:00:00', 60],
    ]);
  });
});

describe('tracing through the check-in store', () => {
  let store: MemoryCheckins;
  const deps = () => ({ checkins: store, phones: new MemoryPhones() });
  const put = async (...checkins: Checkin[]) => {
    for (const c of checkins) await store.record(c);
  };

  beforeEach(() => {
    store = new MemoryCheckins();
  });

  async function rejection(promise: Promise<unknown>): Promise<AppError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
    return err;
  }

  it("finds a phone's visits from the number as typed, whole, with scans outside the window", async () => {
    await put(
      scan('in', '2022-01-06 08:00'),
      scan('out', '2022-01-06 09:30'),
      scan('in', '2022-01-06 11:00', { checkpointId: SCHOOL }),
      scan('out', '2022-01-06 15:00', { checkpointId: SCHOOL }),
      scan('in', '2022-01-06 16:00', { checkpointId: SCHOOL }),
      scan('in', '2022-01-06 09:00', { phone: BOB }),
    );
    const visits = await visitsOfPhone(deps(), '0912 345 678', d('2022-01-06 09:00'), d('2022-01-06 12:00'));
    expect(visits.map((v) => [v.checkpointId, local(v.start), local(v.end), v.closed])).toEqual([
      [MARKET, '2022-01-06 08:00:00', '2022-01-06 09:30:00', 'out'],
      [SCHOOL, '2022-01-06 11:00:00', '2022-01-06 15:00:00', 'out'],
    ]);
  });

  it('starts a visit at midnight from an out the morning after, and leaves out the evening before', async () => {
    await put(scan('in', '2022-01-06 22:00'), scan('out', '2022-01-07 06:00'));
    const visits = await visitsOfPhone(deps(), ALICE, d('2022-01-07 05:00'), d('2022-01-07 10:00'));
    expect(visits.map(shape)).toEqual([
      expect.objectContaining({
        start: '2022-01-07 00:00:00',
        end: '2022-01-07 06:00:00',
        opened: 'inferred',
      }),
    ]);
  });

  it("finds every phone's visits at a checkpoint that touch the window", async () => {
    await put(
      scan('in', '2022-01-06 07:00', { phone: CAROL }),
      scan('out', '2022-01-06 07:30', { phone: CAROL }),
      scan('in', '2022-01-06 09:00'),
      scan('in', '2022-01-06 09:10', { phone: BOB }),
      scan('out', '2022-01-06 10:00', { phone: BOB }),
      scan('in', '2022-01-06 09:00', { phone: CAROL, checkpointId: SCHOOL }),
    );
    const visits = await visitsAtCheckpoint(deps(), MARKET, d('2022-01-06 08:00'), d('2022-01-06 12:00'));
    expect(visits.map((v) => [who(v.phoneHash), local(v.start), local(v.end), v.closed])).toEqual([
      [ALICE, '2022-01-06 09:00:00', '2022-01-07 00:00:00', 'midnight'],
      [BOB, '2022-01-06 09:10:00', '2022-01-06 10:00:00', 'out'],
    ]);
  });

  it('finds the phones that were with a person, reading only the checkpoint-days the person visited', async () => {
    await put(
      scan('in', '2022-01-06 09:00'),
      scan('out', '2022-01-06 10:00'),
      scan('in', '2022-01-07 14:00', { checkpointId: SCHOOL }),
      scan('out', '2022-01-07 15:00', { checkpointId: SCHOOL }),
      scan('in', '2022-01-06 09:40', { phone: BOB, companions: 1 }),
      scan('out', '2022-01-07 15:20', { phone: CAROL, checkpointId: SCHOOL }),
      scan('in', '2022-01-06 09:30', { phone: CAROL, checkpointId: SCHOOL }),
    );
    const reads: string[] = [];
    const spying = Object.assign(Object.create(store) as MemoryCheckins, {
      checkinsAtCheckpoint: (cp: string, from: Date, to: Date) => {
        reads.push(`${cp} ${local(from.toISOString())} ${local(to.toISOString())}`);
        return store.checkinsAtCheckpoint(cp, from, to);
      },
    });
    const contacts = await contactsOf(
      { checkins: spying, phones: new MemoryPhones() },
      ALICE,
      d('2022-01-06 00:00'),
      d('2022-01-08 00:00'),
    );
    expect(
      contacts.map((c) => [who(c.phoneHash), c.checkpointId, local(c.start), c.minutes, c.companions]),
    ).toEqual([
      [BOB, MARKET, '2022-01-06 09:40:00', 20, 1],
      [CAROL, SCHOOL, '2022-01-07 14:00:00', 60, 0],
    ]);
    expect(reads.sort()).toEqual([
      `${MARKET} 2022-01-06 00:00:00 2022-01-07 00:00:00`,
      `${SCHOOL} 2022-01-07 00:00:00 2022-01-08 00:00:00`,
    ]);
  });

  it('rejects a number that is not a Vietnamese mobile', async () => {
    const err = await rejection(visitsOfPhone(deps(), '12345', d('2022-01-06 00:00'), d('2022-01-07 00:00')));
    expect(err).toMatchObject({ status: 400, code: 'invalid_phone', details: [{ path: 'phone' }] });
  });

  it('rejects a window that ends before it starts, naming every bad field at once', async () => {
    const err = await rejection(contactsOf(deps(), 'x', d('2022-01-07 00:00'), d('2022-01-06 00:00')));
    expect(err.code).toBe('invalid_request');
    expect(err.details.map((p) => p.path)).toEqual(['phone', 'to']);
  });

  it('rejects a window longer than 31 days and a time that is not one', async () => {
    const long = await rejection(
      visitsAtCheckpoint(deps(), MARKET, d('2022-01-01 00:00'), d('2022-02-01 00:01')),
    );
    expect(long.details).toEqual([{ path: 'to', message: 'The window is longer than 31 days' }]);
    const nan = await rejection(visitsAtCheckpoint(deps(), MARKET, new Date('soon'), d('2022-02-01 00:00')));
    expect(nan.details.map((p) => p.path)).toEqual(['from']);
  });
});

describe('the DynamoDB check-in store’s tracing queries', () => {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-southeast-1' }));
  const ddb = mockClient(db);
  const store = new DynamoCheckins(db, { checkins: 'checkins' }, new RecordedEvents());
  const item = (c: Checkin) => ({
    pk: `phone#${c.phoneHash}`,
    sk: `checkin#${c.id}`,
    gsi1pk: 'x',
    gsi1sk: 'y',
    ...c,
  });

  afterEach(() => ddb.reset());

  it("reads every page of one phone's partition of the table, kept to the window and oldest first", async () => {
    const first = scan('in', '2022-01-06 09:00', { companions: 2 });
    const second = scan('out', '2022-01-06 10:00');
    // The partition is sorted by client id, not time: the second page may hold the earlier scan.
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(second)], LastEvaluatedKey: { pk: 'p' } })
      .resolvesOnce({ Items: [item(first)] });
    const found = await store.checkinsOfPhone(hashOf(ALICE), d('2022-01-06 00:00'), d('2022-01-07 00:00'));
    expect(found).toEqual([first, second]);
    const inputs = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    expect(inputs[0]!.IndexName).toBeUndefined();
    expect(inputs[0]).toMatchObject({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :checkin)',
      FilterExpression: '#at >= :from AND #at < :to',
      ExpressionAttributeValues: {
        ':pk': `phone#${hashOf(ALICE)}`,
        ':checkin': 'checkin#',
        ':from': '2022-01-05T17:00:00.000Z',
        ':to': '2022-01-06T17:00:00.000Z',
      },
    });
    expect(inputs[1]!.ExclusiveStartKey).toEqual({ pk: 'p' });
  });

  it("queries a checkpoint's index partition once per local day the window touches", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await store.checkinsAtCheckpoint(MARKET, d('2022-01-06 22:00'), d('2022-01-08 00:00'));
    const partitions = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(partitions.map((i) => [i.IndexName, i.ExpressionAttributeValues![':pk']])).toEqual([
      ['byCheckpointDay', `cp#${MARKET}#day#2022-01-06`],
      ['byCheckpointDay', `cp#${MARKET}#day#2022-01-07`],
    ]);
  });

  it('passes a failed query on', async () => {
    ddb.on(QueryCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(
      store.checkinsAtCheckpoint(MARKET, d('2022-01-06 00:00'), d('2022-01-07 00:00')),
    ).rejects.toThrow('ProvisionedThroughputExceeded');
  });
});
