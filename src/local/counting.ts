import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCheckinStream, DynamoCounters } from '../adapters/dynamo-counting.ts';
import { type Batching, COUNT_BATCHING, type CountingResult, countCheckins } from '../core/counting.ts';
import type { Events } from '../core/ports.ts';
import { systemClock } from '../core/time.ts';
import { registerLocalCounting } from './pending-counts.ts';

/**
 * The local stand-in for the scheduled counting function (functions/count-checkins.ts): the same step, on DynamoDB
 * Local's own stream of the check-ins table, every second in this process, holding quiet checkpoint-days back as
 * AWS does (COUNT_BATCHING). `countNow()` counts everything at once (after any run under way), so what was posted
 * before is counted when it resolves: the local weekly run calls it first.
 */
export interface LocalCounting {
  /** Counts everything stored so far, or with `batching` holds quiet checkpoint-days back as in AWS. */
  countNow(options?: { batching?: Batching }): Promise<CountingResult>;
  stop(): Promise<void>;
}

const EVERY_MS = 1_000;

export function startLocalCounting(options: {
  /** How often it counts by itself; 0: only when asked (a benchmark that measures each round). */
  everyMs?: number;
  db: DynamoDBDocumentClient;
  dynamodbEndpoint: string;
  checkinsTable: string;
  activityTable: string;
  events: Events;
}): LocalCounting {
  const streams = new DynamoDBStreamsClient({
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    endpoint: options.dynamodbEndpoint,
  });
  const deps = {
    stream: new DynamoCheckinStream(options.db, streams, options.checkinsTable),
    counters: new DynamoCounters(options.db, options.activityTable, systemClock),
    events: options.events,
    watermarks: new Map<string, string>(),
  };
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const countNow = (options: { batching?: Batching } = {}): Promise<CountingResult> => {
    const run = chain.then(() =>
      countCheckins({ ...deps, ...(options.batching ? { batching: options.batching } : {}) }),
    );
    chain = run.catch(() => undefined);
    return run;
  };
  const everyMs = options.everyMs ?? EVERY_MS;
  const timer =
    everyMs > 0
      ? setInterval(() => {
          // A failed round is retried by the next: positions and watermarks make that safe.
          // Each second, holding quiet checkpoint-days back as in AWS; `countNow()` (a test, the local weekly
          // run) counts everything at once.
          if (!stopped) countNow({ batching: { ...COUNT_BATCHING, now: Date.now } }).catch(() => undefined);
        }, everyMs)
      : undefined;
  timer?.unref();
  const counting: LocalCounting = {
    countNow,
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      await chain;
      streams.destroy();
      registerLocalCounting(undefined);
    },
  };
  registerLocalCounting(countNow);
  return counting;
}
