import { approveAlert } from '../src/core/alerts.ts';
import { AlertIdParams, alertStatus, deps } from './commons/alerts.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** A second staff member approves a draft (never its author); approving again changes nothing. Audited. */
export const handler = staffRoute(events, { params: AlertIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: alertStatus(await approveAlert(deps, principal, params.id)),
}));
