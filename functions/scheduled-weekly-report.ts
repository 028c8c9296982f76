import { reportPeriod } from '../src/core/weekly-report.ts';
import { clock } from './commons/services.ts';
import { runWeekly } from './commons/weekly.ts';

/**
 * EventBridge Scheduler, Fridays 15:00 Asia/Ho_Chi_Minh: the seven complete local days before the scheduled
 * time. The schedule passes that time, so a run redriven later from the dead-letter queue reports the same week.
 */
export const handler = async (event: { scheduledTime?: string } = {}) => {
  const scheduled = event.scheduledTime ? new Date(event.scheduledTime) : undefined;
  const period = reportPeriod(scheduled && !Number.isNaN(scheduled.getTime()) ? scheduled : clock.now());
  const stored = await runWeekly(period);
  return { period, reports: stored.length };
};
