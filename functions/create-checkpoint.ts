import { createCheckpoint } from '../src/core/checkpoints.ts';
import { registry } from './commons/dynamo.ts';
import { CreateCheckpointBody, UnitIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, checkpoints: registry, clock, ...config };

export const handler = staffRoute(
  events,
  { params: UnitIdParams, body: CreateCheckpointBody },
  async ({ params, body, principal }) => {
    // A ref already registered at the unit answers its checkpoint (200): a retried registration stores nothing.
    const { created, checkpoint } = await createCheckpoint(deps, principal, params.unitId, body);
    return { status: created ? 201 : 200, json: checkpoint };
  },
);
