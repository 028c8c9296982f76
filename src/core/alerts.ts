import { randomUUID } from 'node:crypto';
import { assertAllowed } from './access.ts';
import { type AlertTemplate, alertMessage } from './alert-messages.ts';
import { type AuditDeps, recordAudit } from './audit.ts';
import { type CaseStore, requireOpenCase } from './cases.ts';
import { type ErrorDetail, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import type { Page, Principal } from './model.ts';
import { mapLimit } from './pool.ts';
import type { CheckinStore, CheckpointStore, Events, PhoneReader } from './ports.ts';
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
  /** Phones the SMS service refused for good (a number it will not deliver to): counted, never retried. */
  failed?: number;
  /** When every batch of the alert was enqueued; absent on a `sending` alert, a second approval enqueues again. */
  queuedAt?: string;
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
  /**
   * Records that a sending alert's batches are all enqueued, with the recipients they hold (found again from the
   * check-ins, so the count the alert is `sent` at); an alert no longer sending is left as it is.
   */
  markQueued(alertId: string, at: string, recipients: number): Promise<void>;
}

/** The province's kill switch (an admin's): while it is on, no alert sends a message. */
export interface AlertSwitch {
  paused(): Promise<boolean>;
  setPaused(paused: boolean, by: string, at: string): Promise<void>;
}

/** One queued message: up to BATCH_SIZE phones of one alert, each with its sealed number and its place. */
export interface AlertBatch {
  alertId: string;
  recipients: { phoneHash: string; sealedPhone: string; place: string }[];
}

/**
 * Phones per queued message: a consumer's invocation opens and sends this many at most. 100 recipients (a hash,
 * a sealed number and a place each, about 250 bytes) make a message of ~25 KB, well under SQS's 256 KB.
 */
export const BATCH_SIZE = 100;

/** Where an approved alert's sending waits (AWS: an SQS queue and its consumer; locally: an in-process stand-in). */
export interface AlertQueue {
  enqueue(batches: readonly AlertBatch[]): Promise<void>;
}

/**
 * A text message to one phone (AWS: End User Messaging SMS SendTextMessage; locally: a line in the outbox). It
 * throws SmsRefusedError when the service refuses this number or text for good (sending again would be refused
 * again), any other error when it may succeed later (a throttle, a timeout): that phone is delivered again.
 */
export interface SmsSender {
  send(e164: string, text: string): Promise<void>;
}

/** The SMS service will not deliver this message (malformed number, opted out, text too long): never retried. */
export class SmsRefusedError extends Error {
  override name = 'SmsRefusedError';
  constructor(readonly reason: string) {
    super(`SMS refused: ${reason}`);
  }
}

/**
 * Who has been sent an alert: one `alert#<id>#to#<phoneHash>` marker per phone, put on the condition it is not
 * there, so of two deliveries of one batch only one sends to a phone.
 */
export interface AlertDeliveries {
  /** True for the one caller that claimed the phone for this alert; false when it was claimed before. */
  claim(alertId: string, phoneHash: string): Promise<boolean>;
  /** Gives a claim back after a failed send, so a later delivery may send it. */
  release(alertId: string, phoneHash: string): Promise<void>;
  /**
   * Adds to the alert's `sent` (and `failed`) counts, and marks it `sent` once every recipient is settled:
   * sent to, or refused for good by the SMS service.
   */
  countSent(alertId: string, sent: number, failed?: number): Promise<void>;
}

