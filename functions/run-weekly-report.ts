import { assertAllowed } from '../src/core/access.ts';
import { reportPeriod } from '../src/core/weekly-report.ts';
import { WeeklyReportBody } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { runWeekly } from './commons/weekly.ts';
import { staffRoute } from './http/route.ts';

/** Runs the weekly aggregation now, for the whole province: an admin of the province only. */
export const handler = staffRoute(events, { body: WeeklyReportBody }, async ({ body, principal }) => {
  assertAllowed(principal, 'runReports', [config.provinceId]);
  const period = reportPeriod(clock.now(), body.start);
  const stored = await runWeekly(period);
  return { status: 200, json: { period, reports: stored.map(({ unitId, rows }) => ({ unitId, rows })) } };
});
