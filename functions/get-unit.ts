import { getUnitWithChildren } from '../src/core/units.ts';
import { registry } from './commons/dynamo.ts';
import { UnitIdParams } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const handler = staffRoute(events, { params: UnitIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: await getUnitWithChildren(registry, principal, params.unitId),
}));
