import { createUnit } from '../src/core/units.ts';
import { registry } from './commons/dynamo.ts';
import { CreateUnitBody } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const handler = staffRoute(events, { body: CreateUnitBody }, async ({ body, principal }) => ({
  status: 201,
  json: await createUnit({ units: registry, clock, provinceId: config.provinceId }, principal, body),
}));
