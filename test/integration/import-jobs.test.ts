import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile as importWithCli } from '../../src/local/import-cli.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * Imports as jobs through the local stack: POST /v1/imports, the file PUT to its presigned URL (s3rver), the
 * job run by the local stand-in of the queue in short passes (LOCAL_IMPORT_PASS_MS, read when the import
 * functions first load) so it goes on over several, and GET /v1/imports/{id} followed to the end.
 */
const ROWS = 600;

let stack: LocalStack;
let api: Client;
let admin: string;
const passBefore = process.env.LOCAL_IMPORT_PASS_MS;

beforeAll(async () => {
  process.env.LOCAL_IMPORT_PASS_MS = '200';
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  const units = await api.call('POST', '/v1/units/import', {
    token: admin,
    body: {
      units: [
        { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'huyện' },
        { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'thị trấn' },
        { id: 'cai-chien', name: 'Xã Cái Chiên', parentId: 'hai-ha', kind: 'xã' },
        { id: 'tien-yen', name: 'Huyện Tiên Yên', parentId: 'quang-ninh', kind: 'huyện' },
      ],
    },
  });
  expect(units.json.created).toHaveLength(4);
});

afterAll(async () => {
  await stack?.stop();
  if (passBefore === undefined) delete process.env.LOCAL_IMPORT_PASS_MS;
  else process.env.LOCAL_IMPORT_PASS_MS = passBefore;
});

/** Every 10th row has no address (rejected); every 3rd has no ref (matched by its row's id when sent again). */
async function workbook(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Điểm kiểm soát');
  sheet.addRow(['Mã đơn vị', 'Loại hình', 'Tên địa điểm', 'Địa chỉ', 'Mã tham chiếu']);
  for (let i = 0; i < ROWS; i++) {
    sheet.addRow([
      unitOf(i),
      i % 4 ? 'shop' : 'Nhà máy',
      `Địa điểm ${i}`,
      i % 10 === 9 ? '' : 'Thôn 1',
      i % 3 === 2 ? '' : `r-${i}`,
    ]);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
const REJECTED = ROWS / 10;
const unitOf = (i: number) => (i % 2 ? 'quang-ha' : 'cai-chien');
/** The rows of the file a unit gets: its share, less its rejected rows. */
const storedAt = (unitId: string) =>
  Array.from({ length: ROWS }, (_, i) => i).filter((i) => unitOf(i) === unitId && i % 10 !== 9).length;

async function importFile(token: string, file: Buffer, body: Record<string, string>) {
  const started = await api.call('POST', '/v1/imports', { token, body });
  expect(started.status, JSON.stringify(started.json)).toBe(201);
  const { importId, upload } = started.json;
  const put = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: file });
  expect(put.status).toBe(200);
  return follow(token, importId);
}

