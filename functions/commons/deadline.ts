import type { Context } from 'aws-lambda';

/** Kept back to answer: the last writes in flight finish, and the answer goes back through API Gateway. */
export const ANSWER_MARGIN_MS = 2_500;
/** API Gateway's HTTP API answers 503 after 30 s, whatever the function's timeout. */
const API_GATEWAY_TIMEOUT_MS = 30_000;

/**
 * Whether a request that works through many items (a bulk rename, a unit's move) may start another: the Lambda's
 * remaining time (API Gateway's limit at most) less a margin to answer. A context without a clock (a test calling
 * the handler) gets API Gateway's limit.
 */
export function timeLeft(context: Partial<Pick<Context, 'getRemainingTimeInMillis'>>): () => boolean {
  const remaining = Math.min(
    context.getRemainingTimeInMillis?.() ?? API_GATEWAY_TIMEOUT_MS,
    API_GATEWAY_TIMEOUT_MS,
  );
  const stopAt = Date.now() + remaining - ANSWER_MARGIN_MS;
  return () => Date.now() < stopAt;
}
