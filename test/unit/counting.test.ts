import { describe, expect, it } from 'vitest';
import {
  type AddResult,
  type CheckinStream,
  type CounterKey,
  type CounterStore,
  countCheckins,
  paddedSeq,
  type StreamedCheckin,
  type StreamPage,
  seqOrder,
} from '../../src/core/counting.ts';
import { RecordedEvents } from './fakes.ts';

/**
 * A stream as DynamoDB Streams behaves: shards of records in sequence order, read in pages after a sequence
 * number, a closed shard ending. Non-check-in records (cards) take sequence numbers too.
 */
class FakeStream implements CheckinStream {
  readonly shardRecords = new Map<string, { seq: string; checkin?: StreamedCheckin }[]>();
  readonly closed = new Set<string>();
  private next = 1;
  constructor(private readonly pageSize = 3) {}

  put(shardId: string, c: Omit<StreamedCheckin, 'seq'> | undefined) {
    const seq = String(this.next++).padStart(21, '0');
    const records = this.shardRecords.get(shardId) ?? [];
    records.push({ seq, ...(c ? { checkin: { ...c, seq } } : {}) });
    this.shardRecords.set(shardId, records);
  }

  async shards() {
    return [...this.shardRecords.keys()];
  }

  async read(shardId: string, after: string | undefined): Promise<StreamPage> {
    const records = this.shardRecords.get(shardId) ?? [];
    const rest = records.filter((r) => !after || seqOrder(r.seq, after) > 0);
    const page = rest.slice(0, this.pageSize);
    return {
      checkins: page.flatMap((r) => (r.checkin ? [r.checkin] : [])),
      ...(page.length ? { last: page.at(-1)!.seq } : {}),
      ended: this.closed.has(shardId) && rest.length === page.length,
    };
  }
}

/** Counters as DynamoDB's conditional UpdateItem keeps them: added only above the item's watermark. */
class FakeCounters implements CounterStore {
  readonly items = new Map<string, { checkins: number; people: number; seq: string }>();
  readonly positions = new Map<string, { after: string; ended: boolean }>();
  /** Makes the next `add` apply and then fail, as a crash after DynamoDB wrote it would. */
  crashAfterNextAdd = false;
  crashBeforeSave = false;

  async position(shardId: string) {
    return this.positions.get(shardId) ?? { ended: false };
  }
  async savePosition(shardId: string, after: string, ended: boolean) {
    if (this.crashBeforeSave) {
      this.crashBeforeSave = false;
      throw new Error('Lambda timed out');
    }
    const now = this.positions.get(shardId);
    if (now && seqOrder(now.after, after) > 0) return;
    this.positions.set(shardId, { after, ended });
  }
  async add(
    key: CounterKey,
    delta: { checkins: number; people: number },
    firstSeq: string,
    lastSeq: string,
  ): Promise<AddResult> {
    const id = `${key.unitId}|${key.day}|${key.checkpointId}|${key.shardId}`;
    const item = this.items.get(id);
    if (item && !(item.seq < paddedSeq(firstSeq))) return { added: false, watermark: item.seq };
    this.items.set(id, {
      checkins: (item?.checkins ?? 0) + delta.checkins,
      people: (item?.people ?? 0) + delta.people,
      seq: paddedSeq(lastSeq),
    });
    if (this.crashAfterNextAdd) {
      this.crashAfterNextAdd = false;
      throw new Error('The connection was reset after the write');
    }
    return { added: true };
  }
  /** What a report reads: every shard's item of a checkpoint-day, summed. */
  total(checkpointId: string, day = '2022-01-06') {
    let checkins = 0;
    let people = 0;
    for (const [id, item] of this.items) {
      const [, d, cp] = id.split('|');
      if (cp === checkpointId && d === day) {
        checkins += item.checkins;
        people += item.people;
      }
    }
    return { checkins, people };
  }
}

const at = (checkpointId: string, companions = 0, day = '2022-01-06') => ({
  unitId: 'quang-ha',
  day,
  checkpointId,
  companions,
});

