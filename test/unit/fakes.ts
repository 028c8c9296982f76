import { randomBytes } from 'node:crypto';
import {
  keyedPhoneHash,
  openWithDataKey,
  parseSealed,
  sealWithDataKey,
} from '../../src/adapters/phone-vault.ts';
import type {
  Checkin,
  Checkpoint,
  CheckpointRef,
  DailyActivity,
  Page,
  Principal,
  Unit,
} from '../../src/core/model.ts';
import { searchable } from '../../src/core/naming.ts';
import type {
  ActivityStore,
  CheckinStore,
  CheckpointEdit,
  CheckpointFilter,
  CheckpointStore,
  CreateResult,
  Events,
  LogEvent,
  PhoneReader,
  PhoneVault,
  RecordResult,
  ReportStore,
  UnitStore,
} from '../../src/core/ports.ts';

/** In-memory stores for the core's tests: the same contracts as the DynamoDB and S3 adapters. */
export class MemoryRegistry implements UnitStore, CheckpointStore {
  units = new Map<string, Unit>();
  checkpoints = new Map<string, Checkpoint>();

  async getUnit(id: string) {
    return this.units.get(id);
  }
  async createUnit(unit: Unit) {
    if (this.units.has(unit.id)) return false;
    this.units.set(unit.id, unit);
    return true;
  }
  async childrenOf(id: string) {
    return [...this.units.values()].filter((u) => u.parentId === id);
  }
  async updateUnit(unit: Unit) {
    if (!this.units.has(unit.id)) return false;
    this.units.set(unit.id, { ...unit });
    return true;
  }
  async editCheckpoint(id: string, code: string, edit: CheckpointEdit) {
    const cp = this.checkpoints.get(id);
    if (!cp) return undefined;
    if (cp.code !== code) return 'code-changed' as const;
    Object.assign(cp, edit);
    return { ...cp };
  }
  async setUnitOf(id: string, code: string, unit: { unitName: string; unitPath: string[] }) {
    const cp = this.checkpoints.get(id);
    if (!cp) return undefined;
    if (cp.code !== code) return 'code-changed' as const;
    Object.assign(cp, unit);
    return { ...cp };
  }
  async createCheckpoint(cp: Checkpoint): Promise<CreateResult> {
    const all = [...this.checkpoints.values()];
    const sameRef = cp.ref && all.find((c) => c.unitId === cp.unitId && c.ref === cp.ref);
    if (sameRef) return { status: 'ref-exists', existing: sameRef };
    const sameId = this.checkpoints.get(cp.id);
    if (sameId) return { status: 'id-exists', existing: sameId };
    if (all.some((c) => c.code === cp.code)) return { status: 'code-taken' };
    this.checkpoints.set(cp.id, cp);
    return { status: 'created' };
  }
  async checkpointIdsByRef(refs: readonly { unitId: string; ref: string }[]) {
    const found = new Map<string, string>();
    for (const { unitId, ref } of refs) {
      const cp = [...this.checkpoints.values()].find((c) => c.unitId === unitId && c.ref === ref);
      if (cp) found.set(`${unitId}\u0000${ref}`, cp.id);
    }
    return found;
  }
  async rotateCode(id: string, code: string) {
    const cp = this.checkpoints.get(id);
    if (!cp) return undefined;
    if (!cp.active) return 'inactive' as const;
    if ([...this.checkpoints.values()].some((c) => c.code === code)) return 'code-taken' as const;
    cp.code = code;
    return { ...cp };
  }
  async deactivate(id: string) {
    const cp = this.checkpoints.get(id);
    if (cp) cp.active = false;
    return cp && { ...cp };
  }
  async reactivate(id: string) {
    const cp = this.checkpoints.get(id);
    if (cp) cp.active = true;
    return cp && { ...cp };
  }
  async getCheckpoint(id: string) {
    return this.checkpoints.get(id);
  }
  async getByCode(code: string): Promise<CheckpointRef | undefined> {
    const cp = [...this.checkpoints.values()].find((c) => c.code === code);
    return (
      cp && {
        id: cp.id,
        name: cp.name,
        unitId: cp.unitId,
        unitName: cp.unitName,
        active: cp.active,
        createdAt: cp.createdAt,
      }
    );
  }
  /**
   * As the DynamoDB adapter lists: a unit's checkpoints in creation order (createdAt, then id), every filter
   * applied (search words matched without case or diacritics), pages filled to `limit` whatever lies between the
   * matches, and a token only when more checkpoints follow the page (the adapter's read budget never runs out
   * at the sizes these tests use).
   */
  async listCheckpoints(
    unitId: string,
    page: { limit: number; nextToken?: string },
    filter: CheckpointFilter = {},
  ): Promise<Page<Checkpoint>> {
    const words = searchable(filter.search ?? '')
      .split(' ')
      .filter(Boolean);
    const matches = (c: Checkpoint) =>
      (filter.kind === undefined || c.kind === filter.kind) &&
      (filter.active === undefined || c.active === filter.active) &&
      (filter.followsNamingRule === undefined || c.followsNamingRule === filter.followsNamingRule) &&
      words.every((w) => searchable(c.name).includes(w));
    const listed = [...this.checkpoints.values()]
      .filter((c) => c.unitId === unitId)
      .sort((a, b) => `${a.createdAt}#${a.id}`.localeCompare(`${b.createdAt}#${b.id}`));
    const start = page.nextToken === undefined ? 0 : Number(page.nextToken);
    if (!Number.isInteger(start) || start < 0 || start > listed.length) {
      throw new RangeError(`Not a token this store returned: ${page.nextToken}`);
    }
    const items: Checkpoint[] = [];
    let at = start;
    while (at < listed.length && items.length < page.limit) {
      const cp = listed[at++]!;
      if (matches(cp)) items.push(cp);
    }
    return { items, ...(at < listed.length ? { nextToken: String(at) } : {}) };
  }
}

