import * as z from 'zod';
import { gateCheckpoint, InvalidItem, recordAssisted, recordAssistedBatch } from '../src/core/checkins.ts';
import { AssistedItem, AssistedListBody } from './commons/checkin-schemas.ts';
import { cards, checkins, registry } from './commons/dynamo.ts';
import { phones } from './commons/phones.ts';
import { CheckpointIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { zodDetails } from './http/errors.ts';
import { gateOrStaffRoute } from './http/route.ts';

const deps = {
  checkpoints: registry,
  checkins,
  cards,
  phones,
  clock,
  events,
  retentionDays: config.retentionDays,
};

/**
 * POST /v1/checkpoints/{id}/checkins: gate staff (a unit-manager of the checkpoint's unit, or above) record
 * check-ins for people without a smartphone, by phone number or personal card. The same with a gate link's token
 * (a tablet, that checkpoint only): POST /v1/gate/checkpoints/{id}/checkins. One item → 201 (200 for an id
 * already stored), as POST /v1/checkins; `{"checkins": [...]}` (up to 100, a tablet's offline queue) → 200
 * with a result per item, as the batch route.
 */
export const handler = gateOrStaffRoute(
  events,
  { params: CheckpointIdParams, body: z.record(z.string(), z.unknown()), refusals: 'checkin' },
  async ({ params, body, caller: principal }) => {
    const checkpoint = await gateCheckpoint(deps, principal, params.id);
    if ('checkins' in body) {
      const items = AssistedListBody.parse(body).checkins.map((item) => {
        const parsed = AssistedItem.safeParse(item);
        return parsed.success ? parsed.data : new InvalidItem(zodDetails(parsed.error), item);
      });
      return {
        status: 200,
        json: { results: await recordAssistedBatch(deps, checkpoint, principal, items) },
      };
    }
    const { created, receipt } = await recordAssisted(deps, checkpoint, principal, AssistedItem.parse(body));
    return { status: created ? 201 : 200, json: receipt };
  },
);
