import * as z from 'zod';
import { assertAllowed } from '../src/core/access.ts';
import { NotFoundError } from '../src/core/errors.ts';
import { config, events } from './commons/services.ts';
import { runs } from './commons/weekly-runs.ts';
import { staffRoute } from './http/route.ts';

export const WeeklyRunParams = z.object({ runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/) });

/** A weekly run's progress: `{status, units, failed}` from its stored record. */
export const handler = staffRoute(events, { params: WeeklyRunParams }, async ({ params, principal }) => {
  assertAllowed(principal, 'runReports', [config.provinceId]);
  const run = await runs.getRun(params.runId);
  if (!run) throw new NotFoundError('unknown_run', `No weekly run ${params.runId}`);
  return { status: 200, json: run };
});
