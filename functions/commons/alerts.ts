import * as z from 'zod';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoAlerts } from '../../src/adapters/dynamo-alerts.ts';
import type { Alert, AlertDeps } from '../../src/core/alerts.ts';
import { audit, cases, checkins, registry } from './dynamo.ts';
import { clock, config, events } from './services.ts';

/** The alert functions' stores, built at cold start. None of them holds a phone reader. */
export const alerts = new DynamoAlerts(makeDynamoClient(config), config.tracingTable);

export const deps: AlertDeps = {
  alerts,
  approvalCap: config.alertApprovalCap,
  events,
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
  return {
    id: alert.id,
    status: alert.status,
    recipients: alert.recipients,
    sent: alert.sent,
    ...(alert.failed ? { failed: alert.failed } : {}),
    // A sending alert not queued: its enqueue failed, and approving it again enqueues it.
    ...(alert.status === 'sending' ? { queued: Boolean(alert.queuedAt) } : {}),
  };
}
