import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * Listings across a subtree (issue 12): a district's checkpoints with its communes', searched without diacritics,
 * filtered by kind, active, naming and idleness, paged across units; a district's posters with its communes'; and
 * `GET /v1/me`.
 */

let stack: LocalStack;
let api: Client;
let admin: string;
let districtAdmin: string;
const codes: Record<string, string> = {};

const UNITS = [
  { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' },
  { id: 'dam-ha', name: 'Huyện Đầm Hà', parentId: 'quang-ninh', kind: 'district' },
  { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
  { id: 'cai-chien', name: 'Xã Cái Chiên', parentId: 'hai-ha', kind: 'commune' },
];

const CHECKPOINTS = [
  { unitId: 'hai-ha', kind: 'state-office', placeName: 'UBND huyện Hải Hà', address: 'Khu 5' },
  { unitId: 'quang-ha', kind: 'market', placeName: 'Chợ Quảng Hà', address: 'Khu 1' },
  { unitId: 'quang-ha', kind: 'school', placeName: 'Trường THCS Quảng Hà', address: 'Khu 2' },
  { unitId: 'quang-ha', kind: 'shop', placeName: 'Tạp hoá Đức', address: 'Khu 3', name: 'QR Tạp hoá Đức' },
  { unitId: 'cai-chien', kind: 'market', placeName: 'Chợ Cái Chiên', address: 'Thôn 1' },
  { unitId: 'dam-ha', kind: 'market', placeName: 'Chợ Đầm Hà', address: 'Khu 1' },
];

async function list(query: string, token = districtAdmin) {
  return api.call('GET', `/v1/units/hai-ha/checkpoints?${query}`, { token });
}
const places = (res: { json: any }) => res.json.items.map((c: { placeName: string }) => c.placeName).sort();

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  districtAdmin = await api.as('admin', 'hai-ha');
  for (const unit of UNITS) {
    const res = await api.call('POST', '/v1/units', { token: admin, body: unit });
    if (res.status !== 201) throw new Error(JSON.stringify(res.json));
  }
  for (const { unitId, ...body } of CHECKPOINTS) {
    const res = await api.call('POST', `/v1/units/${unitId}/checkpoints`, { token: admin, body });
    if (res.status !== 201) throw new Error(JSON.stringify(res.json));
    codes[body.placeName] = res.json.code;
  }
  // The school closed; the market of Quảng Hà had a check-in today.
  const school = (await api.call('GET', `/v1/checkpoints/by-code/${codes['Trường THCS Quảng Hà']}`)).json;
  await api.call('POST', `/v1/checkpoints/${school.id}/deactivate`, { token: admin });
  const checkin = await api.call('POST', '/v1/checkins', {
    body: { code: codes['Chợ Quảng Hà'], phone: '0912345678' },
  });
  if (checkin.status !== 201) throw new Error(JSON.stringify(checkin.json));
  // Counted (and its day marked active) by the counting step, as every minute in AWS: now, not in a second.
  await stack.count();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('GET /v1/units/{unitId}/checkpoints?subtree=true', () => {
  it('lists the district’s own checkpoints and its communes’, never another district’s, each with its unit’s name', async () => {
    const res = await list('subtree=true');
    expect(res.status).toBe(200);
    expect(places(res)).toEqual([
      'Chợ Cái Chiên',
      'Chợ Quảng Hà',
      'Trường THCS Quảng Hà',
      'Tạp hoá Đức',
      'UBND huyện Hải Hà',
    ]);
    expect(res.json.items[0]).toMatchObject({ unitId: 'hai-ha', unitName: 'Huyện Hải Hà' });
    expect(res.json.nextToken).toBeUndefined();
    const own = await list('');
    expect(places(own)).toEqual(['UBND huyện Hải Hà']);
  });

  it('pages across units: every checkpoint once, in pages of the size asked', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await list(`subtree=true&limit=2${token ? `&nextToken=${token}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.items.map((c: { placeName: string }) => c.placeName));
      token = res.json.nextToken;
      pages++;
    } while (token && pages < 10);
    expect(seen.sort()).toEqual([
      'Chợ Cái Chiên',
      'Chợ Quảng Hà',
      'Trường THCS Quảng Hà',
      'Tạp hoá Đức',
      'UBND huyện Hải Hà',
    ]);
    expect(pages).toBe(3);
  });

  it('searches without diacritics and filters by kind, active and naming violation', async () => {
    expect(places(await list('subtree=true&q=cho'))).toEqual(['Chợ Cái Chiên', 'Chợ Quảng Hà']);
    expect(places(await list('subtree=true&q=tap%20hoa%20duc'))).toEqual(['Tạp hoá Đức']);
    expect(places(await list('subtree=true&kind=market'))).toEqual(['Chợ Cái Chiên', 'Chợ Quảng Hà']);
    expect(places(await list('subtree=true&active=false'))).toEqual(['Trường THCS Quảng Hà']);
    expect(places(await list('subtree=true&namingViolation=true'))).toEqual(['Tạp hoá Đức']);
  });

  it('filters checkpoints idle this week, and those that were not', async () => {
    expect(places(await list('subtree=true&idle=false'))).toEqual(['Chợ Quảng Hà']);
    expect(places(await list('subtree=true&idle=true&active=true'))).toEqual([
      'Chợ Cái Chiên',
      'Tạp hoá Đức',
      'UBND huyện Hải Hà',
    ]);
    const commune = await api.call('GET', '/v1/units/quang-ha/checkpoints?idle=true', {
      token: districtAdmin,
    });
    expect(places(commune)).toEqual(['Trường THCS Quảng Hà', 'Tạp hoá Đức']);
  });

  it('refuses a commune manager for the district (403, not an empty list), and lets them list their commune', async () => {
    const manager = await api.as('unit-manager', 'quang-ha');
    const res = await list('subtree=true', manager);
    expect(res.status).toBe(403);
    const own = await api.call('GET', '/v1/units/quang-ha/checkpoints?subtree=true', { token: manager });
    expect(places(own)).toEqual(['Chợ Quảng Hà', 'Trường THCS Quảng Hà', 'Tạp hoá Đức']);
  });

  it.each([
    ['subtree=yes', 'subtree'],
    ['idle=1', 'idle'],
    ['subtree=true&nextToken=bm90LWEtdG9rZW4', 'nextToken'],
    [
      `subtree=true&nextToken=${Buffer.from(JSON.stringify({ u: 'dam-ha' })).toString('base64url')}`,
      'nextToken',
    ],
    [
      `subtree=true&nextToken=${Buffer.from(JSON.stringify({ u: 'quang-ha', t: 'eyJ4IjoxfQ' })).toString('base64url')}`,
      'nextToken',
    ],
  ])('answers 400 for %s naming %s', async (query, field) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(field);
  });
});

