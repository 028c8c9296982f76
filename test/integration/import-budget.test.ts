import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * An import larger than one request's time, through the local HTTP server: a short budget (IMPORT_BUDGET_MS, read
 * when the import function first loads) stands in for 7,000 rows against API Gateway's 30 s (bench/import.ts runs
 * those). The file is sent again while rows come back pending.
 */
const ROWS = 200;
const BUDGET_MS = '1000';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let stack: LocalStack;
let api: Client;
let admin: string;
const budgetBefore = process.env.IMPORT_BUDGET_MS;

beforeAll(async () => {
  process.env.IMPORT_BUDGET_MS = BUDGET_MS;
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
      ],
    },
  });
  expect(units.json.created).toHaveLength(3);
});

afterAll(async () => {
  await stack?.stop();
  if (budgetBefore === undefined) delete process.env.IMPORT_BUDGET_MS;
  else process.env.IMPORT_BUDGET_MS = budgetBefore;
});

async function workbook(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Điểm kiểm soát');
  sheet.addRow(['Mã đơn vị', 'Loại hình', 'Tên địa điểm', 'Địa chỉ', 'Mã tham chiếu']);
  for (let i = 0; i < ROWS; i++) {
    sheet.addRow([
      i % 2 ? 'quang-ha' : 'cai-chien',
      i % 3 ? 'shop' : 'Nhà máy',
      `Địa điểm ${i}`,
      'Thôn 1',
      `r-${i}`,
    ]);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

async function upload(file: Buffer) {
  const res = await fetch(`${stack.url}/v1/units/hai-ha/checkpoints/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': XLSX },
    body: file,
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe('an import larger than a request’s time', () => {
  it('answers the rest pending, never a 5xx; resent until nothing is pending, it creates every row once', async () => {
    const file = await workbook();
    const statuses: number[] = [];
    const created = new Set<number>();
    let pending = Number.POSITIVE_INFINITY;
    for (let sends = 0; pending > 0 && sends < 30; sends++) {
      const { status, json } = await upload(file);
      statuses.push(status);
      expect(json.rejected).toEqual([]);
      for (const c of json.created) {
        expect(created.has(c.row)).toBe(false);
        created.add(c.row);
      }
      pending = json.pending.length;
    }
    expect(pending).toBe(0);
    // How many sends it took depends on how fast DynamoDB Local is at that moment (one, on an idle machine): the
    // budget's cut itself is tested deterministically in test/unit/import.test.ts with a slow store.
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(created.size).toBe(ROWS);

    const listed = await Promise.all(
      ['quang-ha', 'cai-chien'].map((unit) =>
        api.call('GET', `/v1/units/${unit}/checkpoints?limit=500`, { token: admin }),
      ),
    );
    const refs = listed.flatMap((l) => l.json.items.map((c: { ref: string }) => c.ref));
    expect([refs.length, new Set(refs).size]).toEqual([ROWS, ROWS]);
  }, 120_000);

  it('creates nothing on a second upload of the same file', async () => {
    const again = await upload(await workbook());
    expect(again.status).toBe(200);
    expect([again.json.created.length, again.json.existing.length, again.json.pending.length]).toEqual([
      0,
      ROWS,
      0,
    ]);
  });
});
