import { CHECKPOINT_COLUMNS, importCheckpoints } from '../src/core/import.ts';
import { registry } from './commons/dynamo.ts';
import { importRows, SPREADSHEETS } from './commons/import.ts';
import { ImportCheckpointsBody, UnitIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, checkpoints: registry, clock, ...config };

/** Many checkpoints at once, from JSON, CSV or XLSX: a result per row (created, existing, rejected). */
export const handler = staffRoute(
  events,
  { params: UnitIdParams, body: ImportCheckpointsBody, raw: SPREADSHEETS },
  async ({ params, body, raw, principal }) => {
    const rows = await importRows(raw, body?.checkpoints, CHECKPOINT_COLUMNS);
    return { status: 200, json: await importCheckpoints(deps, principal, params.unitId, rows) };
  },
);
