import { randomUUID } from 'node:crypto';
import { assertAllowed } from './access.ts';
import { ValidationError } from './errors.ts';
import type { Page, Principal, Role } from './model.ts';
import { type Clock, localDay } from './time.ts';

/**
 * The audit trail of who-went-where: every tracing query, export, alert and approval, and every case opened or
 * closed, written before the answer leaves. Who (token subject, role, unit), when, which case, what was asked
 * (`target`: a checkpoint or unit id, or a phone's keyed hash — never a number), the window and how many
 * results. Records are only ever appended (no function may alter or delete one) and kept longer than
 * check-ins: a year by default.
 */
export const AUDIT_ACTIONS = [
  'case.open',
  'case.close',
  'trace.visitors',
  'trace.visits',
  'trace.contacts',
  'trace.export',
  'alert.draft',
  'alert.approve',
  'alert.cancel',
  /** An approved alert whose batches were not all enqueued, enqueued again by a second approval. */
  'alert.requeue',
  /** The province's kill switch: every alert's sending paused, then resumed. */
  'alerts.pause',
  'alerts.resume',
  /** A gate link made for a checkpoint's tablet (target: the checkpoint; from/to: its lifetime). No case. */
  'gate-link.create',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditRecord {
  id: string;
  at: string;
  subject: string;
  role: Role;
  /** The unit the actor's token is scoped to. */
  unitId: string;
  action: AuditAction;
  /** The case of a tracing access; absent for an access that belongs to none (a gate link). */
  caseId?: string;
  /**
   * The case's unit path (a gate link's: its checkpoint's): an admin reads the records of their scope.
   * Named for cases, which came first.
   */
  caseUnitPath: string[];
  target?: string;
  from?: string;
  to?: string;
  results?: number;
  /** Epoch seconds: the table's TTL removes the record after the audit retention. */
  expiresAt: number;
}

export interface AuditLog {
  /** Appends one record; never replaces one. */
  append(record: AuditRecord): Promise<void>;
  /** The records of one local day, oldest first, after the sort position `after` (exclusive), up to `limit`. */
  readDay(day: string, options: { after?: string; limit: number }): Promise<AuditRecord[]>;
}

export interface AuditDeps {
  audit: AuditLog;
  clock: Clock;
  auditRetentionDays: number;
}

/** Writes the record of one access; the caller answers only once this has resolved. */
export async function recordAudit(
  deps: AuditDeps,
  principal: Principal,
  forCase: { id?: string; unitPath: string[] },
  entry: { action: AuditAction; target?: string; from?: Date; to?: Date; results?: number },
): Promise<void> {
  const at = deps.clock.now();
  await deps.audit.append({
    id: randomUUID(),
    at: at.toISOString(),
    subject: principal.subject,
    role: principal.role,
    unitId: principal.unitId,
    action: entry.action,
    ...(forCase.id !== undefined ? { caseId: forCase.id } : {}),
    caseUnitPath: forCase.unitPath,
    ...(entry.target !== undefined ? { target: entry.target } : {}),
    ...(entry.from ? { from: entry.from.toISOString() } : {}),
    ...(entry.to ? { to: entry.to.toISOString() } : {}),
    ...(entry.results !== undefined ? { results: entry.results } : {}),
    expiresAt: Math.floor(at.getTime() / 1000) + deps.auditRetentionDays * 86_400,
  });
}

/** What an admin reads: the record without its storage fields. */
export type AuditView = Omit<AuditRecord, 'caseUnitPath' | 'expiresAt' | 'id'>;

/** The longest window one audit read spans: a year and a day, the default retention with room. */
export const MAX_AUDIT_WINDOW_DAYS = 367;

/**
 * The audit records of [from, to) for the cases of the admin's scope, oldest first, a page at a time (the token
 * remembers the day and the position in it).
 */
export async function readAudit(
  deps: Pick<AuditDeps, 'audit'>,
  principal: Principal,
  query: { from: Date; to: Date; caseId?: string; limit: number; nextToken?: string },
): Promise<Page<AuditView>> {
  assertAllowed(principal, 'readAudit', [principal.unitId]);
  const { from, to } = query;
  if (to <= from) throw new ValidationError([{ path: 'to', message: 'The window must end after it starts' }]);
  if (to.getTime() - from.getTime() > MAX_AUDIT_WINDOW_DAYS * 86_400_000) {
    throw new ValidationError([
      { path: 'to', message: `The window is longer than ${MAX_AUDIT_WINDOW_DAYS} days` },
    ]);
  }
  const days = localDaysBetween(from, to);
  let cursor = decodeCursor(query.nextToken, days);
  const items: AuditView[] = [];
  while (cursor && items.length < query.limit) {
    const want = query.limit - items.length;
    const batch = await deps.audit.readDay(cursor.day, {
      limit: want,
      ...(cursor.after ? { after: cursor.after } : {}),
    });
    for (const record of batch) {
      if (record.at < from.toISOString() || record.at >= to.toISOString()) continue;
      if (!record.caseUnitPath.includes(principal.unitId)) continue;
      if (query.caseId && record.caseId !== query.caseId) continue;
      const { caseUnitPath: _p, expiresAt: _e, id: _i, ...view } = record;
      items.push(view);
    }
    const last = batch.at(-1);
    if (batch.length === want && last) cursor = { day: cursor.day, after: sortKey(last) };
    else {
      const next = days[days.indexOf(cursor.day) + 1];
      cursor = next ? { day: next } : undefined;
    }
  }
  return { items, ...(cursor ? { nextToken: encodeCursor(cursor) } : {}) };
}

/** Where a record sorts within its day: its time, then its id (two records may share a millisecond). */
export function sortKey(record: Pick<AuditRecord, 'at' | 'id'>): string {
  return `${record.at}#${record.id}`;
}

function localDaysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = from.getTime(); ; t += 86_400_000) {
    const day = localDay(new Date(Math.min(t, to.getTime() - 1)));
    if (days.at(-1) !== day) days.push(day);
    if (t >= to.getTime() - 1) break;
  }
  return days;
}

interface Cursor {
  day: string;
  after?: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string | undefined, days: string[]): Cursor | undefined {
  if (!token) return days[0] ? { day: days[0] } : undefined;
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    if (days.includes(cursor.day) && (cursor.after === undefined || typeof cursor.after === 'string')) {
      return cursor;
    }
  } catch {
    // falls through to the 400
  }
  throw new ValidationError([{ path: 'nextToken', message: 'Not a token this API returned' }]);
}
