import { phoneVisits } from '../src/core/case-queries.ts';
import { events } from './commons/services.ts';
import { deps, PhoneParams, TraceQuery } from './commons/trace.ts';
import { staffRoute } from './http/route.ts';

/** Where a person went in a window, within an open case: their visits in the token's scope. Audited. */
export const handler = staffRoute(
  events,
  { params: PhoneParams, query: TraceQuery },
  async ({ params, query, principal }) => {
    const { items } = await phoneVisits(deps, principal, { ...query, phone: params.phone });
    return { status: 200, json: { items } };
  },
);
