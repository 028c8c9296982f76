import { reportLink } from '../src/core/report-links.ts';
import { ReportLinkQuery, ReportParams } from './commons/schemas.ts';
import { clock, config, events, registry, reports, signer } from './commons/services.ts';
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
