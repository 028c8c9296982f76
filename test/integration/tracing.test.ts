import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * The day a case is confirmed, through the API: A and B were at one checkpoint together for 20 minutes, C came
 * after them, and D was with B later at another place. Every query names an open case of the tracer's scope and
 * leaves an audit record with no number in it.
 */

let stack: LocalStack;
let api: Client;
let tracer: string;
let caseId: string;
const cp: { id: string; code: string }[] = [];
const PHONES = { A: '0912000001', B: '0912000002', C: '0912000003', D: '0912000004' } as const;
const T = Date.now() - 6 * 3_600_000;
const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();
const window = `from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(300))}`;

async function checkin(who: keyof typeof PHONES, where: number, direction: 'in' | 'out', minutes: number) {
  const res = await api.call('POST', '/v1/checkins', {
    body: { id: randomUUID(), code: cp[where]!.code, phone: PHONES[who], direction, at: at(minutes) },
  });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  const admin = await api.as('admin', 'quang-ninh');
  for (const unit of [
    { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' },
    { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
    { id: 'mong-cai', name: 'Thành phố Móng Cái', parentId: 'quang-ninh', kind: 'district' },
  ]) {
    expect((await api.call('POST', '/v1/units', { token: admin, body: unit })).status).toBe(201);
  }
  // Registered two days ago (the scans below are older than a checkpoint made now could be).
  const createdAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const imported = await api.call('POST', '/v1/units/quang-ha/checkpoints/import', {
    token: admin,
    body: {
      checkpoints: ['Chợ Quảng Hà', 'Nhà máy may Hải Hà'].map((placeName, i) => ({
        kind: 'market',
        placeName,
        address: 'Khu 1',
        ref: `t-${i}`,
        createdAt,
      })),
    },
  });
  cp.push(...imported.json.created);
  await checkin('A', 0, 'in', 0);
  await checkin('B', 0, 'in', 10);
  await checkin('A', 0, 'out', 30);
  await checkin('B', 0, 'out', 30);
  await checkin('C', 0, 'in', 40);
  await checkin('C', 0, 'out', 60);
  await checkin('B', 1, 'in', 100);
  await checkin('D', 1, 'in', 110);
  await checkin('B', 1, 'out', 160);
  await checkin('D', 1, 'out', 170);
  tracer = await stack.token('tracer', 'hai-ha');
  const opened = await api.call('POST', '/v1/cases', {
    token: tracer,
    body: { ref: 'F0-117', reason: 'A dương tính', unitId: 'quang-ha' },
  });
  caseId = opened.json.id;
});

afterAll(async () => stack?.stop());

const phonesOf = (items: { phone: string }[]) => items.map((i) => i.phone).sort();

describe('tracing within a case', () => {
  it("lists A's contacts: B with the 20 minutes they overlapped, not C", async () => {
    const res = await api.call('GET', `/v1/phones/${PHONES.A}/contacts?caseId=${caseId}&${window}`, {
      token: tracer,
    });
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual([
      {
        phone: PHONES.B,
        checkpointId: cp[0]!.id,
        checkpointName: expect.stringContaining('Chợ Quảng Hà'),
        unitId: 'quang-ha',
        from: at(10),
        to: at(30),
        overlapMinutes: 20,
        companions: 0,
        ring: 1,
      },
    ]);
  });

  it('takes the phone in any form a person types it', async () => {
    const res = await api.call(
      'GET',
      `/v1/phones/${encodeURIComponent('+84 912 000 001')}/contacts?caseId=${caseId}&${window}`,
      {
        token: tracer,
      },
    );
    expect(phonesOf(res.json.items)).toEqual([PHONES.B]);
  });

  it('asks the second ring on request: D, met by B later elsewhere, via B', async () => {
    const res = await api.call('GET', `/v1/phones/${PHONES.A}/contacts?caseId=${caseId}&${window}&ring=2`, {
      token: tracer,
    });
    expect(
      res.json.items.map((i: { phone: string; ring: number; via?: string }) => [i.phone, i.ring, i.via]),
    ).toEqual([
      [PHONES.B, 1, undefined],
      [PHONES.D, 2, PHONES.B],
    ]);
  });

  it('honours a smaller minimum overlap than the province default (15 minutes)', async () => {
    const strict = await api.call(
      'GET',
      `/v1/phones/${PHONES.A}/contacts?caseId=${caseId}&${window}&minOverlapMinutes=21`,
      {
        token: tracer,
      },
    );
    expect(strict.json.items).toEqual([]);
  });

  it('lists who was at the checkpoint: visits with in and out, not scans', async () => {
    const res = await api.call('GET', `/v1/checkpoints/${cp[0]!.id}/visitors?caseId=${caseId}&${window}`, {
      token: tracer,
    });
    expect(res.status).toBe(200);
    expect(
      res.json.items.map((v: { phone: string; in: string; out: string }) => [v.phone, v.in, v.out]),
    ).toEqual([
      [PHONES.A, at(0), at(30)],
      [PHONES.B, at(10), at(30)],
      [PHONES.C, at(40), at(60)],
    ]);
  });

  it('lists where B went', async () => {
    const res = await api.call('GET', `/v1/phones/${PHONES.B}/visits?caseId=${caseId}&${window}`, {
      token: tracer,
    });
    expect(res.json.items.map((v: { checkpointId: string; in: string }) => [v.checkpointId, v.in])).toEqual([
      [cp[0]!.id, at(10)],
      [cp[1]!.id, at(100)],
    ]);
  });
});

describe('the export for the case file', () => {
  it('answers a short-lived signed link to an XLSX of the contacts, every cell text or a number', async () => {
    const res = await api.call(
      'GET',
      `/v1/phones/${PHONES.A}/contacts?caseId=${caseId}&${window}&format=xlsx`,
      {
        token: tracer,
      },
    );
    expect(res.status).toBe(200);
    expect(Date.parse(res.json.expiresAt)).toBeGreaterThan(Date.now());
    const file = await fetch(res.json.url);
    expect(file.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await file.arrayBuffer()) as never);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getCell('A1').value).toBe(`Những người tiếp xúc với ${PHONES.A}`);
    expect(sheet.getRow(5).values).toEqual([
      undefined,
      PHONES.B,
      1,
      '',
      expect.stringContaining('Chợ Quảng Hà'),
      expect.stringMatching(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/),
      expect.any(String),
      20,
      0,
    ]);
  });
});

