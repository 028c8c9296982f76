import * as z from 'zod';
import { listStaffUsers } from '../src/core/users.ts';
import { registry } from './commons/dynamo.ts';
import { id } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { users } from './commons/users.ts';
import { staffRoute } from './http/route.ts';

/** `?unitId=`: the unit whose accounts (and its subtree's) are listed; the token's own unit by default. */
export const ListUsersQuery = z.object({ unitId: id.optional() });

/** GET /v1/users (admin): the staff accounts of a unit of the token's scope and every unit below it. */
export const handler = staffRoute(events, { query: ListUsersQuery }, async ({ query, principal }) => ({
  status: 200,
  json: await listStaffUsers({ units: registry, users }, principal, query.unitId ?? principal.unitId),
}));
