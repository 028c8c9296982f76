import { closeCase } from '../src/core/cases.ts';
import { audit, cases, registry } from './commons/dynamo.ts';
import { CaseIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { cases, units: registry, audit, clock, auditRetentionDays: config.auditRetentionDays };

/** A closed case answers no more tracing queries; closing one twice changes nothing. */
export const handler = staffRoute(events, { params: CaseIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: await closeCase(deps, principal, params.caseId),
}));
