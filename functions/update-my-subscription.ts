import * as z from 'zod';
import { setOwnSubscription } from '../src/core/users.ts';
import { events } from './commons/services.ts';
import { users } from './commons/users.ts';
import { staffRoute } from './http/route.ts';

/** `{"weeklyEmail": false}` opts out of the Friday e-mail, `true` back in. */
export const SubscriptionBody = z.strictObject({ weeklyEmail: z.boolean() });

/** PUT /v1/me/subscription: the caller's own Friday e-mail → `{"username", "weeklyEmail"}`. */
export const handler = staffRoute(events, { body: SubscriptionBody }, async ({ body, principal }) => ({
  status: 200,
  json: await setOwnSubscription(users, principal, body.weeklyEmail),
}));
