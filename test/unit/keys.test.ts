import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_SHARDS, activityShard, COUNTER_SLOTS, counterSlot, keys } from '../../src/keys.ts';

describe('activity counter keys', () => {
  it('give each checkpoint-day one counter item, and a spare one of COUNTER_SLOTS only to a retried attempt', () => {
    expect(keys.activity('quang-ha', '2022-01-06', 'cp-1', counterSlot(1))).toEqual(
      keys.activity('quang-ha', '2022-01-06', 'cp-1', counterSlot(1)),
    );
    expect(keys.activity('quang-ha', '2022-01-06', 'cp-1', counterSlot(1)).sk).toBe('cp#cp-1#0');
    const items = new Set<string>();
    const partitions = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const key = keys.activity('quang-ha', '2022-01-06', 'cp-1', counterSlot(2 + (i % 4)));
      items.add(key.sk);
      partitions.add(key.pk);
    }
    expect(items.size).toBe(COUNTER_SLOTS - 1);
    expect(items.has('cp#cp-1#0')).toBe(false);
    expect(partitions.size).toBe(1);
    expect([...partitions][0]).toMatch(/^unit#quang-ha#day#2022-01-06#s[0-7]$/);
  });

  it('spread a unit’s checkpoints evenly over the write shards', () => {
    const counts = new Array(ACTIVITY_SHARDS).fill(0);
    for (let i = 0; i < 8000; i++) counts[activityShard(randomUUID())] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});

describe('phone keys', () => {
  const HASH = 'r3Vq7cJ0nYbq5mK1xZ8wP2tL9sD4fG6hA0eU_-yTiOk';

  it('key a phone’s check-ins and its card by the keyed hash', () => {
    expect(keys.checkinsOfPhone(HASH)).toBe(`phone#${HASH}`);
    expect(keys.checkinByPhone(HASH, '2022-01-06T02:00:00.000Z', 'c1')).toEqual({
      gsi2pk: `phone#${HASH}`,
      gsi2sk: '2022-01-06T02:00:00.000Z#c1',
    });
    expect(keys.cardOfPhone(HASH)).toEqual({ pk: `cardphone#${HASH}`, sk: 'card' });
  });

  it.each(['+84912345678', '84912345678', '0912345678', ''])(
    'refuse %j, which is not a keyed hash',
    (phone) => {
      expect(() => keys.checkinsOfPhone(phone)).toThrow(/keyed hash/);
      expect(() => keys.checkinByPhone(phone, '2022-01-06T02:00:00.000Z', 'c1')).toThrow(/keyed hash/);
      expect(() => keys.cardOfPhone(phone)).toThrow(/keyed hash/);
    },
  );
});
