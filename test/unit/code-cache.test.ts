import { describe, expect, it } from 'vitest';
import { CODE_CACHE_TTL_MS, CodeCache } from '../../src/core/code-cache.ts';
import type { CheckpointRef } from '../../src/core/model.ts';

const cp = (active: boolean): CheckpointRef => ({
  id: 'cp-1',
  name: 'Chợ Quảng Hà',
  unitId: 'quang-ha',
  unitName: 'Thị trấn Quảng Hà',
  active,
  createdAt: '2022-01-01T00:00:00.000Z',
});

/** A store that answers what it is told now, and counts its reads. */
function store() {
  const s = {
    reads: 0,
    answer: cp(true) as CheckpointRef | undefined,
    async getByCode(_code: string) {
      s.reads++;
      return s.answer;
    },
  };
  return s;
}

describe('the check-in path’s code cache', () => {
  it('reads a code once a minute, and sees a deactivation within that minute', async () => {
    let now = Date.parse('2022-01-06T08:00:00Z');
    const codes = store();
    const cache = new CodeCache(codes, { now: () => new Date(now) });
    for (let i = 0; i < 100; i++) expect((await cache.getByCode('BCDFGHJK'))?.active).toBe(true);
    expect(codes.reads).toBe(1);
    codes.answer = cp(false);
    now += CODE_CACHE_TTL_MS - 1;
    expect((await cache.getByCode('BCDFGHJK'))?.active).toBe(true);
    now += 1;
    expect((await cache.getByCode('BCDFGHJK'))?.active).toBe(false);
    expect(codes.reads).toBe(2);
    expect(CODE_CACHE_TTL_MS).toBe(60_000);
  });

  it('remembers no closed checkpoint: reopened, its code takes check-ins at once', async () => {
    const codes = store();
    codes.answer = cp(false);
    const cache = new CodeCache(codes, { now: () => new Date('2022-01-06T08:00:00Z') });
    expect((await cache.getByCode('BCDFGHJK'))?.active).toBe(false);
    expect((await cache.getByCode('BCDFGHJK'))?.active).toBe(false);
    codes.answer = cp(true);
    expect((await cache.getByCode('BCDFGHJK'))?.active).toBe(true);
    expect(codes.reads).toBe(3);
  });

  it('remembers no unknown code: a code created a moment later works at once', async () => {
    const codes = store();
    codes.answer = undefined;
    const cache = new CodeCache(codes, { now: () => new Date('2022-01-06T08:00:00Z') });
    expect(await cache.getByCode('BCDFGHJK')).toBeUndefined();
    codes.answer = cp(true);
    expect((await cache.getByCode('BCDFGHJK'))?.id).toBe('cp-1');
    expect(codes.reads).toBe(2);
  });
});
