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
}

export interface CountingResult {
  /** New check-ins read (records seen again included). */
  read: number;
  /** Check-ins added to counters by this run (0 for records another run had already added). */
  counted: number;
  /** Counter updates made. */
  updates: number;
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
  const result: CountingResult = { read: 0, counted: 0, updates: 0 };
  for (const shardId of await deps.stream.shards()) {
    const position = await deps.counters.position(shardId);
    if (position.ended) continue;
    let after = position.after;
    for (;;) {
      if (deps.shouldStop?.()) return result;
      const page = await deps.stream.read(shardId, after);
      result.read += page.checkins.length;
      for (const group of groupByCounter(page.checkins)) {
        const counted = await addOnce(deps.counters, { ...group.key, shardId }, group.checkins);
        result.counted += counted.checkins;
        result.updates += counted.updates;
      }
      if (page.last) {
        await deps.counters.savePosition(shardId, page.last, page.ended);
        after = page.last;
      } else if (page.ended) {
        await deps.counters.savePosition(shardId, after ?? '0', true);
      }
      if (page.ended || !page.last) break;
    }
  }
  if (result.read > 0) deps.events.emit({ event: 'CheckinsCounted', ...result });
  return result;
}

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
  counters: CounterStore,
  key: CounterKey,
  checkins: StreamedCheckin[],
): Promise<{ checkins: number; updates: number }> {
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
    const outcome = await counters.add(key, delta, first, last);
    updates++;
    if (outcome.added) return { checkins: pending.length, updates };
    const watermark = outcome.watermark;
    const rest = pending.filter((c) => seqOrder(c.seq, watermark) > 0);
    // A refusal that leaves the group whole would refuse again: the counter is not what this step wrote.
    if (rest.length === pending.length) throw new Error('A counter refused records beyond its watermark');
    pending = rest;
  }
}
