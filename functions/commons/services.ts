import { makeClients } from '../../src/adapters/clients.ts';
import { DynamoActivity } from '../../src/adapters/dynamo-activity.ts';
import { DynamoCheckins } from '../../src/adapters/dynamo-checkins.ts';
import { DynamoRegistry } from '../../src/adapters/dynamo-registry.ts';
import { S3LinkSigner, S3Reports } from '../../src/adapters/s3-reports.ts';
import { loadConfig } from '../../src/config.ts';
import type { Events, LogEvent } from '../../src/core/ports.ts';
import { systemClock } from '../../src/core/time.ts';

/**
 * Built once per Lambda container, at cold start: configuration (a missing variable fails here, loudly),
 * SDK clients and adapters. Handlers only import what they use from here.
 */
export const config = loadConfig();
const { db, s3 } = makeClients(config);

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;
const EVENT_LEVELS: Partial<Record<LogEvent['event'], Level>> = {
  CheckinRecorded: 'debug',
  CheckinRetried: 'warn',
  RequestFailed: 'error',
};
const threshold = LEVELS[(process.env.LOG_LEVEL?.toLowerCase() as Level) ?? 'info'] ?? LEVELS.info;

/** Logs are typed events, one JSON line each: no free text, no personal data. */
export const events: Events = {
  emit: (event) => {
    const level = EVENT_LEVELS[event.event] ?? 'info';
    if (LEVELS[level] >= threshold) console.log(JSON.stringify({ level, ...event }));
  },
};

export const clock = systemClock;
export const registry = new DynamoRegistry(db, config.registryTable);
export const checkins = new DynamoCheckins(
  db,
  { checkins: config.checkinsTable, activity: config.activityTable },
  events,
);
export const activity = new DynamoActivity(db, config.activityTable);
export const reports = new S3Reports(s3, config.reportsBucket);
export const signer = new S3LinkSigner(s3, config.reportsBucket);
