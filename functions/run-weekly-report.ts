import { randomUUID } from 'node:crypto';
import { assertAllowed } from '../src/core/access.ts';
import { reportPeriod } from '../src/core/weekly-report.ts';
import { reportNotices } from './commons/mail.ts';
import { WeeklyReportBody } from './commons/report-schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { weeklyRunner } from './commons/weekly.ts';
import { runs } from './commons/weekly-runs.ts';
import { staffRoute } from './http/route.ts';

// Locally the run's unit tasks tell the Friday delivery's in-process queue; in AWS the unit function does.
const starter = weeklyRunner(process.env, reportNotices);

/**
 * Starts the weekly run for the whole province (an admin of the province only) and answers at once with its
 * id: the run goes on in the background (the state machine in AWS); GET /v1/reports/runs/{runId} follows it.
 */
export const handler = staffRoute(events, { body: WeeklyReportBody }, async ({ body, principal }) => {
  assertAllowed(principal, 'runReports', [config.provinceId]);
  const period = reportPeriod(clock.now(), body.start);
  const runId = randomUUID();
  // Recorded before it starts: the status route knows the run from the first moment.
  await runs.putRun({
    runId,
    period,
    status: 'running',
    startedAt: clock.now().toISOString(),
    units: 0,
    failed: [],
  });
  await starter.start({ runId, period });
  return { status: 202, json: { runId, period } };
});
