import type { Readable } from 'node:stream';
import type { GateClaims } from './gate-tokens.ts';
import type { ImportJob } from './import-jobs.ts';
import type { Checkin, Checkpoint, CheckpointRef, DailyActivity, Method, Page, Unit } from './model.ts';
import type { Period } from './report.ts';
import type { UnitSummary, WeeklyRun, WeeklyRunRequest } from './weekly-run.ts';

/** What the core needs from storage. The DynamoDB and S3 adapters implement these; tests may fake them. */

export interface UnitStore {
  getUnit(unitId: string): Promise<Unit | undefined>;
  /** Stores a new unit; false when the id is taken. */
  createUnit(unit: Unit): Promise<boolean>;
  childrenOf(unitId: string): Promise<Unit[]>;
  /**
   * Replaces an existing unit's name, kind, code, parent and path (and where it is listed under its parent);
   * false when there is no such unit. Its checkpoints and descendants are the caller's to follow (src/core/units.ts).
   */
  updateUnit(unit: Unit): Promise<boolean>;
}

/** What an edit may change of a checkpoint: its fields and what the naming rule makes of them. */
export interface CheckpointEdit {
  name: string;
  kind: Checkpoint['kind'];
  placeName: string;
  address: string;
  canonicalName: string;
  followsNamingRule: boolean;
}

export type CreateResult =
  | { status: 'created' }
  /** The code was taken: draw another. */
  | { status: 'code-taken' }
  /** The unit already has a checkpoint with this ref: it is returned, nothing is stored. */
  | { status: 'ref-exists'; existing: Checkpoint }
  /** A checkpoint with this id is stored already (an import job's row done before): returned, nothing stored. */
  | { status: 'id-exists'; existing: Checkpoint };

export interface CheckpointFilter {
  kind?: string;
  active?: boolean;
  followsNamingRule?: boolean;
  /** Words of the name, matched without case or diacritics. */
  search?: string;
}

export interface CheckpointStore {
  /** Stores the checkpoint, claiming its code and its ref (within the unit) in one transaction. */
  createCheckpoint(checkpoint: Checkpoint): Promise<CreateResult>;
  getCheckpoint(checkpointId: string): Promise<Checkpoint | undefined>;
  /** The check-in path's one read. */
  getByCode(code: string): Promise<CheckpointRef | undefined>;
  /**
   * A unit's checkpoints that pass `filter`, oldest first. A page holds `limit` of them unless there are no more
   * (then no `nextToken`) or the store's read budget ran out first (then fewer, possibly none, and a `nextToken`):
   * a page is never cut short merely because the matches lie further on.
   */
  listCheckpoints(
    unitId: string,
    page: { limit: number; nextToken?: string },
    filter?: CheckpointFilter,
  ): Promise<Page<Checkpoint>>;
  /** The checkpoints holding these refs, by `unitId + '\u0000' + ref`: one batched read for a whole import. */
  checkpointIdsByRef(refs: readonly { unitId: string; ref: string }[]): Promise<Map<string, string>>;
  /**
   * A new code for the checkpoint: the old one stops working at once. Undefined when there is no such checkpoint;
   * 'inactive' (and nothing changed) when it is deactivated.
   */
  rotateCode(
    checkpointId: string,
    newCode: string,
  ): Promise<Checkpoint | 'code-taken' | 'inactive' | undefined>;
  /** The checkpoint and its code item closed together (a check-in reads only the code item). */
  deactivate(checkpointId: string): Promise<Checkpoint | undefined>;
  /** Opened again, with the code it had. */
  reactivate(checkpointId: string): Promise<Checkpoint | undefined>;
  /**
   * The checkpoint and its code item (which the check-in page reads the name from) edited together. Undefined when
   * there is no such checkpoint; 'code-changed' (nothing changed) when its code is no longer `code` (rotated
   * meanwhile): read it again and retry.
   */
  editCheckpoint(
    checkpointId: string,
    code: string,
    edit: CheckpointEdit,
  ): Promise<Checkpoint | 'code-changed' | undefined>;
  /** Where a checkpoint's unit now is (a unit renamed or moved): the checkpoint and its code item together. */
  setUnitOf(
    checkpointId: string,
    code: string,
    unit: { unitName: string; unitPath: string[] },
  ): Promise<Checkpoint | 'code-changed' | undefined>;
}

export type RecordResult = { status: 'created' } | { status: 'duplicate'; existing: Checkin };

export interface CheckinStore {
  /**
   * Stores the check-in exactly once: a second call with the same phone and id stores nothing and returns what
   * was stored. Counting follows from the store (src/core/counting.ts): each stored check-in once.
   */
  record(checkin: Checkin): Promise<RecordResult>;
  /** A phone's check-in by its client id (an id is unique within its phone). */
  get(phoneHash: string, checkinId: string): Promise<Checkin | undefined>;
  /** The check-in with this id scanned at this checkpoint at this instant, when its phone is not known. */
  findAt(checkpointId: string, at: Date, checkinId: string): Promise<Checkin | undefined>;
  /** Every check-in of one phone (by its keyed hash) scanned in [from, to), oldest first: all pages. */
  checkinsOfPhone(phoneHash: string, from: Date, to: Date): Promise<Checkin[]>;
  /** Every check-in at one checkpoint scanned in [from, to), oldest first: all pages of every local day. */
  checkinsAtCheckpoint(checkpointId: string, from: Date, to: Date): Promise<Checkin[]>;
}

