import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Context } from 'aws-lambda';
import { makeDynamoClient } from '../src/adapters/clients.ts';
import { DynamoCheckinStream, DynamoCounters } from '../src/adapters/dynamo-counting.ts';
import { tracer } from '../src/adapters/tracer.ts';
import { COUNT_BATCHING, countCheckins } from '../src/core/counting.ts';
import { observedTask } from './commons/observability.ts';
import { clock, config, events } from './commons/services.ts';

/** Time left (of its 10 s) for the last page's updates and the shard's position when it stops starting pages. */
const MARGIN_MS = 4_000;

const db = makeDynamoClient(config);
const deps = {
  stream: new DynamoCheckinStream(
    db,
    tracer.captureAWSv3Client(new DynamoDBStreamsClient({})),
    config.checkinsTable,
  ),
  counters: new DynamoCounters(db, config.activityTable, clock),
  events,
  // Quiet checkpoint-days wait up to 5 minutes to be counted several check-ins an update.
  batching: { ...COUNT_BATCHING, now: () => clock.now().getTime() },
  // Kept while the container lives: records read again behind a held one are skipped without a write.
  watermarks: new Map<string, string>(),
};

/**
 * Every minute (lib/counting.ts): the check-ins stored since the last run, read from the check-ins table's stream
 * and added to the daily counters in batches, exactly once (src/core/counting.ts); a quiet checkpoint-day within
 * 5 minutes (COUNT_BATCHING). Runs that overlap are safe.
 */
export const handler = observedTask(async (_event: unknown, context: Context) => {
  return countCheckins({ ...deps, shouldStop: () => context.getRemainingTimeInMillis() < MARGIN_MS });
});
