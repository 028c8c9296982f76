import { checkpointVisitors } from '../src/core/case-queries.ts';
import { CheckpointIdParams } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { deps, TraceQuery } from './commons/trace.ts';
import { staffRoute } from './http/route.ts';

/** Who was at a checkpoint in a window, within an open case: visits, with companions. Audited. */
export const handler = staffRoute(
  events,
  { params: CheckpointIdParams, query: TraceQuery },
  async ({ params, query, principal }) => {
    const { items } = await checkpointVisitors(deps, principal, { ...query, checkpointId: params.id });
    return { status: 200, json: { items } };
  },
);
