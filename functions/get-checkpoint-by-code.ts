import { checkpointByCode } from '../src/core/checkpoints.ts';
import { normaliseCode } from '../src/core/codes.ts';
import { registry } from './commons/dynamo.ts';
import { CodeParams } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { publicRoute } from './http/route.ts';

export const handler = publicRoute(events, { params: CodeParams }, async ({ params }) => {
  const { id, name, unitId, unitName, active } = await checkpointByCode(registry, normaliseCode(params.code));
  return { status: 200, json: { id, name, unitId, unitName, active } };
});
