import { createHash } from 'node:crypto';
import type {
  Events,
  MailMarkers,
  MailSender,
  OutgoingMail,
  ReportReader,
  ReportStoredNotice,
  StaffSubscribers,
  Subscriber,
} from './ports.ts';
import type { Clock } from './time.ts';

/**
 * The Friday delivery (issue 12 item 7): a notice that a unit's report is stored becomes one e-mail per
 * subscribed staff member of that unit. It runs apart from the weekly run (an SQS queue and its own function in
 * AWS, an in-process queue locally), so a failing mail service never holds up or fails a report.
 *
 * Each recipient is claimed before the send (a marker per unit, period and recipient) and given back when the
 * send fails: a redelivered notice sends nothing twice, and a retry sends only what failed. A crash between the
 * claim and the send loses that one e-mail rather than risking a second copy: the brief's rule is "never twice".
 */

/** The stored report the notice names (its JSON), as the composer reads it. */
export type ComposeMail<R> = (report: R, recipient: Subscriber) => Promise<OutgoingMail>;

export interface ReportMailDeps<R> {
  reports: ReportReader;
  /** Parses the stored JSON report (src/render/json.ts JsonReport). */
  parse: (text: string) => R;
  compose: ComposeMail<R>;
  subscribers: StaffSubscribers;
  markers: MailMarkers;
  sender: MailSender;
  clock: Clock;
  events: Events;
}

/** The notice names a report that is not (or no longer) stored: retried, as it may be a read racing the write. */
export class StoredReportMissingError extends Error {
  override name = 'StoredReportMissingError';
}

/** Some e-mails of a notice were not sent: the queue delivers the notice again, and only those are retried. */
export class ReportMailFailedError extends Error {
  override name = 'ReportMailFailedError';
  constructor(
    readonly failed: number,
    readonly firstErrorName: string,
  ) {
    super(`${failed} report e-mail(s) not sent (${firstErrorName})`);
  }
}

export interface ReportMailResult {
  sent: number;
  /** Recipients already sent to for this unit and period (a redelivered notice, a rerun of the week). */
  skipped: number;
  failed: number;
}

export async function deliverReportMail<R>(
  deps: ReportMailDeps<R>,
  notice: ReportStoredNotice,
): Promise<ReportMailResult> {
  const { unitId } = notice;
  const start = notice.period.start;
  try {
    const text = await deps.reports.getText(notice.jsonKey);
    if (text === undefined) throw new StoredReportMissingError(`No stored report at ${notice.jsonKey}`);
    const report = deps.parse(text);
    const recipients = distinct(await deps.subscribers.subscribersOf(unitId));
    const result: ReportMailResult = { sent: 0, skipped: 0, failed: 0 };
    let firstError: string | undefined;
    for (const recipient of recipients) {
      const mail = await deps.compose(report, recipient);
      if (!(await deps.markers.claim(unitId, start, recipient.email, deps.clock.now().toISOString()))) {
        result.skipped += 1;
        continue;
      }
      try {
        await deps.sender.send(mail);
        result.sent += 1;
      } catch (err) {
        result.failed += 1;
        firstError ??= err instanceof Error ? err.name : 'Error';
        // Given back so that the retry sends it; if this too fails, the retry skips it (lost, never doubled).
        await deps.markers.release(unitId, start, recipient.email).catch(() => undefined);
      }
    }
    deps.events.emit({ event: 'ReportMailDelivered', unitId, start, ...result });
    if (result.failed > 0) throw new ReportMailFailedError(result.failed, firstError ?? 'Error');
    return result;
  } catch (err) {
    deps.events.emit({
      event: 'ReportMailFailed',
      unitId,
      start,
      errorName: err instanceof Error ? err.name : 'Error',
    });
    throw err;
  }
}

/** One e-mail per address, whatever its case or the spaces around it: a directory may list a person twice. */
function distinct(subscribers: readonly Subscriber[]): Subscriber[] {
  const seen = new Set<string>();
  const out: Subscriber[] = [];
  for (const s of subscribers) {
    const email = s.email.trim();
    const key = email.toLowerCase();
    if (email === '' || seen.has(key)) continue;
    seen.add(key);
    out.push({ ...s, email });
  }
  return out;
}

/** A recipient's address as it appears in keys and Message-IDs: its SHA-256 (base64url), never the address. */
export function emailHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');
}
