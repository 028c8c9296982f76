import { beforeEach, describe, expect, it } from 'vitest';
import { recordCheckin, recordCheckinBatch } from '../../src/core/checkins.ts';
import { createCheckpoint } from '../../src/core/checkpoints.ts';
import { AppError, ValidationError } from '../../src/core/errors.ts';
import { fixedClock } from '../../src/core/time.ts';
import { hashOf, MemoryCheckins, MemoryPhones, MemoryRegistry, RecordedEvents } from './fakes.ts';

const NOW = '2022-01-10T02:00:00.000Z'; // 09:00 local, Monday 10 January 2022
const REGISTERED = '2022-01-03T02:00:00.000Z';
let registry: MemoryRegistry;
let checkins: MemoryCheckins;
let phones: MemoryPhones;
let code: string;
let deps: Parameters<typeof recordCheckin>[0];

beforeEach(async () => {
  registry = new MemoryRegistry();
  checkins = new MemoryCheckins();
  phones = new MemoryPhones();
  await registry.createUnit({
    id: 'qh',
    name: 'Thị trấn Quảng Hà',
    kind: 'commune',
    path: ['qn', 'qh'],
    createdAt: NOW,
  });
  const clock = fixedClock(NOW);
  const cp = await createCheckpoint(
    {
      units: registry,
      checkpoints: registry,
      clock: fixedClock(REGISTERED),
      publicBaseUrl: 'https://x',
      namingRule: '{placeName}',
    },
    { subject: 't', role: 'admin', unitId: 'qn' },
    'qh',
    { kind: 'market', placeName: 'Chợ Quảng Hà', address: 'Khu 3' },
  );
  code = cp.checkpoint.code;
  deps = { checkpoints: registry, checkins, phones, clock, events: new RecordedEvents(), retentionDays: 28 };
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('recording a check-in', () => {
  it('stamps it with the server time, its local day and an expiry 28 days later', async () => {
    const outcome = await recordCheckin(deps, { code, phone: '0912 345 678', direction: 'in' });
    expect(outcome.created).toBe(true);
    const stored = checkins.byId(outcome.receipt.id)!;
    expect(stored).toMatchObject({ at: NOW, day: '2022-01-10', method: 'web' });
    expect(stored.expiresAt).toBe(Date.parse(NOW) / 1000 + 28 * 86_400);
  });

  it('stores the keyed hash and the sealed number, never the number in any form', async () => {
    const outcome = await recordCheckin(deps, { code, phone: '0912 345 678', direction: 'in' });
    const stored = checkins.byId(outcome.receipt.id)!;
    expect(stored.phoneHash).toBe(hashOf('+84912345678'));
    expect(await phones.open(stored.sealedPhone)).toBe('+84912345678');
    expect(stored).not.toHaveProperty('phone');
    for (const form of ['0912345678', '+84912345678', '84912345678', '912345678']) {
      expect(JSON.stringify(stored)).not.toContain(form);
    }
  });

  it('gives one phone, in any form, one hash, and seals it afresh on every check-in', async () => {
    const a = await recordCheckin(deps, { code, phone: '0912345678', direction: 'in' });
    const b = await recordCheckin(deps, { code, phone: '+84 912 345 678', direction: 'out' });
    const [first, second] = [checkins.byId(a.receipt.id)!, checkins.byId(b.receipt.id)!];
    expect(second.phoneHash).toBe(first.phoneHash);
    expect(second.sealedPhone).not.toBe(first.sealedPhone);
    const found = await checkins.checkinsOfPhone(first.phoneHash, new Date(0), new Date('2022-01-11'));
    expect(found.map((c) => c.id).sort()).toEqual([a.receipt.id, b.receipt.id].sort());
  });

  it('answers 503 temporarily_unavailable, stores nothing and logs only the error name when the vault fails', async () => {
    const events = new RecordedEvents();
    phones.failWith = Object.assign(new Error('Rate exceeded for +84912345678'), {
      name: 'ThrottlingException',
    });
    const err = await rejection(
      recordCheckin({ ...deps, events }, { code, phone: '0912345678', direction: 'in' }),
    );
    expect([err.status, err.code]).toEqual([503, 'temporarily_unavailable']);
    expect(checkins.stored.size).toBe(0);
    expect(events.events).toEqual([{ event: 'PhoneVaultFailed', errorName: 'ThrottlingException' }]);
    phones.failWith = undefined;
    expect((await recordCheckin(deps, { code, phone: '0912345678', direction: 'in' })).created).toBe(true);
  });

  it('puts a late-evening offline scan on its local day', async () => {
    const outcome = await recordCheckin(deps, {
      code,
      phone: '0912345678',
      direction: 'out',
      at: '2022-01-09T22:30:00+07:00',
    });
    expect(checkins.byId(outcome.receipt.id)!.day).toBe('2022-01-09');
  });

  it('accepts a typed code in lower case with a dash', async () => {
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`;
    expect((await recordCheckin(deps, { code: typed, phone: '0912345678', direction: 'in' })).created).toBe(
      true,
    );
  });

  it('answers a repeated id with the stored check-in and stores nothing more', async () => {
    const request = {
      id: '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b',
      code,
      phone: '0912345678',
      direction: 'in' as const,
    };
    const first = await recordCheckin(deps, request);
    const second = await recordCheckin(deps, { ...request, phone: '+84912345678' });
    expect(second.created).toBe(false);
    expect(second.receipt).toEqual(first.receipt);
    expect(checkins.stored.size).toBe(1);
  });

  it('refuses a repeated id that carries another check-in of the same phone', async () => {
    const request = {
      id: '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b',
      code,
      phone: '0912345678',
      direction: 'in' as const,
    };
    await recordCheckin(deps, request);
    const err = await rejection(recordCheckin(deps, { ...request, direction: 'out' }));
    expect([err.status, err.code]).toEqual([409, 'idempotency_conflict']);
    expect(checkins.stored.size).toBe(1);
  });

  it('stores the same id sent by another phone as that phone’s own check-in (an id is unique within its phone)', async () => {
    const request = {
      id: '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b',
      code,
      phone: '0912345678',
      direction: 'in' as const,
    };
    await recordCheckin(deps, request);
    const other = await recordCheckin(deps, { ...request, phone: '0987654321' });
    expect(other.created).toBe(true);
    expect([...checkins.stored.values()].map((c) => c.phoneHash).sort()).toEqual(
      [hashOf('+84912345678'), hashOf('+84987654321')].sort(),
    );
  });

  it('rejects a check-in whose time is in the future, beyond the clock skew', async () => {
    const ok = await recordCheckin(deps, {
      code,
      phone: '0912345678',
      direction: 'in',
      at: '2022-01-10T02:04:00Z',
    });
    expect(ok.created).toBe(true);
    const err = await rejection(
      recordCheckin(deps, { code, phone: '0912345678', direction: 'in', at: '2022-01-10T02:06:00Z' }),
    );
    expect(err.status).toBe(400);
    expect(err.details).toEqual([{ path: 'at', message: 'The check-in time is in the future' }]);
  });

  it('rejects a check-in from before its checkpoint was registered', async () => {
    const err = await rejection(
      recordCheckin(deps, { code, phone: '0912345678', direction: 'in', at: '2022-01-02T00:00:00Z' }),
    );
    expect(err.details).toEqual([
      { path: 'at', message: 'The check-in time is before the checkpoint was registered' },
    ]);
    expect(checkins.stored.size).toBe(0);
  });

  it('answers an acknowledged id with 200 even after its code stopped working', async () => {
    const request = {
      id: '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b',
      code,
      phone: '0912345678',
      direction: 'in' as const,
    };
    const first = await recordCheckin(deps, request);
    for (const cp of registry.checkpoints.values()) cp.active = false;
    const again = await recordCheckin(deps, request);
    expect(again).toEqual({ created: false, receipt: first.receipt });
    const stranger = await rejection(
      recordCheckin(deps, { ...request, id: '6f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b' }),
    );
    expect(stranger.code).toBe('unknown_checkpoint');
    // Another phone has no check-in with this id: its send is a new check-in, at a closed checkpoint.
    const otherPhone = await rejection(recordCheckin(deps, { ...request, phone: '0987654321' }));
    expect(otherPhone.code).toBe('unknown_checkpoint');
    const otherWay = await rejection(recordCheckin(deps, { ...request, direction: 'out' }));
    expect([otherWay.status, otherWay.code]).toEqual([409, 'idempotency_conflict']);
  });

  it('rejects a check-in older than the retention window', async () => {
    const err = await rejection(
      recordCheckin(deps, { code, phone: '0912345678', direction: 'in', at: '2021-12-12T00:00:00Z' }),
    );
    expect(err.details[0]!.path).toBe('at');
  });

  it('rejects a wrong phone number as invalid_phone and stores nothing', async () => {
    const err = await rejection(recordCheckin(deps, { code, phone: '12345', direction: 'in' }));
    expect([err.status, err.code, err.details[0]!.path]).toEqual([400, 'invalid_phone', 'phone']);
    expect(checkins.stored.size).toBe(0);
  });

  it('answers unknown_checkpoint for an unknown or malformed code', async () => {
    for (const bad of ['ZZZZZZZZ', 'hello']) {
      const err = await rejection(recordCheckin(deps, { code: bad, phone: '0912345678', direction: 'in' }));
      expect([err.status, err.code]).toEqual([404, 'unknown_checkpoint']);
    }
  });

  it('logs the checkpoint, never the phone number', async () => {
    const events = new RecordedEvents();
    await recordCheckin({ ...deps, events }, { code, phone: '0912345678', direction: 'in' });
    expect(JSON.stringify(events.events)).not.toContain('912345678');
    expect(events.events[0]).toMatchObject({ event: 'CheckinRecorded', duplicate: false });
  });
});

describe('recording a batch', () => {
  it('answers each item in place; one bad item or one database failure sinks nothing else', async () => {
    const flaky = {
      ...checkins,
      record: async (c: Parameters<MemoryCheckins['record']>[0]) => {
        if (c.phoneHash === hashOf('+84977777777'))
          throw new Error('ProvisionedThroughputExceeded, after the SDK gave up');
        return checkins.record(c);
      },
      get: checkins.get.bind(checkins),
      findAt: checkins.findAt.bind(checkins),
      checkinsOfPhone: checkins.checkinsOfPhone.bind(checkins),
      checkinsAtCheckpoint: checkins.checkinsAtCheckpoint.bind(checkins),
    };
    const results = await recordCheckinBatch({ ...deps, checkins: flaky }, [
      { id: '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b', code, phone: '0912345678', direction: 'in' },
      new ValidationError([{ path: 'phone', message: 'Required' }]),
      { code, phone: '0977777777', direction: 'out' },
      { id: '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b', code, phone: '0912345678', direction: 'in' },
    ]);
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [0, expect.stringMatching(/created|duplicate/)],
      [1, 'rejected'],
      [2, 'rejected'],
      [3, expect.stringMatching(/created|duplicate/)],
    ]);
    expect(results[2]).toMatchObject({ error: { code: 'internal_error' } });
    expect(JSON.stringify(results)).not.toContain('977777777');
    expect(checkins.stored.size).toBe(1);
  });

  it('rejects every item as temporarily_unavailable when the vault fails, storing nothing', async () => {
    phones.failWith = Object.assign(new Error('KMS is down'), { name: 'KMSInternalException' });
    const results = await recordCheckinBatch(deps, [
      { id: '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b', code, phone: '0912345678', direction: 'in' },
      { code, phone: '0977777777', direction: 'out' },
    ]);
    expect(results).toEqual([
      {
        index: 0,
        id: '5f0c6f3e-7c47-4a8e-9f51-0a4f8c1e2d3b',
        status: 'rejected',
        error: {
          code: 'temporarily_unavailable',
          message: 'Not stored this time: send it again in a moment',
        },
      },
      {
        index: 1,
        status: 'rejected',
        error: {
          code: 'temporarily_unavailable',
          message: 'Not stored this time: send it again in a moment',
        },
      },
    ]);
    expect(checkins.stored.size).toBe(0);
  });
});
