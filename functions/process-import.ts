import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { importIdsOf } from '../src/adapters/sqs-imports.ts';
import { processImport } from '../src/core/import-run.ts';
import { importKeys } from '../src/keys.ts';
import { importJobDeps } from './commons/imports.ts';
import { observedTask } from './commons/observability.ts';
import { config } from './commons/services.ts';

/** Kept back when a pass stops: the progress record and the message that goes on from there. */
const STOP_MARGIN_MS = 60_000;

/**
 * The imports queue's consumer (lib/imports.ts): an upload's S3 event, or a job's own "go on" message. Each job
 * runs until the invocation's time is nearly spent, then queues the rest. A message whose job failed to run is
 * handed back (a partial batch response) and comes again, up to the queue's redrive limit.
 */
export const handler = observedTask(
  async (event: SQSEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => {
    const response: SQSBatchResponse = { batchItemFailures: [] };
    const keepGoing = () => context.getRemainingTimeInMillis() > STOP_MARGIN_MS;
    for (const record of event.Records) {
      try {
        for (const importId of importIdsOf(record.body, (key) =>
          importKeys.importIdOf(config.provinceId, key),
        )) {
          await processImport(importJobDeps, importId, keepGoing);
        }
      } catch {
        response.batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return response;
  },
);
