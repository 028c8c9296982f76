import { beforeEach, describe, expect, it } from 'vitest';
import {
  type Card,
  type CardCreateResult,
  type CardStore,
  cardValidUntil,
  issueCard,
  phoneOfCard,
} from '../../src/core/cards.ts';
import {
  gateCheckpoint,
  recordAssisted,
  recordAssistedBatch,
  recordCheckin,
} from '../../src/core/checkins.ts';
import { createCheckpoint } from '../../src/core/checkpoints.ts';
import { AppError } from '../../src/core/errors.ts';
import type { CheckpointRef, Principal } from '../../src/core/model.ts';
import { fixedClock } from '../../src/core/time.ts';
import { hashOf, MemoryCheckins, MemoryPhones, MemoryRegistry, RecordedEvents } from './fakes.ts';

const NOW = '2022-01-10T02:00:00.000Z'; // 09:00 local, Monday 10 January 2022
const REGISTERED = '2022-01-03T02:00:00.000Z';
const MANAGER: Principal = { subject: 'guard-7', role: 'unit-manager', unitId: 'qh' };

/**
 * Cards in memory, with the adapter's two conditions: a code has one holder, a phone (its keyed hash) one live
 * card.
 */
class MemoryCards implements CardStore {
  readonly byCode = new Map<string, Card>();
  readonly byPhone = new Map<string, Card>();
  async get(code: string) {
    return this.byCode.get(code);
  }
  async ofPhone(phoneHash: string) {
    return this.byPhone.get(phoneHash);
  }
  async create(card: Card, now: Date): Promise<CardCreateResult> {
    if (this.byCode.has(card.code)) return 'code-taken';
    const held = this.byPhone.get(card.phoneHash);
    if (held && held.expiresAt * 1000 > now.getTime()) return 'phone-has-card';
    this.byCode.set(card.code, card);
    this.byPhone.set(card.phoneHash, card);
    return 'created';
  }
}

let registry: MemoryRegistry;
let checkins: MemoryCheckins;
let cards: MemoryCards;
let phones: MemoryPhones;
let checkpoint: CheckpointRef;
let checkpointId: string;
let deps: Parameters<typeof recordAssisted>[0];

