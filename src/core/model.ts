/** The domain's records, as the core sees them. Adapters map them to and from storage. */

export const UNIT_KINDS = ['province', 'district', 'commune', 'sector', 'other'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export interface Unit {
  id: string;
  name: string;
  /** The official administrative code, where one exists (e.g. the GSO code of a commune). */
  code?: string;
  parentId?: string;
  kind: UnitKind;
  /** Ids from the root down to this unit itself: a token scoped to any of them reaches this unit. */
  path: string[];
  createdAt: string;
}

export const CHECKPOINT_KINDS = [
  'state-office',
  'school',
  'hospital',
  'factory',
  'shop',
  'market',
  'restaurant',
  'hotel',
  'religious',
  'transport',
  'other',
] as const;
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number];

export interface Checkpoint {
  id: string;
  /** Short, typeable, printed under the QR; what a check-in names. */
  code: string;
  name: string;
  kind: CheckpointKind;
  placeName: string;
  address: string;
  /** The registrant's own reference: unique within the unit, what makes an import idempotent. */
  ref?: string;
  unitId: string;
  unitName: string;
  unitPath: string[];
  active: boolean;
  createdAt: string;
  /** What the province's naming rule makes of the fields; `name` differs only when it came from elsewhere. */
  canonicalName: string;
  followsNamingRule: boolean;
}

/** What a check-in needs to know about its checkpoint: one read on the hot path. */
export interface CheckpointRef {
  id: string;
  name: string;
  unitId: string;
  unitName: string;
  active: boolean;
  /** A scan cannot be older than its checkpoint. */
  createdAt: string;
}

export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const METHODS = ['app', 'web', 'assisted'] as const;
export type Method = (typeof METHODS)[number];

/**
 * A phone number as it is stored: never the number itself. `hash` is its keyed hash (HMAC-SHA-256 with the
 * province's secret), what lookups key on; `sealed` the number envelope-encrypted with the province's KMS key,
 * which only a function holding kms:Decrypt can open (src/core/ports.ts PhoneVault, PhoneReader).
 */
export interface StoredPhone {
  hash: string;
  sealed: string;
}

export interface Checkin {
  id: string;
  checkpointId: string;
  unitId: string;
  /** The phone's keyed hash: the same for every check-in of one number. */
  phoneHash: string;
  /** The number, sealed: a different string on each check-in. */
  sealedPhone: string;
  direction: Direction;
  method: Method;
  /** People who came with the phone's holder (children, elderly relatives), 0–20; absent is none. */
  companions?: number;
  /** The staff member (token subject) who recorded an assisted check-in. */
  assistedBy?: string;
  /** When it was scanned (UTC ISO). */
  at: string;
  /** The local day (Asia/Ho_Chi_Minh) the scan belongs to, YYYY-MM-DD. */
  day: string;
  receivedAt: string;
  /** Epoch seconds after which DynamoDB TTL removes the raw record. */
  expiresAt: number;
}

/** A checkpoint's activity on one local day: what the weekly report reads. Holds no personal data. */
export interface DailyActivity {
  unitId: string;
  checkpointId: string;
  day: string;
  checkins: number;
}

export interface Principal {
  subject: string;
  role: Role;
  unitId: string;
}

/**
 * A gate tablet's caller (src/core/gate-links.ts): a gate token's claims, not a staff role. It reaches the gate
 * routes of its one checkpoint and nothing else: no permission of src/core/access.ts names it.
 */
export interface GatePrincipal {
  role: 'gate';
  /** The staff member who made the gate link: assisted check-ins record them as `assistedBy`. */
  subject: string;
  unitId: string;
  checkpointId: string;
  expiresAt: Date;
}

export const ROLES = ['admin', 'unit-manager', 'tracer'] as const;
export type Role = (typeof ROLES)[number];

export interface Page<T> {
  items: T[];
  nextToken?: string;
}
