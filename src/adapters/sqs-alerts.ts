import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AlertBatch, AlertQueue } from '../core/alerts.ts';

/** SQS takes at most ten messages per SendMessageBatch. */
const SQS_BATCH = 10;

/**
 * An approved alert's batches as messages of the province's alert queue (lib/alert-sending.ts), ten per
 * SendMessageBatch. Entries SQS answers as failed are sent once more; any still failing throws, so the approval
 * is answered not queued and a second approval enqueues the alert again (markers keep that from sending twice).
 */
export class SqsAlertQueue implements AlertQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(batches: readonly AlertBatch[]): Promise<void> {
    for (let i = 0; i < batches.length; i += SQS_BATCH) {
      let entries = batches.slice(i, i + SQS_BATCH).map((batch, j) => ({
        Id: String(i + j),
        MessageBody: JSON.stringify(batch),
      }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        const out = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length > 0 && attempt >= 2) {
          const codes = [...new Set((out.Failed ?? []).map((f) => f.Code))].join(', ');
          throw Object.assign(new Error(`SQS refused ${entries.length} alert batches: ${codes}`), {
            name: 'AlertEnqueueError',
          });
        }
      }
    }
  }
}