describe('what a tracing query refuses', () => {
  it('a query without a case: 400 naming caseId', async () => {
    const res = await api.call('GET', `/v1/phones/${PHONES.A}/contacts?${window}`, { token: tracer });
    expect([res.status, res.json.error.details.map((d: { path: string }) => d.path)]).toEqual([
      400,
      ['caseId'],
    ]);
  });

  it("another district's tracer: 403, for the case and for the checkpoint", async () => {
    const other = await stack.token('tracer', 'mong-cai');
    const byCase = await api.call('GET', `/v1/phones/${PHONES.A}/contacts?caseId=${caseId}&${window}`, {
      token: other,
    });
    expect(byCase.status).toBe(403);
    const theirs = await api.call('POST', '/v1/cases', { token: other, body: { ref: 'x', reason: 'y' } });
    const byCheckpoint = await api.call(
      'GET',
      `/v1/checkpoints/${cp[0]!.id}/visitors?caseId=${theirs.json.id}&${window}`,
      {
        token: other,
      },
    );
    expect(byCheckpoint.status).toBe(403);
  });

  it('a unit manager: 403', async () => {
    const manager = await stack.token('unit-manager', 'hai-ha');
    const res = await api.call('GET', `/v1/phones/${PHONES.A}/visits?caseId=${caseId}&${window}`, {
      token: manager,
    });
    expect(res.status).toBe(403);
  });

  it('a window past the retention period, and a phone that is not a mobile number: 400 naming each', async () => {
    const old = `from=${encodeURIComponent(new Date(Date.now() - 40 * 86_400_000).toISOString())}&to=${encodeURIComponent(at(0))}`;
    const res = await api.call('GET', `/v1/phones/12345/contacts?caseId=${caseId}&${old}`, { token: tracer });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['from', 'phone']);
  });
});

describe('the audit of tracing', () => {
  it('lists every query with its case, who asked and how many answered, and no phone number in any form', async () => {
    const admin = await stack.token('admin', 'hai-ha');
    const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const to = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    const res = await api.call('GET', `/v1/audit?from=${from}&to=${to}&caseId=${caseId}`, { token: admin });
    const actions = res.json.items.map((r: { action: string; results?: number }) => [r.action, r.results]);
    expect(actions).toEqual([
      ['case.open', 1],
      ['trace.contacts', 1],
      ['trace.contacts', 1],
      ['trace.contacts', 2],
      ['trace.contacts', 0],
      ['trace.visitors', 3],
      ['trace.visits', 2],
      ['trace.export', 1],
    ]);
    const text = JSON.stringify(res.json);
    for (const phone of Object.values(PHONES)) {
      for (const form of [phone, `+84${phone.slice(1)}`, `84${phone.slice(1)}`, phone.slice(1)]) {
        expect(text).not.toContain(form);
      }
    }
    // The same person is the same keyed hash, whatever form the number was typed in.
    const targets = res.json.items
      .filter((r: { action: string }) => r.action === 'trace.contacts')
      .map((r: { target: string }) => r.target);
    expect(new Set(targets).size).toBe(1);
  });

  it('a closed case answers no more queries', async () => {
    await api.call('POST', `/v1/cases/${caseId}/close`, { token: tracer });
    const res = await api.call('GET', `/v1/phones/${PHONES.A}/contacts?caseId=${caseId}&${window}`, {
      token: tracer,
    });
    expect([res.status, res.json.error.code, res.json.error.details[0].path]).toEqual([
      400,
      'case_closed',
      'caseId',
    ]);
  });
});