async function follow(token: string, importId: string) {
  const deadline = Date.now() + 120_000;
  const positions: number[] = [];
  for (;;) {
    const res = await api.call('GET', `/v1/imports/${importId}`, { token });
    expect(res.status).toBe(200);
    positions.push(res.json.position);
    if (res.json.status === 'succeeded' || res.json.status === 'failed') return { job: res.json, positions };
    if (Date.now() > deadline) throw new Error(`Import ${importId} still ${res.json.status} after 120 s`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function checkpointsUnder(unitId: string): Promise<number> {
  let count = 0;
  let next: string | undefined;
  do {
    const res = await api.call(
      'GET',
      `/v1/units/${unitId}/checkpoints?limit=200${next ? `&nextToken=${encodeURIComponent(next)}` : ''}`,
      { token: admin },
    );
    expect(res.status).toBe(200);
    count += res.json.items.length;
    next = res.json.nextToken;
  } while (next);
  return count;
}

describe('an import job', () => {
  it('takes a file straight to storage and registers its rows over several passes, row errors by row and column', async () => {
    const manager = await api.as('unit-manager', 'hai-ha');
    const { job, positions } = await importFile(manager, await workbook(), {
      what: 'checkpoints',
      unitId: 'hai-ha',
      format: 'xlsx',
    });
    expect(job).toMatchObject({
      status: 'succeeded',
      rows: ROWS,
      position: ROWS,
      created: ROWS - REJECTED,
      existing: 0,
      rejectedRows: REJECTED,
      pending: [],
      unitId: 'hai-ha',
      what: 'checkpoints',
    });
    expect(job.problems).toHaveLength(REJECTED);
    // Row 11 of the sheet is data row 10 (i = 9): its address is missing.
    expect(job.problems[0]).toEqual({ row: 11, column: 'address', message: 'Missing' });
    // Progress is seen on the way: the record moves on chunk by chunk, and never back.
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(await checkpointsUnder('quang-ha')).toBe(storedAt('quang-ha'));
    expect(await checkpointsUnder('cai-chien')).toBe(storedAt('cai-chien'));
  });

  it('stores nothing twice when the same file is uploaded again, rows without a ref included', async () => {
    const { job } = await importFile(admin, await workbook(), {
      what: 'checkpoints',
      unitId: 'hai-ha',
      format: 'xlsx',
    });
    expect(job).toMatchObject({ status: 'succeeded', created: 0, existing: ROWS - REJECTED });
    expect(await checkpointsUnder('quang-ha')).toBe(storedAt('quang-ha'));
    expect(await checkpointsUnder('cai-chien')).toBe(storedAt('cai-chien'));
  });

  it('imports units, parents anywhere in the file', async () => {
    const csv =
      'id,name,parentId,kind\nha-lau,Xã Hà Lâu,tien-yen,xã\nbinh-lieu,Huyện Bình Liêu,quang-ninh,huyện\n';
    const { job } = await importFile(admin, Buffer.from(csv), { what: 'units', format: 'csv' });
    expect(job).toMatchObject({ status: 'succeeded', rows: 2, created: 2, rejectedRows: 0 });
    expect((await api.call('GET', '/v1/units/ha-lau', { token: admin })).status).toBe(200);
  });

  it('fails as a whole, saying why, on a file it cannot read, and creates nothing', async () => {
    const { job } = await importFile(admin, Buffer.from('just,some,words\n1,2,3\n'), {
      what: 'checkpoints',
      unitId: 'tien-yen',
      format: 'csv',
    });
    expect(job.status).toBe('failed');
    expect(job.error.details[0].path).toBe('body');
    expect(await checkpointsUnder('tien-yen')).toBe(0);
  });
});

describe('vaora import', () => {
  it('imports a file as a job and says what it created and which rows it refused', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vaora-cli-')), 'diem.csv');
    const lines = ['Loại hình,Tên địa điểm,Địa chỉ,Mã tham chiếu'];
    for (let i = 0; i < 5; i++) lines.push(`shop,Quầy ${i},Chợ Cái Chiên,cli-${i}`);
    lines.push('shop,Quầy không địa chỉ,,cli-x');
    writeFileSync(file, lines.join('\n'));
    const options = { url: stack.url, token: admin, file, what: 'checkpoints' as const, unitId: 'cai-chien' };
    const first = await importWithCli(options);
    expect(first).toMatchObject({ status: 'succeeded', rows: 6, created: 5, rejectedRows: 1 });
    expect(first.problems).toEqual([{ row: 7, column: 'address', message: 'Missing' }]);
    expect(await importWithCli(options)).toMatchObject({ status: 'succeeded', created: 0, existing: 5 });
  });
});

describe('starting and following an import', () => {
  it('answers 400 naming the field for a missing unit or an unknown format, and stores no job', async () => {
    const noUnit = await api.call('POST', '/v1/imports', {
      token: admin,
      body: { what: 'checkpoints', format: 'xlsx' },
    });
    expect(noUnit.status).toBe(400);
    expect(noUnit.json.error.details.map((d: { path: string }) => d.path)).toEqual(['unitId']);
    const format = await api.call('POST', '/v1/imports', {
      token: admin,
      body: { what: 'checkpoints', unitId: 'hai-ha', format: 'pdf' },
    });
    expect(format.status).toBe(400);
    expect(format.json.error.details.map((d: { path: string }) => d.path)).toEqual(['format']);
  });

  it('refuses a unit outside the token’s scope, and a role that may not import (403)', async () => {
    const commune = await api.as('unit-manager', 'cai-chien');
    const district = await api.call('POST', '/v1/imports', {
      token: commune,
      body: { what: 'checkpoints', unitId: 'hai-ha', format: 'xlsx' },
    });
    expect(district.status).toBe(403);
    const tracer = await api.as('tracer', 'quang-ninh');
    const traced = await api.call('POST', '/v1/imports', {
      token: tracer,
      body: { what: 'checkpoints', unitId: 'hai-ha', format: 'xlsx' },
    });
    expect(traced.status).toBe(403);
    const units = await api.call('POST', '/v1/imports', {
      token: commune,
      body: { what: 'units', format: 'csv' },
    });
    expect(units.status).toBe(403);
  });

  it('shows a job only within the token’s scope, and 404 for one that does not exist', async () => {
    const started = await api.call('POST', '/v1/imports', {
      token: admin,
      body: { what: 'checkpoints', unitId: 'cai-chien', format: 'csv' },
    });
    expect(started.json).toMatchObject({
      status: 'waiting',
      upload: { method: 'PUT', headers: { 'content-type': 'text/csv' } },
    });
    const other = await api.as('unit-manager', 'tien-yen');
    expect((await api.call('GET', `/v1/imports/${started.json.importId}`, { token: other })).status).toBe(
      403,
    );
    const own = await api.as('unit-manager', 'cai-chien');
    const seen = await api.call('GET', `/v1/imports/${started.json.importId}`, { token: own });
    expect(seen.json).toMatchObject({ status: 'waiting', position: 0, by: expect.any(String) });
    expect(seen.json.principal).toBeUndefined();
    const unknown = await api.call('GET', '/v1/imports/00000000-0000-4000-8000-000000000000', {
      token: admin,
    });
    expect(unknown.status).toBe(404);
  });
});
