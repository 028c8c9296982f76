import { assertAllowed } from './access.ts';
import { type AuditAction, type AuditDeps, recordAudit } from './audit.ts';
import { type Case, type CaseStore, requireOpenCase } from './cases.ts';
import { type ErrorDetail, NotFoundError, ValidationError } from './errors.ts';
import type { Checkpoint, Principal } from './model.ts';
import { normalisePhone } from './phone.ts';
import { mapLimit } from './pool.ts';
import type { CheckinStore, CheckpointStore, PhoneReader } from './ports.ts';
import { contactsOf, contactsOfHash, visitsAtCheckpoint, visitsOfPhone } from './tracing.ts';
import type { Contact, Visit } from './visits.ts';

/**
 * What a health official asks on the day a case is confirmed, each within an open case of their scope and
 * audited before the answer leaves: who was at a checkpoint, where a person went, and who was there with them
 * (and, on request, who was with those: the second ring). Answers show only checkpoints of the token's scope, and
 * phone numbers as people write them (0912345678), opened from their sealed form for this answer only.
 */
export interface CaseQueryDeps extends AuditDeps {
  cases: CaseStore;
  checkins: CheckinStore;
  checkpoints: Pick<CheckpointStore, 'getCheckpoint'>;
  phones: PhoneReader;
  /** Check-ins older than this are gone (TTL): a window reaching further back is a mistake. */
  retentionDays: number;
  /** The province's default minimum overlap for a contact (CWA counted 10 minutes or more as high risk). */
  minOverlapMinutes: number;
}

export interface QueryWindow {
  caseId: string;
  from: Date;
  to: Date;
  /** The answer leaves as a file for the case (audited as an export, not a query). */
  export?: boolean;
}

export interface VisitorItem {
  phone: string;
  checkpointId: string;
  in: string;
  out: string;
  /** Whether the visit's start and end are scans, or inferred (a missing `in`, a midnight close). */
  opened: Visit['opened'];
  closed: Visit['closed'];
  companions: number;
}

export interface VisitItem {
  checkpointId: string;
  checkpointName: string;
  unitId: string;
  in: string;
  out: string;
  opened: Visit['opened'];
  closed: Visit['closed'];
  companions: number;
}

export interface ContactItem {
  phone: string;
  checkpointId: string;
  checkpointName: string;
  unitId: string;
  from: string;
  to: string;
  overlapMinutes: number;
  companions: number;
  /** 1: was with the person (F1); 2: was with one of those (F2). */
  ring: 1 | 2;
  /** For the second ring: the first-ring phone they met. */
  via?: string;
}

/** The second ring is asked of at most this many first-ring phones; a larger first ring says it was cut. */
export const MAX_SECOND_RING_SOURCES = 50;
/** A query answers at most this many rows: more is no longer a list a tracer can call through. */
export const MAX_RESULTS = 5_000;
const LOOKUPS_IN_FLIGHT = 8;

/** Who was at a checkpoint in the window: visits (an in and its out), not raw scans. */
export async function checkpointVisitors(
  deps: CaseQueryDeps,
  principal: Principal,
  query: QueryWindow & { checkpointId: string },
): Promise<{ case: Case; checkpoint: Checkpoint; items: VisitorItem[] }> {
  const { case: c } = await start(deps, principal, query);
  const checkpoint = await deps.checkpoints.getCheckpoint(query.checkpointId);
  if (!checkpoint) throw new NotFoundError('unknown_checkpoint', 'No checkpoint has this id');
  assertAllowed(principal, 'trace', checkpoint.unitPath);
  const visits = (await visitsAtCheckpoint(deps, checkpoint.id, query.from, query.to)).slice(0, MAX_RESULTS);
  const items = await mapLimit(visits, LOOKUPS_IN_FLIGHT, async (v) => ({
    phone: await readable(deps, v.sealedPhone),
    checkpointId: v.checkpointId,
    in: v.start,
    out: v.end,
    opened: v.opened,
    closed: v.closed,
    companions: v.companions,
  }));
  await audit(
    deps,
    principal,
    c,
    query.export ? 'trace.export' : 'trace.visitors',
    checkpoint.id,
    query,
    items.length,
  );
  return { case: c, checkpoint, items };
}

/** Where a person went in the window: their visits at the checkpoints of the token's scope. */
export async function phoneVisits(
  deps: CaseQueryDeps,
  principal: Principal,
  query: QueryWindow & { phone: string },
): Promise<{ case: Case; phone: string; items: VisitItem[] }> {
  const { case: c, e164 } = await start(deps, principal, query);
  const visits = await visitsOfPhone(deps, e164, query.from, query.to);
  const lookup = checkpointLookup(deps);
  const items: VisitItem[] = [];
  for (const v of visits) {
    const cp = await lookup(v.checkpointId);
    if (!cp?.unitPath.includes(principal.unitId)) continue;
    items.push({
      checkpointId: v.checkpointId,
      checkpointName: cp.name,
      unitId: cp.unitId,
      in: v.start,
      out: v.end,
      opened: v.opened,
      closed: v.closed,
      companions: v.companions,
    });
  }
  const action = query.export ? 'trace.export' : 'trace.visits';
  await audit(deps, principal, c, action, await deps.phones.hash(e164), query, items.length);
  return { case: c, phone: national(e164), items };
}

