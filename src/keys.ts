/**
 * Every DynamoDB key, table and index in one place (ElectroDB-style labelled segments, generic attribute
 * names). The CDK stack, the local stack's table creation and the adapters all read these definitions.
 *
 * Access patterns and why the keys look like this:
 * - registry: a unit by id; a unit's children; a checkpoint by id; a unit's checkpoints (paged, newest last);
 *   a checkpoint by its printed code (the check-in hot path: one GetItem).
 * - checkins: a check-in by its client id (idempotency: the primary key IS the client id, so a conditional
 *   put stores it once); one checkpoint's check-ins in a time window (gsi1, partitioned per checkpoint and
 *   local day, so the hottest key is one gate on one day); one phone's check-ins in a time window (gsi2).
 *   No key spans a province or a week. Raw records expire through TTL on `expiresAt`.
 * - activity: one counter per checkpoint and local day, written in the same transaction as the check-in. A
 *   report reads at most checkpoints × days small items, never the check-ins themselves. Partitioned per unit,
 *   day and one of ACTIVITY_SHARDS write shards chosen by the checkpoint, so a busy unit's gates spread over 8
 *   partitions and the hottest key is one gate's counter on one day.
 */

export const KEY = { pk: 'pk', sk: 'sk' } as const;

export interface IndexDef {
  name: string;
  pk: string;
  sk: string;
}

export interface TableDef {
  /** Logical name: CDK construct id and local table-name suffix. */
  id: 'registry' | 'checkins' | 'activity';
  indexes: IndexDef[];
  ttlAttribute?: string;
}

export const REGISTRY_BY_PARENT: IndexDef = { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' };
export const CHECKINS_BY_CHECKPOINT: IndexDef = { name: 'byCheckpointDay', pk: 'gsi1pk', sk: 'gsi1sk' };
export const CHECKINS_BY_PHONE: IndexDef = { name: 'byPhone', pk: 'gsi2pk', sk: 'gsi2sk' };

export const TABLES: readonly TableDef[] = [
  { id: 'registry', indexes: [REGISTRY_BY_PARENT] },
  { id: 'checkins', indexes: [CHECKINS_BY_CHECKPOINT, CHECKINS_BY_PHONE], ttlAttribute: 'expiresAt' },
  { id: 'activity', indexes: [] },
];

/** Write shards of the activity counters: a report reads units × days × this many partitions. */
export const ACTIVITY_SHARDS = 8;

/** A checkpoint's shard: fixed (FNV-1a of its id), so each checkpoint-day is exactly one counter item. */
export function activityShard(checkpointId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < checkpointId.length; i++) {
    hash ^= checkpointId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % ACTIVITY_SHARDS;
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

  checkin: (checkinId: string) => ({ pk: `checkin#${checkinId}`, sk: 'checkin' }),
  checkinByCheckpoint: (checkpointId: string, day: string, at: string, checkinId: string) => ({
    gsi1pk: `cp#${checkpointId}#day#${day}`,
    gsi1sk: `${at}#${checkinId}`,
  }),
  checkinByPhone: (phone: string, at: string, checkinId: string) => ({
    gsi2pk: `phone#${phone}`,
    gsi2sk: `${at}#${checkinId}`,
  }),

  activity: (unitId: string, day: string, checkpointId: string) => ({
    pk: keys.activityPartition(unitId, day, activityShard(checkpointId)),
    sk: `cp#${checkpointId}`,
  }),
  activityPartition: (unitId: string, day: string, shard: number) => `unit#${unitId}#day#${day}#s${shard}`,
};

/** S3 keys of the stored reports: province, unit and period are all in the key. */
export const reportKeys = {
  unitPrefix: (provinceId: string, unitId: string) => `reports/${provinceId}/${unitId}/`,
  file: (provinceId: string, unitId: string, start: string, end: string, format: string) =>
    `reports/${provinceId}/${unitId}/${start}_${end}/bao-cao-${unitId}-${start}_${end}.${format}`,
};

/** S3 keys of a unit's posters: one PDF per request, under the province's poster prefix. */
export const posterKeys = {
  provincePrefix: (provinceId: string) => `posters/${provinceId}/`,
  file: (provinceId: string, unitId: string, at: Date) =>
    `posters/${provinceId}/${unitId}/poster-${unitId}-${at.toISOString().replace(/[:.]/g, '-')}.pdf`,
};
