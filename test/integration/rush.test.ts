import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rush } from '../../bench/rush.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { testStack } from './stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await testStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('a rush at one gate', () => {
  // The benchmark's rush (bench/rush.ts, 5,000 workers) made small: the invariants, not the timing.
  it('stores and counts each of 300 workers once, each sending twice from a flaky phone, answering no 5xx', async () => {
    const workers = 300;

    const result = await rush(stack, { workers, phones: 50 });

    expect(result.failures).toEqual([]);
    expect(result.outcomes).toMatchObject({ serverError: 0, clientError: 0, network: 0 });
    expect(result.acknowledged).toBe(workers);
    expect([result.stored, result.storedDistinctIds, result.counted]).toEqual([workers, workers, workers]);
    // Both hard cases happened: retries sent while the first was in flight, and retries sent after it.
    expect(result.retriesOverlappingFirst).toBeGreaterThan(workers / 4);
    expect(result.retryAnswers['200']).toBeGreaterThan(workers / 4);
  }, 120_000);
});
