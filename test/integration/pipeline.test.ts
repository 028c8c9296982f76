import { randomUUID } from 'node:crypto';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoRegistry } from '../../src/adapters/dynamo-registry.ts';
import { makePhoneReader } from '../../src/adapters/phone-vault.ts';
import { createCheckpoint } from '../../src/core/checkpoints.ts';
import { REPORT_COLUMNS } from '../../src/core/report.ts';
import { fixedClock, localDay, periodBounds, previousCompletePeriod } from '../../src/core/time.ts';
import { CHECKINS_BY_CHECKPOINT, KEY, keys } from '../../src/keys.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, runWeeklyReport, testStack } from './stack.ts';

let stack: LocalStack;
let api: Client;
let admin: string;
const period = previousCompletePeriod(new Date());
const { from } = periodBounds(period);
/** A time inside the reported period: day `d` (0–6) at 09:00 local. */
const during = (d: number, minute = 0) =>
  new Date(from.getTime() + d * 86_400_000 + (9 * 60 + minute) * 60_000).toISOString();

const checkpoints: Record<string, { id: string; code: string; name: string; qrUrl: string }> = {};

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
  // Checkpoints registered before and during the reported week, as a province's are (the core with a clock in
  // the past: the API stamps every new checkpoint with the time it is created).
  const db = makeDynamoClient(stack.config);
  const registry = new DynamoRegistry(db, stack.config.registryTable);
  const registeredAt = (at: Date) => ({
    units: registry,
    checkpoints: registry,
    clock: fixedClock(at.toISOString()),
    publicBaseUrl: stack.config.publicBaseUrl,
    namingRule: '{placeName} - {address}',
  });
  const principal = { subject: 'test', role: 'admin' as const, unitId: 'quang-ninh' };
  const longAgo = new Date(from.getTime() - 20 * 86_400_000);
  for (const [name, unitId, at] of [
    ['market', 'quang-ha', longAgo],
    ['factory', 'quang-ha', longAgo],
    ['school', 'quang-ha', longAgo],
    ['newShop', 'quang-ha', new Date(during(2))],
    ['shop', 'cai-chien', longAgo],
  ] as const) {
    const body = {
      kind: name === 'newShop' ? 'shop' : name,
      placeName: `${name} ${unitId}`,
      address: 'Khu 1',
    } as const;
    checkpoints[name] = (await createCheckpoint(registeredAt(at), principal, unitId, body)).checkpoint;
  }
  const res = await api.call('POST', '/v1/units/quang-ha/checkpoints', {
    token: admin,
    body: { kind: 'market', placeName: 'Chợ Quảng Hà', address: 'Khu 3' },
  });
  expect(res.status).toBe(201);
  checkpoints.today = res.json;
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

  it('creates a checkpoint with a typeable code, the rule’s name and a QR URL to the check-in page', async () => {
    const cp = checkpoints.today!;
    expect(cp.code).toMatch(/^[23456789BCDFGHJKMNPQRSTVWXZ]{8}$/);
    expect(cp.qrUrl).toBe(`${stack.config.publicBaseUrl}/c/${cp.code}`);
    expect(cp.name).toBe('Chợ - Chợ Quảng Hà - Khu 3'); // the default rule: {kind} - {placeName} - {address}
  });

  it('serves the check-in page at the URL in the QR', async () => {
    const res = await fetch(checkpoints.today!.qrUrl);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain(`<h1 id="name">Điểm kiểm soát ${checkpoints.today!.code}</h1>`);
    expect(html).toContain('>Vào</button>');
  });

  it('serves the page where a person types the printed code', async () => {
    const res = await fetch(`${stack.url}/c`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Nhập mã điểm kiểm soát');
    expect(html).toContain('<form id="checkin" hidden>');
    const junk = await (await fetch(`${stack.url}/c/%3C%2Fscript%3E`)).text();
    expect(junk).not.toContain('</script>"');
  });

  it('refuses a duplicate unit id with 409, a unit without a parent with 400', async () => {
    const dup = await api.call('POST', '/v1/units', {
      token: admin,
      body: { id: 'hai-ha', name: 'x', parentId: 'quang-ninh' },
    });
    expect([dup.status, dup.json.error.code]).toEqual([409, 'unit_exists']);
    const root = await api.call('POST', '/v1/units', {
      token: admin,
      body: { id: 'quang-ninh', name: 'Tỉnh Quảng Ninh' },
    });
    expect(root.status).toBe(409); // the province itself exists already
    const orphan = await api.call('POST', '/v1/units', { token: admin, body: { id: 'x', name: 'X' } });
    expect([orphan.status, orphan.json.error.details[0].path]).toEqual([400, 'parentId']);
  });

  it('pages through a unit’s checkpoints', async () => {
    const first = await api.call('GET', '/v1/units/quang-ha/checkpoints?limit=2', { token: admin });
    expect(first.json.items).toHaveLength(2);
    const rest = await api.call(
      'GET',
      `/v1/units/quang-ha/checkpoints?limit=10&nextToken=${first.json.nextToken}`,
      {
        token: admin,
      },
    );
    const ids = [...first.json.items, ...rest.json.items].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(5);
    expect(rest.json.nextToken).toBeUndefined();
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
    expect(res.json).toEqual({
      id: checkpoints.shop!.id,
      name: checkpoints.shop!.name,
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
    expect((await api.call('GET', '/v1/units/hai-ha')).status).toBe(401);
    expect((await api.call('GET', '/v1/units/hai-ha/reports')).status).toBe(401);
  });

  it('answers 401 to a token signed with another key', async () => {
    const forged = `${admin.slice(0, admin.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`;
    expect((await api.call('GET', '/v1/units/hai-ha', { token: forged })).status).toBe(401);
  });

  it('answers 403 outside the token’s unit and lets it reach the units below', async () => {
    const manager = await api.as('unit-manager', 'quang-ha');
    expect((await api.call('GET', '/v1/units/quang-ha', { token: manager })).status).toBe(200);
    const other = await api.call('GET', '/v1/units/cai-chien', { token: manager });
    expect([other.status, other.json.error.code]).toEqual([403, 'forbidden']);
    const district = await api.as('unit-manager', 'hai-ha');
    expect((await api.call('GET', '/v1/units/cai-chien', { token: district })).status).toBe(200);
  });

  it('keeps every staff route inside the token’s unit', async () => {
    const manager = await api.as('unit-manager', 'cai-chien');
    const calls = [
      api.call('POST', '/v1/units/quang-ha/checkpoints', {
        token: manager,
        body: { kind: 'shop', placeName: 'x', address: 'y' },
      }),
      api.call('GET', '/v1/units/quang-ha/checkpoints', { token: manager }),
      api.call('GET', `/v1/checkpoints/${checkpoints.market!.id}/qr.svg`, { token: manager }),
      api.call('GET', '/v1/units/hai-ha/reports', { token: manager }),
      api.call('GET', `/v1/units/hai-ha/reports/${period.start}`, { token: manager }),
    ];
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
  });

  it('lets only an admin create units and run reports, and no tracer read reports', async () => {
    const manager = await api.as('unit-manager', 'quang-ninh');
    const unit = await api.call('POST', '/v1/units', {
      token: manager,
      body: { id: 'x', name: 'X', parentId: 'hai-ha' },
    });
    expect(unit.status).toBe(403);
    expect((await api.call('POST', '/v1/reports/weekly', { token: manager, body: {} })).status).toBe(403);
    expect((await api.call('GET', `/v1/reports/runs/${randomUUID()}`, { token: manager })).status).toBe(403);
    const tracer = await api.as('tracer', 'quang-ninh');
    expect((await api.call('GET', '/v1/units/hai-ha/reports', { token: tracer })).status).toBe(403);
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
      companions: 0,
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

  it('refuses a malformed check-in with 400 naming every bad field, echoing no phone, storing nothing', async () => {
    const before = await countCheckins();
    const res = await api.call('POST', '/v1/checkins', {
      body: { phone: '0912 345', direction: 'sideways' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'code',
      'direction',
      'phone',
    ]);
    expect(JSON.stringify(res.json)).not.toContain('0912 345');
    const phone = await checkin(checkpoints.market!.code, { phone: '12345' });
    expect(phone.json.error).toMatchObject({ code: 'invalid_phone', details: [{ path: 'phone' }] });
    const empty = await api.call('POST', '/v1/checkins', { raw: '' });
    expect(empty.status).toBe(400);
    expect(await countCheckins()).toBe(before);
  });

  it('refuses a check-in from the future, from before its checkpoint existed, or older than retention', async () => {
    const future = await checkin(checkpoints.market!.code, {
      at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect([future.status, future.json.error.details[0].path]).toEqual([400, 'at']);
    const early = await checkin(checkpoints.today!.code, { at: during(1) });
    expect([early.status, early.json.error.details[0].path]).toEqual([400, 'at']);
    const old = await checkin(checkpoints.market!.code, {
      at: new Date(Date.now() - 40 * 86_400_000).toISOString(),
    });
    expect(old.status).toBe(400);
  });

  it('answers 404 unknown_checkpoint to a code nobody registered', async () => {
    const res = await checkin('ZZZZ2222');
    expect([res.status, res.json.error.code]).toEqual([404, 'unknown_checkpoint']);
  });

  it('answers 415 to a body that is not JSON, 400 to broken JSON, 413 to a huge one', async () => {
    const text = await api.call('POST', '/v1/checkins', { raw: 'code=X', contentType: 'text/plain' });
    expect(text.status).toBe(415);
    const broken = await api.call('POST', '/v1/checkins', { raw: '{"code":' });
    expect([broken.status, broken.json.error.code]).toEqual([400, 'invalid_json']);
    const huge = await api.call('POST', '/v1/checkins', {
      raw: JSON.stringify({ code: 'x'.repeat(70_000) }),
    });
    expect(huge.status).toBe(413);
  });

  it('refuses an id its phone reused for a different check-in with 409', async () => {
    const id = randomUUID();
    expect((await checkin(checkpoints.market!.code, { id })).status).toBe(201);
    const other = await checkin(checkpoints.market!.code, { id, direction: 'out' });
    expect(other.status).toBe(409);
  });

  it('keeps check-ins findable for tracing: by checkpoint and local day, and by phone', async () => {
    const db = makeDynamoClient(stack.config);
    const query = (index: { name: string; pk: string }, value: string) =>
      db.send(
        new QueryCommand({
          TableName: stack.config.checkinsTable,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': index.pk },
          ExpressionAttributeValues: { ':pk': value },
        }),
      );
    const atGate = await query(
      CHECKINS_BY_CHECKPOINT,
      `cp#${checkpoints.factory!.id}#day#${localDay(new Date(during(4)))}`,
    );
    expect(atGate.Count).toBe(60);
    // By the phone's keyed hash, as tracing looks a phone up: the province's secret, never the number.
    const phoneHash = await makePhoneReader(stack.phones).hash('+84987654321');
    const person = await db.send(
      new QueryCommand({
        TableName: stack.config.checkinsTable,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': KEY.pk },
        ExpressionAttributeValues: { ':pk': keys.checkinsOfPhone(phoneHash) },
      }),
    );
    expect(person.Items!.map((i) => i.checkpointId)).toEqual([
      checkpoints.school!.id,
      checkpoints.school!.id,
    ]);
  });
});

describe('the weekly report', () => {
  it('reports per commune exactly what was posted, with a totals row, as XLSX, CSV and JSON', async () => {
    // Posted above at quang-ha: market 2, school 2, factory 60. Now one at the shop registered mid-week, one at
    // cai-chien, and one there outside the period, which must not count.
    expect((await checkin(checkpoints.newShop!.code, { at: during(5) })).status).toBe(201);
    expect((await checkin(checkpoints.shop!.code, { at: during(6) })).status).toBe(201);
    expect((await checkin(checkpoints.shop!.code, { at: new Date().toISOString() })).status).toBe(201);

    // POST answers 202 with the run's id; the run goes on in the background until the status route says so.
    const { run } = await runWeeklyReport(api, admin, { start: period.start });
    // Every unit: the province and the district list their units, the communes their checkpoints.
    expect(run).toMatchObject({ status: 'succeeded', units: 4, failed: [], period });
    for (const unitId of ['cai-chien', 'hai-ha', 'quang-ha', 'quang-ninh']) {
      const listed = await api.call('GET', `/v1/units/${unitId}/reports`, { token: admin });
      expect(JSON.stringify(listed.json), unitId).toContain(period.start);
    }

    const list = await api.call('GET', '/v1/units/hai-ha/reports', { token: admin });
    expect(list.json.items).toEqual([period]);

    const link = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}?format=json`, {
      token: admin,
    });
    expect(link.status).toBe(200);
    expect(Date.parse(link.json.expiresAt) - Date.now()).toBeGreaterThan(800_000);
    const report: any = await (await fetch(link.json.url)).json();
    const row = (id: string) => report.rows.find((r: { unitId: string }) => r.unitId === id);
    // quang-ha: three checkpoints from long ago and one from mid-week; the one created today is after the period.
    expect(row('quang-ha')).toMatchObject({
      checkpointsTotal: 4,
      checkpointsNew: 1,
      checkins: 65,
      activeCheckpoints: 4,
    });
    expect(row('cai-chien')).toMatchObject({
      checkpointsTotal: 1,
      checkpointsNew: 0,
      checkins: 1,
      activeCheckpoints: 1,
    });
    expect(report.totals).toMatchObject({
      checkpointsTotal: 5,
      checkpointsNew: 1,
      checkins: 66,
      activeCheckpoints: 5,
    });
    expect(report.totals.activeRatio).toBe(100);

    // The console reads the same stored file through the API (GET …/data): byte for byte the JSON download.
    const data = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}/data`, { token: admin });
    expect(data.status).toBe(200);
    expect(data.json).toEqual(report);
    const outside = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}/data`, {
      token: await api.as('unit-manager', 'cai-chien'),
    });
    expect(outside.status).toBe(403);
    const before = await api.call('GET', '/v1/units/hai-ha/reports/2021-01-07/data', { token: admin });
    expect(before.status).toBe(404);
    expect(before.json.error.code).toBe('unknown_report');

    const province = await api.call('GET', `/v1/units/quang-ninh/reports/${period.start}?format=json`, {
      token: admin,
    });
    const provinceReport: any = await (await fetch(province.json.url)).json();
    expect(provinceReport.rows).toEqual([expect.objectContaining({ unitId: 'hai-ha', ...report.totals })]);

    const xlsxLink = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}`, { token: admin });
    const xlsx = Buffer.from(await (await fetch(xlsxLink.json.url)).arrayBuffer());
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx as any);
    const rows: unknown[][] = [];
    workbook.worksheets[0]!.eachRow((r) => {
      rows.push((r.values as unknown[]).slice(1));
    });
    const header = rows.find((r) => r.includes('Đơn vị'))!;
    expect(header.slice(1)).toEqual(REPORT_COLUMNS.map((c) => c.header));
    expect(rows.at(-1)!.slice(1, 6)).toEqual(['Cộng', 5, 1, 66, 5]);

    const csvLink = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}?format=csv`, {
      token: admin,
    });
    const csv = Buffer.from(await (await fetch(csvLink.json.url)).arrayBuffer());
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('Xã Cái Chiên');
  });

  it('keeps no personal data in the daily counters', async () => {
    const db = makeDynamoClient(stack.config);
    const { Items } = await db.send(new ScanCommand({ TableName: stack.config.activityTable }));
    expect(Items!.length).toBeGreaterThan(0);
    // Counters (with their stream watermark) and the counting step's stream positions: nothing else.
    const [positions, counters] = [
      Items!.filter((i) => String(i.pk).startsWith('stream#')),
      Items!.filter((i) => !String(i.pk).startsWith('stream#')),
    ];
    expect(positions.length).toBeGreaterThan(0);
    for (const item of positions) {
      expect(Object.keys(item).sort()).toEqual(['after', 'afterOrder', 'ended', 'expiresAt', 'pk', 'sk']);
    }
    for (const item of counters) {
      expect(Object.keys(item).sort()).toEqual([
        'checkins',
        'checkpointId',
        'day',
        'people',
        'pk',
        'seq',
        'sk',
        'unitId',
      ]);
    }
  });

  it('runs for the last complete week without a body, and refuses a period that has not ended', async () => {
    const run = await fetch(`${stack.url}/v1/reports/weekly`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(run.status).toBe(202);
    const started = (await run.json()) as any;
    expect(started.period).toEqual(period);
    expect(started.runId).toMatch(/^[0-9a-f-]{36}$/);
    // Known from the first moment, as running or already done; an unknown run is a 404.
    const status = await api.call('GET', `/v1/reports/runs/${started.runId}`, { token: admin });
    expect([status.status, status.json.runId, status.json.period]).toEqual([200, started.runId, period]);
    expect(['running', 'succeeded']).toContain(status.json.status);
    // Followed to the end, so the run is not still writing when the next test runs (runWeeklyReport's loop).
    for (let i = 0; i < 600 && status.json?.status !== 'succeeded' && status.json?.status !== 'failed'; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      status.json = (await api.call('GET', `/v1/reports/runs/${started.runId}`, { token: admin })).json;
    }
    expect(status.json.status).toBe('succeeded');
    const unknown = await api.call('GET', `/v1/reports/runs/${randomUUID()}`, { token: admin });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'unknown_run']);
    const today = localDay(new Date());
    for (const start of [today, '2022-02-30']) {
      const res = await api.call('POST', '/v1/reports/weekly', { token: admin, body: { start } });
      expect([res.status, res.json.error.details[0].path]).toEqual([400, 'start']);
    }
  });

  it('answers 404 for a period with no report and 400 for a malformed start', async () => {
    expect((await api.call('GET', '/v1/units/hai-ha/reports/2020-01-01', { token: admin })).status).toBe(404);
    const bad = await api.call('GET', '/v1/units/hai-ha/reports/last-week', { token: admin });
    expect([bad.status, bad.json.error.details[0].path]).toEqual([400, 'start']);
  });
});

describe('batch check-ins', () => {
  it('answers each item, stores only the good ones once, and a replayed batch stores nothing', async () => {
    const before = await countCheckins();
    const good = { id: randomUUID(), code: checkpoints.newShop!.code, phone: '0911111111', at: during(6, 1) };
    const goodToo = {
      id: randomUUID(),
      code: checkpoints.newShop!.code,
      phone: '0922222222',
      at: during(6, 2),
    };
    const badPhoneId = randomUUID();
    const batch = {
      checkins: [
        good,
        { ...good }, // the same id again in the same batch
        { id: badPhoneId, code: checkpoints.newShop!.code, phone: '12345' },
        { code: 'ZZZZ2222', phone: '0912345678' },
        'not an object',
        goodToo,
      ],
    };
    const first = await api.call('POST', '/v1/checkins/batch', { body: batch });
    expect(first.status).toBe(200);
    const results = first.json.results as { index: number; status: string; error?: { code: string } }[];
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [0, expect.stringMatching(/^(created|duplicate)$/)],
      [1, expect.stringMatching(/^(created|duplicate)$/)],
      [2, 'rejected'],
      [3, 'rejected'],
      [4, 'rejected'],
      [5, 'created'],
    ]);
    expect(
      results
        .slice(0, 2)
        .map((r) => r.status)
        .sort(),
    ).toEqual(['created', 'duplicate']);
    expect(results[3]!.error!.code).toBe('unknown_checkpoint');
    // An item refused by its shape check is answered with the id it was sent with, so a phone knows which one.
    expect(results[2]).toMatchObject({ id: badPhoneId, error: { code: 'invalid_checkin' } });
    expect(await countCheckins()).toBe(before + 2);

    const replay = await api.call('POST', '/v1/checkins/batch', { body: batch });
    expect(replay.json.results.map((r: { status: string }) => r.status)).toEqual([
      'duplicate',
      'duplicate',
      'rejected',
      'rejected',
      'rejected',
      'duplicate',
    ]);
    expect(await countCheckins()).toBe(before + 2);
  });

  it('refuses more than 100 items with a 400', async () => {
    const items = Array.from({ length: 101 }, () => ({ code: checkpoints.shop!.code, phone: '0912345678' }));
    const res = await api.call('POST', '/v1/checkins/batch', { body: { checkins: items } });
    expect([res.status, res.json.error.details[0].path]).toEqual([400, 'checkins']);
  });
});
