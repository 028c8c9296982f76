import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IMPORT_QUEUE_ENV } from '../../src/config.ts';
import type { ImportJob } from '../../src/core/import-jobs.ts';
import { LAMBDA_TEST_ENV } from '../lambda-env.ts';

/** The imports queue's consumer with S3 and SQS mocked: which messages it hands back for another try. */
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/imports';
const OK = '0f8fad5b-d9cb-469f-a165-70867728950e';
const BROKEN = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
type Handler = (
  event: SQSEvent,
  context: { getRemainingTimeInMillis(): number },
) => Promise<SQSBatchResponse>;
let handler: Handler;

const done = (importId: string) => ({ importId, status: 'succeeded' }) as ImportJob;
const message = (messageId: string, body: unknown) =>
  ({ messageId, body: JSON.stringify(body) }) as SQSEvent['Records'][number];

beforeAll(async () => {
  Object.assign(process.env, LAMBDA_TEST_ENV, { [IMPORT_QUEUE_ENV]: QUEUE });
  handler = (await import('../../functions/process-import.ts')).handler as unknown as Handler;
});

beforeEach(() => {
  s3.reset();
  sqs.reset();
});

describe('process-import', () => {
  it('hands back only the message whose job failed to run, so it alone comes again', async () => {
    s3.on(GetObjectCommand, { Key: `imports/quang-ninh/jobs/${OK}.json` }).resolves({
      Body: {
        transformToByteArray: async () => new Uint8Array(Buffer.from(JSON.stringify(done(OK)))),
      } as never,
    });
    s3.on(GetObjectCommand, { Key: `imports/quang-ninh/jobs/${BROKEN}.json` }).rejects(new Error('SlowDown'));
    const event = {
      Records: [
        message('m1', { importId: OK }),
        message('m2', {
          source: 'aws.s3',
          'detail-type': 'Object Created',
          detail: { object: { key: `imports/quang-ninh/uploads/${BROKEN}` } },
        }),
        message('m3', {
          source: 'aws.s3',
          'detail-type': 'Object Created',
          detail: { object: { key: 'other' } },
        }),
      ],
    } as SQSEvent;
    const response = await handler(event, { getRemainingTimeInMillis: () => 300_000 });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});
