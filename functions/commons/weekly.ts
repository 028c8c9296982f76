import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { StepFunctionsRunStarter } from '../../src/adapters/sfn-runs.ts';
import { tracer } from '../../src/adapters/tracer.ts';
import { WEEKLY_RUNNER_ENV } from '../../src/config.ts';
import type { ReportNotices, RunStarter } from '../../src/core/ports.ts';
import type { UnitTaskDeps } from '../../src/core/weekly-report.ts';
import { InProcessRunStarter } from '../../src/local/weekly-runner.ts';
import { renderReport } from '../../src/render/index.ts';
import { renderReportChart } from '../../src/render/report-chart.ts';
import { activity, registry } from './dynamo.ts';
import { reports } from './s3.ts';
import { clock, config, events } from './services.ts';
import { runs } from './weekly-runs.ts';

/** What each unit's task needs, in AWS (the per-unit function) and in the local stand-in. */
export const unitTaskDeps: UnitTaskDeps = {
  units: registry,
  checkpoints: registry,
  activity,
  reports,
  summaries: runs,
  render: renderReport,
  chart: renderReportChart,
  clock,
  events,
  provinceId: config.provinceId,
};

/**
 * `notices`: where the local stand-in's unit tasks tell the Friday delivery (functions/commons/mail.ts); passed by
 * the caller so that the functions that only read runs do not bundle the mailer.
 */
export function weeklyRunner(
  env: NodeJS.ProcessEnv = process.env,
  notices?: (env: NodeJS.ProcessEnv) => ReportNotices | undefined,
): RunStarter {
  const runner = z
    .union([z.literal('local'), z.string().startsWith('arn:aws:states:')])
    .safeParse(env[WEEKLY_RUNNER_ENV]);
  if (!runner.success)
    throw new Error(`Invalid configuration: ${WEEKLY_RUNNER_ENV}: 'local' or a state machine ARN`);
  return runner.data === 'local'
    ? new InProcessRunStarter({ ...unitTaskDeps, runs, ...optional(notices?.(env)) })
    : new StepFunctionsRunStarter(tracer.captureAWSv3Client(new SFNClient({})), runner.data);
}

function optional<T>(notices: T | undefined): { notices?: T } {
  return notices ? { notices } : {};
}
