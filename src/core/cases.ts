import { randomUUID } from 'node:crypto';
import { assertAllowed } from './access.ts';
import { type AuditDeps, recordAudit } from './audit.ts';
import { NotFoundError, UnitNotFoundError, ValidationError } from './errors.ts';
import type { Page, Principal, Unit } from './model.ts';
import type { Clock } from './time.ts';

/**
 * Cases (ca bệnh, ổ dịch): the purpose every tracing query and export names. A tracer or admin opens one for a
 * confirmed person (F0) or an outbreak, in a unit of their scope; it is closed when the tracing is done, and a
 * closed case answers no more queries. Opening and closing are audited like the queries themselves.
 */
export const CASE_STATUSES = ['open', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export interface Case {
  id: string;
  /** The health department's own reference (a case number, an outbreak name). */
  ref: string;
  reason: string;
  unitId: string;
  /** The case's unit and every unit above it: who may see the case, and whose audit lists its queries. */
  unitPath: string[];
  openedBy: string;
  openedAt: string;
  status: CaseStatus;
  closedBy?: string;
  closedAt?: string;
}

export interface CaseStore {
  /** Stores a new case (its id is new: never overwrites). */
  createCase(c: Case): Promise<void>;
  getCase(caseId: string): Promise<Case | undefined>;
  /** Cases, newest first, a page at a time. */
  listCases(page: { limit: number; nextToken?: string }): Promise<Page<Case>>;
  /** Marks an open case closed; answers the case as stored afterwards (already closed: unchanged). */
  closeCase(caseId: string, by: string, at: string): Promise<Case | undefined>;
}

export interface CaseDeps extends AuditDeps {
  cases: CaseStore;
  units: { getUnit(unitId: string): Promise<Unit | undefined> };
  clock: Clock;
}

/** What a case looks like on the wire: its scope path is the server's business. */
export type CaseView = Omit<Case, 'unitPath'>;

export function toCaseView({ unitPath: _path, ...view }: Case): CaseView {
  return view;
}

export async function openCase(
  deps: CaseDeps,
  principal: Principal,
  input: { ref: string; reason: string; unitId?: string },
): Promise<CaseView> {
  const unitId = input.unitId ?? principal.unitId;
  const unit = await deps.units.getUnit(unitId);
  if (!unit) throw new UnitNotFoundError(unitId);
  assertAllowed(principal, 'trace', unit.path);
  const opened: Case = {
    id: randomUUID(),
    ref: input.ref,
    reason: input.reason,
    unitId: unit.id,
    unitPath: unit.path,
    openedBy: principal.subject,
    openedAt: deps.clock.now().toISOString(),
    status: 'open',
  };
  await deps.cases.createCase(opened);
  await recordAudit(deps, principal, opened, { action: 'case.open', target: unit.id, results: 1 });
  return toCaseView(opened);
}

/** A case the principal may see: 404 when there is none, 403 when it belongs to a unit outside the scope. */
export async function getCase(deps: Pick<CaseDeps, 'cases'>, principal: Principal, caseId: string) {
  const found = await deps.cases.getCase(caseId);
  if (!found) throw new NotFoundError('unknown_case', 'No case has this id');
  assertAllowed(principal, 'trace', found.unitPath);
  return found;
}

/**
 * The case a tracing query names: it must exist, be in scope and be open. A query's `caseId` is a field of the
 * query, so an unknown or closed case is a 400 naming it; a case of another unit is a 403.
 */
export async function requireOpenCase(
  deps: Pick<CaseDeps, 'cases'>,
  principal: Principal,
  caseId: string,
): Promise<Case> {
  const found = await deps.cases.getCase(caseId);
  if (!found) {
    throw new ValidationError([{ path: 'caseId', message: 'No case has this id' }], 'unknown_case');
  }
  assertAllowed(principal, 'trace', found.unitPath);
  if (found.status !== 'open') {
    throw new ValidationError([{ path: 'caseId', message: 'The case is closed' }], 'case_closed');
  }
  return found;
}

/** At most this many cases read to fill one page of a scoped listing. */
const LIST_READ_BUDGET = 10;

/** The cases of the principal's scope, newest first; `status` narrows to open or closed ones. */
export async function listCases(
  deps: Pick<CaseDeps, 'cases'>,
  principal: Principal,
  query: { limit: number; nextToken?: string; status?: CaseStatus },
): Promise<Page<CaseView>> {
  assertAllowed(principal, 'trace', [principal.unitId]);
  const items: CaseView[] = [];
  let nextToken = query.nextToken;
  for (let read = 0; read < LIST_READ_BUDGET && items.length < query.limit; read++) {
    const page = await deps.cases.listCases({ limit: query.limit, ...(nextToken ? { nextToken } : {}) });
    for (const c of page.items) {
      if (!c.unitPath.includes(principal.unitId)) continue;
      if (query.status && c.status !== query.status) continue;
      items.push(toCaseView(c));
    }
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  return { items, ...(nextToken ? { nextToken } : {}) };
}

/** Closes a case (idempotent): it answers no more queries; its audit records stay. */
export async function closeCase(deps: CaseDeps, principal: Principal, caseId: string): Promise<CaseView> {
  const found = await getCase(deps, principal, caseId);
  if (found.status === 'closed') return toCaseView(found);
  const closed = await deps.cases.closeCase(caseId, principal.subject, deps.clock.now().toISOString());
  if (!closed) throw new NotFoundError('unknown_case', 'No case has this id');
  await recordAudit(deps, principal, closed, { action: 'case.close', target: closed.unitId, results: 1 });
  return toCaseView(closed);
}
