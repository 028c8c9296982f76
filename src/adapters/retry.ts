import type { Events } from '../core/ports.ts';

/**
 * DynamoDB answers a burst with throttling, and two transactions on one counter with a conflict. Both leave
 * nothing written, so trying again is safe; the SDK's own retries do not cover transaction conflicts.
 */
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
]);

export function isRetryable(err: unknown): string | undefined {
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e?.name && RETRYABLE.has(e.name)) return e.name;
  if (e?.name === 'TransactionCanceledException') {
    const codes = (e.CancellationReasons ?? []).map((r) => r.Code).filter((c) => c && c !== 'None');
    if (codes.length > 0 && codes.every((c) => c === 'TransactionConflict' || c === 'ThrottlingError')) {
      return `TransactionCanceled:${codes.join(',')}`;
    }
  }
  return undefined;
}

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The SDK already retries throttling three times per call; five rounds of that with at most ~1 s of waiting in
 * all stays well inside the API functions' 10 s timeout.
 */
export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseMs: 25, maxMs: 400 };

/** Full-jitter exponential backoff (the AWS Architecture Blog's recommendation). */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  events: Events,
  options = DEFAULT_RETRY,
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const reason = isRetryable(err);
      if (!reason || attempt >= options.attempts) throw err;
      events.emit({ event: 'CheckinRetried', attempt, reason });
      await sleep(Math.random() * Math.min(options.maxMs, options.baseMs * 2 ** attempt));
    }
  }
}
