import type { AlertBatch, AlertQueue, BatchOutcome } from '../core/alerts.ts';

export interface InProcessQueueOptions {
  /** Deliveries of one batch before it is dropped (SQS's maxReceiveCount, then the dead-letter queue). */
  maxReceives: number;
  /** Pause before a batch is delivered again, times the delivery's number. */
  retryDelayMs: number;
  /** Batches delivered at once (the event source's maximum concurrency, lib/alert-sending.ts ALERT_CONSUMER). */
  concurrency: number;
}

/**
 * The local stand-in of the alert queue and its consumer (lib/alert-sending.ts): enqueue() returns once the
 * batches are accepted, as SendMessageBatch does, and each is delivered in the background to the same consumer
 * core the Lambda runs (src/core/alerts.ts sendBatch), a few at once as the event source does. A batch with
 * phones to retry, or whose delivery threw, is delivered again after a pause, up to `maxReceives` times (SQS's
 * redrive to the dead-letter queue), then dropped here: the alert stays `sending`, as in AWS.
 */
export class InProcessAlertQueue implements AlertQueue {
  private readonly waiting: AlertBatch[] = [];
  private workers = 0;
  private drained: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(
    private readonly consume: (batch: AlertBatch) => Promise<BatchOutcome>,
    private readonly options: InProcessQueueOptions = { maxReceives: 5, retryDelayMs: 200, concurrency: 5 },
  ) {}

  async enqueue(batches: readonly AlertBatch[]): Promise<void> {
    if (this.workers === 0 && this.waiting.length === 0) {
      this.drained = new Promise((ok) => {
        this.wake = ok;
      });
    }
    this.waiting.push(...batches.map((b) => structuredClone(b)));
    while (this.workers < this.options.concurrency && this.waiting.length > 0) {
      this.workers++;
      void this.work();
    }
  }

  /** Resolves once every batch enqueued so far has been delivered (a test or the bench waits on it). */
  idle(): Promise<void> {
    return this.drained;
  }

  private async work(): Promise<void> {
    for (let batch = this.waiting.shift(); batch; batch = this.waiting.shift()) await this.deliver(batch);
    this.workers--;
    if (this.workers === 0 && this.waiting.length === 0) this.wake?.();
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
