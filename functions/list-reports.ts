import { listReportPeriods } from '../src/core/report-links.ts';
import { registry } from './commons/dynamo.ts';
import { reports } from './commons/s3.ts';
import { UnitIdParams } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = { units: registry, reports, provinceId: config.provinceId };

export const handler = staffRoute(events, { params: UnitIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: { items: await listReportPeriods(deps, principal, params.unitId) },
}));
