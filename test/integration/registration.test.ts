import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previousCompletePeriod } from '../../src/core/time.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, runWeeklyReport, testStack } from './stack.ts';

let stack: LocalStack;
let api: Client;
let admin: string;

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function xlsx(header: string[], rows: (string | number | Date)[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Điểm kiểm soát');
  sheet.addRow(header);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function post(path: string, body: Buffer | string, contentType: string, token = admin) {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
  return { status: res.status, json: (await res.json()) as any };
}

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
});

afterAll(async () => {
  await stack?.stop();
});

describe('unit trees', () => {
  it('imports a tree of any depth from CSV, parents in any row order, and a second time creates nothing', async () => {
    const csv = [
      'Mã,Tên đơn vị,Đơn vị cấp trên,Cấp,Mã hành chính',
      'quang-ha,Thị trấn Quảng Hà,hai-ha,commune,06862',
      'hai-ha,Huyện Hải Hà,quang-ninh,district,201',
      'khu-3,Khu 3,quang-ha,other,',
      'cai-chien,Xã Cái Chiên,hai-ha,commune,06898',
      'so-y-te,Sở Y tế,quang-ninh,sector,',
      'bad-kind,Xã X,hai-ha,village,',
      'orphan,Xã Y,no-such-unit,commune,',
    ].join('\r\n');
    const first = await post('/v1/units/import', csv, 'text/csv');
    expect(first.status).toBe(200);
    expect(first.json.created.map((c: { id: string }) => c.id).sort()).toEqual([
      'cai-chien',
      'hai-ha',
      'khu-3',
      'quang-ha',
      'so-y-te',
    ]);
    expect(first.json.rejected).toEqual([
      { row: 7, column: 'kind', message: expect.any(String) },
      { row: 8, column: 'parentId', message: expect.stringContaining('no-such-unit') },
    ]);
    const khu = await api.call('GET', '/v1/units/khu-3', { token: admin });
    expect(khu.json.path).toEqual(['quang-ninh', 'hai-ha', 'quang-ha', 'khu-3']);
    const quangHa = await api.call('GET', '/v1/units/quang-ha', { token: admin });
    expect(quangHa.json.code).toBe('06862');

    const again = await post('/v1/units/import', csv, 'text/csv');
    expect(again.json.created).toEqual([]);
    expect(again.json.existing).toHaveLength(5);
  });
});

describe('checkpoint import', () => {
  const header = [
    'unitId',
    'Loại hình',
    'Tên địa điểm',
    'Địa chỉ',
    'Tên điểm kiểm soát',
    'Mã tham chiếu',
    'Ngày tạo',
  ];
  const good = (i: number, unitId: string) => [
    unitId,
    i % 2 ? 'school' : 'Chợ',
    `Địa điểm ${i}`,
    `Thôn ${i}`,
    '',
    `ref-${i}`,
    '15/12/2021',
  ];

  it('creates a checkpoint per good row, rejects bad rows by row and column, and re-imports nothing twice', async () => {
    const rows = [
      ...Array.from({ length: 40 }, (_, i) => good(i, i % 2 ? 'quang-ha' : 'cai-chien')),
      ['no-such-unit', 'shop', 'A', 'B', '', 'ref-x1', ''],
      ['quang-ha', 'spaceport', 'A', 'B', '', 'ref-x2', ''],
      ['quang-ha', 'shop', 'A', 'B', '', 'ref-1', ''],
      ['quang-ha', 'shop', '', 'B', 'Chợ đêm', 'ref-x3', '31/02/2022'],
      ['quang-ha', 'shop', 'Quán nước', 'Khu 3', 'Quán nước cô Ba', 'ref-named', '15/12/2021'],
    ];
    const file = await xlsx(header, rows);
    const first = await post('/v1/units/hai-ha/checkpoints/import', file, XLSX);
    expect(first.status).toBe(200);
    expect(first.json.created).toHaveLength(41);
    expect(first.json.rejected).toEqual([
      { row: 42, column: 'unitId', message: expect.any(String) },
      { row: 43, column: 'kind', message: expect.any(String) },
      { row: 44, column: 'ref', message: 'The same ref as row 3' },
      { row: 45, column: 'placeName', message: 'Missing' },
      { row: 45, column: 'createdAt', message: expect.any(String) },
    ]);

    const again = await post('/v1/units/hai-ha/checkpoints/import', file, XLSX);
    expect(again.json.created).toEqual([]);
    expect(again.json.existing).toHaveLength(41);
    expect(again.json.existing.map((e: { id: string }) => e.id).sort()).toEqual(
      first.json.created.map((c: { id: string }) => c.id).sort(),
    );
  });

  it('keeps the registration date an import carries, and refuses one in the future', async () => {
    const listed = await api.call('GET', '/v1/units/quang-ha/checkpoints?limit=500&q=dia diem 1', {
      token: admin,
    });
    const one = listed.json.items.find((c: { ref: string }) => c.ref === 'ref-1');
    expect(one.createdAt).toBe('2021-12-14T17:00:00.000Z'); // 15/12/2021, local midnight
    const future = await api.call('POST', '/v1/units/quang-ha/checkpoints/import', {
      token: admin,
      body: { checkpoints: [{ kind: 'shop', placeName: 'X', address: 'Y', createdAt: '2999-01-01' }] },
    });
    expect(future.json.rejected).toEqual([{ row: 1, column: 'createdAt', message: expect.any(String) }]);
  });

  it('refuses an import outside the token’s unit', async () => {
    const manager = await api.as('unit-manager', 'cai-chien');
    const file = await xlsx(header, [good(99, 'cai-chien')]);
    expect((await post('/v1/units/hai-ha/checkpoints/import', file, XLSX, manager)).status).toBe(403);
    const csv = `unitId,kind,placeName,address\r\nquang-ha,shop,A,B\r\n`;
    const res = await post('/v1/units/cai-chien/checkpoints/import', csv, 'text/csv', manager);
    expect(res.json.rejected).toEqual([{ row: 2, column: 'unitId', message: expect.any(String) }]);
  });
});

