import { listCheckpointsWide } from '../src/core/checkpoint-listing.ts';
import { listCheckpoints } from '../src/core/checkpoints.ts';
import { activity, registry } from './commons/dynamo.ts';
import { CheckpointListQuery, UnitIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, checkpoints: registry, activity, clock, publicBaseUrl: config.publicBaseUrl };

export const handler = staffRoute(
  events,
  { params: UnitIdParams, query: CheckpointListQuery },
  async ({
    params,
    query: { limit, nextToken, kind, active, namingViolation, q, subtree, idle },
    principal,
  }) => {
    const filter = {
      ...(kind ? { kind } : {}),
      ...(active !== undefined ? { active } : {}),
      ...(namingViolation !== undefined ? { followsNamingRule: !namingViolation } : {}),
      ...(q ? { search: q } : {}),
    };
    const page = { limit, ...(nextToken ? { nextToken } : {}) };
    // One unit's own checkpoints keep the store's own token; a subtree or the idle filter page across units.
    if (!subtree && idle === undefined) {
      return { status: 200, json: await listCheckpoints(deps, principal, params.unitId, page, filter) };
    }
    const wide = { ...(subtree ? { subtree } : {}), ...(idle !== undefined ? { idle } : {}) };
    return {
      status: 200,
      json: await listCheckpointsWide(deps, principal, params.unitId, page, filter, wide),
    };
  },
);
