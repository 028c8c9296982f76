import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoActivity } from '../../src/adapters/dynamo-activity.ts';
import { DynamoCards } from '../../src/adapters/dynamo-cards.ts';
import { DynamoCheckins } from '../../src/adapters/dynamo-checkins.ts';
import { DynamoRegistry } from '../../src/adapters/dynamo-registry.ts';
import { DynamoAudit, DynamoCases } from '../../src/adapters/dynamo-tracing.ts';
import { config, events } from './services.ts';

/** DynamoDB stores, created at cold start. */
const db = makeDynamoClient(config);
export const registry = new DynamoRegistry(db, config.registryTable);
export const checkins = new DynamoCheckins(db, { checkins: config.checkinsTable }, events);
export const activity = new DynamoActivity(db, config.activityTable);
export const cards = new DynamoCards(db, config.checkinsTable);
export const cases = new DynamoCases(db, config.tracingTable);
export const audit = new DynamoAudit(db, config.auditTable);
