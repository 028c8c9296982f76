import type { Events } from './ports.ts';

/**
 * Counting check-ins from the check-ins table's stream, in batches, exactly once.
 *
 * A check-in is stored by one conditional put (src/adapters/dynamo-checkins.ts), which DynamoDB's stream carries
 * as exactly one INSERT record: a duplicate put fails its condition and writes nothing, so it makes no record. The
 * stream's records of one shard arrive in order, each with a sequence number; a reader may see them again (a
 * crash before it saved its position, two readers at once), never out of order. So:
 * - a shard's records are grouped by counter (checkpoint, local day), and each group is added to that
 *   checkpoint-day's counter item FOR THIS SHARD in one update that also sets the item's watermark to the group's
 *   last sequence number, on condition that the watermark is below the group's first: a group seen again adds
 *   nothing, and a group that overlaps what was added adds only what lies beyond the watermark;
 * - then the shard's position is saved (only ever forward). A crash between the two re-reads records the
 *   watermarks already hold: counted once either way. A 201 is stored before it is answered, so it is in the
 *   stream, so it is counted.
 * The counter item per shard keeps one watermark per item and no contention: only one reader's update of a
 * group wins, and a shard's records feed only its own items.
 */

/** One new check-in as the stream carries it: what counting needs, and where it is in its shard. */
export interface StreamedCheckin {
  seq: string;
  unitId: string;
  day: string;
  checkpointId: string;
  companions: number;
  /** When the check-in was stored (ms since the epoch: its `receivedAt`, the server's clock). */
  storedAt?: number;
}

export interface StreamPage {
  /** New check-ins in this page (other items' records left out), in sequence order. */
  checkins: StreamedCheckin[];
  /** The last sequence number this page read, check-in or not: where the next read starts after. */
  last?: string;
  /** The shard is closed and read to its end: nothing more will come. */
  ended: boolean;
}

/** The check-ins table's stream (DynamoDB Streams in AWS and in DynamoDB Local). */
export interface CheckinStream {
  shards(): Promise<string[]>;
  /** The records of a shard after `after` (from its start when absent), one page. */
  read(shardId: string, after: string | undefined): Promise<StreamPage>;
}

export interface CounterKey {
  unitId: string;
  day: string;
  checkpointId: string;
  shardId: string;
}

export type AddResult = { added: true } | { added: false; watermark: string };

export interface CounterStore {
  position(shardId: string): Promise<{ after?: string; ended: boolean }>;
  /** Saves a shard's position, only forward (a slower reader never moves it back). */
  savePosition(shardId: string, after: string, ended: boolean): Promise<void>;
  /**
   * Adds to the shard's counter of a checkpoint-day and sets its watermark to `lastSeq`, only if its watermark
   * is below `firstSeq` (or absent); otherwise adds nothing and answers the watermark it has.
   */
  add(
    key: CounterKey,
    delta: { checkins: number; people: number },
    firstSeq: string,
    lastSeq: string,
  ): Promise<AddResult>;
}

export interface CountingDeps {
  stream: CheckinStream;
  counters: CounterStore;
  events: Events;
  /** Stop starting new pages when this says so (a Lambda's remaining time); the next run goes on from there. */
  shouldStop?: () => boolean;
  /** Quiet checkpoint-days wait to be counted with more check-ins (COUNT_BATCHING); absent, everything is counted. */
  batching?: Batching;
  /**
   * Watermarks this process wrote or was answered (counter → last sequence number counted), so records read
   * again behind a held group are skipped without a refused write. Only an optimisation: a record it does not
   * know of meets the counter's own condition.
   */
  watermarks?: Map<string, string>;
}

/**
 * A quiet checkpoint-day (fewer than `enough` new check-ins in a round) is held back until its first check-in
 * has waited `holdMs`: one counter update then carries the check-ins of several rounds, where it would carry one.
 * The shard's position stays before the first held check-in, so the next round reads it again.
 */
export interface Batching {
  now: () => number;
  holdMs: number;
  enough: number;
}

/**
 * In AWS: counted within 5 minutes, at once from 5 check-ins. A gate's rush is counted each minute; a shop
 * with a check-in every few minutes is counted every 5, with several check-ins an update.
 */
export const COUNT_BATCHING = { holdMs: 5 * 60_000, enough: 5 } as const;

/** The most watermarks a process remembers (a few MB); past that it starts again from none. */
const WATERMARKS_KEPT = 100_000;

export interface CountingResult {
  /** New check-ins read (records seen again included). */
  read: number;
  /** Check-ins added to counters by this run (0 for records another run had already added). */
  counted: number;
  /** Counter updates made. */
  updates: number;
  /** Check-ins read and held back for a later round (COUNT_BATCHING). */
  held: number;
}

/** Sequence numbers compared as numbers: DynamoDB's are digit strings of varying length. */
export function seqOrder(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
}

/** The sequence number as stored on a counter: zero-padded to a fixed width, so DynamoDB compares it as a number. */
export function paddedSeq(seq: string): string {
  return seq.replace(/^0+/, '').padStart(48, '0');
}

