import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_SHARDS, activityShard, keys } from '../../src/keys.ts';

describe('activity counter keys', () => {
  it('give each checkpoint-day one counter item per stream shard, all in one partition of its unit-day', () => {
    const a = keys.activity('quang-ha', '2022-01-06', 'cp-1', '00000001796248311168-662b8abb');
    const b = keys.activity('quang-ha', '2022-01-06', 'cp-1', '00000001796248399999-0000abcd');
    expect(a.sk).toBe('cp#cp-1#00000001796248311168-662b8abb');
    expect(b.sk).not.toBe(a.sk);
    expect(b.pk).toBe(a.pk);
    expect(a.pk).toMatch(/^unit#quang-ha#day#2022-01-06#s[0-7]$/);
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
    expect(keys.checkin(HASH, 'c1')).toEqual({ pk: `phone#${HASH}`, sk: 'checkin#c1' });
    expect(keys.cardOfPhone(HASH)).toEqual({ pk: `cardphone#${HASH}`, sk: 'card' });
  });

  it.each(['+84912345678', '84912345678', '0912345678', ''])(
    'refuse %j, which is not a keyed hash',
    (phone) => {
      expect(() => keys.checkinsOfPhone(phone)).toThrow(/keyed hash/);
      expect(() => keys.checkin(phone, 'c1')).toThrow(/keyed hash/);
      expect(() => keys.cardOfPhone(phone)).toThrow(/keyed hash/);
    },
  );
});
