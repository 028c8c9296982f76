import { recordCheckin } from '../src/core/checkins.ts';
import { checkins, registry } from './commons/dynamo.ts';
import { phones } from './commons/phones.ts';
import { CheckinBody } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { publicRoute } from './http/route.ts';

const deps = { checkpoints: registry, checkins, phones, clock, events, retentionDays: config.retentionDays };

/**
 * The hot path: one read (the code) and one transaction (the check-in and its day's counter); the number is
 * hashed and sealed in memory (one KMS call per container, for its data key).
 */
export const handler = publicRoute(events, { body: CheckinBody }, async ({ body }) => {
  const { created, receipt } = await recordCheckin(deps, body);
  return { status: created ? 201 : 200, json: receipt };
});
