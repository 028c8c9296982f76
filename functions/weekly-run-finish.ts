import * as z from 'zod';
import { finishRun } from '../src/core/weekly-run.ts';
import { registry } from './commons/dynamo.ts';
import { observedTask } from './commons/observability.ts';
import { clock, config, events } from './commons/services.ts';
import { runs } from './commons/weekly-runs.ts';

const FinishInput = z.object({ runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/) });

/** The weekly-run state machine's last task: `{status, units, failed}` stored under the run id. */
export const handler = observedTask(async (event: unknown) => {
  const { runId } = FinishInput.parse(event);
  const run = await finishRun(
    { units: registry, runs, summaries: runs, clock, events, provinceId: config.provinceId },
    runId,
  );
  return { status: run.status, units: run.units, failed: run.failed };
});
