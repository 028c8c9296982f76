import type { Readable } from 'node:stream';
import type { Checkin, Checkpoint, CheckpointRef, DailyActivity, Page, Unit } from './model.ts';
import type { UnitSummary, WeeklyRun, WeeklyRunRequest } from './weekly-run.ts';

/** What the core needs from storage. The DynamoDB and S3 adapters implement these; tests may fake them. */

export interface UnitStore {
  getUnit(unitId: string): Promise<Unit | undefined>;
  /** Stores a new unit; false when the id is taken. */
  createUnit(unit: Unit): Promise<boolean>;
  childrenOf(unitId: string): Promise<Unit[]>;
}

export type CreateResult =
  | { status: 'created' }
  /** The code was taken: draw another. */
  | { status: 'code-taken' }
  /** The unit already has a checkpoint with this ref: it is returned, nothing is stored. */
  | { status: 'ref-exists'; existing: Checkpoint };

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
  | { event: 'CheckinRecorded'; checkpointId: string; duplicate: boolean }
  | { event: 'CheckinRetried'; attempt: number; reason: string }
  | { event: 'CheckinsCounted'; read: number; counted: number; updates: number }
  | { event: 'WeeklyReportStored'; unitId: string; start: string; rows: number }
  | { event: 'WeeklyReportRunCompleted'; start: string; reports: number; ms: number }
  | { event: 'WeeklyReportUnitSkipped'; unitId: string; start: string }
  | { event: 'WeeklyReportUnitFailed'; unitId: string; start: string; errorName: string }
  | { event: 'RequestFailed'; status: number; code: string; errorName?: string }
  /** Hashing or sealing a phone failed (KMS or Secrets Manager unreachable, throttled, refusing): nothing stored. */
  | { event: 'PhoneVaultFailed'; errorName: string }
  /** Refused before any handler ran (a malformed path, a throttle): the route, never the path's values. */
  | { event: 'RequestRefused'; status: number; code: string; route: string };

export interface Events {
  emit(event: LogEvent): void;
}
