import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * Exposure alerts through the API: A and B were at the market together, C came after the window, and a tracer
 * drafts an alert for the case's window there. The draft counts phones, never answers them.
 */

let stack: LocalStack;
let api: Client;
let tracer: string;
let caseId: string;
const cp: { id: string; code: string }[] = [];
const PHONES = { A: '0912000011', B: '0912000012', C: '0912000013' } as const;
const T = Date.now() - 6 * 3_600_000;
const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();

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
    { id: 'mong-cai', name: 'Thành phố Móng Cái', parentId: 'quang-ninh', kind: 'district' },
  ]) {
    expect((await api.call('POST', '/v1/units', { token: admin, body: unit })).status).toBe(201);
  }
  const createdAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
  for (const unitId of ['hai-ha', 'mong-cai']) {
    const imported = await api.call('POST', `/v1/units/${unitId}/checkpoints/import`, {
      token: admin,
      body: {
        checkpoints: [
          { kind: 'market', placeName: `Chợ ${unitId}`, address: 'Khu 1', ref: `a-${unitId}`, createdAt },
        ],
      },
    });
    cp.push(...imported.json.created);
  }
  await checkin('A', 0, 'in', 0);
  await checkin('B', 0, 'in', 10);
  await checkin('A', 0, 'out', 30);
  await checkin('B', 0, 'out', 40);
  await checkin('C', 0, 'in', 120);
  await checkin('C', 0, 'out', 130);
  tracer = await stack.token('tracer', 'hai-ha');
  const opened = await api.call('POST', '/v1/cases', {
    token: tracer,
    body: { ref: 'F0-201', reason: 'A dương tính', unitId: 'hai-ha' },
  });
  expect(opened.status).toBe(201);
  caseId = opened.json.id;
});

afterAll(async () => stack?.stop());

const draft = (token: string, extra: Record<string, unknown> = {}) =>
  api.call('POST', '/v1/alerts', {
    token,
    body: { caseId, checkpointIds: [cp[0]!.id], from: at(0), to: at(60), template: 'exposure', ...extra },
  });

describe('drafting an exposure alert', () => {
  it('counts the phones whose visits overlapped the window, A and B, not C who came later', async () => {
    const res = await draft(tracer);
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ id: expect.any(String), status: 'draft', recipients: 2 });
    expect(JSON.stringify(res.json)).not.toMatch(/0912/);
  });

  it('counts only visits that overlapped by the minimum: B (30 minutes) with 25, neither with 31', async () => {
    expect((await draft(tracer, { from: at(10), minOverlapMinutes: 25 })).json.recipients).toBe(1);
    expect((await draft(tracer, { minOverlapMinutes: 31 })).json.recipients).toBe(0);
  });

  it('counts C alone for a later window, and A, B and C over a longer one across two checkpoints', async () => {
    expect((await draft(tracer, { from: at(100), to: at(200) })).json.recipients).toBe(1);
    const admin = await api.as('admin', 'quang-ninh');
    const both = await draft(admin, { checkpointIds: [cp[0]!.id, cp[1]!.id], to: at(200) });
    expect(both.json.recipients).toBe(3);
  });

  it('refuses a checkpoint outside the scope (403), an unknown one and a window ending before it starts (400)', async () => {
    expect((await draft(tracer, { checkpointIds: [cp[1]!.id] })).status).toBe(403);
    const unknown = await draft(tracer, { checkpointIds: ['nope'] });
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'unknown_checkpoint']);
    expect((await draft(tracer, { to: at(-10) })).status).toBe(400);
    expect((await draft(tracer, { template: 'party' })).status).toBe(400);
  });

  it('refuses a unit manager and a request without a token', async () => {
    expect((await draft(await api.as('unit-manager', 'hai-ha'))).status).toBe(403);
    expect((await api.call('POST', '/v1/alerts', { body: {} })).status).toBe(401);
  });

  it('audits the draft as alert.draft with the alert id and the count, no number', async () => {
    const made = await draft(tracer);
    const admin = await api.as('admin', 'quang-ninh');
    const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const to = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    const res = await api.call('GET', `/v1/audit?from=${from}&to=${to}&caseId=${caseId}&limit=100`, {
      token: admin,
    });
    expect(res.status).toBe(200);
    const record = res.json.items.find((r: { target?: string }) => r.target === made.json.id);
    expect(record).toMatchObject({ action: 'alert.draft', caseId, results: 2, from: at(0), to: at(60) });
    expect(JSON.stringify(res.json)).not.toMatch(/0912/);
  });
});

describe('approving, cancelling and reading an alert', () => {
  it('refuses its author (403), moves it to sending for a second tracer, and changes nothing when approved again', async () => {
    const made = await draft(tracer);
    const id = made.json.id;
    const byAuthor = await api.call('POST', `/v1/alerts/${id}/approve`, { token: tracer });
    expect(byAuthor.status).toBe(403);
    const secondTracer = await stack.token('tracer', 'hai-ha', 'tracer-2');
    const approved = await api.call('POST', `/v1/alerts/${id}/approve`, { token: secondTracer });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({
      id,
      status: expect.stringMatching(/^(sending|sent)$/),
      recipients: 2,
    });
    const again = await api.call('POST', `/v1/alerts/${id}/approve`, { token: secondTracer });
    expect(again.status).toBe(200);
    const got = await api.call('GET', `/v1/alerts/${id}`, { token: tracer });
    expect(got.json).toMatchObject({
      id,
      caseId,
      approvedBy: 'tracer-2',
      recipients: 2,
      template: 'exposure',
    });
    expect(got.json).not.toHaveProperty('unitPath');
  });

  it('cancels a draft, which no approval moves afterwards', async () => {
    const id = (await draft(tracer)).json.id;
    const cancelled = await api.call('POST', `/v1/alerts/${id}/cancel`, { token: tracer });
    expect(cancelled.json).toEqual({ id, status: 'cancelled', recipients: 2, sent: 0 });
    const secondTracer = await stack.token('tracer', 'hai-ha', 'tracer-2');
    const approved = await api.call('POST', `/v1/alerts/${id}/approve`, { token: secondTracer });
    expect(approved.json.status).toBe('cancelled');
  });

  it('lists the alerts of the scope, and none to a tracer of another district', async () => {
    const id = (await draft(tracer)).json.id;
    const mine = await api.call('GET', '/v1/alerts?limit=100', { token: tracer });
    expect(mine.json.items.map((a: { id: string }) => a.id)).toContain(id);
    const other = await api.call('GET', '/v1/alerts', { token: await api.as('tracer', 'mong-cai') });
    expect(other.json.items).toEqual([]);
    expect(
      (await api.call('GET', `/v1/alerts/${id}`, { token: await api.as('tracer', 'mong-cai') })).status,
    ).toBe(403);
  });
});
