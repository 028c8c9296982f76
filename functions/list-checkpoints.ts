import { listCheckpoints } from '../src/core/checkpoints.ts';
import { registry } from './commons/dynamo.ts';
import { PageQuery, UnitIdParams } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, checkpoints: registry, publicBaseUrl: config.publicBaseUrl };

export const handler = staffRoute(
  events,
  { params: UnitIdParams, query: PageQuery },
  async ({ params, query, principal }) => ({
    status: 200,
    json: await listCheckpoints(deps, principal, params.unitId, query),
  }),
);