export interface ActivityStore {
  /** Every checkpoint-day of a unit with at least one check-in, over the given local days. */
  dailyActivity(unitId: string, days: readonly string[]): Promise<DailyActivity[]>;
  /** Each checkpoint's last local day with a check-in before `before` (YYYY-MM-DD); absent when none is stored. */
  lastActiveDays(checkpointIds: readonly string[], before: string): Promise<Map<string, string>>;
}

export interface ReportStore {
  put(key: string, body: Readable | Buffer | string, contentType: string): Promise<void>;
  /** Keys stored under a prefix. */
  list(prefix: string): Promise<string[]>;
  exists(key: string): Promise<boolean>;
}

/** A stored report file read back as text (the JSON report the console shows). */
export interface ReportReader {
  /** The object's text, or undefined when there is no such object. */
  getText(key: string): Promise<string | undefined>;
}

/**
 * Each unit's summary of a weekly run (src/core/weekly-report.ts UnitSummary): what its parent's report needs,
 * so a parent's task reads its children's summaries, never their checkpoints.
 */
export interface SummaryStore {
  getSummary(unitId: string, periodStart: string): Promise<UnitSummary | undefined>;
  putSummary(summary: UnitSummary): Promise<void>;
}

/** A weekly run's record, by its run id: what GET /v1/reports/runs/{runId} answers. */
export interface RunStore {
  getRun(runId: string): Promise<WeeklyRun | undefined>;
  putRun(run: WeeklyRun): Promise<void>;
}

/** Starts a weekly run in the background (Step Functions in AWS, an in-process stand-in locally). */
export interface RunStarter {
  start(request: WeeklyRunRequest): Promise<void>;
}

export interface LinkSigner {
  /** A GET link to a stored object that stops working after `ttlSeconds`. */
  signGet(key: string, ttlSeconds: number, downloadName: string): Promise<string>;
}

/**
 * Gate tokens (src/core/gate-links.ts): what a tablet at a checkpoint's gate carries for a shift. In AWS an ES256
 * JWT signed by the province's ECC_NIST_P256 KMS key (src/adapters/gate-tokens.ts), locally the same through the
 * KMS stand-in. Only the link-making function holds an issuer; only the gate authorizer a verifier.
 */
export interface GateTokenIssuer {
  issue(claims: GateClaims): Promise<string>;
}

export interface GateTokenVerifier {
  /**
   * The claims of a token this province issued for a gate, as of `now`; refused (GateTokenRefused) when it is
   * expired, not yet valid, altered, of another issuer or audience, or lives longer than a shift.
   */
  verify(token: string, now: Date): Promise<GateClaims>;
}

/**
 * Phone numbers at rest (src/adapters/phone-vault.ts). A lookup keys on the number's keyed hash, never on the
 * number; the number itself is stored sealed (envelope-encrypted with the province's KMS key). The check-in path
 * holds a vault, which hashes and seals but cannot open; only a reader opens, for the few functions that must
 * reach a person (tracing exports, alerts).
 */
export interface PhoneHasher {
  /** The keyed hash of an E.164 number: the same for the same number within a province, meaningless outside. */
  hash(e164: string): Promise<string>;
}

export interface PhoneVault extends PhoneHasher {
  /** The number encrypted for storage: a different string each time, holding no form of the number. */
  seal(e164: string): Promise<string>;
}

export interface PhoneReader extends PhoneHasher {
  /** The E.164 number a sealed string holds; refused if this province's key did not seal it, or it was altered. */
  open(sealed: string): Promise<string>;
}

