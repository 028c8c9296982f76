import * as z from 'zod';
import { editCheckpoint } from '../src/core/checkpoints.ts';
import { registry } from './commons/dynamo.ts';
import { CheckpointIdParams, checkpointKind, text } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/**
 * `{"kind"?, "placeName"?, "address"?, "name"?}` validated as a new checkpoint's fields are, or
 * `{"applyNamingRule": true}` (with field changes or without): at least one of them, and not a name with the rule.
 */
export const UpdateCheckpointBody = z
  .strictObject({
    kind: checkpointKind.optional(),
    placeName: text(300).optional(),
    address: text(300).optional(),
    name: text(300).optional(),
    applyNamingRule: z.literal(true).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'Nothing to change', path: [] })
  .refine((body) => !(body.name !== undefined && body.applyNamingRule), {
    message: 'Send a name or applyNamingRule, not both',
    path: ['applyNamingRule'],
  });

const deps = {
  units: registry,
  checkpoints: registry,
  publicBaseUrl: config.publicBaseUrl,
  namingRule: config.namingRule,
};

/** PATCH /v1/checkpoints/{id}: the checkpoint as it is now. */
export const handler = staffRoute(
  events,
  { params: CheckpointIdParams, body: UpdateCheckpointBody },
  async ({ params, body, principal }) => ({
    status: 200,
    json: await editCheckpoint(deps, principal, params.id, body),
  }),
);
