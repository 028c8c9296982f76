import type { AlertBatch, AlertQueue, BatchOutcome } from '../core/alerts.ts';

/**
 * The local stand-in of the alert queue and its consumer (lib/alert-sending.ts): enqueue() returns once the
 * batches are accepted, as SendMessageBatch does, and each is delivered in the background to the same consumer
 * core the Lambda runs (src/core/alerts.ts sendBatch), one at a time like a concurrency of one. A batch with
 * phones to retry, or whose delivery threw, is delivered again after a pause, up to `maxReceives` times (SQS's
 * redrive to the dead-letter queue), then dropped here: the alert stays `sending`, as in AWS.
 */
export class InProcessAlertQueue implements AlertQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly consume: (batch: AlertBatch) => Promise<BatchOutcome>,
    private readonly options: { maxReceives: number; retryDelayMs: number } = {
      maxReceives: 5,
      retryDelayMs: 200,
    },
  ) {}

  async enqueue(batches: readonly AlertBatch[]): Promise<void> {
    for (const batch of batches) {
      const copy = structuredClone(batch);
      this.pending++;
      this.tail = this.tail.then(() => this.deliver(copy)).finally(() => this.pending--);
    }
  }

  /** Resolves once every batch enqueued so far has been delivered (a test or the bench waits on it). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }

  private async deliver(batch: AlertBatch): Promise<void> {
    for (let receive = 1; receive <= this.options.maxReceives; receive++) {
      try {
        const { retry } = await this.consume(batch);
        if (retry.length === 0) return;
      } catch {
        // The consumer failed as a whole (a store unreachable): delivered again, as SQS would.
      }
      await new Promise((ok) => setTimeout(ok, this.options.retryDelayMs * receive));
    }
  }
}
