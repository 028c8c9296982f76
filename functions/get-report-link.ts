import { reportLink } from '../src/core/report-links.ts';
import { registry } from './commons/dynamo.ts';
import { ReportLinkQuery, ReportParams } from './commons/report-schemas.ts';
import { reports, signer } from './commons/s3.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const deps = {
  units: registry,
  reports,
  signer,
  clock,
  provinceId: config.provinceId,
  linkTtlSeconds: config.reportLinkTtlSeconds,
};

export const handler = staffRoute(
  events,
  { params: ReportParams, query: ReportLinkQuery },
  async ({ params, query, principal }) => ({
    status: 200,
    json: await reportLink(deps, principal, params.unitId, params.start, query.format),
  }),
);
