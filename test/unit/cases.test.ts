import { describe, expect, it } from 'vitest';
import { type AuditLog, type AuditRecord, readAudit } from '../../src/core/audit.ts';
import { type Case, type CaseStore, closeCase, openCase, requireOpenCase } from '../../src/core/cases.ts';
import { AppError } from '../../src/core/errors.ts';
import type { Principal, Unit } from '../../src/core/model.ts';
import { fixedClock } from '../../src/core/time.ts';

/** Cases as the purpose of every query, and the audit of each: the rules, on in-memory stores. */

class MemoryCases implements CaseStore {
  readonly items = new Map<string, Case>();
  async createCase(c: Case) {
    if (this.items.has(c.id)) throw new Error('ConditionalCheckFailedException');
    this.items.set(c.id, { ...c });
  }
  async getCase(id: string) {
    return this.items.get(id);
  }
  async listCases() {
    return { items: [...this.items.values()].reverse() };
  }
  async closeCase(id: string, by: string, at: string) {
    const c = this.items.get(id);
    if (c?.status === 'open') Object.assign(c, { status: 'closed', closedBy: by, closedAt: at });
    return c;
  }
}

class MemoryAudit implements AuditLog {
  readonly records: AuditRecord[] = [];
  async append(r: AuditRecord) {
    this.records.push(r);
  }
  async readDay(day: string, { after, limit }: { after?: string; limit: number }) {
    return this.records
      .filter((r) => r.at.startsWith(day) && (!after || `${r.at}#${r.id}` > after))
      .slice(0, limit);
  }
}

const UNITS: Unit[] = [
  { id: 'quang-ninh', name: 'Quảng Ninh', kind: 'province', path: ['quang-ninh'], createdAt: '' },
  {
    id: 'hai-ha',
    name: 'Hải Hà',
    kind: 'district',
    parentId: 'quang-ninh',
    path: ['quang-ninh', 'hai-ha'],
    createdAt: '',
  },
  {
    id: 'mong-cai',
    name: 'Móng Cái',
    kind: 'district',
    parentId: 'quang-ninh',
    path: ['quang-ninh', 'mong-cai'],
    createdAt: '',
  },
];

function setup() {
  const cases = new MemoryCases();
  const audit = new MemoryAudit();
  const deps = {
    cases,
    audit,
    units: { getUnit: async (id: string) => UNITS.find((u) => u.id === id) },
    // Noon local time: one local day for every record.
    clock: fixedClock('2026-11-20T05:00:00.000Z'),
    auditRetentionDays: 365,
  };
  return { cases, audit, deps };
}

const tracer: Principal = { subject: 'tr-1', role: 'tracer', unitId: 'hai-ha' };
const other: Principal = { subject: 'tr-2', role: 'tracer', unitId: 'mong-cai' };

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const { status, code, details } = err as AppError;
  return { status, code, paths: details.map((d) => d.path) };
}

describe('the case a query names', () => {
  it('is answered when it is open and in scope', async () => {
    const { deps } = setup();
    const opened = await openCase(deps, tracer, { ref: 'F0-1', reason: 'r' });
    expect((await requireOpenCase(deps, tracer, opened.id)).id).toBe(opened.id);
  });

  it('is a 400 naming caseId when unknown or closed, a 403 when another unit’s', async () => {
    const { deps } = setup();
    const opened = await openCase(deps, tracer, { ref: 'F0-1', reason: 'r' });
    expect(await refusal(requireOpenCase(deps, tracer, 'nope'))).toEqual({
      status: 400,
      code: 'unknown_case',
      paths: ['caseId'],
    });
    expect((await refusal(requireOpenCase(deps, other, opened.id))).status).toBe(403);
    await closeCase(deps, tracer, opened.id);
    expect(await refusal(requireOpenCase(deps, tracer, opened.id))).toEqual({
      status: 400,
      code: 'case_closed',
      paths: ['caseId'],
    });
  });
});

describe('the audit of cases', () => {
  it('records who opened and who closed, with the case, kept for the retention', async () => {
    const { deps, audit } = setup();
    const opened = await openCase(deps, tracer, { ref: 'F0-1', reason: 'r' });
    await closeCase(deps, tracer, opened.id);
    await closeCase(deps, tracer, opened.id);
    expect(audit.records.map((r) => [r.action, r.subject, r.caseId])).toEqual([
      ['case.open', 'tr-1', opened.id],
      ['case.close', 'tr-1', opened.id],
    ]);
    expect(audit.records[0]!.expiresAt).toBe(Date.parse('2026-11-20T05:00:00.000Z') / 1000 + 365 * 86_400);
  });

  it('is read by admins only, within their scope and a bounded window', async () => {
    const { deps } = setup();
    await openCase(deps, tracer, { ref: 'F0-1', reason: 'r' });
    await openCase(deps, other, { ref: 'F0-2', reason: 'r' });
    const from = new Date('2026-11-19T00:00:00Z');
    const to = new Date('2026-11-21T00:00:00Z');
    const district = { subject: 'ad', role: 'admin', unitId: 'hai-ha' } as const;
    const page = await readAudit(deps, district, { from, to, limit: 50 });
    expect(page.items.map((r) => r.subject)).toEqual(['tr-1']);
    expect((await refusal(readAudit(deps, tracer, { from, to, limit: 50 }))).status).toBe(403);
    const tooLong = { from, to: new Date('2028-01-01T00:00:00Z'), limit: 50 };
    expect((await refusal(readAudit(deps, district, tooLong))).paths).toEqual(['to']);
    const forged = { from, to, limit: 50, nextToken: 'eyJkYXkiOiIxOTk5LTAxLTAxIn0' };
    expect((await refusal(readAudit(deps, district, forged))).paths).toEqual(['nextToken']);
  });
});