describe('POST /v1/units/{unitId}/posters with subtree', () => {
  it('prints the district’s active checkpoints and its communes’; without subtree only its own', async () => {
    const all = await api.call('POST', '/v1/units/hai-ha/posters', {
      token: districtAdmin,
      body: { subtree: true },
    });
    expect(all.status).toBe(201);
    expect(all.json).toMatchObject({ checkpoints: 4, pages: 4 });
    const own = await api.call('POST', '/v1/units/hai-ha/posters', { token: districtAdmin, body: {} });
    expect(own.json).toMatchObject({ checkpoints: 1, pages: 1 });
    const pdf = await fetch(all.json.url);
    expect([pdf.status, pdf.headers.get('content-type')]).toEqual([200, 'application/pdf']);
  });

  it('answers 400 naming subtree for a non-boolean, and 403 for a commune manager asking for the district', async () => {
    const bad = await api.call('POST', '/v1/units/hai-ha/posters', {
      token: districtAdmin,
      body: { subtree: 'yes' },
    });
    expect([bad.status, bad.json.error.details[0].path]).toEqual([400, 'subtree']);
    const manager = await api.as('unit-manager', 'quang-ha');
    const refused = await api.call('POST', '/v1/units/hai-ha/posters', {
      token: manager,
      body: { subtree: true },
    });
    expect(refused.status).toBe(403);
  });
});

describe('GET /v1/me', () => {
  it('names the token’s subject, role, unit and its path, and what the role may do', async () => {
    const token = await stack.token('unit-manager', 'quang-ha', 'nguyen-van-a');
    const res = await api.call('GET', '/v1/me', { token });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      subject: 'nguyen-van-a',
      role: 'unit-manager',
      unitId: 'quang-ha',
      unit: {
        id: 'quang-ha',
        name: 'Thị trấn Quảng Hà',
        kind: 'commune',
        path: [
          { id: 'quang-ninh', name: expect.any(String) },
          { id: 'hai-ha', name: 'Huyện Hải Hà' },
          { id: 'quang-ha', name: 'Thị trấn Quảng Hà' },
        ],
      },
      permissions: ['manageCheckpoints', 'viewRegistry', 'assistCheckins', 'makeGateLinks', 'viewReports'],
    });
  });

  it('gives an admin the admin permissions, and answers 401 without a token', async () => {
    const res = await api.call('GET', '/v1/me', { token: admin });
    expect(res.json.permissions).toContain('manageUnits');
    expect(res.json.unit.path).toEqual([{ id: 'quang-ninh', name: res.json.unit.name }]);
    expect((await api.call('GET', '/v1/me')).status).toBe(401);
  });
});