export interface AlertDeps extends AuditDeps {
  /** Where an approved alert's batches go (AWS: SQS; locally: src/local/alert-queue.ts). */
  queue?: AlertQueue;
  /** Above this many recipients only an admin may approve (the province's cap, ALERT_APPROVAL_CAP). */
  approvalCap?: number;
  /** Typed events: an enqueue that failed is logged (the alert's id, never a phone). */
  events?: Events;
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
 * only. The alert moves to `sending`, is audited, then its batches are enqueued and the alert marked `queuedAt`.
 * Approving an alert already approved, sent or cancelled changes nothing and answers it as it is — except a
 * `sending` alert that was never marked queued (the enqueue failed after the move): approving it again, by the
 * same rules, enqueues it again (audited as `alert.requeue`). Enqueuing twice sends nothing twice: every phone is
 * claimed once per alert before its message goes (AlertDeliveries).
 */
export async function approveAlert(deps: AlertDeps, principal: Principal, alertId: string): Promise<Alert> {
  const found = await getAlert(deps, principal, alertId);
  const requeue = deps.queue !== undefined && found.status === 'sending' && !found.queuedAt;
  if (found.status !== 'draft' && !requeue) return found;
  if (found.createdBy === principal.subject) {
    throw new ForbiddenError('An alert is approved by someone other than its author');
  }
  const cap = deps.approvalCap ?? DEFAULT_APPROVAL_CAP;
  if (found.recipients > cap && principal.role !== 'admin') {
    throw new ForbiddenError(`An alert to more than ${cap} phones is approved by an admin`);
  }
  let alert = found;
  if (!requeue) {
    const approved = await deps.alerts.approve(alertId, principal.subject, deps.clock.now().toISOString());
    if (!approved) throw new NotFoundError('unknown_alert', 'No alert has this id');
    // Approved or cancelled meanwhile by someone else: theirs is the change.
    if (approved.approvedBy !== principal.subject || approved.status !== 'sending') return approved;
    alert = approved;
  }
  await recordAudit(
    deps,
    principal,
    { id: alert.caseId, unitPath: alert.unitPath },
    { action: requeue ? 'alert.requeue' : 'alert.approve', target: alert.id, results: alert.recipients },
  );
  return enqueueSending(deps, alert);
}

/**
 * Enqueues every batch of a sending alert, then marks it queued. A failure is logged and answered as the alert
 * still `sending` without `queuedAt` (never a 5xx once the approval is stored): approving it again enqueues it.
 */
async function enqueueSending(deps: AlertDeps, alert: Alert): Promise<Alert> {
  if (!deps.queue) return alert;
  try {
    const batches = await batchesOf(deps, alert);
    await deps.queue.enqueue(batches);
    const recipients = batches.reduce((n, b) => n + b.recipients.length, 0);
    const queuedAt = deps.clock.now().toISOString();
    await deps.alerts.markQueued(alert.id, queuedAt, recipients);
    return (await deps.alerts.getAlert(alert.id)) ?? alert;
  } catch (err) {
    deps.events?.emit({ event: 'AlertEnqueueFailed', alertId: alert.id, errorName: (err as Error).name });
    return alert;
  }
}

/**
 * Resumes sending after the kill switch was off: every alert still `sending` is enqueued again, so the phones
 * it has not reached yet are sent to (those it has are claimed already, and skipped). Answers the alerts
 * enqueued.
 */
export async function requeueSending(deps: AlertDeps): Promise<number> {
  let requeued = 0;
  let nextToken: string | undefined;
  do {
    const page = await deps.alerts.listAlerts({ limit: 100, ...(nextToken ? { nextToken } : {}) });
    for (const alert of page.items) {
      if (alert.status !== 'sending') continue;
      const after = await enqueueSending(deps, alert);
      if (after.queuedAt) requeued++;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return requeued;
}

/** Who may pull the kill switch: an admin of the province's root unit. */
export interface SwitchDeps extends AlertDeps {
  switch: AlertSwitch;
  provinceId: string;
}

/** The kill switch: pauses the sending of every alert of the province at once. Audited. */
export async function pauseAlerts(deps: SwitchDeps, principal: Principal): Promise<{ paused: true }> {
  assertAllowed(principal, 'pauseAlerts', [deps.provinceId]);
  await deps.switch.setPaused(true, principal.subject, deps.clock.now().toISOString());
  await recordAudit(deps, principal, KILL_SWITCH_CASE(deps.provinceId), { action: 'alerts.pause' });
  return { paused: true };
}

/**
 * Resumes sending: the switch off, then every alert still `sending` enqueued again (the batches consumed while
 * paused were dropped, not retried: SQS would have dead-lettered them). Audited with the alerts resumed.
 */
export async function resumeAlerts(
  deps: SwitchDeps,
  principal: Principal,
): Promise<{ paused: false; requeued: number }> {
  assertAllowed(principal, 'pauseAlerts', [deps.provinceId]);
  await deps.switch.setPaused(false, principal.subject, deps.clock.now().toISOString());
  const requeued = await requeueSending(deps);
  await recordAudit(deps, principal, KILL_SWITCH_CASE(deps.provinceId), {
    action: 'alerts.resume',
    results: requeued,
  });
  return { paused: false, requeued };
}

/** The kill switch concerns no one case: its audit records stand under the province, for its admins. */
const KILL_SWITCH_CASE = (provinceId: string) => ({ id: 'kill-switch', unitPath: [provinceId] });

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

/** The alert's recipients, found again from the check-ins, in batches of BATCH_SIZE with each one's place. */
export async function batchesOf(deps: AlertDeps, alert: Alert): Promise<AlertBatch[]> {
  const found = await alertRecipients(deps, {
    checkpointIds: alert.checkpointIds,
    from: new Date(alert.from),
    to: new Date(alert.to),
    minOverlapMinutes: alert.minOverlapMinutes,
  });
  const places = new Map<string, string>();
  for (const id of alert.checkpointIds)
    places.set(id, (await deps.checkpoints.getCheckpoint(id))?.name ?? id);
  const recipients = [...found.values()].map((r) => ({
    phoneHash: r.phoneHash,
    sealedPhone: r.sealedPhone,
    place: places.get(r.checkpointId) ?? r.checkpointId,
  }));
  const batches: AlertBatch[] = [];
  for (let i = 0; i < recipients.length; i += BATCH_SIZE) {
    batches.push({ alertId: alert.id, recipients: recipients.slice(i, i + BATCH_SIZE) });
  }
  return batches;
}

export interface SendingDeps {
  alerts: Pick<AlertStore, 'getAlert'>;
  deliveries: AlertDeliveries;
  phones: PhoneReader;
  sms: SmsSender;
  /** The province's kill switch: true while alerts are paused. */
  paused(): Promise<boolean>;
}

/** What one delivery of a batch came to. */
export interface BatchOutcome {
  /** Phones whose send failed for now (a throttle): the batch is delivered again for them. */
  retry: string[];
  /** The kill switch was on: the rest of the batch was dropped; resuming enqueues the alert again. */
  paused: boolean;
}

/**
 * The queue's consumer: sends one batch, at most once per phone per alert. Before each send it checks that the
 * alert is still `sending` and the province not paused; if not, it stops: a cancelled alert's phones are
 * dropped, a paused province's too (resuming enqueues every sending alert again, rather than SQS redelivering a
 * batch until it is dead-lettered). A phone is claimed before its number is opened; a send that failed for now
 * gives the claim back and is answered for retry; one refused for good keeps its claim and is counted `failed`.
 */
export async function sendBatch(deps: SendingDeps, batch: AlertBatch): Promise<BatchOutcome> {
  const retry: string[] = [];
  let sent = 0;
  let failed = 0;
  let paused = false;
  try {
    for (const r of batch.recipients) {
      const alert = await deps.alerts.getAlert(batch.alertId);
      // Cancelled, sent or gone: the rest of the batch is dropped.
      if (alert?.status !== 'sending') break;
      if (await deps.paused()) {
        paused = true;
        break;
      }
      if (!(await deps.deliveries.claim(batch.alertId, r.phoneHash))) continue;
      try {
        const e164 = await deps.phones.open(r.sealedPhone);
        await deps.sms.send(
          e164,
          alertMessage(alert.template, {
            checkpoint: r.place,
            from: new Date(alert.from),
            to: new Date(alert.to),
          }),
        );
        sent++;
      } catch (err) {
        if (err instanceof SmsRefusedError || (err as Error).name === 'SealedPhoneError') {
          failed++;
          continue;
        }
        await deps.deliveries.release(batch.alertId, r.phoneHash);
        retry.push(r.phoneHash);
      }
    }
  } finally {
    // Counted even when a store call failed half-way: what was sent stays sent.
    if (sent + failed > 0) await deps.deliveries.countSent(batch.alertId, sent, failed);
  }
  return { retry, paused };
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

/** How many of an alert's checkpoints are read at once. */
const CHECKPOINTS_IN_FLIGHT = 4;

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
  // Read a few checkpoints at once; taken in the alert's order, so a phone counts under its first checkpoint.
  const read = await mapLimit(query.checkpointIds, CHECKPOINTS_IN_FLIGHT, (checkpointId) =>
    visitsAtCheckpoint(deps, checkpointId, query.from, query.to),
  );
  for (const [i, checkpointId] of query.checkpointIds.entries()) {
    for (const v of read[i]!) {
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
