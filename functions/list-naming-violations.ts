import { listCheckpoints } from '../src/core/checkpoints.ts';
import { registry } from './commons/dynamo.ts';
import { PageQuery, UnitIdParams } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, checkpoints: registry, publicBaseUrl: config.publicBaseUrl };

/** The unit's checkpoints whose names break the province's rule, each with the name the rule would give it. */
export const handler = staffRoute(
  events,
  { params: UnitIdParams, query: PageQuery },
  async ({ params, query, principal }) => {
    const page = await listCheckpoints(deps, principal, params.unitId, query, { followsNamingRule: false });
    const items = page.items.map(({ id, code, name, canonicalName, kind, unitId }) => ({
      id,
      code,
      name,
      canonicalName,
      kind,
      unitId,
    }));
    return {
      status: 200,
      json: { rule: config.namingRule, items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) },
    };
  },
);
