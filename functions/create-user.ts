import * as z from 'zod';
import { ROLES } from '../src/core/model.ts';
import { createStaffUser } from '../src/core/users.ts';
import { registry } from './commons/dynamo.ts';
import { id } from './commons/schemas.ts';
import { clock, events } from './commons/services.ts';
import { users } from './commons/users.ts';
import { staffRoute } from './http/route.ts';

/**
 * `{"username", "email", "name"?, "role", "unitId", "temporaryPassword"?}`. A username is what the person types to sign in:
 * lowercase letters, digits, dots, dashes and underscores. A temporary password follows Cognito's default policy.
 */
export const CreateUserBody = z.strictObject({
  username: z
    .string()
    .trim()
    .min(3)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dots, dashes and underscores'),
  email: z.email().max(254),
  /** How e-mails address the person (Cognito's `name`). */
  name: z.string().trim().min(1).max(128).optional(),
  role: z.enum(ROLES),
  unitId: id,
  temporaryPassword: z
    .string()
    .min(12)
    .max(128)
    .regex(/[a-z]/, 'a lowercase letter')
    .regex(/[A-Z]/, 'an uppercase letter')
    .regex(/\d/, 'a digit')
    .regex(/[^a-zA-Z0-9]/, 'a symbol')
    .optional(),
});

/** POST /v1/users (admin): a staff account in a unit of the token's scope → 201 the account. */
export const handler = staffRoute(events, { body: CreateUserBody }, async ({ body, principal }) => ({
  status: 201,
  json: await createStaffUser({ units: registry, users, clock }, principal, body),
}));
