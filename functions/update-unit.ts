import * as z from 'zod';
import { editUnit } from '../src/core/units.ts';
import { timeLeft } from './commons/deadline.ts';
import { registry } from './commons/dynamo.ts';
import { id, text, UnitIdParams, unitKind } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** `{"name"?, "kind"?, "code"?, "parentId"?}`, validated as a new unit's fields are; at least one. */
export const UpdateUnitBody = z
  .strictObject({
    name: text(200).optional(),
    kind: unitKind.optional(),
    code: text(32).optional(),
    parentId: id.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'Nothing to change', path: [] });

/** PATCH /v1/units/{unitId}: rename or move a unit → the unit, with what followed it (`followed`). */
export const handler = staffRoute(
  events,
  { params: UnitIdParams, body: UpdateUnitBody },
  async ({ params, body, principal, context }) => {
    return {
      status: 200,
      json: await editUnit(
        { units: registry, checkpoints: registry, timeLeft: timeLeft(context) },
        principal,
        params.unitId,
        body,
      ),
    };
  },
);