/**
 * The person's contacts: other phones whose visits overlapped theirs at the same checkpoint for at least
 * `minOverlapMinutes` (the province's default when not given), in the token's scope; with `ring: 2`, also the
 * contacts of those (F2), from at most MAX_SECOND_RING_SOURCES first-ring phones.
 */
export async function phoneContacts(
  deps: CaseQueryDeps,
  principal: Principal,
  query: QueryWindow & { phone: string; minOverlapMinutes?: number; ring?: 1 | 2 },
): Promise<{ case: Case; phone: string; items: ContactItem[]; secondRingCut: boolean }> {
  const { case: c, e164 } = await start(deps, principal, query);
  const min = query.minOverlapMinutes ?? deps.minOverlapMinutes;
  const lookup = checkpointLookup(deps);
  const inScope = async (contact: Contact) =>
    contact.minutes >= min &&
    (await lookup(contact.checkpointId))?.unitPath.includes(principal.unitId) === true;

  const personHash = await deps.phones.hash(e164);
  const first: Contact[] = [];
  for (const contact of await contactsOf(deps, e164, query.from, query.to)) {
    if (await inScope(contact)) first.push(contact);
  }
  const found: { contact: Contact; ring: 1 | 2; via?: Contact }[] = first.map((contact) => ({
    contact,
    ring: 1,
  }));
  let secondRingCut = false;
  if (query.ring === 2) {
    const sources = [...new Map(first.map((f) => [f.phoneHash, f])).values()];
    secondRingCut = sources.length > MAX_SECOND_RING_SOURCES;
    const known = new Set([personHash, ...sources.map((s) => s.phoneHash)]);
    const seen = new Set<string>();
    for (const source of sources.slice(0, MAX_SECOND_RING_SOURCES)) {
      for (const contact of await contactsOfHash(deps, source.phoneHash, query.from, query.to)) {
        const key = `${contact.phoneHash}\u0000${contact.checkpointId}\u0000${contact.start}`;
        if (known.has(contact.phoneHash) || seen.has(key) || !(await inScope(contact))) continue;
        seen.add(key);
        found.push({ contact, ring: 2, via: source });
      }
    }
  }
  const items = await mapLimit(
    found.slice(0, MAX_RESULTS),
    LOOKUPS_IN_FLIGHT,
    async ({ contact, ring, via }) => {
      const cp = (await lookup(contact.checkpointId))!;
      return {
        phone: await readable(deps, contact.sealedPhone),
        checkpointId: contact.checkpointId,
        checkpointName: cp.name,
        unitId: cp.unitId,
        from: contact.start,
        to: contact.end,
        overlapMinutes: contact.minutes,
        companions: contact.companions,
        ring,
        ...(via ? { via: await readable(deps, via.sealedPhone) } : {}),
      };
    },
  );
  await audit(
    deps,
    principal,
    c,
    query.export ? 'trace.export' : 'trace.contacts',
    personHash,
    query,
    items.length,
  );
  return { case: c, phone: national(e164), items, secondRingCut };
}

/** Everything a query checks before it reads: its case, its window and its phone, each bad field named at once. */
/**
 * Everything a query checks before it reads: its window and its phone (each bad field named in one 400), then its
 * case (open, in scope). Answers the case and the phone's E.164 form.
 */
async function start(
  deps: CaseQueryDeps,
  principal: Principal,
  query: QueryWindow & { phone?: string },
): Promise<{ case: Case; e164: string }> {
  assertAllowed(principal, 'trace', [principal.unitId]);
  const problems = windowProblems(deps, query.from, query.to);
  const e164 = query.phone === undefined ? '' : (normalisePhone(query.phone) ?? undefined);
  if (e164 === undefined) problems.unshift({ path: 'phone', message: 'Not a Vietnamese mobile number' });
  if (problems.length > 0) {
    const onlyPhone = problems.length === 1 && problems[0]!.path === 'phone';
    throw new ValidationError(problems, onlyPhone ? 'invalid_phone' : 'invalid_request');
  }
  return { case: await requireOpenCase(deps, principal, query.caseId), e164: e164 as string };
}

function windowProblems(deps: CaseQueryDeps, from: Date, to: Date): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const now = deps.clock.now().getTime();
  const oldest = now - deps.retentionDays * 86_400_000;
  if (from.getTime() < oldest) {
    problems.push({
      path: 'from',
      message: `Before the retention period: check-ins are kept ${deps.retentionDays} days`,
    });
  }
  if (to <= from) problems.push({ path: 'to', message: 'The window must end after it starts' });
  return problems;
}

async function audit(
  deps: CaseQueryDeps,
  principal: Principal,
  c: Case,
  action: AuditAction,
  target: string,
  query: QueryWindow,
  results: number,
): Promise<void> {
  await recordAudit(deps, principal, c, { action, target, from: query.from, to: query.to, results });
}

/** Each checkpoint read once per query, however many visits it has. */
function checkpointLookup(deps: Pick<CaseQueryDeps, 'checkpoints'>) {
  const cache = new Map<string, Promise<Checkpoint | undefined>>();
  return (id: string) => {
    if (!cache.has(id)) cache.set(id, deps.checkpoints.getCheckpoint(id));
    return cache.get(id)!;
  };
}

/** A stored number as a Vietnamese health official writes it: 0912345678. */
async function readable(deps: Pick<CaseQueryDeps, 'phones'>, sealed: string): Promise<string> {
  return national(await deps.phones.open(sealed));
}

function national(e164: string): string {
  return e164.startsWith('+84') ? `0${e164.slice(3)}` : e164;
}
