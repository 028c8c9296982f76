import { InvalidItem, recordCheckinBatch } from '../src/core/checkins.ts';
import { CodeCache } from '../src/core/code-cache.ts';
import { CheckinBatchBody, CheckinBody } from './commons/checkin-schemas.ts';
import { checkins, registry } from './commons/dynamo.ts';
import { phones } from './commons/phones.ts';
import { clock, config, events } from './commons/services.ts';
import { zodDetails } from './http/errors.ts';
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

/** POST /v1/checkins/batch: up to 100 check-ins, a result per item (created, duplicate or rejected). */
export const handler = publicRoute(events, { body: CheckinBatchBody }, async ({ body }) => {
  const items = body.checkins.map((item) => {
    const parsed = CheckinBody.safeParse(item);
    return parsed.success ? parsed.data : new InvalidItem(zodDetails(parsed.error), item);
  });
  return { status: 200, json: { results: await recordCheckinBatch(deps, items) } };
});
