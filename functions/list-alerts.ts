import * as z from 'zod';
import { ALERT_STATUSES, listAlerts } from '../src/core/alerts.ts';
import { alerts } from './commons/alerts.ts';
import { PageQuery } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const AlertListQuery = PageQuery.extend({ status: z.enum(ALERT_STATUSES).optional() });

/** The alerts of the token's scope, newest first. */
export const handler = staffRoute(events, { query: AlertListQuery }, async ({ query, principal }) => ({
  status: 200,
  json: await listAlerts({ alerts }, principal, query),
}));
