import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_SHARDS, activityShard, keys } from '../../src/keys.ts';

describe('activity counter keys', () => {
  it('give each checkpoint-day one counter item, whatever the number of check-ins', () => {
    const a = keys.activity('quang-ha', '2022-01-06', 'cp-1');
    expect(keys.activity('quang-ha', '2022-01-06', 'cp-1')).toEqual(a);
    expect(a.sk).toBe('cp#cp-1');
    expect(a.pk).toMatch(/^unit#quang-ha#day#2022-01-06#s[0-7]$/);
  });

  it('spread a unit’s checkpoints evenly over the write shards', () => {
    const counts = new Array(ACTIVITY_SHARDS).fill(0);
    for (let i = 0; i < 8000; i++) counts[activityShard(randomUUID())] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});