beforeEach(async () => {
  registry = new MemoryRegistry();
  checkins = new MemoryCheckins();
  cards = new MemoryCards();
  phones = new MemoryPhones();
  for (const unit of [
    { id: 'qn', path: ['qn'] },
    { id: 'qh', path: ['qn', 'qh'], parentId: 'qn' },
    { id: 'hh', path: ['qn', 'hh'], parentId: 'qn' },
  ]) {
    await registry.createUnit({ ...unit, name: unit.id, kind: 'commune', createdAt: REGISTERED });
  }
  const cp = await createCheckpoint(
    {
      units: registry,
      checkpoints: registry,
      clock: fixedClock(REGISTERED),
      publicBaseUrl: 'https://x',
      namingRule: '{placeName}',
    },
    { subject: 'a', role: 'admin', unitId: 'qn' },
    'qh',
    { kind: 'factory', placeName: 'Nhà máy may Quảng Hà', address: 'KCN' },
  );
  checkpointId = cp.checkpoint.id;
  deps = {
    checkpoints: registry,
    checkins,
    cards,
    phones,
    clock: fixedClock(NOW),
    events: new RecordedEvents(),
    retentionDays: 28,
  };
  checkpoint = await gateCheckpoint(deps, MANAGER, checkpointId);
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('the gate a staff member may record at', () => {
  it("is refused to a unit-manager of another unit, and to a tracer of the checkpoint's own", async () => {
    const other = await rejection(gateCheckpoint(deps, { ...MANAGER, unitId: 'hh' }, checkpointId));
    expect(other.status).toBe(403);
    const tracer = await rejection(gateCheckpoint(deps, { ...MANAGER, role: 'tracer' }, checkpointId));
    expect(tracer.status).toBe(403);
  });

  it('is open to a manager of a unit above it', async () => {
    const gate = await gateCheckpoint(deps, { ...MANAGER, unitId: 'qn' }, checkpointId);
    expect(gate.id).toBe(checkpointId);
  });
});

describe('an assisted check-in', () => {
  it('is stored for the phone typed, as assisted, with the staff member and the group', async () => {
    const outcome = await recordAssisted(deps, checkpoint, MANAGER, {
      phone: '0912 345 678',
      direction: 'in',
      companions: 2,
    });
    expect(outcome.created).toBe(true);
    expect(outcome.receipt.companions).toBe(2);
    expect(checkins.byId(outcome.receipt.id)).toMatchObject({
      phoneHash: hashOf('+84912345678'),
      method: 'assisted',
      assistedBy: 'guard-7',
      companions: 2,
      at: NOW,
      checkpointId,
    });
  });

  it("is stored for a card's holder when the card is scanned, and refuses an unknown card", async () => {
    const { card } = await issueCard(deps, '+84987654321');
    const sealsBefore = phones.seals;
    const outcome = await recordAssisted(deps, checkpoint, MANAGER, {
      card: card.code.toLowerCase(),
      direction: 'out',
    });
    const stored = checkins.byId(outcome.receipt.id)!;
    expect(stored).toMatchObject({ phoneHash: hashOf('+84987654321'), direction: 'out' });
    // The card's sealed number, copied as it is: nothing sealed at the gate, and it opens to the holder's number.
    expect(stored.sealedPhone).toBe(card.sealedPhone);
    expect(phones.seals).toBe(sealsBefore);
    expect(await phones.open(stored.sealedPhone)).toBe('+84987654321');
    const unknown = await rejection(
      recordAssisted(deps, checkpoint, MANAGER, { card: 'BCDFGHJKMN', direction: 'in' }),
    );
    expect([unknown.status, unknown.code]).toEqual([404, 'unknown_card']);
  });

  it("judges a card as of its scan: a tablet's queue uploaded after the card's last day still counts", async () => {
    const { card } = await issueCard(deps, '+84987654321');
    const morningAfter = { ...deps, clock: fixedClock('2023-01-11T01:00:00.000Z') }; // 08:00 local, day after
    const gate = { ...checkpoint, createdAt: REGISTERED };
    const scanned = '2023-01-10T16:50:00.000Z'; // 23:50 local on the card's last day
    const outcome = await recordAssisted({ ...morningAfter, retentionDays: 28 }, gate, MANAGER, {
      id: '8a6f2c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
      card: card.code,
      direction: 'out',
      at: scanned,
    });
    expect(checkins.byId(outcome.receipt.id)).toMatchObject({
      phoneHash: hashOf('+84987654321'),
      at: scanned,
    });
    // Sent again later: answered as stored. Scanned after its last day: refused.
    const again = await recordAssisted(morningAfter, gate, MANAGER, {
      id: '8a6f2c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
      card: card.code,
      direction: 'out',
      at: scanned,
    });
    expect(again.created).toBe(false);
    const late = await rejection(
      recordAssisted(morningAfter, gate, MANAGER, { card: card.code, direction: 'in' }),
    );
    expect(late.code).toBe('unknown_card');
  });

  it('refuses a wrong phone and an impossible group, naming the fields, and stores nothing', async () => {
    const err = await rejection(
      recordAssisted(deps, checkpoint, MANAGER, { phone: '12345', direction: 'in', companions: 21 }),
    );
    expect(err.status).toBe(400);
    expect(err.details.map((d) => d.path).sort()).toEqual(['companions', 'phone']);
    expect(checkins.stored.size).toBe(0);
  });

  it('answers a list with a result per item: created, duplicate of an earlier one, rejected', async () => {
    const id = '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b';
    await recordAssisted(deps, checkpoint, MANAGER, { id, phone: '0912345678', direction: 'in' });
    const results = await recordAssistedBatch(deps, checkpoint, MANAGER, [
      { phone: '0987654321', direction: 'in' },
      { id, phone: '0912345678', direction: 'in' },
      { card: 'BCDFGHJKMN', direction: 'in' },
    ]);
    expect(results.map((r) => r.status)).toEqual(['created', 'duplicate', 'rejected']);
    expect(results[2]).toMatchObject({ error: { code: 'unknown_card' } });
    expect(checkins.stored.size).toBe(2);
  });

  it('after the checkpoint is deactivated, answers a resent id with the stored check-in and refuses a new one', async () => {
    const id = '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b';
    await recordAssisted(deps, checkpoint, MANAGER, { id, phone: '0912345678', direction: 'in' });
    const closed = { ...checkpoint, active: false };
    const resent = await recordAssisted(deps, closed, MANAGER, { id, phone: '0912345678', direction: 'in' });
    expect(resent.created).toBe(false);
    const fresh = await rejection(
      recordAssisted(deps, closed, MANAGER, { phone: '0912345678', direction: 'in' }),
    );
    expect(fresh.code).toBe('unknown_checkpoint');
    const otherPhone = await rejection(
      recordAssisted(deps, closed, MANAGER, { id, phone: '0987654321', direction: 'in' }),
    );
    expect(otherPhone.code).toBe('unknown_checkpoint');
    const otherWay = await rejection(
      recordAssisted(deps, closed, MANAGER, { id, phone: '0912345678', direction: 'out' }),
    );
    expect(otherWay.code).toBe('idempotency_conflict');
    expect(checkins.stored.size).toBe(1);
  });

  it('answers 503 and stores nothing when the vault cannot seal a typed number', async () => {
    phones.failWith = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    const err = await rejection(
      recordAssisted(deps, checkpoint, MANAGER, { phone: '0912345678', direction: 'in' }),
    );
    expect([err.status, err.code]).toEqual([503, 'temporarily_unavailable']);
    expect(checkins.stored.size).toBe(0);
  });
});

describe('a group on a self check-in', () => {
  it('is kept on the check-in and in the receipt; none is 0 and not stored', async () => {
    const group = await recordCheckin(deps, {
      code: (await registry.getCheckpoint(checkpointId))!.code,
      phone: '0912345678',
      direction: 'in',
      companions: 3,
    });
    expect(group.receipt.companions).toBe(3);
    expect(checkins.byId(group.receipt.id)!.companions).toBe(3);
    const alone = await recordCheckin(deps, {
      code: (await registry.getCheckpoint(checkpointId))!.code,
      phone: '0912345678',
      direction: 'out',
    });
    expect(alone.receipt.companions).toBe(0);
    expect(checkins.byId(alone.receipt.id)).not.toHaveProperty('companions');
  });
});

describe('personal cards', () => {
  it('give one phone one live card: asked again, by any form of the number, the same code', async () => {
    const first = await issueCard(deps, '0912 345 678');
    const again = await issueCard(deps, '84912345678');
    expect(first.created).toBe(true);
    expect(again).toEqual({ card: first.card, created: false });
    expect(first.card.code).toMatch(/^[23456789BCDFGHJKMNPQRSTVWXZ]{10}$/);
    expect(first.card.code).not.toContain('912345678');
    expect(cards.byCode.size).toBe(1);
    // Kept by the phone's keyed hash, with the number sealed: no form of the number in the card's record.
    expect([...cards.byPhone.keys()]).toEqual([hashOf('+84912345678')]);
    for (const form of ['0912345678', '+84912345678', '84912345678']) {
      expect(JSON.stringify(first.card)).not.toContain(form);
    }
    expect(await phones.open(first.card.sealedPhone)).toBe('+84912345678');
  });

  it('are not issued, and nothing is stored, when the vault fails', async () => {
    phones.failWith = Object.assign(new Error('unreachable'), { name: 'KMSInternalException' });
    const err = await rejection(issueCard(deps, '0912345678'));
    expect([err.status, err.code]).toEqual([503, 'temporarily_unavailable']);
    expect(cards.byCode.size).toBe(0);
  });

  it('last a year, to the end of the local day printed on them, then stop working and are issued anew', async () => {
    const { card } = await issueCard(deps, '0912345678');
    expect(cardValidUntil(card)).toBe('10/01/2023');
    const lastMinute = { ...deps, clock: fixedClock('2023-01-10T16:59:00.000Z') }; // 23:59 local
    expect((await phoneOfCard(lastMinute, card.code)).hash).toBe(hashOf('+84912345678'));
    const dayAfter = { ...deps, clock: fixedClock('2023-01-10T17:00:00.000Z') };
    expect((await rejection(phoneOfCard(dayAfter, card.code))).code).toBe('unknown_card');
    const renewed = await issueCard(dayAfter, '0912345678');
    expect(renewed.created).toBe(true);
    expect(renewed.card.code).not.toBe(card.code);
  });

  it('are refused for a number that is not a Vietnamese mobile', async () => {
    const err = await rejection(issueCard(deps, '12345'));
    expect([err.status, err.code]).toEqual([400, 'invalid_phone']);
    expect(cards.byCode.size).toBe(0);
  });

  it('draw another code when the first is taken', async () => {
    const taken = await issueCard(deps, '0912345678');
    let calls = 0;
    const clashing: CardStore = {
      get: (c) => cards.get(c),
      ofPhone: (p) => cards.ofPhone(p),
      create: (card, now) => cards.create(++calls === 1 ? { ...card, code: taken.card.code } : card, now),
    };
    const { card, created } = await issueCard({ ...deps, cards: clashing }, '0987654321');
    expect(created).toBe(true);
    expect(calls).toBe(2);
    expect(await phoneOfCard(deps, card.code)).toEqual({
      hash: hashOf('+84987654321'),
      sealed: card.sealedPhone,
    });
  });
});
