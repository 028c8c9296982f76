import * as z from 'zod';
import { applyNamingRule } from '../src/core/checkpoints.ts';
import { timeLeft } from './commons/deadline.ts';
import { registry } from './commons/dynamo.ts';
import { UnitIdParams } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** `{"subtree"?}`: the unit's own checkpoints only (false), or also every unit's below it (true, the default). */
export const RenameViolationsBody = z.strictObject({ subtree: z.boolean().default(true) });

const deps = {
  units: registry,
  checkpoints: registry,
  publicBaseUrl: config.publicBaseUrl,
  namingRule: config.namingRule,
};

/**
 * POST /v1/units/{unitId}/naming-violations/rename: every checkpoint whose name breaks the rule gets the rule's
 * name → `{"renamed", "done"}`; `done: false` when the request's time ran out first (send it again).
 */
export const handler = staffRoute(
  events,
  { params: UnitIdParams, body: RenameViolationsBody },
  async ({ params, body, principal, context }) => {
    return {
      status: 200,
      json: await applyNamingRule({ ...deps, timeLeft: timeLeft(context) }, principal, params.unitId, body),
    };
  },
);
