import { importUnits, UNIT_COLUMNS } from '../src/core/import.ts';
import { registry } from './commons/dynamo.ts';
import { importSource, requestDeadline, SPREADSHEETS } from './commons/import.ts';
import { ImportUnitsBody } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, clock, provinceId: config.provinceId };

/** A unit tree at once (any depth, parents linked by id), from JSON, CSV or XLSX, within the request's time. */
export const handler = staffRoute(
  events,
  { body: ImportUnitsBody, raw: SPREADSHEETS },
  async ({ body, raw, principal, context }) => {
    const deadline = requestDeadline(context);
    const source = importSource(raw, body?.units, UNIT_COLUMNS);
    return { status: 200, json: await importUnits(deps, principal, source, deadline) };
  },
);
