import { getCase, toCaseView } from '../src/core/cases.ts';
import { cases } from './commons/dynamo.ts';
import { CaseIdParams } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const handler = staffRoute(events, { params: CaseIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: toCaseView(await getCase({ cases }, principal, params.caseId)),
}));
