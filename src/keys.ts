/**
 * Every DynamoDB key, table and index in one place (ElectroDB-style labelled segments, generic attribute
 * names). The CDK stack, the local stack's table creation and the adapters all read these definitions.
 *
 * Access patterns and why the keys look like this:
 * - registry: a unit by id; a unit's children; a checkpoint by id; a unit's checkpoints (paged, newest last);
 *   a checkpoint by its printed code (the check-in hot path: one GetItem).
 * - checkins: a check-in by its phone's keyed hash and its client id (`phone#<hash>` / `checkin#<id>`: the
 *   idempotency key is the client id within its phone, so a conditional put stores it once), and that same
 *   partition is one phone's check-ins for tracing: the table's own key serves the by-phone query, so a check-in
 *   writes one index, not two. One checkpoint's check-ins in a time window: gsi1, partitioned per checkpoint and
 *   local day, so the hottest key is one gate on one day. No key spans a province or a week. Raw records expire
 *   through TTL on `expiresAt`. Personal cards live here too (`card#<code>` and `cardphone#<phone hash>`), beside
 *   the other personal data, under the same TTL. The table's stream (new images) is what counts check-ins
 *   (src/core/counting.ts).
 * - no key holds a phone number: a phone's keys hold its keyed hash (src/adapters/phone-vault.ts), and the key
 *   builders below refuse anything else, so a table copy reveals no number.
 * - activity: counters per checkpoint, local day and stream shard of the check-ins table, added to in batches by
 *   the counting step from the stream (src/core/counting.ts), each with the last stream sequence number it
 *   holds (its exactly-once watermark: one shard's records arrive in order). A checkpoint-day has one counter
 *   item per shard that carried its check-ins (a handful: shards follow the table's partitions and roll over
 *   every few hours), however many check-ins it had. A report reads the counters, never the check-ins themselves.
 *   Partitioned per unit, day and one of ACTIVITY_SHARDS write shards chosen by the checkpoint, so a busy unit's
 *   gates spread over 8 partitions. The counting step's own position in each stream shard lives here too
 *   (`stream#checkins#<shard>`), expiring by TTL once the stream has dropped the shard.
 */

export const KEY = { pk: 'pk', sk: 'sk' } as const;

