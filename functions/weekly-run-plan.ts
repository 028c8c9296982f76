import * as z from 'zod';
import { reportPeriod } from '../src/core/weekly-report.ts';
import { planRun } from '../src/core/weekly-run.ts';
import { registry } from './commons/dynamo.ts';
import { observedTask } from './commons/observability.ts';
import { clock, config } from './commons/services.ts';
import { runs } from './commons/weekly-runs.ts';

const PlanInput = z.object({
  /** The execution's name ($$.Execution.Name): the run id. */
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  request: z.object({
    /** From POST /v1/reports/weekly: the period it checked. */
    period: z.object({ start: z.string(), end: z.string() }).optional(),
    /** From the Friday schedule: its scheduled time, so a retry running late still names the same week. */
    scheduledTime: z.string().optional(),
    force: z.boolean().optional(),
  }),
});

/** The weekly-run state machine's first task (lib/weekly-run.ts): the run recorded, the unit tree as levels. */
export const handler = observedTask(async (event: unknown) => {
  const { runId, request } = PlanInput.parse(event);
  const scheduled = request.scheduledTime ? new Date(request.scheduledTime) : undefined;
  const period =
    request.period ?? reportPeriod(scheduled && !Number.isNaN(scheduled.getTime()) ? scheduled : clock.now());
  return planRun(
    { units: registry, runs, clock, provinceId: config.provinceId },
    { runId, period, ...(request.force ? { force: true } : {}) },
  );
});
