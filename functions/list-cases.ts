import * as z from 'zod';
import { CASE_STATUSES, listCases } from '../src/core/cases.ts';
import { cases } from './commons/dynamo.ts';
import { PageQuery } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const CaseListQuery = PageQuery.extend({ status: z.enum(CASE_STATUSES).optional() });

/** The cases of the token's scope, newest first. */
export const handler = staffRoute(events, { query: CaseListQuery }, async ({ query, principal }) => ({
  status: 200,
  json: await listCases({ cases }, principal, query),
}));
