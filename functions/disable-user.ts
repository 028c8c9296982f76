import * as z from 'zod';
import { disableStaffUser } from '../src/core/users.ts';
import { registry } from './commons/dynamo.ts';
import { events } from './commons/services.ts';
import { users } from './commons/users.ts';
import { staffRoute } from './http/route.ts';

export const UsernameParams = z.object({ username: z.string().trim().min(1).max(128) });

/** POST /v1/users/{username}/disable (admin): the account can no longer sign in → the account. Idempotent. */
export const handler = staffRoute(events, { params: UsernameParams }, async ({ params, principal }) => ({
  status: 200,
  json: await disableStaffUser({ units: registry, users }, principal, params.username),
}));
