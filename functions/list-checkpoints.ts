import { listCheckpoints } from '../src/core/checkpoints.ts';
import { registry } from './commons/dynamo.ts';
import { CheckpointListQuery, UnitIdParams } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, checkpoints: registry, publicBaseUrl: config.publicBaseUrl };

export const handler = staffRoute(
  events,
  { params: UnitIdParams, query: CheckpointListQuery },
  async ({ params, query: { limit, nextToken, kind, active, namingViolation, q }, principal }) => {
    const filter = {
      ...(kind ? { kind } : {}),
      ...(active !== undefined ? { active } : {}),
      ...(namingViolation !== undefined ? { followsNamingRule: !namingViolation } : {}),
      ...(q ? { search: q } : {}),
    };
    const page = { limit, ...(nextToken ? { nextToken } : {}) };
    return { status: 200, json: await listCheckpoints(deps, principal, params.unitId, page, filter) };
  },
);
