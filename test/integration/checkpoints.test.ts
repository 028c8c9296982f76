import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/** A unit's checkpoints through the HTTP API: searching past DynamoDB's pages; closing and reopening one. */

let stack: LocalStack;
let api: Client;
let admin: string;

const UNIT = 'quang-ha';
/** Registered one a minute from this instant, in row order: the listing's order is the rows'. */
const FIRST_CREATED = Date.parse('2022-01-01T00:00:00Z');
const COUNT = 150;
/** The rows (1-based, in listing order) of the three sweet shops among 150 checkpoints. */
const SWEETS = [40, 41, 150];

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  for (const unit of [
    { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh' },
    { id: UNIT, name: 'Thị trấn Quảng Hà', parentId: 'hai-ha' },
  ]) {
    expect((await api.call('POST', '/v1/units', { token: admin, body: unit })).status).toBe(201);
  }
  const imported = await api.call('POST', `/v1/units/${UNIT}/checkpoints/import`, {
    token: admin,
    body: {
      checkpoints: Array.from({ length: COUNT }, (_, i) => ({
        kind: 'shop',
        placeName: SWEETS.includes(i + 1) ? `Bánh kẹo Hạnh Phúc ${i + 1}` : `Tạp hoá số ${i + 1}`,
        address: `Khu ${(i % 5) + 1}`,
        createdAt: new Date(FIRST_CREATED + i * 60_000).toISOString(),
      })),
    },
  });
  expect([imported.status, imported.json.created.length, imported.json.rejected]).toEqual([200, COUNT, []]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

const placeNames = (items: { placeName: string }[]) => items.map((c) => c.placeName);

describe('searching a unit’s checkpoints', () => {
  it('answers the first page with the match that lies after DynamoDB’s first page', async () => {
    const all = await api.call('GET', `/v1/units/${UNIT}/checkpoints?limit=500`, { token: admin });
    expect(all.json.items.at(-1).placeName).toBe('Bánh kẹo Hạnh Phúc 150'); // the last in listing order

    const res = await api.call('GET', `/v1/units/${UNIT}/checkpoints?q=banh%20keo%20150`, { token: admin });
    expect(res.status).toBe(200);
    expect(placeNames(res.json.items)).toEqual(['Bánh kẹo Hạnh Phúc 150']);
    expect(res.json.nextToken).toBeUndefined();
  });

  it('fills a small page from further reads, and the token goes on from its last match', async () => {
    const first = await api.call('GET', `/v1/units/${UNIT}/checkpoints?q=banh%20keo&limit=2`, {
      token: admin,
    });
    expect(placeNames(first.json.items)).toEqual(['Bánh kẹo Hạnh Phúc 40', 'Bánh kẹo Hạnh Phúc 41']);
    expect(first.json.nextToken).toEqual(expect.any(String));
    const second = await api.call(
      'GET',
      `/v1/units/${UNIT}/checkpoints?q=banh%20keo&limit=2&nextToken=${first.json.nextToken}`,
      { token: admin },
    );
    expect(placeNames(second.json.items)).toEqual(['Bánh kẹo Hạnh Phúc 150']);
    expect(second.json.nextToken).toBeUndefined();
  });

  it('answers an empty page without a token when nothing matches', async () => {
    const res = await api.call('GET', `/v1/units/${UNIT}/checkpoints?q=khong%20co&limit=5`, { token: admin });
    expect([res.status, res.json]).toEqual([200, { items: [] }]);
  });

  it('pages an unfiltered listing exactly, every checkpoint once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const res = await api.call(
        'GET',
        `/v1/units/${UNIT}/checkpoints?limit=40${token ? `&nextToken=${token}` : ''}`,
        { token: admin },
      );
      expect(res.json.items.length).toBe(Math.min(40, COUNT - seen.length));
      seen.push(...placeNames(res.json.items));
      token = res.json.nextToken;
    } while (token);
    expect(seen).toHaveLength(COUNT);
    expect(new Set(seen).size).toBe(COUNT);
  });
});