describe('counting check-ins from the stream', () => {
  it('adds each shard’s check-ins to their checkpoint-day counters, with their companions as people', async () => {
    const stream = new FakeStream();
    const counters = new FakeCounters();
    stream.put('shard-a', at('cp-1', 2));
    stream.put('shard-a', undefined); // a personal card's record
    stream.put('shard-b', at('cp-1'));
    stream.put('shard-a', at('cp-2'));
    stream.put('shard-b', at('cp-1', 1));
    stream.put('shard-a', at('cp-1', 0, '2022-01-07'));
    const events = new RecordedEvents();
    const result = await countCheckins({ stream, counters, events });
    expect(result).toMatchObject({ read: 5, counted: 5 });
    expect(counters.total('cp-1')).toEqual({ checkins: 3, people: 6 });
    expect(counters.total('cp-2')).toEqual({ checkins: 1, people: 1 });
    expect(counters.total('cp-1', '2022-01-07')).toEqual({ checkins: 1, people: 1 });
    // shard-b's two check-ins at cp-1 are one update: the batch is what makes counting cheap.
    expect(events.events).toContainEqual({
      event: 'CheckinsCounted',
      read: 5,
      counted: 5,
      updates: 4,
      held: 0,
    });
  });

  it('counts nothing twice when run again, or by two runs at once, and goes on with what came since', async () => {
    const stream = new FakeStream();
    const counters = new FakeCounters();
    for (let i = 0; i < 7; i++) stream.put('shard-a', at('cp-1'));
    await Promise.all([
      countCheckins({ stream, counters, events: new RecordedEvents() }),
      countCheckins({ stream, counters, events: new RecordedEvents() }),
    ]);
    expect(counters.total('cp-1').checkins).toBe(7);
    // Its position lost (a run that crashed before saving it): the whole shard is read again.
    counters.positions.clear();
    stream.put('shard-a', at('cp-1'));
    const again = await countCheckins({ stream, counters, events: new RecordedEvents() });
    expect(again).toMatchObject({ read: 8, counted: 1 });
    expect(counters.total('cp-1').checkins).toBe(8);
  });

  it('counts once when a run crashed after a counter was written but before the shard’s position was saved', async () => {
    const stream = new FakeStream(10);
    const counters = new FakeCounters();
    stream.put('shard-a', at('cp-1'));
    stream.put('shard-a', at('cp-2'));
    stream.put('shard-a', at('cp-1'));
    counters.crashAfterNextAdd = true;
    await expect(countCheckins({ stream, counters, events: new RecordedEvents() })).rejects.toThrow(/reset/);
    counters.crashBeforeSave = true;
    await expect(countCheckins({ stream, counters, events: new RecordedEvents() })).rejects.toThrow(
      /timed out/,
    );
    await countCheckins({ stream, counters, events: new RecordedEvents() });
    expect(counters.total('cp-1').checkins).toBe(2);
    expect(counters.total('cp-2').checkins).toBe(1);
  });

  it('adds only the records beyond a counter’s watermark when a page overlaps what it holds', async () => {
    const stream = new FakeStream(2);
    const counters = new FakeCounters();
    for (let i = 0; i < 3; i++) stream.put('shard-a', at('cp-1'));
    await countCheckins({ stream, counters, events: new RecordedEvents() });
    // The reader starts again before its last position, on a page that holds seen and new records.
    stream.put('shard-a', at('cp-1'));
    counters.positions.set('shard-a', { after: String(1).padStart(21, '0'), ended: false });
    const result = await countCheckins({ stream, counters, events: new RecordedEvents() });
    expect(result.counted).toBe(1);
    expect(counters.total('cp-1').checkins).toBe(4);
  });

  it('skips a shard read to its end, and stops between pages when its time is up', async () => {
    const stream = new FakeStream(1);
    const counters = new FakeCounters();
    stream.put('shard-a', at('cp-1'));
    stream.closed.add('shard-a');
    await countCheckins({ stream, counters, events: new RecordedEvents() });
    expect(counters.positions.get('shard-a')?.ended).toBe(true);
    stream.put('shard-b', at('cp-1'));
    stream.put('shard-b', at('cp-1'));
    let pages = 0;
    const result = await countCheckins({
      stream,
      counters,
      events: new RecordedEvents(),
      shouldStop: () => pages++ >= 1,
    });
    expect(result.counted).toBe(1);
    expect(counters.total('cp-1').checkins).toBe(2);
  });

  describe('holding a quiet checkpoint-day back', () => {
    const MINUTE = 60_000;
    const T0 = Date.parse('2022-01-06T02:00:00Z');
    const stamped = (checkpointId: string, minute: number) => ({
      ...at(checkpointId),
      storedAt: T0 + minute * MINUTE,
    });
    /** A round at minute `m` with the AWS batching (held 5 minutes, at once from 5). */
    const roundAt = (m: number) => ({ now: () => T0 + m * MINUTE, holdMs: 5 * MINUTE, enough: 5 });

    it('counts a quiet checkpoint-day once its first check-in has waited 5 minutes, its check-ins in one update', async () => {
      const stream = new FakeStream(100);
      const counters = new FakeCounters();
      const watermarks = new Map<string, string>();
      const deps = { stream, counters, events: new RecordedEvents(), watermarks };
      stream.put('shard-a', stamped('shop', 0));
      for (let i = 0; i < 5; i++) stream.put('shard-a', stamped('gate', 0));
      const first = await countCheckins({ ...deps, batching: roundAt(1) });
      // The gate's five are counted at once; the shop's one waits, and the shard's position stays before it.
      expect(first).toMatchObject({ read: 6, counted: 5, updates: 1, held: 1 });
      expect(counters.total('gate').checkins).toBe(5);
      expect(counters.total('shop').checkins).toBe(0);
      expect(counters.positions.get('shard-a')).toBeUndefined();

      stream.put('shard-a', stamped('shop', 3));
      stream.put('shard-a', stamped('gate', 3));
      const second = await countCheckins({ ...deps, batching: roundAt(4) });
      // The gate's five read again are skipped without a write; its one new check-in is held with the shop's.
      expect(second).toMatchObject({ read: 8, counted: 0, updates: 0, held: 3 });

      // At minute 5 the shop's two go in one update; the gate's new one waits its own 5 minutes.
      const third = await countCheckins({ ...deps, batching: roundAt(5) });
      expect(third).toMatchObject({ counted: 2, updates: 1, held: 1 });
      expect(counters.total('shop').checkins).toBe(2);
      const fourth = await countCheckins({ ...deps, batching: roundAt(8) });
      expect(fourth).toMatchObject({ counted: 1, updates: 1, held: 0 });
      expect(counters.total('gate').checkins).toBe(6);
      expect(counters.total('shop').checkins).toBe(2);
      expect(counters.positions.get('shard-a')?.after).toBe(String(8).padStart(21, '0'));
    });

    it('counts each check-in once when records read again meet counters it does not know of', async () => {
      const stream = new FakeStream(100);
      const counters = new FakeCounters();
      stream.put('shard-a', stamped('shop', 0));
      for (let i = 0; i < 5; i++) stream.put('shard-a', stamped('gate', 0));
      await countCheckins({ stream, counters, events: new RecordedEvents(), batching: roundAt(1) });
      expect(counters.total('gate').checkins).toBe(5);
      // Another process (no watermarks of its own) reads again from before the shop's check-in.
      const later = await countCheckins({
        stream,
        counters,
        events: new RecordedEvents(),
        batching: roundAt(6),
      });
      expect(later.counted).toBe(1);
      expect(counters.total('gate').checkins).toBe(5);
      expect(counters.total('shop').checkins).toBe(1);
    });

    it('holds a counter’s later check-ins in the same round too, so its watermark never passes the held ones', async () => {
      // Pages of 2: the shop's first check-in is alone on its page and held; five more come on the next pages.
      const stream = new FakeStream(2);
      const counters = new FakeCounters();
      stream.put('shard-a', stamped('shop', 0));
      stream.put('shard-a', stamped('gate', 0));
      for (let i = 0; i < 6; i++) stream.put('shard-a', stamped('shop', 0));
      const round = await countCheckins({
        stream,
        counters,
        events: new RecordedEvents(),
        batching: roundAt(1),
      });
      expect(round.counted).toBe(0);
      expect(counters.total('shop').checkins).toBe(0);
      await countCheckins({ stream, counters, events: new RecordedEvents(), batching: roundAt(5) });
      expect(counters.total('shop').checkins).toBe(7);
      expect(counters.total('gate').checkins).toBe(1);
    });

    it('counts everything at once without batching, and a check-in without its stream time at once', async () => {
      const stream = new FakeStream(10);
      const counters = new FakeCounters();
      stream.put('shard-a', at('shop'));
      stream.put('shard-a', stamped('cafe', 0));
      const batched = await countCheckins({
        stream,
        counters,
        events: new RecordedEvents(),
        batching: roundAt(0),
      });
      expect(batched).toMatchObject({ counted: 1, held: 1 });
      expect(counters.total('shop').checkins).toBe(1);
      await countCheckins({ stream, counters, events: new RecordedEvents() });
      expect(counters.total('cafe').checkins).toBe(1);
    });
  });

  it('compares sequence numbers as numbers, whatever their length', () => {
    expect(seqOrder('000000000000000000009', '10')).toBeLessThan(0);
    expect(seqOrder('4421584500000000017450439091', '999999999999999999999')).toBeGreaterThan(0);
    expect(paddedSeq('10') > paddedSeq('000000000000000000009')).toBe(true);
  });
});
