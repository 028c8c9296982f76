import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/** A unit's checkpoints through the HTTP API: searching past DynamoDB's pages. */

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