/** Reads every shard from where it was left and adds what it finds to the counters, exactly once. */
export async function countCheckins(deps: CountingDeps): Promise<CountingResult> {
  const result: CountingResult = { read: 0, counted: 0, updates: 0, held: 0 };
  for (const shardId of await deps.stream.shards()) {
    const position = await deps.counters.position(shardId);
    if (position.ended) continue;
    let after = position.after;
    /** The last check-in read before the first held one: the shard's position may not pass it. */
    let beforeHeld: { seq: string | undefined; saved: boolean } | undefined;
    let lastCheckin = after;
    const held = new Set<string>();
    for (;;) {
      if (deps.shouldStop?.()) return result;
      const page = await deps.stream.read(shardId, after);
      result.read += page.checkins.length;
      for (const group of groupByCounter(page.checkins)) {
        const id = counterId(group.key);
        const key = { ...group.key, shardId };
        const fresh = unknownTo(deps.watermarks, key, group.checkins);
        if (fresh.length === 0) continue;
        if (held.has(id) || (!page.ended && holds(deps.batching, fresh))) {
          // Held: all of this counter's later records this round too, or a watermark would pass these.
          held.add(id);
          result.held += fresh.length;
          continue;
        }
        const counted = await addOnce(deps, key, fresh);
        result.counted += counted.checkins;
        result.updates += counted.updates;
      }
      for (const c of page.checkins) {
        if (!beforeHeld && held.has(counterId(c))) beforeHeld = { seq: lastCheckin, saved: false };
        lastCheckin = c.seq;
      }
      if (beforeHeld) {
        if (beforeHeld.seq && beforeHeld.seq !== position.after && !beforeHeld.saved)
          await deps.counters.savePosition(shardId, beforeHeld.seq, false);
        beforeHeld.saved = true;
      } else if (page.last) {
        await deps.counters.savePosition(shardId, page.last, page.ended);
      } else if (page.ended) {
        await deps.counters.savePosition(shardId, after ?? '0', true);
      }
      if (page.last) after = page.last;
      if (page.ended || !page.last) break;
    }
  }
  if (result.read > 0) deps.events.emit({ event: 'CheckinsCounted', ...result });
  return result;
}

function holds(batching: Batching | undefined, checkins: StreamedCheckin[]): boolean {
  if (!batching || checkins.length >= batching.enough) return false;
  const first = checkins[0]?.storedAt;
  // A record without its time is counted at once rather than held on a guess.
  return first !== undefined && batching.now() - first < batching.holdMs;
}

const counterId = (c: Omit<CounterKey, 'shardId'>) => `${c.unitId}|${c.day}|${c.checkpointId}`;

function groupByCounter(checkins: StreamedCheckin[]) {
  const groups = new Map<string, { key: Omit<CounterKey, 'shardId'>; checkins: StreamedCheckin[] }>();
  for (const c of checkins) {
    const id = `${c.unitId}|${c.day}|${c.checkpointId}`;
    const group = groups.get(id) ?? {
      key: { unitId: c.unitId, day: c.day, checkpointId: c.checkpointId },
      checkins: [],
    };
    group.checkins.push(c);
    groups.set(id, group);
  }
  return groups.values();
}

/** One group's update; where the counter already holds part of it, the rest beyond its watermark. */
async function addOnce(
  deps: Pick<CountingDeps, 'counters' | 'watermarks'>,
  key: CounterKey,
  checkins: StreamedCheckin[],
): Promise<{ checkins: number; updates: number }> {
  const id = watermarkId(key);
  let pending = checkins;
  let updates = 0;
  for (;;) {
    if (pending.length === 0) return { checkins: 0, updates };
    const delta = {
      checkins: pending.length,
      people: pending.reduce((sum, c) => sum + 1 + c.companions, 0),
    };
    const first = pending[0]!.seq;
    const last = pending.at(-1)!.seq;
    const outcome = await deps.counters.add(key, delta, first, last);
    updates++;
    remember(deps.watermarks, id, outcome.added ? last : outcome.watermark);
    if (outcome.added) return { checkins: pending.length, updates };
    const watermark = outcome.watermark;
    const rest = pending.filter((c) => seqOrder(c.seq, watermark) > 0);
    // A refusal that leaves the group whole would refuse again: the counter is not what this step wrote.
    if (rest.length === pending.length) throw new Error('A counter refused records beyond its watermark');
    pending = rest;
  }
}

const watermarkId = (key: CounterKey) => `${counterId(key)}|${key.shardId}`;

/** The check-ins beyond what this process knows the counter holds (all of them when it knows nothing). */
function unknownTo(
  watermarks: Map<string, string> | undefined,
  key: CounterKey,
  checkins: StreamedCheckin[],
) {
  const known = watermarks?.get(watermarkId(key));
  return known ? checkins.filter((c) => seqOrder(c.seq, known) > 0) : checkins;
}

function remember(watermarks: Map<string, string> | undefined, id: string, seq: string) {
  if (!watermarks) return;
  if (watermarks.size >= WATERMARKS_KEPT) watermarks.clear();
  watermarks.set(id, seq);
}
