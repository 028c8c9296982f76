import { importUnits, UNIT_COLUMNS } from '../src/core/import.ts';
import { registry } from './commons/dynamo.ts';
import { importRows, SPREADSHEETS } from './commons/import.ts';
import { ImportUnitsBody } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** A unit tree at once (any depth, parents linked by id), from JSON, CSV or XLSX. */
export const handler = staffRoute(
  events,
  { body: ImportUnitsBody, raw: SPREADSHEETS },
  async ({ body, raw, principal }) => {
    const rows = await importRows(raw, body?.units, UNIT_COLUMNS);
    const result = await importUnits(
      { units: registry, clock, provinceId: config.provinceId },
      principal,
      rows,
    );
    return { status: 200, json: result };
  },
);
