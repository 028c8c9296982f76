import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoActivity } from '../../src/adapters/dynamo-activity.ts';
import { DynamoCards } from '../../src/adapters/dynamo-cards.ts';
import { DynamoCheckins } from '../../src/adapters/dynamo-checkins.ts';
import { DynamoRegistry } from '../../src/adapters/dynamo-registry.ts';
import { DynamoAudit, DynamoCases } from '../../src/adapters/dynamo-tracing.ts';
import { config, events } from './services.ts';

/**
 * DynamoDB stores, created at cold start. Building one touches nothing but memory, so each is marked pure and
 * esbuild leaves out of a bundle every store its handler never uses, with that store's dependencies (luxon comes
 * with the check-ins and the audit). Arguments are plain names: esbuild keeps a pure call whose arguments read a
 * property (`auditTable` might be a getter). test/infra/bundle-contents.test.ts holds it.
 */
const { registryTable, checkinsTable, activityTable, tracingTable, auditTable } = config;
const db = /* @__PURE__ */ makeDynamoClient(config);
export const registry = /* @__PURE__ */ new DynamoRegistry(db, registryTable);
export const checkins = /* @__PURE__ */ new DynamoCheckins(db, { checkins: checkinsTable }, events);
export const activity = /* @__PURE__ */ new DynamoActivity(db, activityTable);
export const cards = /* @__PURE__ */ new DynamoCards(db, checkinsTable);
export const cases = /* @__PURE__ */ new DynamoCases(db, tracingTable);
export const audit = /* @__PURE__ */ new DynamoAudit(db, auditTable);
