import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/** Cases and the audit trail through the local API: who may open, see and close a case, and who reads the audit. */

let stack: LocalStack;
let api: Client;
let admin: string;
let tracer: string;
let otherTracer: string;
const started = new Date(Date.now() - 60_000).toISOString();

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  for (const unit of [
    { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' },
    { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
    { id: 'mong-cai', name: 'Thành phố Móng Cái', parentId: 'quang-ninh', kind: 'district' },
  ]) {
    expect((await api.call('POST', '/v1/units', { token: admin, body: unit })).status).toBe(201);
  }
  tracer = await stack.token('tracer', 'hai-ha');
  otherTracer = await stack.token('tracer', 'mong-cai');
});

afterAll(async () => stack?.stop());

describe('cases', () => {
  let caseId: string;

  it('a tracer opens a case in a unit of their scope', async () => {
    const res = await api.call('POST', '/v1/cases', {
      token: tracer,
      body: { ref: 'F0-2026-117', reason: 'Ca dương tính tại chợ Quảng Hà', unitId: 'quang-ha' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ref: 'F0-2026-117',
      reason: 'Ca dương tính tại chợ Quảng Hà',
      unitId: 'quang-ha',
      openedBy: 'local-tracer',
      openedAt: expect.any(String),
      status: 'open',
    });
    caseId = res.json.id;
  });

  it("defaults to the token's own unit", async () => {
    const res = await api.call('POST', '/v1/cases', {
      token: otherTracer,
      body: { ref: 'OD-1', reason: 'Ổ dịch' },
    });
    expect([res.status, res.json.unitId]).toEqual([201, 'mong-cai']);
  });

  it('names each missing field, and stores nothing', async () => {
    const res = await api.call('POST', '/v1/cases', { token: tracer, body: { unitId: 'quang-ha' } });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['reason', 'ref']);
    const listed = await api.call('GET', '/v1/cases', { token: tracer });
    expect(listed.json.items.map((c: { ref: string }) => c.ref)).toEqual(['F0-2026-117']);
  });

  it('refuses a unit manager (403) and a unit outside the scope (403)', async () => {
    const manager = await stack.token('unit-manager', 'hai-ha');
    const byManager = await api.call('POST', '/v1/cases', {
      token: manager,
      body: { ref: 'x', reason: 'y' },
    });
    expect(byManager.status).toBe(403);
    const elsewhere = await api.call('POST', '/v1/cases', {
      token: tracer,
      body: { ref: 'x', reason: 'y', unitId: 'mong-cai' },
    });
    expect(elsewhere.status).toBe(403);
  });

  it("shows a case to its unit's tracers and those above, never to another district", async () => {
    expect((await api.call('GET', `/v1/cases/${caseId}`, { token: tracer })).status).toBe(200);
    expect((await api.call('GET', `/v1/cases/${caseId}`, { token: admin })).json.ref).toBe('F0-2026-117');
    expect((await api.call('GET', `/v1/cases/${caseId}`, { token: otherTracer })).status).toBe(403);
    const theirs = await api.call('GET', '/v1/cases', { token: otherTracer });
    expect(theirs.json.items.map((c: { ref: string }) => c.ref)).toEqual(['OD-1']);
    const all = await api.call('GET', '/v1/cases', { token: admin });
    expect(all.json.items.map((c: { ref: string }) => c.ref)).toEqual(['OD-1', 'F0-2026-117']);
  });

  it('closes a case once; closing again changes nothing', async () => {
    const closed = await api.call('POST', `/v1/cases/${caseId}/close`, { token: tracer });
    expect(closed.json).toMatchObject({ status: 'closed', closedBy: 'local-tracer' });
    const again = await api.call('POST', `/v1/cases/${caseId}/close`, { token: admin });
    expect(again.json).toMatchObject({
      status: 'closed',
      closedBy: 'local-tracer',
      closedAt: closed.json.closedAt,
    });
    const open = await api.call('GET', '/v1/cases?status=open', { token: admin });
    expect(open.json.items.map((c: { ref: string }) => c.ref)).toEqual(['OD-1']);
  });

  it('answers 404 for an unknown case and 400 naming caseId for one that is not an id', async () => {
    expect(
      (await api.call('GET', '/v1/cases/5f0c7c1e-7d6e-4a43-9a43-1b2f3e4d5c6b', { token: admin })).status,
    ).toBe(404);
    const bad = await api.call('GET', '/v1/cases/nope', { token: admin });
    expect([bad.status, bad.json.error.details[0].path]).toEqual([400, 'caseId']);
  });

  describe('the audit trail', () => {
    const window = () =>
      `from=${encodeURIComponent(started)}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;

    it("lists for an admin every opening and closing of their scope's cases, oldest first", async () => {
      const res = await api.call('GET', `/v1/audit?${window()}`, { token: admin });
      expect(res.status).toBe(200);
      const entries = res.json.items.map((r: { action: string; caseId: string; role: string }) => [
        r.action,
        r.role,
      ]);
      expect(entries).toEqual([
        ['case.open', 'tracer'],
        ['case.open', 'tracer'],
        ['case.close', 'tracer'],
      ]);
      expect(res.json.items[2]).toMatchObject({
        caseId,
        subject: 'local-tracer',
        unitId: 'hai-ha',
        target: 'quang-ha',
      });
    });

    it("shows a district admin only their district's cases, and narrows to one case", async () => {
      const district = await stack.token('admin', 'mong-cai');
      const theirs = await api.call('GET', `/v1/audit?${window()}`, { token: district });
      expect(theirs.json.items.map((r: { action: string }) => r.action)).toEqual(['case.open']);
      const one = await api.call('GET', `/v1/audit?${window()}&caseId=${caseId}`, { token: admin });
      expect(one.json.items.map((r: { action: string }) => r.action)).toEqual(['case.open', 'case.close']);
    });

    it('pages with nextToken and loses nothing', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const res = await api.call(
          'GET',
          `/v1/audit?${window()}&limit=1${token ? `&nextToken=${token}` : ''}`,
          { token: admin },
        );
        seen.push(...res.json.items.map((r: { action: string }) => r.action));
        token = res.json.nextToken;
      } while (token);
      expect(seen).toEqual(['case.open', 'case.open', 'case.close']);
    });

    it('is for admins only, and needs a window', async () => {
      expect((await api.call('GET', `/v1/audit?${window()}`, { token: tracer })).status).toBe(403);
      const res = await api.call('GET', '/v1/audit', { token: admin });
      expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['from', 'to']);
    });
  });
});