describe('a checkpoint closed and opened again', () => {
  it('refuses a new code while closed (409), and after reactivation checks in and rotates again', async () => {
    const created = await api.call('POST', `/v1/units/${UNIT}/checkpoints`, {
      token: admin,
      body: { kind: 'hotel', placeName: 'Nhà nghỉ Bình An', address: 'Khu 2' },
    });
    expect(created.status).toBe(201);
    const { id, code } = created.json;

    const off = await api.call('POST', `/v1/checkpoints/${id}/deactivate`, { token: admin });
    expect([off.status, off.json.active]).toEqual([200, false]);
    // Its page finds it, closed; a check-in with its code is refused.
    const closed = await api.call('GET', `/v1/checkpoints/by-code/${code}`);
    expect([closed.status, closed.json.id, closed.json.active]).toEqual([200, id, false]);
    const refused = await api.call('POST', '/v1/checkins', { body: { code, phone: '0912345678' } });
    expect([refused.status, refused.json.error.code]).toEqual([404, 'unknown_checkpoint']);

    const rotate = await api.call('POST', `/v1/checkpoints/${id}/rotate-code`, { token: admin });
    expect([rotate.status, rotate.json.error.code]).toEqual([409, 'checkpoint_inactive']);
    // Nothing changed: the old code is still the checkpoint's.
    expect((await api.call('GET', `/v1/checkpoints/by-code/${code}`)).json.id).toBe(id);

    const on = await api.call('POST', `/v1/checkpoints/${id}/reactivate`, { token: admin });
    expect([on.status, on.json.id, on.json.code, on.json.active]).toEqual([200, id, code, true]);
    const again = await api.call('POST', `/v1/checkpoints/${id}/reactivate`, { token: admin });
    expect([again.status, again.json.code, again.json.active]).toEqual([200, code, true]);

    const open = await api.call('GET', `/v1/checkpoints/by-code/${code}`);
    expect([open.status, open.json.active]).toEqual([200, true]);
    const checkin = await api.call('POST', '/v1/checkins', { body: { code, phone: '0912345678' } });
    expect([checkin.status, checkin.json.checkpoint.id]).toEqual([201, id]);

    const rotated = await api.call('POST', `/v1/checkpoints/${id}/rotate-code`, { token: admin });
    expect(rotated.status).toBe(200);
    expect(rotated.json.code).not.toBe(code);
    const fresh = await api.call('POST', '/v1/checkins', {
      body: { code: rotated.json.code, phone: '0912345678' },
    });
    expect(fresh.status).toBe(201);
  });

  it('lets the unit’s manager reactivate, and no one outside the unit or without the role', async () => {
    const created = await api.call('POST', `/v1/units/${UNIT}/checkpoints`, {
      token: admin,
      body: { kind: 'school', placeName: 'Trường Tiểu học Quảng Hà', address: 'Khu 4' },
    });
    const { id } = created.json;
    await api.call('POST', `/v1/checkpoints/${id}/deactivate`, { token: admin });

    const tracer = await api.as('tracer', 'quang-ninh');
    const otherManager = await api.as('unit-manager', 'quang-duc');
    for (const token of [tracer, otherManager]) {
      const res = await api.call('POST', `/v1/checkpoints/${id}/reactivate`, { token });
      expect([res.status, res.json.error.code]).toEqual([403, 'forbidden']);
    }
    expect((await api.call('POST', `/v1/checkpoints/${id}/reactivate`)).status).toBe(401);
    const unknown = await api.call(
      'POST',
      '/v1/checkpoints/0b7e6c1a-5d2f-4c3b-9a8e-7f6d5c4b3a21/reactivate',
      {
        token: admin,
      },
    );
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'unknown_checkpoint']);

    const manager = await api.as('unit-manager', UNIT);
    const on = await api.call('POST', `/v1/checkpoints/${id}/reactivate`, { token: manager });
    expect([on.status, on.json.active]).toEqual([200, true]);
  });
});
