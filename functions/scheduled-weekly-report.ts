import { previousCompletePeriod } from '../src/core/time.ts';
import { clock } from './commons/services.ts';
import { runWeekly } from './commons/weekly.ts';

/** EventBridge Scheduler, Fridays 15:00 Asia/Ho_Chi_Minh: the seven complete local days before the run. */
export const handler = async () => {
  const period = previousCompletePeriod(clock.now());
  const stored = await runWeekly(period);
  return { period, reports: stored.length };
};