/** Typed events for the logs: names and counts only, never phone numbers or request bodies. */
export type LogEvent =
  | { event: 'CheckinRecorded'; checkpointId: string; duplicate: boolean; method: Method }
  /** A check-in refused (a single one answered 4xx, or a batch item answered rejected): the error's code only. */
  | { event: 'CheckinRejected'; reason: string }
  | { event: 'CheckinRetried'; attempt: number; reason: string }
  | { event: 'CheckinsCounted'; read: number; counted: number; updates: number }
  | { event: 'WeeklyReportStored'; unitId: string; start: string; rows: number }
  /** A weekly run ended: `failed` units have no report for the period (the state machine's run: from plan to finish). */
  | { event: 'WeeklyReportRunCompleted'; start: string; reports: number; failed: number; ms: number }
  | { event: 'WeeklyReportUnitSkipped'; unitId: string; start: string }
  | { event: 'WeeklyReportUnitFailed'; unitId: string; start: string; errorName: string }
  | { event: 'RequestFailed'; status: number; code: string; errorName?: string }
  /** Hashing or sealing a phone failed (KMS or Secrets Manager unreachable, throttled, refusing): nothing stored. */
  | { event: 'PhoneVaultFailed'; errorName: string }
  /** An approved alert's batches could not all be enqueued: it stays `sending`, not queued; approving it again enqueues. */
  | { event: 'AlertEnqueueFailed'; alertId: string; errorName: string }
  /** Delivering one queued batch failed as a whole (a store unreachable): SQS delivers it again. */
  | { event: 'AlertBatchFailed'; alertId: string; errorName: string }
  /** One queued batch of an alert delivered: what it sent, what the SMS service refused, what waits for a retry. */
  | {
      event: 'AlertBatchDelivered';
      alertId: string;
      recipients: number;
      retry: number;
      paused: boolean;
    }
  /** Refused before any handler ran (a malformed path, a throttle): the route, never the path's values. */
  | { event: 'RequestRefused'; status: number; code: string; route: string }
  | { event: 'ImportContinued'; importId: string; position: number }
  | {
      event: 'ImportCompleted';
      importId: string;
      rows: number;
      created: number;
      rejected: number;
      pending: number;
    }
  /** The weekly run could not hand a stored report to the Friday delivery: the run goes on, the e-mail is not sent. */
  | { event: 'ReportNoticeFailed'; unitId: string; start: string; errorName: string }
  /** One notice of the Friday delivery handled: counts only, never an address. */
  | {
      event: 'ReportMailDelivered';
      unitId: string;
      start: string;
      sent: number;
      skipped: number;
      failed: number;
    }
  /** A delivery gave up for now (its queue retries it): the error's name only. */
  | { event: 'ReportMailFailed'; unitId: string; start: string; errorName: string }
  /** The gate authorizer refused a request: no token, or one it does not accept (never the token). */
  | { event: 'GateTokenRefused'; reason: 'no_token' | 'refused' };

export interface Events {
  emit(event: LogEvent): void;
}

/** Import jobs' records (S3 JSON in AWS and locally). */
export interface ImportJobStore {
  getJob(importId: string): Promise<ImportJob | undefined>;
  putJob(job: ImportJob): Promise<void>;
}

/** Where an import's file is uploaded: a presigned PUT, then read back by the job. */
export interface ImportUploads {
  /** A URL that takes one PUT of the file, with this content type, until `expiresAt`. */
  uploadUrl(importId: string, contentType: string, expiresInSeconds: number): Promise<string>;
  /** The uploaded file; undefined while nothing was uploaded. */
  readUpload(importId: string): Promise<Buffer | undefined>;
}

/**
 * What moves an import job along. In AWS the bucket's event notification queues an upload's arrival (so
 * `awaitUpload` has nothing to do) and `continueLater` queues the job for the next invocation (SQS); locally the
 * stand-in watches for the upload and runs the job in this process.
 */
export interface ImportQueue {
  awaitUpload(job: ImportJob): Promise<void>;
  continueLater(importId: string): Promise<void>;
}

/**
 * The Friday delivery (src/core/report-mail.ts). A unit's report stored by the weekly run becomes a notice; the
 * mailer turns it into one e-mail per subscribed staff member of the unit, later and elsewhere: delivery never holds
 * up or fails the run.
 */
export interface ReportStoredNotice {
  unitId: string;
  period: Period;
  /** The stored JSON report (src/keys.ts reportKeys): the e-mail's figures are read from it. */
  jsonKey: string;
  /** When the report was generated (UTC ISO). */
  generatedAt: string;
}

/** Where the weekly run drops its notices: SQS in AWS, an in-process queue locally. */
export interface ReportNotices {
  reportStored(notice: ReportStoredNotice): Promise<void>;
}

/** A staff member who gets a unit's weekly report by e-mail. */
export interface Subscriber {
  email: string;
  name?: string;
}

/**
 * The staff of a unit who want its weekly report by e-mail: those with an e-mail address, not disabled, not opted
 * out. The staff directory implements it (Cognito in AWS); locally a JSON file in the data folder stands in.
 */
export interface StaffSubscribers {
  subscribersOf(unitId: string): Promise<Subscriber[]>;
}

/** One composed message: its RFC 5322 bytes and its envelope recipient. */
export interface OutgoingMail {
  to: string;
  /** The whole message (headers and body), as sent and as written to the local outbox. */
  raw: Buffer;
  /** The Message-ID, without angle brackets. */
  messageId: string;
}

/** Sends one message (Amazon SES v2 in AWS, `.eml` files in the local outbox). Throws when it was not accepted. */
export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
}

/**
 * Idempotency of the delivery: one marker per unit, period and recipient. A redelivered notice finds the marker and
 * sends nothing again.
 */
export interface MailMarkers {
  /** True for the one caller that claimed the marker; false when it was claimed before. */
  claim(unitId: string, periodStart: string, email: string, at: string): Promise<boolean>;
  /** Gives a claim back after a failed send, so a retry of the notice may send it. */
  release(unitId: string, periodStart: string, email: string): Promise<void>;
}
