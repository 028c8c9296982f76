import * as z from 'zod';
import { openCase } from '../src/core/cases.ts';
import { audit, cases, registry } from './commons/dynamo.ts';
import { UnitIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** A case for a confirmed person (F0) or an outbreak: every tracing query and export names one. */
export const CreateCaseBody = z.strictObject({
  ref: z.string().trim().min(1).max(100),
  reason: z.string().trim().min(1).max(500),
  unitId: UnitIdParams.shape.unitId.optional(),
});

const deps = { cases, units: registry, audit, clock, auditRetentionDays: config.auditRetentionDays };

export const handler = staffRoute(events, { body: CreateCaseBody }, async ({ body, principal }) => ({
  status: 201,
  json: await openCase(deps, principal, body),
}));
