import { getAlert, toAlertView } from '../src/core/alerts.ts';
import { AlertIdParams, alerts } from './commons/alerts.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** An alert of the token's scope: its status and counts. */
export const handler = staffRoute(events, { params: AlertIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: toAlertView(await getAlert({ alerts }, principal, params.id)),
}));
