import { CHECKPOINT_COLUMNS, importCheckpoints } from '../src/core/import.ts';
import { registry } from './commons/dynamo.ts';
import { importSource, requestDeadline, SPREADSHEETS } from './commons/import.ts';
import { ImportCheckpointsBody, UnitIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, checkpoints: registry, clock, ...config };

/**
 * Many checkpoints at once, from JSON, CSV or XLSX: a result per row (created, existing, rejected, pending).
 * Always within the request's time: what it had no time for is `pending`, never a 5xx.
 */
export const handler = staffRoute(
  events,
  { params: UnitIdParams, body: ImportCheckpointsBody, raw: SPREADSHEETS },
  async ({ params, body, raw, principal, context }) => {
    const deadline = requestDeadline(context);
    const source = importSource(raw, body?.checkpoints, CHECKPOINT_COLUMNS);
    return { status: 200, json: await importCheckpoints(deps, principal, params.unitId, source, deadline) };
  },
);
