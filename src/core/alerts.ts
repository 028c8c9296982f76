import { randomUUID } from 'node:crypto';
import { assertAllowed } from './access.ts';
import type { AlertTemplate } from './alert-messages.ts';
import { type AuditDeps, recordAudit } from './audit.ts';
import { type CaseStore, requireOpenCase } from './cases.ts';
import { type ErrorDetail, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import type { Page, Principal } from './model.ts';
import type { CheckinStore, CheckpointStore } from './ports.ts';
import { visitsAtCheckpoint } from './tracing.ts';
import type { Visit } from './visits.ts';

/**
 * Exposure alerts (cảnh báo phơi nhiễm): a tracer drafts one for an open case — the checkpoints where the case was,
 * the window, the message — and learns how many phones it would reach; a second staff member approves it; then
 * each of those phones receives one message. A draft stores a count, never a number or a hash: the recipients are
 * found again from the check-ins when the alert is sent.
 */
export const ALERT_STATUSES = ['draft', 'sending', 'sent', 'cancelled'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface Alert {
  id: string;
  caseId: string;
  /** The case's unit path: who may see, approve or cancel the alert. */
  unitPath: string[];
  checkpointIds: string[];
  /** UTC ISO: the window [from, to) in which a visit counts. */
  from: string;
  to: string;
  minOverlapMinutes: number;
  template: AlertTemplate;
  note?: string;
  status: AlertStatus;
  /** Distinct phones (by keyed hash) the alert reaches. */
  recipients: number;
  /** Messages sent so far. */
  sent: number;
  createdBy: string;
  createdAt: string;
  approvedBy?: string;
  approvedAt?: string;
  cancelledBy?: string;
  cancelledAt?: string;
}

export interface AlertStore {
  /** Stores a new alert (its id is new: never overwrites). */
  createAlert(alert: Alert): Promise<void>;
  getAlert(alertId: string): Promise<Alert | undefined>;
  /** Alerts, newest first, a page at a time. */
  listAlerts(page: { limit: number; nextToken?: string }): Promise<Page<Alert>>;
  /**
   * Moves a draft to `sending`, recording who approved it; answers the alert as stored afterwards. Only a draft
   * moves: an alert approved, sent or cancelled meanwhile is answered unchanged.
   */
  approve(alertId: string, by: string, at: string): Promise<Alert | undefined>;
  /** Moves a draft or a sending alert to `cancelled`; answers the alert as stored afterwards (others unchanged). */
  cancel(alertId: string, by: string, at: string): Promise<Alert | undefined>;
}

export interface AlertDeps extends AuditDeps {
  /** Above this many recipients only an admin may approve (the province's cap). */
  approvalCap?: number;
  alerts: AlertStore;
  cases: CaseStore;
  checkins: CheckinStore;
  checkpoints: Pick<CheckpointStore, 'getCheckpoint'>;
  /** Check-ins older than this are gone (TTL): a window reaching further back is a mistake. */
  retentionDays: number;
}

export interface DraftInput {
  caseId: string;
  checkpointIds: string[];
  from: Date;
  to: Date;
  minOverlapMinutes?: number;
  template: AlertTemplate;
  note?: string;
}

/** What the API answers about an alert: its scope path is the server's business. */
export type AlertView = Omit<Alert, 'unitPath'>;

export function toAlertView({ unitPath: _path, ...view }: Alert): AlertView {
  return view;
}

/** At most this many checkpoints in one alert: an alert is about the places one case went. */
export const MAX_ALERT_CHECKPOINTS = 20;

/** Drafts an alert for an open case of the principal's scope, at checkpoints of that scope. Audited. */
export async function draftAlert(deps: AlertDeps, principal: Principal, input: DraftInput): Promise<Alert> {
  assertAllowed(principal, 'trace', [principal.unitId]);
  const problems = windowProblems(deps, input.from, input.to);
  if (problems.length > 0) throw new ValidationError(problems);
  const c = await requireOpenCase(deps, principal, input.caseId);
  const checkpointIds = [...new Set(input.checkpointIds)];
  for (const [i, id] of checkpointIds.entries()) {
    const checkpoint = await deps.checkpoints.getCheckpoint(id);
    if (!checkpoint) {
      throw new ValidationError(
        [{ path: `checkpointIds.${i}`, message: 'No checkpoint has this id' }],
        'unknown_checkpoint',
      );
    }
    assertAllowed(principal, 'trace', checkpoint.unitPath);
  }
  const minOverlapMinutes = input.minOverlapMinutes ?? 0;
  const found = await alertRecipients(deps, {
    checkpointIds,
    from: input.from,
    to: input.to,
    minOverlapMinutes,
  });
  const alert: Alert = {
    id: randomUUID(),
    caseId: c.id,
    unitPath: c.unitPath,
    checkpointIds,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    minOverlapMinutes,
    template: input.template,
    ...(input.note ? { note: input.note } : {}),
    status: 'draft',
    recipients: found.size,
    sent: 0,
    createdBy: principal.subject,
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.alerts.createAlert(alert);
  await recordAudit(deps, principal, c, {
    action: 'alert.draft',
    target: alert.id,
    from: input.from,
    to: input.to,
    results: alert.recipients,
  });
  return alert;
}

/** Above this many recipients, by default, only an admin may approve an alert. */
export const DEFAULT_APPROVAL_CAP = 5_000;

/** An alert the principal may see: 404 when there is none, 403 when its case is outside the scope. */
export async function getAlert(
  deps: Pick<AlertDeps, 'alerts'>,
  principal: Principal,
  alertId: string,
): Promise<Alert> {
  const found = await deps.alerts.getAlert(alertId);
  if (!found) throw new NotFoundError('unknown_alert', 'No alert has this id');
  assertAllowed(principal, 'trace', found.unitPath);
  return found;
}

/**
 * Approves a draft: a second staff member in scope, never its author (403); above the province's cap an admin
 * only. The alert moves to `sending` (then its sending is enqueued); approving an alert already approved, sent or
 * cancelled changes nothing and answers it as it is. Audited once, when it moves.
 */
export async function approveAlert(deps: AlertDeps, principal: Principal, alertId: string): Promise<Alert> {
  const found = await getAlert(deps, principal, alertId);
  if (found.status !== 'draft') return found;
  if (found.createdBy === principal.subject) {
    throw new ForbiddenError('An alert is approved by someone other than its author');
  }
  const cap = deps.approvalCap ?? DEFAULT_APPROVAL_CAP;
  if (found.recipients > cap && principal.role !== 'admin') {
    throw new ForbiddenError(`An alert to more than ${cap} phones is approved by an admin`);
  }
  const approved = await deps.alerts.approve(alertId, principal.subject, deps.clock.now().toISOString());
  if (!approved) throw new NotFoundError('unknown_alert', 'No alert has this id');
  if (approved.approvedBy !== principal.subject || approved.status === 'cancelled') return approved;
  await recordAudit(
    deps,
    principal,
    { id: approved.caseId, unitPath: approved.unitPath },
    {
      action: 'alert.approve',
      target: approved.id,
      results: approved.recipients,
    },
  );
  return approved;
}

/** Cancels a draft or a sending alert: nothing more is sent. A sent or cancelled alert is answered as it is. */
export async function cancelAlert(deps: AlertDeps, principal: Principal, alertId: string): Promise<Alert> {
  const found = await getAlert(deps, principal, alertId);
  if (found.status === 'sent' || found.status === 'cancelled') return found;
  const cancelled = await deps.alerts.cancel(alertId, principal.subject, deps.clock.now().toISOString());
  if (!cancelled) throw new NotFoundError('unknown_alert', 'No alert has this id');
  if (cancelled.status === 'cancelled' && cancelled.cancelledBy === principal.subject) {
    await recordAudit(
      deps,
      principal,
      { id: cancelled.caseId, unitPath: cancelled.unitPath },
      {
        action: 'alert.cancel',
        target: cancelled.id,
        results: cancelled.sent,
      },
    );
  }
  return cancelled;
}

/** At most this many alerts read to fill one page of a scoped listing. */
const LIST_READ_BUDGET = 10;

/** The alerts of the principal's scope, newest first. */
export async function listAlerts(
  deps: Pick<AlertDeps, 'alerts'>,
  principal: Principal,
  query: { limit: number; nextToken?: string; status?: AlertStatus },
): Promise<Page<AlertView>> {
  assertAllowed(principal, 'trace', [principal.unitId]);
  const items: AlertView[] = [];
  let nextToken = query.nextToken;
  for (let read = 0; read < LIST_READ_BUDGET && items.length < query.limit; read++) {
    const page = await deps.alerts.listAlerts({ limit: query.limit, ...(nextToken ? { nextToken } : {}) });
    for (const a of page.items) {
      if (!a.unitPath.includes(principal.unitId)) continue;
      if (query.status && a.status !== query.status) continue;
      items.push(toAlertView(a));
    }
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  return { items, ...(nextToken ? { nextToken } : {}) };
}

/** One phone an alert reaches, by its keyed hash, with its sealed number and the visit that put it there. */
export interface Recipient {
  phoneHash: string;
  sealedPhone: string;
  checkpointId: string;
}

/**
 * The distinct phones (by keyed hash) whose visits at these checkpoints overlapped [from, to) by at least
 * `minOverlapMinutes` (0: any overlap, an instant included). A phone at several of the checkpoints counts once,
 * under its first visit.
 */
export async function alertRecipients(
  deps: Pick<AlertDeps, 'checkins'>,
  query: { checkpointIds: readonly string[]; from: Date; to: Date; minOverlapMinutes: number },
): Promise<Map<string, Recipient>> {
  const found = new Map<string, Recipient>();
  for (const checkpointId of query.checkpointIds) {
    const visits = await visitsAtCheckpoint(deps, checkpointId, query.from, query.to);
    for (const v of visits) {
      if (found.has(v.phoneHash)) continue;
      if (overlapMinutes(v, query.from, query.to) < query.minOverlapMinutes) continue;
      found.set(v.phoneHash, { phoneHash: v.phoneHash, sealedPhone: v.sealedPhone, checkpointId });
    }
  }
  return found;
}

/** Minutes of a visit inside [from, to), as a real number (a 30-second overlap is half a minute). */
function overlapMinutes(v: Pick<Visit, 'start' | 'end'>, from: Date, to: Date): number {
  const start = Math.max(Date.parse(v.start), from.getTime());
  const end = Math.min(Date.parse(v.end), to.getTime());
  return Math.max(0, end - start) / 60_000;
}

function windowProblems(deps: AlertDeps, from: Date, to: Date): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const oldest = deps.clock.now().getTime() - deps.retentionDays * 86_400_000;
  if (from.getTime() < oldest) {
    problems.push({
      path: 'from',
      message: `Before the retention period: check-ins are kept ${deps.retentionDays} days`,
    });
  }
  if (to <= from) problems.push({ path: 'to', message: 'The window must end after it starts' });
  return problems;
}