/**
 * Check-ins as the adapter keeps them: by phone (keyed hash) and client id, so the same id from another phone is
 * another check-in. Its counters are what the counting step makes of the stored check-ins (each once).
 */
export class MemoryCheckins implements CheckinStore, ActivityStore {
  stored = new Map<string, Checkin>();
  async record(checkin: Checkin): Promise<RecordResult> {
    const key = `${checkin.phoneHash}|${checkin.id}`;
    const existing = this.stored.get(key);
    if (existing) return { status: 'duplicate', existing };
    this.stored.set(key, checkin);
    return { status: 'created' };
  }
  async get(phoneHash: string, checkinId: string) {
    return this.stored.get(`${phoneHash}|${checkinId}`);
  }
  async findAt(checkpointId: string, at: Date, checkinId: string) {
    return [...this.stored.values()].find(
      (c) => c.checkpointId === checkpointId && c.at === at.toISOString() && c.id === checkinId,
    );
  }
  /** The stored check-in with this id (tests whose ids are unique across phones). */
  byId(checkinId: string): Checkin | undefined {
    return [...this.stored.values()].find((c) => c.id === checkinId);
  }
  async checkinsOfPhone(phoneHash: string, from: Date, to: Date) {
    return this.between(from, to, (c) => c.phoneHash === phoneHash);
  }
  async checkinsAtCheckpoint(checkpointId: string, from: Date, to: Date) {
    return this.between(from, to, (c) => c.checkpointId === checkpointId);
  }
  private between(from: Date, to: Date, match: (c: Checkin) => boolean): Checkin[] {
    return [...this.stored.values()]
      .filter((c) => match(c) && Date.parse(c.at) >= from.getTime() && Date.parse(c.at) < to.getTime())
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }
  async lastActiveDays(checkpointIds: readonly string[], before: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const c of this.stored.values()) {
      if (!checkpointIds.includes(c.checkpointId) || c.day >= before) continue;
      if ((found.get(c.checkpointId) ?? '') < c.day) found.set(c.checkpointId, c.day);
    }
    return found;
  }
  async dailyActivity(unitId: string, days: readonly string[]): Promise<DailyActivity[]> {
    const counts = new Map<string, DailyActivity>();
    for (const c of this.stored.values()) {
      if (c.unitId !== unitId || !days.includes(c.day)) continue;
      const key = `${c.checkpointId}|${c.day}`;
      const row = counts.get(key) ?? { unitId, checkpointId: c.checkpointId, day: c.day, checkins: 0 };
      row.checkins += 1;
      counts.set(key, row);
    }
    return [...counts.values()];
  }
}

export class MemoryReports implements ReportStore {
  files = new Map<string, { body: string | Buffer; contentType: string }>();
  async put(key: string, body: NodeJS.ReadableStream | Buffer | string, contentType: string) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      this.files.set(key, { body, contentType });
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    this.files.set(key, { body: Buffer.concat(chunks), contentType });
  }
  async list(prefix: string) {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix));
  }
  async exists(key: string) {
    return this.files.has(key);
  }
}

/**
 * The phone vault and reader in memory, with the adapter's own hash and sealing (src/adapters/phone-vault.ts): a
 * fixed hash secret and one data key that KMS would have made. Counts its seals; `failWith` makes every call fail,
 * as KMS or Secrets Manager throttling would.
 */
export class MemoryPhones implements PhoneVault, PhoneReader {
  seals = 0;
  failWith: Error | undefined;

  async hash(e164: string) {
    if (this.failWith) throw this.failWith;
    return hashOf(e164);
  }
  async seal(e164: string) {
    if (this.failWith) throw this.failWith;
    this.seals++;
    return sealedOf(e164);
  }
  async open(sealed: string) {
    if (this.failWith) throw this.failWith;
    return openWithDataKey(MEMORY_DATA_KEY, parseSealed(sealed));
  }
}

const MEMORY_HASH_SECRET = Buffer.from('the-memory-vault-hash-secret-of-32-or-more-characters');
const MEMORY_DATA_KEY = randomBytes(32);
const MEMORY_ENCRYPTED_KEY = randomBytes(48).toString('base64url');

/** The keyed hash the memory vault gives an E.164 number: what tests compare stored hashes with. */
export const hashOf = (e164: string) => keyedPhoneHash(MEMORY_HASH_SECRET, e164);

/** A number sealed as the memory vault seals it (a new string each call), for check-ins a test writes itself. */
export const sealedOf = (e164: string) => sealWithDataKey(MEMORY_DATA_KEY, MEMORY_ENCRYPTED_KEY, e164);

export class RecordedEvents implements Events {
  events: LogEvent[] = [];
  emit(event: LogEvent) {
    this.events.push(event);
  }
}

export const admin = (unitId = 'qn'): Principal => ({ subject: 't', role: 'admin', unitId });