describe('who may import units', () => {
  const csv = 'id,name,parentId,kind\r\nthon-moi,Thôn Mới,hai-ha,other\r\n';

  it('refuses a unit-manager of a commune importing under its district, and a tracer (403), storing nothing', async () => {
    const manager = await api.as('unit-manager', 'cai-chien');
    const tracer = await api.as('tracer', 'hai-ha');
    const communeAdmin = await api.as('admin', 'cai-chien');
    for (const token of [manager, tracer, communeAdmin]) {
      const res = await post('/v1/units/import', csv, 'text/csv', token);
      expect([res.status, res.json.error.code]).toEqual([403, 'forbidden']);
    }
    expect((await api.call('GET', '/v1/units/thon-moi', { token: admin })).status).toBe(404);
  });

  it('takes a unit kind in Vietnamese', async () => {
    const res = await post(
      '/v1/units/import',
      'id,name,parentId,kind\r\nphuong-1,Phường 1,hai-ha,Phường\r\n',
      'text/csv',
    );
    expect(res.json.created).toEqual([{ row: 2, id: 'phuong-1' }]);
    expect((await api.call('GET', '/v1/units/phuong-1', { token: admin })).json.kind).toBe('commune');
  });
});

describe('kinds of place', () => {
  it('stores a kind given by its Vietnamese label as its id', async () => {
    const res = await api.call('POST', '/v1/units/quang-ha/checkpoints', {
      token: admin,
      body: { kind: 'Nhà máy', placeName: 'Xưởng may Hà Phong', address: 'KCN Cảng Hải Hà' },
    });
    expect([res.status, res.json.kind, res.json.name]).toEqual([
      201,
      'factory',
      'Nhà máy - Xưởng may Hà Phong - KCN Cảng Hải Hà',
    ]);
  });

  it('refuses an unknown kind with a 400 naming the field and listing the kinds it takes', async () => {
    const res = await api.call('POST', '/v1/units/quang-ha/checkpoints', {
      token: admin,
      body: { kind: 'spaceport', placeName: 'X', address: 'Y' },
    });
    expect([res.status, res.json.error.code, res.json.error.details[0].path]).toEqual([
      400,
      'invalid_request',
      'kind',
    ]);
    expect(res.json.error.details[0].message).toContain('state-office (Cơ quan)');
    expect(res.json.error.details[0].message).toContain('factory (Nhà máy)');
    const listed = await api.call('GET', '/v1/units/quang-ha/checkpoints?limit=500&q=X', { token: admin });
    expect(listed.json.items.filter((c: { placeName: string }) => c.placeName === 'X')).toEqual([]);
  });
});

