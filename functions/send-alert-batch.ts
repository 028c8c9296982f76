import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { sendBatch } from '../src/core/alerts.ts';
import { makeSendingDeps } from './commons/alert-sending.ts';
import { observedTask } from './commons/observability.ts';
import { events } from './commons/services.ts';

/** Built at cold start: the stores, the phone reader (kms:Decrypt) and the province's SMS pool. */
const deps = makeSendingDeps();

const AlertBatchMessage = z.object({
  alertId: z.uuid(),
  recipients: z
    .array(z.object({ phoneHash: z.string().min(1), sealedPhone: z.string().min(1), place: z.string() }))
    .max(1000),
});

/**
 * The alert queue's consumer (lib/alert-sending.ts): each message is one batch of an approved alert, sent at
 * most once per phone (src/core/alerts.ts sendBatch). A batch with phones to retry (a throttle), or whose
 * delivery failed, is answered in `batchItemFailures`, so SQS delivers that message again (and, after its
 * maxReceiveCount, moves it to the dead-letter queue); the others are deleted. A malformed message is dropped:
 * delivering it again would not mend it.
 */
export const handler = observedTask(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const batch = AlertBatchMessage.safeParse(body);
    if (!batch.success) {
      events.emit({
        event: 'RequestRefused',
        status: 400,
        code: 'malformed_alert_batch',
        route: 'alert-queue',
      });
      continue;
    }
    try {
      const outcome = await sendBatch(deps, batch.data);
      events.emit({
        event: 'AlertBatchDelivered',
        alertId: batch.data.alertId,
        recipients: batch.data.recipients.length,
        retry: outcome.retry.length,
        paused: outcome.paused,
      });
      if (outcome.retry.length > 0) batchItemFailures.push({ itemIdentifier: record.messageId });
    } catch (err) {
      events.emit({ event: 'AlertBatchFailed', alertId: batch.data.alertId, errorName: (err as Error).name });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});
