import { storedJsonReport } from '../src/core/report-links.ts';
import { registry } from './commons/dynamo.ts';
import { ReportParams } from './commons/report-schemas.ts';
import { reports } from './commons/s3.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, reports, clock, provinceId: config.provinceId };

/** GET /v1/units/{unitId}/reports/{start}/data: the stored JSON report, for the console's report screen. */
export const handler = staffRoute(events, { params: ReportParams }, async ({ params, principal }) => ({
  status: 200,
  json: await storedJsonReport(deps, principal, params.unitId, params.start),
}));
