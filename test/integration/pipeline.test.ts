import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { REPORT_COLUMNS } from '../../src/core/report.ts';
import { periodBounds, previousCompletePeriod } from '../../src/core/time.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

let stack: LocalStack;
let api: Client;
let admin: string;
const period = previousCompletePeriod(new Date());
const { from } = periodBounds(period);
/** A time inside the reported period: day `d` (0–6) at 09:00 local. */
const during = (d: number, minute = 0) =>
  new Date(from.getTime() + d * 86_400_000 + (9 * 60 + minute) * 60_000).toISOString();

const checkpoints: Record<string, { id: string; code: string }> = {};

async function countCheckins(): Promise<number> {
  const db = makeDynamoClient(stack.config);
  const out = await db.send(new ScanCommand({ TableName: stack.config.checkinsTable, Select: 'COUNT' }));
  return out.Count ?? 0;
}

function checkin(code: string, extra: Record<string, unknown> = {}) {
  return api.call('POST', '/v1/checkins', {
    body: { id: randomUUID(), code, phone: '0912 345 678', direction: 'in', at: during(1), ...extra },
  });
}

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  const unit = (body: object) => api.call('POST', '/v1/units', { token: admin, body });
  expect(
    (await unit({ id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' })).status,
  ).toBe(201);
  expect(
    (await unit({ id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' })).status,
  ).toBe(201);
  expect(
    (await unit({ id: 'cai-chien', name: 'Xã Cái Chiên', parentId: 'hai-ha', kind: 'commune' })).status,
  ).toBe(201);
  for (const [name, unitId] of [
    ['market', 'quang-ha'],
    ['factory', 'quang-ha'],
    ['school', 'quang-ha'],
    ['shop', 'cai-chien'],
  ] as const) {
    const res = await api.call('POST', `/v1/units/${unitId}/checkpoints`, {
      token: admin,
      body: { kind: name, placeName: `${name} ${unitId}`, address: 'Khu 1' },
    });
    expect(res.status).toBe(201);
    checkpoints[name] = res.json;
  }
});

afterAll(async () => {
  await stack?.stop();
});

describe('units and checkpoints', () => {
  it('returns a unit with its children', async () => {
    const res = await api.call('GET', '/v1/units/hai-ha', { token: admin });
    expect(res.status).toBe(200);
    expect(res.json.path).toEqual(['quang-ninh', 'hai-ha']);
    expect(res.json.children.map((c: { id: string }) => c.id).sort()).toEqual(['cai-chien', 'quang-ha']);
  });

  it('creates a checkpoint with a typeable code and a QR URL to the check-in page', async () => {
    const cp = checkpoints.market as any;
    expect(cp.code).toMatch(/^[23456789BCDFGHJKMNPQRSTVWXZ]{8}$/);
    expect(cp.qrUrl).toBe(`${stack.config.publicBaseUrl}/c/${cp.code}`);
    expect(cp.name).toBe('market quang-ha - Khu 1');
  });

  it('refuses a duplicate unit id with 409', async () => {
    const res = await api.call('POST', '/v1/units', {
      token: admin,
      body: { id: 'hai-ha', name: 'x', parentId: 'quang-ninh' },
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('unit_exists');
  });

  it('pages through a unit’s checkpoints', async () => {
    const first = await api.call('GET', '/v1/units/quang-ha/checkpoints?limit=2', { token: admin });
    expect(first.json.items).toHaveLength(2);
    const second = await api.call(
      'GET',
      `/v1/units/quang-ha/checkpoints?limit=2&nextToken=${first.json.nextToken}`,
      {
        token: admin,
      },
    );
    const ids = [...first.json.items, ...second.json.items].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('refuses a paging token from another unit’s listing', async () => {
    const first = await api.call('GET', '/v1/units/quang-ha/checkpoints?limit=1', { token: admin });
    const res = await api.call('GET', `/v1/units/cai-chien/checkpoints?nextToken=${first.json.nextToken}`, {
      token: admin,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe('nextToken');
  });

  it('shows the check-in page what a poster already says, by code, without credentials', async () => {
    const res = await api.call('GET', `/v1/checkpoints/by-code/${checkpoints.shop!.code.toLowerCase()}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: checkpoints.shop!.id,
      unitId: 'cai-chien',
      unitName: 'Xã Cái Chiên',
      active: true,
    });
  });

  it('serves the QR as SVG and PNG to staff', async () => {
    const svg = await api.call('GET', `/v1/checkpoints/${checkpoints.market!.id}/qr.svg`, { token: admin });
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(String(svg.json)).toContain('<svg');
    const png = await fetch(`${stack.url}/v1/checkpoints/${checkpoints.market!.id}/qr.png`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('staff credentials', () => {
  it('answers 401 to a staff route without a token', async () => {
    const res = await api.call('GET', '/v1/units/hai-ha');
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthorized');
  });

  it('answers 401 to a token signed with another key', async () => {
    const forged = `${admin.slice(0, admin.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`;
    expect((await api.call('GET', '/v1/units/hai-ha', { token: forged })).status).toBe(401);
  });

  it('answers 403 outside the token’s unit and lets it reach the units below', async () => {
    const manager = await api.as('unit-manager', 'quang-ha');
    expect((await api.call('GET', '/v1/units/quang-ha', { token: manager })).status).toBe(200);
    const other = await api.call('GET', '/v1/units/cai-chien', { token: manager });
    expect(other.status).toBe(403);
    expect(other.json.error.code).toBe('forbidden');
    const district = await api.as('unit-manager', 'hai-ha');
    expect((await api.call('GET', '/v1/units/cai-chien', { token: district })).status).toBe(200);
  });

  it('lets only an admin create units and run reports', async () => {
    const manager = await api.as('unit-manager', 'quang-ninh');
    const unit = await api.call('POST', '/v1/units', {
      token: manager,
      body: { id: 'x', name: 'X', parentId: 'hai-ha' },
    });
    expect(unit.status).toBe(403);
    const run = await api.call('POST', '/v1/reports/weekly', { token: manager, body: {} });
    expect(run.status).toBe(403);
  });
});

describe('check-ins', () => {
  it('stores a check-in and answers 201 with the checkpoint', async () => {
    const id = randomUUID();
    const res = await api.call('POST', '/v1/checkins', {
      body: { id, code: checkpoints.market!.code, phone: '+84912345678', direction: 'out', at: during(0) },
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      id,
      checkpoint: { id: checkpoints.market!.id, name: 'market quang-ha - Khu 1', unitId: 'quang-ha' },
      direction: 'out',
      at: during(0),
    });
  });

  it('stores and counts a check-in sent twice once, answering 200 the second time', async () => {
    const body = { id: randomUUID(), code: checkpoints.school!.code, phone: '0987654321', at: during(2) };
    const first = await api.call('POST', '/v1/checkins', { body });
    const second = await api.call('POST', '/v1/checkins', { body });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.json).toEqual(first.json);
  });

  it('stores a check-in sent many times at the same moment exactly once', async () => {
    const body = { id: randomUUID(), code: checkpoints.school!.code, phone: '0987654321', at: during(3) };
    const before = await countCheckins();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => api.call('POST', '/v1/checkins', { body })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(11);
    expect(await countCheckins()).toBe(before + 1);
  });

  it('stores every one of many concurrent check-ins at one gate', async () => {
    const before = await countCheckins();
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => checkin(checkpoints.factory!.code, { at: during(4, i % 50) })),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(await countCheckins()).toBe(before + 60);
  });

  it('refuses a malformed check-in with 400 naming each field, and stores nothing', async () => {
    const before = await countCheckins();
    const res = await api.call('POST', '/v1/checkins', {
      body: { code: checkpoints.market!.code, phone: '12345', direction: 'sideways' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(['direction']);
    const phone = await checkin(checkpoints.market!.code, { phone: '12345' });
    expect(phone.status).toBe(400);
    expect(phone.json.error).toMatchObject({ code: 'invalid_phone', details: [{ path: 'phone' }] });
    expect(await countCheckins()).toBe(before);
  });

  it('refuses a check-in from the future and one older than the retention window', async () => {
    const future = await checkin(checkpoints.market!.code, {
      at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.json.error.details[0].path).toBe('at');
    const old = await checkin(checkpoints.market!.code, {
      at: new Date(Date.now() - 40 * 86_400_000).toISOString(),
    });
    expect(old.status).toBe(400);
  });

  it('answers 404 unknown_checkpoint to a code nobody registered', async () => {
    const res = await checkin('ZZZZ2222');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('unknown_checkpoint');
  });

  it('answers 415 to a body that is not JSON, 400 to broken JSON, 413 to a huge one', async () => {
    const text = await api.call('POST', '/v1/checkins', { raw: 'code=X', contentType: 'text/plain' });
    expect(text.status).toBe(415);
    const broken = await api.call('POST', '/v1/checkins', { raw: '{"code":' });
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe('invalid_json');
    const huge = await api.call('POST', '/v1/checkins', {
      raw: JSON.stringify({ code: 'x'.repeat(70_000) }),
    });
    expect(huge.status).toBe(413);
  });

  it('refuses an id reused for a different check-in with 409', async () => {
    const id = randomUUID();
    expect((await checkin(checkpoints.market!.code, { id })).status).toBe(201);
    const other = await checkin(checkpoints.market!.code, { id, phone: '0977777777' });
    expect(other.status).toBe(409);
  });
});

describe('the weekly report', () => {
  it('reports per commune exactly what was posted, with a totals row, as XLSX, CSV and JSON', async () => {
    // Everything above posted at quang-ha (market 2 + school 2 + factory 60); now one at cai-chien, plus one
    // outside the period that must not count.
    expect((await checkin(checkpoints.shop!.code, { at: during(6) })).status).toBe(201);
    expect((await checkin(checkpoints.shop!.code, { at: new Date().toISOString() })).status).toBe(201);

    const run = await api.call('POST', '/v1/reports/weekly', { token: admin, body: { start: period.start } });
    expect(run.status).toBe(200);
    expect(run.json.reports.map((r: { unitId: string }) => r.unitId).sort()).toEqual([
      'hai-ha',
      'quang-ninh',
    ]);

    const list = await api.call('GET', '/v1/units/hai-ha/reports', { token: admin });
    expect(list.json.items).toEqual([period]);

    const link = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}?format=json`, {
      token: admin,
    });
    expect(link.status).toBe(200);
    expect(Date.parse(link.json.expiresAt) - Date.now()).toBeGreaterThan(800_000);
    const report: any = await (await fetch(link.json.url)).json();
    const row = (id: string) => report.rows.find((r: { unitId: string }) => r.unitId === id);
    // Checkpoints were created today, after the period: they count neither as created nor as new by its end.
    expect(row('quang-ha')).toMatchObject({ checkins: 64, activeCheckpoints: 3, checkpointsTotal: 0 });
    expect(row('cai-chien')).toMatchObject({ checkins: 1, activeCheckpoints: 1 });
    expect(report.totals).toMatchObject({ checkins: 65, activeCheckpoints: 4 });

    const xlsxLink = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}`, { token: admin });
    const xlsx = Buffer.from(await (await fetch(xlsxLink.json.url)).arrayBuffer());
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx as any);
    const cells: string[] = [];
    workbook.worksheets[0]!.eachRow((r) => {
      r.eachCell((c) => {
        cells.push(String(c.value));
      });
    });
    for (const column of REPORT_COLUMNS) expect(cells).toContain(column.header);
    expect(cells).toContain('Cộng');

    const csvLink = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}?format=csv`, {
      token: admin,
    });
    const csv = Buffer.from(await (await fetch(csvLink.json.url)).arrayBuffer());
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('Xã Cái Chiên');
  });

  it('answers 404 for a period with no report and 400 for a malformed start', async () => {
    expect((await api.call('GET', '/v1/units/hai-ha/reports/2020-01-01', { token: admin })).status).toBe(404);
    const bad = await api.call('GET', '/v1/units/hai-ha/reports/last-week', { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe('start');
  });
});