describe('the naming rule', () => {
  it('names a checkpoint created from fields by the rule', async () => {
    const res = await api.call('POST', '/v1/units/quang-ha/checkpoints', {
      token: admin,
      body: { kind: 'restaurant', placeName: 'Quán phở Hương', address: 'Khu 2', ref: 'pho-huong' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'Nhà hàng - Quán phở Hương - Khu 2', followsNamingRule: true });
    const retry = await api.call('POST', '/v1/units/quang-ha/checkpoints', {
      token: admin,
      body: { kind: 'restaurant', placeName: 'Quán phở Hương', address: 'Khu 2', ref: 'pho-huong' },
    });
    expect([retry.status, retry.json.id]).toEqual([200, res.json.id]);
  });

  it('lists an imported name that breaks the rule with the name the rule would give it', async () => {
    const res = await api.call('GET', '/v1/units/quang-ha/naming-violations', { token: admin });
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual([
      expect.objectContaining({ name: 'Quán nước cô Ba', canonicalName: 'Cửa hàng - Quán nước - Khu 3' }),
    ]);
    const filtered = await api.call('GET', '/v1/units/quang-ha/checkpoints?namingViolation=true', {
      token: admin,
    });
    expect(filtered.json.items.map((c: { name: string }) => c.name)).toEqual(['Quán nước cô Ba']);
  });

  it('counts the names that break the rule in the weekly report', async () => {
    const { start } = previousCompletePeriod(new Date());
    expect((await runWeeklyReport(api, admin, { start })).run.status).toBe('succeeded');
    const link = await api.call('GET', `/v1/units/hai-ha/reports/${start}?format=json`, { token: admin });
    if (link.status !== 200) throw new Error(JSON.stringify(link.json));
    const report: any = await (await fetch(link.json.url)).json();
    const row = report.rows.find((r: { unitId: string }) => r.unitId === 'quang-ha');
    expect(row.namingViolations).toBe(1);
    expect(report.totals.namingViolations).toBe(1);
  });
});

describe('codes and listing', () => {
  it('rotates a code: the old one answers 404, the new one checks in', async () => {
    const created = await api.call('POST', '/v1/units/cai-chien/checkpoints', {
      token: admin,
      body: { kind: 'market', placeName: 'Chợ Cái Chiên', address: 'Thôn 1' },
    });
    const rotated = await api.call('POST', `/v1/checkpoints/${created.json.id}/rotate-code`, {
      token: admin,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.code).not.toBe(created.json.code);
    expect((await api.call('GET', `/v1/checkpoints/by-code/${created.json.code}`)).status).toBe(404);
    const old = await api.call('POST', '/v1/checkins', {
      body: { code: created.json.code, phone: '0912345678' },
    });
    expect([old.status, old.json.error.code]).toEqual([404, 'unknown_checkpoint']);
    const fresh = await api.call('POST', '/v1/checkins', {
      body: { code: rotated.json.code, phone: '0912345678' },
    });
    expect(fresh.status).toBe(201);
  });

  it('deactivates a checkpoint: its code stops, it is listed as inactive', async () => {
    const created = await api.call('POST', '/v1/units/cai-chien/checkpoints', {
      token: admin,
      body: { kind: 'hotel', placeName: 'Nhà nghỉ Bình An', address: 'Thôn 2' },
    });
    const off = await api.call('POST', `/v1/checkpoints/${created.json.id}/deactivate`, { token: admin });
    expect([off.status, off.json.active]).toEqual([200, false]);
    // Its page says it is closed, by name; a check-in with its code is refused.
    const page = await api.call('GET', `/v1/checkpoints/by-code/${created.json.code}`);
    expect([page.status, page.json.name, page.json.active]).toEqual([200, created.json.name, false]);
    const refused = await api.call('POST', '/v1/checkins', {
      body: { code: created.json.code, phone: '0912345678' },
    });
    expect([refused.status, refused.json.error.code]).toEqual([404, 'unknown_checkpoint']);
    const inactive = await api.call('GET', '/v1/units/cai-chien/checkpoints?active=false', { token: admin });
    expect(inactive.json.items.map((c: { id: string }) => c.id)).toEqual([created.json.id]);
  });

  it('filters by kind and finds names without diacritics', async () => {
    const hotels = await api.call('GET', '/v1/units/cai-chien/checkpoints?kind=hotel', { token: admin });
    expect(hotels.json.items.map((c: { kind: string }) => c.kind)).toEqual(['hotel']);
    const found = await api.call('GET', '/v1/units/cai-chien/checkpoints?q=cho cai chien', { token: admin });
    expect(found.json.items.map((c: { placeName: string }) => c.placeName)).toEqual(['Chợ Cái Chiên']);
  });
});
