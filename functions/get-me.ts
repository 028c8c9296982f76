import { describeMe } from '../src/core/me.ts';
import { registry } from './commons/dynamo.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** GET /v1/me: the token's subject, role and unit (with its path of names), and what it may do. */
export const handler = staffRoute(events, {}, async ({ principal }) => ({
  status: 200,
  json: await describeMe(registry, principal),
}));
