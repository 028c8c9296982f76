import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { deliverReportMail } from '../src/core/report-mail.ts';
import { awsMailerDeps } from './commons/mail.ts';
import { observedTask } from './commons/observability.ts';

const deps = awsMailerDeps();

const Notice = z.object({
  unitId: z.string().min(1),
  period: z.object({ start: z.iso.date(), end: z.iso.date() }),
  jsonKey: z.string().min(1),
  generatedAt: z.string(),
});

/**
 * The Friday delivery's mailer: consumes the weekly run's notices from SQS, one e-mail per subscribed staff member
 * of the unit. A notice that fails (SES refused a send, the report not readable) is reported as a batch item
 * failure: SQS delivers it again later, and the markers keep the e-mails already sent from going twice; after
 * the queue's last attempt it waits in the dead-letter queue.
 */
export const handler = observedTask(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await deliverReportMail(deps, Notice.parse(JSON.parse(record.body)));
    } catch {
      // deliverReportMail logged the error's name; a malformed body fails here and ends in the dead-letter queue.
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});
