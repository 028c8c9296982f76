import * as z from 'zod';
import { reportUnit } from '../src/core/weekly-report.ts';
import { reportNotices } from './commons/mail.ts';
import { observedTask } from './commons/observability.ts';
import { unitTaskDeps } from './commons/weekly.ts';

const UnitInput = z.object({
  unitId: z.string().min(1),
  label: z.string(),
  period: z.object({ start: z.string(), end: z.string() }),
  runStartedAt: z.string(),
  force: z.boolean(),
});

/** Each report stored is told to the Friday delivery's queue (REPORT_MAIL), which the run never waits for. */
const notices = reportNotices();
const deps = notices ? { ...unitTaskDeps, notices } : unitTaskDeps;

/** The weekly-run state machine's per-unit task: one unit's reports and its summary for its parent. */
export const handler = observedTask(async (event: unknown) => {
  const { force, ...task } = UnitInput.parse(event);
  const { unitId, rows, skipped } = await reportUnit(deps, { ...task, ...(force ? { force } : {}) });
  return { unitId, rows, skipped };
});
