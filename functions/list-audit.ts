import * as z from 'zod';
import { readAudit } from '../src/core/audit.ts';
import { audit } from './commons/dynamo.ts';
import { PageQuery } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const AuditQuery = PageQuery.extend({
  from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
  to: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
  caseId: z.uuid().optional(),
});

/** The audit trail of tracing, for the cases of the admin's scope. */
export const handler = staffRoute(events, { query: AuditQuery }, async ({ query, principal }) => ({
  status: 200,
  json: await readAudit({ audit }, principal, query),
}));