export interface IndexDef {
  name: string;
  pk: string;
  sk: string;
  /** What the index copies of each item: everything (default), or only the keys (cheap to keep up to date). */
  projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableDef {
  /** Logical name: CDK construct id and local table-name suffix. */
  id: 'registry' | 'checkins' | 'activity' | 'tracing' | 'audit' | 'users';
  indexes: IndexDef[];
  ttlAttribute?: string;
  /** A DynamoDB stream of the items as written: the check-ins table's is what counts them. */
  stream?: 'NEW_IMAGE';
}

export const REGISTRY_BY_PARENT: IndexDef = { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' };
export const CHECKINS_BY_CHECKPOINT: IndexDef = { name: 'byCheckpointDay', pk: 'gsi1pk', sk: 'gsi1sk' };
/**
 * A checkpoint's active days, newest first: where a report finds when an idle checkpoint was last used. Keys
 * only, on the counters' own attributes, so a check-in's counter update (ADD on a non-key attribute) writes
 * nothing to it; only a counter slot's first check-in of a day adds an index entry.
 */
export const ACTIVITY_BY_CHECKPOINT: IndexDef = {
  name: 'byCheckpoint',
  pk: 'checkpointId',
  sk: 'day',
  projection: 'KEYS_ONLY',
};

/** Cases and alerts, newest first, each kind one small partition (a province has them by the hundred, not the million). */
export const TRACING_LISTED: IndexDef = { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' };

export const TABLES: readonly TableDef[] = [
  { id: 'registry', indexes: [REGISTRY_BY_PARENT] },
  {
    id: 'checkins',
    indexes: [CHECKINS_BY_CHECKPOINT],
    ttlAttribute: 'expiresAt',
    stream: 'NEW_IMAGE',
  },
  // TTL only on the counting step's stream positions: counters carry no `expiresAt` and stay.
  { id: 'activity', indexes: [ACTIVITY_BY_CHECKPOINT], ttlAttribute: 'expiresAt' },
  // Alert delivery markers expire (TTL) once no redelivery of their alert can come; cases and alerts do not.
  { id: 'tracing', indexes: [TRACING_LISTED], ttlAttribute: 'expiresAt' },
  // Append-only (lib/bindings.ts grants PutItem and Query, never UpdateItem or DeleteItem); kept a year by TTL.
  { id: 'audit', indexes: [], ttlAttribute: 'expiresAt' },
];

/**
 * Staff accounts on this machine only (src/adapters/dynamo-users.ts): in AWS they live in the province's Cognito
 * user pool, which a table beside it would only contradict. The local stack creates it with the others.
 */
export const USERS_LISTED: IndexDef = { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' };
export const LOCAL_TABLES: readonly TableDef[] = [{ id: 'users', indexes: [USERS_LISTED] }];

/** Write shards of the activity counters: a report reads units × days × this many partitions. */
export const ACTIVITY_SHARDS = 8;

/** FNV-1a: a fixed, evenly spread hash of a short id. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A checkpoint's shard: fixed, so all of a checkpoint-day's counter items share one partition. */
export function activityShard(checkpointId: string): number {
  return fnv1a(checkpointId) % ACTIVITY_SHARDS;
}

/** The sort-key prefix of check-in items (a phone's partition holds nothing else). */
export const CHECKIN_SK_PREFIX = 'checkin#';

/** A phone's keyed hash: 43 base64url characters (HMAC-SHA-256). */
const PHONE_HASH = /^[\w-]{43}$/;

/** The phone segment of a key: a keyed hash, or an error. A number must never become a key. */
function phoneHashSegment(phoneHash: string): string {
  if (!PHONE_HASH.test(phoneHash))
    throw new Error('A phone key takes the keyed hash of the phone, not a number');
  return phoneHash;
}

export const keys = {
  unit: (unitId: string) => ({ pk: `unit#${unitId}`, sk: 'unit' }),
  /** gsi1 of a unit: listed under its parent. */
  unitUnderParent: (parentId: string, unitId: string) => ({
    gsi1pk: `children#${parentId}`,
    gsi1sk: `unit#${unitId}`,
  }),
  childrenOf: (parentId: string) => `children#${parentId}`,

  checkpoint: (checkpointId: string) => ({ pk: `cp#${checkpointId}`, sk: 'cp' }),
  /** gsi1 of a checkpoint: listed under its unit in creation order. */
  checkpointUnderUnit: (unitId: string, createdAt: string, checkpointId: string) => ({
    gsi1pk: `checkpoints#${unitId}`,
    gsi1sk: `cp#${createdAt}#${checkpointId}`,
  }),
  checkpointsOf: (unitId: string) => `checkpoints#${unitId}`,
  code: (code: string) => ({ pk: `code#${code}`, sk: 'code' }),
  /** A registrant's reference, unique within its unit. */
  ref: (unitId: string, ref: string) => ({ pk: `ref#${unitId}#${ref}`, sk: 'ref' }),

  /** A check-in: in its phone's partition (by the keyed hash), by its client id. */
  checkin: (phoneHash: string, checkinId: string) => ({
    pk: keys.checkinsOfPhone(phoneHash),
    sk: `${CHECKIN_SK_PREFIX}${checkinId}`,
  }),
  checkinByCheckpoint: (checkpointId: string, day: string, at: string, checkinId: string) => ({
    gsi1pk: keys.checkinsAtCheckpointOn(checkpointId, day),
    gsi1sk: `${at}#${checkinId}`,
  }),
  /** The gsi1 partition of one checkpoint's check-ins on one local day. */
  checkinsAtCheckpointOn: (checkpointId: string, day: string) => `cp#${checkpointId}#day#${day}`,
  /** The table partition of one phone's check-ins: by the phone's keyed hash, never its number. */
  checkinsOfPhone: (phoneHash: string) => `phone#${phoneHashSegment(phoneHash)}`,
  /**
   * The sort-key bounds of check-ins scanned in [from, to): sort keys are `<UTC ISO at>#<id>`, so BETWEEN the two
   * bare instants takes every id at `from` and none at `to`.
   */
  checkinTimeRange: (from: Date, to: Date) => ({ from: from.toISOString(), to: to.toISOString() }),

  /**
   * Personal cards, in the check-ins table beside the other personal data (src/core/cards.ts): the code's item
   * holds the phone (hashed and sealed), the phone's item, keyed by its hash, the code; both expire through the
   * table's TTL with the card.
   */
  card: (code: string) => ({ pk: `card#${code}`, sk: 'card' }),
  cardOfPhone: (phoneHash: string) => ({ pk: `cardphone#${phoneHashSegment(phoneHash)}`, sk: 'card' }),

  /** A checkpoint-day's counter of the check-ins one stream shard carried. */
  activity: (unitId: string, day: string, checkpointId: string, streamShard: string) => ({
    pk: keys.activityPartition(unitId, day, activityShard(checkpointId)),
    sk: `cp#${checkpointId}#${streamShard}`,
  }),
  /** Where the counting step has read to in one shard of the check-ins table's stream. */
  streamPosition: (shardId: string) => ({ pk: `stream#checkins#${shardId}`, sk: 'position' }),
  activityPartition: (unitId: string, day: string, shard: number) => `unit#${unitId}#day#${day}#s${shard}`,

  /** Tracing: a case by its id, and listed under the one `cases` partition of the index, newest last. */
  caseItem: (caseId: string) => ({ pk: `case#${caseId}`, sk: 'case' }),
  caseListed: (openedAt: string, caseId: string) => ({
    gsi1pk: keys.casesListed,
    gsi1sk: `${openedAt}#${caseId}`,
  }),
  casesListed: 'cases',
  /** Exposure alerts, in the tracing table beside their cases: an alert by its id (`alert#` items). */
  alertItem: (alertId: string) => ({ pk: `alert#${alertId}`, sk: 'alert' }),
  /** An alert listed under the one `alerts` partition of the tracing index, newest last. */
  alertListed: (createdAt: string, alertId: string) => ({
    gsi1pk: keys.alertsListed,
    gsi1sk: `${createdAt}#${alertId}`,
  }),
  alertsListed: 'alerts',
  /** The province's kill switch for alerts: one item, under the `alert#` prefix the alert grants reach. */
  alertSwitch: { pk: 'alert#switch', sk: 'switch' },
  /** A phone's marker for one alert (conditionally put before its message is sent): by the phone's keyed hash. */
  alertDelivery: (alertId: string, phoneHash: string) => ({
    pk: `alert#${alertId}#to#${phoneHashSegment(phoneHash)}`,
    sk: 'to',
  }),
  /** A local staff account by its username, listed under the one `users` partition of its index by username. */
  user: (username: string) => ({ pk: `user#${username}`, sk: 'user' }),
  userListed: (username: string) => ({ gsi1pk: 'users', gsi1sk: `user#${username}` }),
  usersListed: 'users',
  /**
   * The Friday delivery's marker for one unit, period and recipient (src/core/report-mail.ts): conditionally put
   * before the e-mail is sent. The address appears only as its SHA-256, so the key is fixed in length and charset.
   */
  reportMail: (unitId: string, periodStart: string, emailHash: string) => ({
    pk: `mail#${unitId}#${periodStart}#${emailHash}`,
    sk: 'mail',
  }),
  /** Audit: one partition per local day; within it, by time then id. */
  auditDay: (day: string) => `audit#day#${day}`,
  auditItem: (day: string, position: string) => ({ pk: keys.auditDay(day), sk: position }),
};

/** S3 keys of the stored reports: province, unit and period are all in the key. */
export const reportKeys = {
  unitPrefix: (provinceId: string, unitId: string) => `reports/${provinceId}/${unitId}/`,
  file: (provinceId: string, unitId: string, start: string, end: string, format: string) =>
    `reports/${provinceId}/${unitId}/${start}_${end}/bao-cao-${unitId}-${start}_${end}.${format}`,
};

/** S3 keys of a unit's posters: one PDF per request, under the province's poster prefix. */
/**
 * S3 keys of tracing exports: a case's answers as XLSX, under the province's export prefix, one new key per
 * export. They hold phone numbers in the clear, so the bucket's lifecycle removes them after a day.
 */
export const exportKeys = {
  provincePrefix: (provinceId: string) => `exports/${provinceId}/`,
  file: (provinceId: string, caseId: string, query: string, at: Date) =>
    `exports/${provinceId}/${caseId}/truy-vet-${query}-${at.toISOString().replace(/[:.]/g, '-')}.xlsx`,
};

export const posterKeys = {
  provincePrefix: (provinceId: string) => `posters/${provinceId}/`,
  file: (provinceId: string, unitId: string, at: Date) =>
    `posters/${provinceId}/${unitId}/poster-${unitId}-${at.toISOString().replace(/[:.]/g, '-')}.pdf`,
};

/**
 * S3 keys of import jobs: the uploaded file (a presigned PUT; its arrival is the event that starts the job) and
 * the job's record. Uploads hold only what staff upload (no phone numbers); the lifecycle removes them after a
 * week, the records after a month.
 */
export const importKeys = {
  uploadsPrefix: (provinceId: string) => `imports/${provinceId}/uploads/`,
  upload: (provinceId: string, importId: string) => `imports/${provinceId}/uploads/${importId}`,
  jobsPrefix: (provinceId: string) => `imports/${provinceId}/jobs/`,
  job: (provinceId: string, importId: string) => `imports/${provinceId}/jobs/${importId}.json`,
  /** The job an upload's key belongs to (an S3 event names the key), if it is one. */
  importIdOf: (provinceId: string, key: string): string | undefined => {
    const prefix = `imports/${provinceId}/uploads/`;
    const id = key.startsWith(prefix) ? key.slice(prefix.length) : '';
    return /^[0-9a-f-]{36}$/.test(id) ? id : undefined;
  },
};

/**
 * S3 keys of the weekly run's own records, under the province's report prefix (so the report grants reach them)
 * but beside the units' folders: a unit id is a slug ([a-z0-9-]), never `_runs` or `_summaries`.
 */
export const runKeys = {
  run: (provinceId: string, runId: string) => `reports/${provinceId}/_runs/${runId}.json`,
  summary: (provinceId: string, unitId: string, start: string) =>
    `reports/${provinceId}/_summaries/${start}/${unitId}.json`,
};
