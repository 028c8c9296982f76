import { phoneContacts } from '../src/core/case-queries.ts';
import { events } from './commons/services.ts';
import { ContactQuery, deps, PhoneParams } from './commons/trace.ts';
import { staffRoute } from './http/route.ts';

/** A person's contacts (F1, and F2 with ring=2) in a window, within an open case. Audited. */
export const handler = staffRoute(
  events,
  { params: PhoneParams, query: ContactQuery },
  async ({ params, query, principal }) => {
    const { items, secondRingCut } = await phoneContacts(deps, principal, { ...query, phone: params.phone });
    return { status: 200, json: { items, ...(secondRingCut ? { secondRingCut } : {}) } };
  },
);
