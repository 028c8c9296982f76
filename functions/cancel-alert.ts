import { cancelAlert } from '../src/core/alerts.ts';
import { AlertIdParams, alertStatus, deps } from './commons/alerts.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** A draft or a sending alert cancelled: nothing more is sent. Audited. */
export const handler = staffRoute(events, { params: AlertIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: alertStatus(await cancelAlert(deps, principal, params.id)),
}));
