import * as z from 'zod';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoAlerts } from '../../src/adapters/dynamo-alerts.ts';
import type { Alert, AlertDeps } from '../../src/core/alerts.ts';
import { audit, cases, checkins, registry } from './dynamo.ts';
import { clock, config } from './services.ts';

/** The alert functions' stores, built at cold start. None of them holds a phone reader. */
export const alerts = new DynamoAlerts(makeDynamoClient(config), config.tracingTable);

export const deps: AlertDeps = {
  alerts,
  cases,
  checkins,
  checkpoints: registry,
  audit,
  clock,
  auditRetentionDays: config.auditRetentionDays,
  retentionDays: config.retentionDays,
};

/** An alert's id in a path. */
export const AlertIdParams = z.object({ id: z.uuid() });

/** What approving or cancelling answers: where the alert stands. */
export function alertStatus(alert: Alert) {
  return { id: alert.id, status: alert.status, recipients: alert.recipients, sent: alert.sent };
}
