import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previousCompletePeriod } from '../../src/core/time.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, runWeeklyReport, testStack } from './stack.ts';

/**
 * The routes the staff console stands on (issue 12): checkpoint edits, renaming to the rule's name (one, or a
 * unit's subtree at once) so the next report's naming column drops, and units renamed and moved.
 */

let stack: LocalStack;
let api: Client;
let admin: string;
let districtAdmin: string;

const UNITS = [
  { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' },
  { id: 'dam-ha', name: 'Huyện Đầm Hà', parentId: 'quang-ninh', kind: 'district' },
  { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
  { id: 'cai-chien', name: 'Xã Cái Chiên', parentId: 'hai-ha', kind: 'commune' },
  { id: 'khu-3', name: 'Khu 3', parentId: 'quang-ha', kind: 'other' },
];

/** As the demo registers some: a name from elsewhere ("QR …"), registered before the period. */
const misnamed = (unitId: string, i: number) => ({
  unitId,
  kind: 'shop',
  placeName: `Cửa hàng ${unitId} ${i}`,
  address: `Thôn ${i}`,
  name: `QR Cửa hàng ${unitId} ${i}`,
  ref: `${unitId}-misnamed-${i}`,
  createdAt: '15/12/2021',
});

async function namingColumn(unitId: string, token = admin): Promise<number> {
  const { start } = previousCompletePeriod(new Date());
  const { run } = await runWeeklyReport(api, admin, { start });
  expect(run.status).toBe('succeeded');
  const link = await api.call('GET', `/v1/units/${unitId}/reports/${start}?format=json`, { token });
  if (link.status !== 200) throw new Error(JSON.stringify(link.json));
  const report: any = await (await fetch(link.json.url)).json();
  return report.totals.namingViolations;
}

async function checkpointOf(unitId: string, placeName: string) {
  const res = await api.call('GET', `/v1/units/${unitId}/checkpoints?limit=500`, { token: admin });
  return res.json.items.find((c: { placeName: string }) => c.placeName === placeName);
}

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  districtAdmin = await api.as('admin', 'hai-ha');
  for (const unit of UNITS) {
    const res = await api.call('POST', '/v1/units', { token: admin, body: unit });
    if (res.status !== 201) throw new Error(JSON.stringify(res.json));
  }
  const rows = [
    ...[1, 2, 3].map((i) => misnamed('quang-ha', i)),
    ...[1, 2].map((i) => misnamed('cai-chien', i)),
    misnamed('khu-3', 1),
    misnamed('hai-ha', 1),
    misnamed('dam-ha', 1),
    {
      unitId: 'quang-ha',
      kind: 'market',
      placeName: 'Chợ Quảng Hà',
      address: 'Khu 1',
      ref: 'cho',
      createdAt: '15/12/2021',
    },
  ];
  const res = await api.call('POST', '/v1/units/quang-ninh/checkpoints/import', {
    token: admin,
    body: { checkpoints: rows },
  });
  if (res.status !== 200 || res.json.created.length !== rows.length)
    throw new Error(JSON.stringify(res.json));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('PATCH /v1/checkpoints/{id}', () => {
  it('edits the fields; a checkpoint that follows the rule keeps following it, and the check-in page shows the name', async () => {
    const cp = await checkpointOf('quang-ha', 'Chợ Quảng Hà');
    expect(cp.name).toBe('Chợ - Chợ Quảng Hà - Khu 1');
    const res = await api.call('PATCH', `/v1/checkpoints/${cp.id}`, {
      token: districtAdmin,
      body: { address: 'Khu 2', kind: 'chợ' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: cp.id,
      code: cp.code,
      address: 'Khu 2',
      kind: 'market',
      name: 'Chợ - Chợ Quảng Hà - Khu 2',
      followsNamingRule: true,
    });
    const page = await api.call('GET', `/v1/checkpoints/by-code/${cp.code}`);
    expect(page.json.name).toBe('Chợ - Chợ Quảng Hà - Khu 2');
  });

  it('keeps a name of the editor’s own and flags it, with the rule’s name beside it; applyNamingRule gives it back', async () => {
    const cp = await checkpointOf('quang-ha', 'Chợ Quảng Hà');
    const named = await api.call('PATCH', `/v1/checkpoints/${cp.id}`, {
      token: admin,
      body: { name: 'Chợ trung tâm' },
    });
    expect(named.json).toMatchObject({
      name: 'Chợ trung tâm',
      followsNamingRule: false,
      canonicalName: 'Chợ - Chợ Quảng Hà - Khu 2',
    });
    const searched = await api.call('GET', '/v1/units/quang-ha/checkpoints?q=cho%20trung%20tam', {
      token: admin,
    });
    expect(searched.json.items.map((c: { id: string }) => c.id)).toEqual([cp.id]);
    const ruled = await api.call('PATCH', `/v1/checkpoints/${cp.id}`, {
      token: admin,
      body: { applyNamingRule: true },
    });
    expect(ruled.json).toMatchObject({ name: 'Chợ - Chợ Quảng Hà - Khu 2', followsNamingRule: true });
    expect(ruled.json.canonicalName).toBeUndefined();
  });

  it.each([
    [{ kind: 'spaceport' }, 'kind'],
    [{ placeName: '' }, 'placeName'],
    [{ name: 'x', applyNamingRule: true }, 'applyNamingRule'],
    [{ code: 'ABC' }, 'code'],
    [{ applyNamingRule: false }, 'applyNamingRule'],
  ])('answers 400 for %j naming %s, and changes nothing', async (body, field) => {
    const cp = await checkpointOf('quang-ha', 'Chợ Quảng Hà');
    const res = await api.call('PATCH', `/v1/checkpoints/${cp.id}`, { token: admin, body });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await checkpointOf('quang-ha', 'Chợ Quảng Hà')).toEqual(cp);
  });

  it('answers 400 for an empty edit', async () => {
    const cp = await checkpointOf('quang-ha', 'Chợ Quảng Hà');
    const res = await api.call('PATCH', `/v1/checkpoints/${cp.id}`, { token: admin, body: {} });
    expect([res.status, res.json.error.code]).toEqual([400, 'invalid_request']);
  });

  it('refuses a manager of another unit (403) and a tracer (403), and changes nothing', async () => {
    const cp = await checkpointOf('quang-ha', 'Chợ Quảng Hà');
    for (const token of [await api.as('unit-manager', 'cai-chien'), await api.as('tracer', 'quang-ninh')]) {
      const res = await api.call('PATCH', `/v1/checkpoints/${cp.id}`, { token, body: { name: 'Bị đổi' } });
      expect(res.status).toBe(403);
    }
    expect(await checkpointOf('quang-ha', 'Chợ Quảng Hà')).toEqual(cp);
  });

  it('answers 404 for an unknown checkpoint and 401 without a token', async () => {
    const unknown = await api.call('PATCH', '/v1/checkpoints/00000000-0000-4000-8000-000000000000', {
      token: admin,
      body: { name: 'X' },
    });
    expect(unknown.status).toBe(404);
    expect(
      (await api.call('PATCH', '/v1/checkpoints/00000000-0000-4000-8000-000000000000', { body: {} })).status,
    ).toBe(401);
  });
});

describe('renaming to the rule’s name, a subtree at once', () => {
  it('refuses a commune manager for the district (403), renaming nothing', async () => {
    const manager = await api.as('unit-manager', 'quang-ha');
    const res = await api.call('POST', '/v1/units/hai-ha/naming-violations/rename', {
      token: manager,
      body: {},
    });
    expect(res.status).toBe(403);
    const listed = await api.call('GET', '/v1/units/quang-ha/naming-violations', { token: admin });
    expect(listed.json.items).toHaveLength(3);
  });

  it('renames one unit’s own with subtree false', async () => {
    const res = await api.call('POST', '/v1/units/cai-chien/naming-violations/rename', {
      token: districtAdmin,
      body: { subtree: false },
    });
    expect(res.json).toEqual({ renamed: 2, done: true });
  });

  it('drops the next weekly report’s naming column to 0 for the district, and leaves another district alone', async () => {
    expect(await namingColumn('hai-ha')).toBe(5);
    const res = await api.call('POST', '/v1/units/hai-ha/naming-violations/rename', {
      token: districtAdmin,
      body: {},
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ renamed: 5, done: true });
    const listed = await api.call('GET', '/v1/units/quang-ha/naming-violations', { token: admin });
    expect(listed.json.items).toEqual([]);
    const cp = await checkpointOf('quang-ha', 'Cửa hàng quang-ha 1');
    expect(cp).toMatchObject({ name: 'Cửa hàng - Cửa hàng quang-ha 1 - Thôn 1', followsNamingRule: true });
    expect(await namingColumn('hai-ha')).toBe(0);
    expect(await namingColumn('dam-ha')).toBe(1);
    const again = await api.call('POST', '/v1/units/hai-ha/naming-violations/rename', {
      token: districtAdmin,
    });
    expect(again.json).toEqual({ renamed: 0, done: true });
  }, 120_000);
});

describe('PATCH /v1/units/{unitId}', () => {
  it('renames a unit: its checkpoints’ page shows the new name', async () => {
    const res = await api.call('PATCH', '/v1/units/cai-chien', {
      token: districtAdmin,
      body: { name: 'Xã Cái Chiên mới' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 'cai-chien',
      name: 'Xã Cái Chiên mới',
      followed: { checkpoints: 2, done: true },
    });
    const cp = await checkpointOf('cai-chien', 'Cửa hàng cai-chien 1');
    expect((await api.call('GET', `/v1/checkpoints/by-code/${cp.code}`)).json.unitName).toBe(
      'Xã Cái Chiên mới',
    );
    expect((await api.call('GET', '/v1/units/hai-ha', { token: admin })).json.children).toContainEqual(
      expect.objectContaining({ id: 'cai-chien', name: 'Xã Cái Chiên mới' }),
    );
  });

  it('refuses a move outside the token’s scope (403) and under the unit itself or below it (400 parentId), changing nothing', async () => {
    const outside = await api.call('PATCH', '/v1/units/quang-ha', {
      token: districtAdmin,
      body: { parentId: 'dam-ha' },
    });
    expect(outside.status).toBe(403);
    const cycle = await api.call('PATCH', '/v1/units/quang-ha', {
      token: admin,
      body: { parentId: 'khu-3' },
    });
    expect(cycle.status).toBe(400);
    expect(cycle.json.error.details).toEqual([expect.objectContaining({ path: 'parentId' })]);
    const self = await api.call('PATCH', '/v1/units/quang-ha', {
      token: admin,
      body: { parentId: 'quang-ha' },
    });
    expect(self.status).toBe(400);
    const root = await api.call('PATCH', '/v1/units/quang-ninh', {
      token: admin,
      body: { parentId: 'hai-ha' },
    });
    expect(root.status).toBe(400);
    const manager = await api.call('PATCH', '/v1/units/quang-ha', {
      token: await api.as('unit-manager', 'hai-ha'),
      body: { name: 'X' },
    });
    expect(manager.status).toBe(403);
    const bad = await api.call('PATCH', '/v1/units/quang-ha', {
      token: admin,
      body: { parentId: 'Not An Id' },
    });
    expect([bad.status, bad.json.error.details[0].path]).toEqual([400, 'parentId']);
    const unit = await api.call('GET', '/v1/units/quang-ha', { token: admin });
    expect(unit.json).toMatchObject({
      parentId: 'hai-ha',
      path: ['quang-ninh', 'hai-ha', 'quang-ha'],
      name: 'Thị trấn Quảng Hà',
    });
  });

  it('moves a unit with everything below it: scope follows the new path', async () => {
    const res = await api.call('PATCH', '/v1/units/quang-ha', { token: admin, body: { parentId: 'dam-ha' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      parentId: 'dam-ha',
      path: ['quang-ninh', 'dam-ha', 'quang-ha'],
      followed: { units: 1, checkpoints: 5, done: true },
    });
    const khu3 = await api.call('GET', '/v1/units/khu-3', { token: admin });
    expect(khu3.json.path).toEqual(['quang-ninh', 'dam-ha', 'quang-ha', 'khu-3']);
    const children = async (unitId: string) =>
      (await api.call('GET', `/v1/units/${unitId}`, { token: admin })).json.children.map(
        (c: { id: string }) => c.id,
      );
    expect(await children('hai-ha')).toEqual(['cai-chien']);
    expect(await children('dam-ha')).toEqual(['quang-ha']);
    const cp = await checkpointOf('khu-3', 'Cửa hàng khu-3 1');
    const before = await api.call('PATCH', `/v1/checkpoints/${cp.id}`, {
      token: districtAdmin,
      body: { name: 'X' },
    });
    expect(before.status).toBe(403);
    const after = await api.call('PATCH', `/v1/checkpoints/${cp.id}`, {
      token: await api.as('unit-manager', 'dam-ha'),
      body: { address: 'Thôn 9' },
    });
    expect([after.status, after.json.name]).toEqual([200, 'Cửa hàng - Cửa hàng khu-3 1 - Thôn 9']);
    // The same move again mends nothing: everything already follows.
    const again = await api.call('PATCH', '/v1/units/quang-ha', {
      token: admin,
      body: { parentId: 'dam-ha' },
    });
    expect(again.json.followed).toEqual({ units: 0, checkpoints: 0, done: true });
  });
});
