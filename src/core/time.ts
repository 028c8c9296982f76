import { DateTime } from 'luxon';
import { ValidationError } from './errors.ts';
import { TIME_ZONE } from './limits.ts';
import type { Period } from './report.ts';

/** All local days are in the provinces' zone (./limits.ts, which the pages share). */
export { TIME_ZONE };

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(iso: string): Clock {
  const at = new Date(iso);
  return { now: () => at };
}

/**
 * The local day (YYYY-MM-DD) an instant falls on, years 0 to 9999. Intl reads the same zone database luxon does;
 * localDay and daysOf do without luxon because the check-in's hot path needs only them, which keeps ~70 kB out of
 * its bundle (test/infra/bundle-contents.test.ts).
 */
export function localDay(at: Date): string {
  const part = Object.fromEntries(LOCAL_DATE.formatToParts(at).map(({ type, value }) => [type, value]));
  return `${part.year!.padStart(4, '0')}-${part.month}-${part.day}`;
}

const LOCAL_DATE = /* @__PURE__ */ new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** A real calendar date written YYYY-MM-DD (2022-02-30 is not). */
export function isLocalDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: TIME_ZONE }).isValid;
}

/** Seven local days starting at `start` (inclusive). */
export function periodStartingAt(start: string): Period {
  const first = DateTime.fromISO(start, { zone: TIME_ZONE });
  return { start, end: first.plus({ days: 6 }).toISODate()! };
}

/** The seven complete local days before `now`: what the Friday run reports on by default. */
export function previousCompletePeriod(now: Date): Period {
  const today = DateTime.fromJSDate(now, { zone: TIME_ZONE }).startOf('day');
  return periodStartingAt(today.minus({ days: 7 }).toISODate()!);
}

/**
 * The first local day a report period may start on. No province registered a checkpoint before 2020, so an
 * earlier start (year 0 included) would only make a run read empty counters for every unit.
 */
export const FIRST_REPORT_DAY = '2020-01-01';

/**
 * The period starting at `start` if it can be reported as of `now`: a real date written YYYY-MM-DD, on or after
 * FIRST_REPORT_DAY, whose seven local days have all ended. Otherwise a 400 naming `start`, before any work.
 * Compared as dates, never as strings: luxon writes a year past 9999 as "+010000-01-01", which sorts before
 * every four-digit year.
 */
export function reportablePeriod(start: string, now: Date): Period {
  const refuse = (message: string) => new ValidationError([{ path: 'start', message }]);
  if (!isLocalDate(start)) throw refuse('Expected a date YYYY-MM-DD');
  const first = DateTime.fromISO(start, { zone: TIME_ZONE });
  if (first < DateTime.fromISO(FIRST_REPORT_DAY, { zone: TIME_ZONE })) {
    throw refuse(`Reports start on ${FIRST_REPORT_DAY} or later`);
  }
  const today = DateTime.fromJSDate(now, { zone: TIME_ZONE }).startOf('day');
  if (first.plus({ days: 6 }) >= today) throw refuse('This period has not ended yet');
  return periodStartingAt(start);
}

/** The local days of a period, in order. Counting calendar days needs no zone: they are counted in UTC. */
export function daysOf(period: Period): string[] {
  const last = Date.parse(`${period.end}T00:00:00Z`);
  const days: string[] = [];
  for (let d = Date.parse(`${period.start}T00:00:00Z`); d <= last; d += DAY_MS) {
    days.push(new Date(d).toISOString().slice(0, 10));
  }
  return days;
}

const DAY_MS = 86_400_000;

/** [from, to) instants of a period: local midnight of its first day to local midnight after its last. */
export function periodBounds(period: Period): { from: Date; to: Date } {
  const from = DateTime.fromISO(period.start, { zone: TIME_ZONE });
  const to = DateTime.fromISO(period.end, { zone: TIME_ZONE }).plus({ days: 1 });
  return { from: from.toJSDate(), to: to.toJSDate() };
}

/** The local day `days` after (or, negative, before) a local day, YYYY-MM-DD. */
export function addDays(day: string, days: number): string {
  return DateTime.fromISO(day, { zone: TIME_ZONE }).plus({ days }).toISODate()!;
}
