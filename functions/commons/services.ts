import { DynamoActivity } from '../../src/adapters/dynamo-activity.ts';
import { DynamoCheckins } from '../../src/adapters/dynamo-checkins.ts';
import { DynamoRegistry } from '../../src/adapters/dynamo-registry.ts';
import { makeClients } from '../../src/adapters/clients.ts';
import { S3LinkSigner, S3Reports } from '../../src/adapters/s3-reports.ts';
import { loadConfig } from '../../src/config.ts';
import type { Events } from '../../src/core/ports.ts';
import { systemClock } from '../../src/core/time.ts';

/**
 * Built once per Lambda container, at cold start: configuration (a missing variable fails here, loudly),
 * SDK clients and adapters. Handlers only import what they use from here.
 */
export const config = loadConfig();
const { db, s3 } = makeClients(config);

/** Logs are typed events, one JSON line each: no free text, no personal data. */
export const events: Events = {
  emit: (event) => console.log(JSON.stringify({ level: event.event === 'RequestFailed' ? 'error' : 'info', ...event })),
};

export const clock = systemClock;
export const registry = new DynamoRegistry(db, config.registryTable);
export const checkins = new DynamoCheckins(db, { checkins: config.checkinsTable, activity: config.activityTable }, events);
export const activity = new DynamoActivity(db, config.activityTable);
export const reports = new S3Reports(s3, config.reportsBucket);
export const signer = new S3LinkSigner(s3, config.reportsBucket);
