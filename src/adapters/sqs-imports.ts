import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ImportJob } from '../core/import-jobs.ts';
import type { ImportQueue } from '../core/ports.ts';

/** An import job's next step, as a message on the imports queue (the one the bucket's upload events go to). */
export interface ContinueMessage {
  importId: string;
}

/**
 * The import jobs' queue in AWS (lib/imports.ts): the bucket's notification queues each upload's arrival, so
 * awaiting one is nothing to do here; a job that ran out of time queues itself to go on in the next invocation.
 */
export class SqsImportQueue implements ImportQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async awaitUpload(_job: ImportJob): Promise<void> {}

  async continueLater(importId: string): Promise<void> {
    const message: ContinueMessage = { importId };
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }),
    );
  }
}

/**
 * The import ids a queue message asks for: a continuation (`{"importId"}`), or an upload's S3 "Object Created"
 * event as EventBridge delivers it (`detail.object.key`); a key that is not an upload of this province, or any
 * other message, asks for nothing.
 */
export function importIdsOf(body: string, idOf: (key: string) => string | undefined): string[] {
  let message: { importId?: unknown; 'detail-type'?: unknown; detail?: { object?: { key?: unknown } } };
  try {
    message = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof message?.importId === 'string') return [message.importId];
  const key = message?.detail?.object?.key;
  if (message?.['detail-type'] !== 'Object Created' || typeof key !== 'string') return [];
  const id = idOf(key);
  return id ? [id] : [];
}
