import { approveAlert } from '../src/core/alerts.ts';
import { makeAlertQueue } from './commons/alert-sending.ts';
import { AlertIdParams, alertStatus, deps } from './commons/alerts.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** Where an approved alert's batches go (SQS in AWS, in process locally): built at cold start. */
const sending = { ...deps, queue: makeAlertQueue() };

/**
 * A second staff member approves a draft (never its author) and its recipients are enqueued in batches;
 * approving again changes nothing, unless the enqueue had failed (`queued: false`): then it enqueues again.
 * Audited.
 */
export const handler = staffRoute(events, { params: AlertIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: alertStatus(await approveAlert(sending, principal, params.id)),
}));
