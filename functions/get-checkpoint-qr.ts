import { checkinUrl, checkpointInScope } from '../src/core/checkpoints.ts';
import { qrPng, qrSvg } from '../src/render/qr.ts';
import { registry } from './commons/dynamo.ts';
import { CheckpointIdParams } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** Serves both /qr.svg and /qr.png: the route's path says which. */
export const handler = staffRoute(
  events,
  { params: CheckpointIdParams },
  async ({ params, principal, event }) => {
    const checkpoint = await checkpointInScope(registry, principal, params.id);
    const url = checkinUrl(config.publicBaseUrl, checkpoint.code);
    const file = event.rawPath.endsWith('.png')
      ? { body: await qrPng(url), contentType: 'image/png' }
      : { body: await qrSvg(url), contentType: 'image/svg+xml' };
    return { status: 200, file };
  },
);
