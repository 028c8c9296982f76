import { reactivateCheckpoint } from '../src/core/checkpoints.ts';
import { registry } from './commons/dynamo.ts';
import { CheckpointIdParams } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const handler = staffRoute(events, { params: CheckpointIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: await reactivateCheckpoint(
    { checkpoints: registry, publicBaseUrl: config.publicBaseUrl },
    principal,
    params.id,
  ),
}));
