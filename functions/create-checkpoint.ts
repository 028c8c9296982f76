import { createCheckpoint } from '../src/core/checkpoints.ts';
import { registry } from './commons/dynamo.ts';
import { CreateCheckpointBody, UnitIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, checkpoints: registry, clock, publicBaseUrl: config.publicBaseUrl };

export const handler = staffRoute(
  events,
  { params: UnitIdParams, body: CreateCheckpointBody },
  async ({ params, body, principal }) => ({
    status: 201,
    json: await createCheckpoint(deps, principal, params.unitId, body),
  }),
);
