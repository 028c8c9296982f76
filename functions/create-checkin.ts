import { recordCheckin } from '../src/core/checkins.ts';
import { CodeCache } from '../src/core/code-cache.ts';
import { CheckinBody } from './commons/checkin-schemas.ts';
import { checkins, registry } from './commons/dynamo.ts';
import { phones } from './commons/phones.ts';
import { clock, config, events } from './commons/services.ts';
import { publicRoute } from './http/route.ts';

// A code's checkpoint is remembered for a minute per container (src/core/code-cache.ts).
const deps = {
  checkpoints: registry,
  codes: new CodeCache(registry, clock),
  checkins,
  phones,
  clock,
  events,
  retentionDays: config.retentionDays,
};

/**
 * The hot path: the code (read at most once a minute per container) and one conditional put of the check-in with
 * its one index; counted later from the table's stream (functions/count-checkins.ts). The number is hashed and
 * sealed in memory (one KMS call per container, for its data key).
 */
export const handler = publicRoute(events, { body: CheckinBody, refusals: 'checkin' }, async ({ body }) => {
  const { created, receipt } = await recordCheckin(deps, body);
  return { status: created ? 201 : 200, json: receipt };
});
