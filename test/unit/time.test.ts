import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  daysOf,
  FIRST_REPORT_DAY,
  localDay,
  periodBounds,
  periodStartingAt,
  previousCompletePeriod,
  reportablePeriod,
} from '../../src/core/time.ts';

describe('local days in Asia/Ho_Chi_Minh', () => {
  it('names the same local day as luxon, every 5 hours 7 minutes across leap and year boundaries', () => {
    const start = Date.parse('2023-12-25T00:00:00Z');
    for (let t = start; t < start + 800 * 86_400_000; t += 307 * 60_000) {
      const at = new Date(t);
      expect(localDay(at)).toBe(DateTime.fromJSDate(at, { zone: 'Asia/Ho_Chi_Minh' }).toISODate());
    }
    expect(localDay(new Date('0999-03-01T00:00:00Z'))).toBe('0999-03-01');
  });

  it('counts the days of a period across a leap day and a new year', () => {
    expect(daysOf({ start: '2024-02-27', end: '2024-03-02' })).toEqual([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
      '2024-03-02',
    ]);
    expect(daysOf({ start: '2025-12-30', end: '2026-01-02' })).toEqual([
      '2025-12-30',
      '2025-12-31',
      '2026-01-01',
      '2026-01-02',
    ]);
    expect(daysOf({ start: '2026-01-02', end: '2026-01-01' })).toEqual([]);
  });

  it('puts an instant after 17:00 UTC on the next local day', () => {
    expect(localDay(new Date('2022-01-05T16:59:59Z'))).toBe('2022-01-05');
    expect(localDay(new Date('2022-01-05T17:00:00Z'))).toBe('2022-01-06');
  });

  it('reports on the seven complete days before a Friday 15:00 run', () => {
    // Friday 14 January 2022, 15:00 local
    expect(previousCompletePeriod(new Date('2022-01-14T08:00:00Z'))).toEqual({
      start: '2022-01-07',
      end: '2022-01-13',
    });
  });

  it('makes a period of seven local days from any weekday, bounded by local midnights', () => {
    const period = periodStartingAt('2022-01-06');
    expect(period).toEqual({ start: '2022-01-06', end: '2022-01-12' });
    expect(daysOf(period)).toEqual([
      '2022-01-06',
      '2022-01-07',
      '2022-01-08',
      '2022-01-09',
      '2022-01-10',
      '2022-01-11',
      '2022-01-12',
    ]);
    const { from, to } = periodBounds(period);
    expect(from.toISOString()).toBe('2022-01-05T17:00:00.000Z');
    expect(to.toISOString()).toBe('2022-01-12T17:00:00.000Z');
  });

  it('crosses a month and a year end', () => {
    expect(periodStartingAt('2021-12-29')).toEqual({ start: '2021-12-29', end: '2022-01-04' });
  });
});

describe('the periods a report can be run or fetched for', () => {
  // Friday 14 January 2022, 15:00 local: the last complete period ends on Thursday 13 January.
  const NOW = new Date('2022-01-14T08:00:00Z');
  const refusal = (message: RegExp) =>
    expect.objectContaining({
      status: 400,
      code: 'invalid_request',
      details: [{ path: 'start', message: expect.stringMatching(message) }],
    });

  it('takes a start from FIRST_REPORT_DAY up to the last one whose seven days have ended', () => {
    expect(FIRST_REPORT_DAY).toBe('2020-01-01');
    expect(reportablePeriod('2020-01-01', NOW)).toEqual({ start: '2020-01-01', end: '2020-01-07' });
    expect(reportablePeriod('2022-01-07', NOW)).toEqual({ start: '2022-01-07', end: '2022-01-13' });
  });

  it('refuses the start one day later: its last day is today, still running', () => {
    expect(() => reportablePeriod('2022-01-08', NOW)).toThrow(refusal(/not ended/));
  });

  it.each([
    '9999-12-26', // its end would be +010000-01-01, which sorts before every four-digit year
    '9999-12-31',
    '2100-01-01',
    '2022-01-14', // today
  ])('refuses %s, a period that has not ended', (start) => {
    expect(() => reportablePeriod(start, NOW)).toThrow(refusal(/not ended/));
  });

  it.each([
    '2019-12-31',
    '2019-12-30', // its seven days reach into 2020, but it starts before anything was stored
    '1970-01-01',
    '0001-01-01',
    '0000-01-03',
  ])('refuses %s, before the province could have data', (start) => {
    expect(() => reportablePeriod(start, NOW)).toThrow(refusal(/2020-01-01 or later/));
  });

  it.each([
    '+010000-01-01',
    '+002022-01-06',
    '10000-01-01',
    '20220106',
    '2022-W01-4',
    '2022-006',
    '2022-01-06T00:00',
    ' 2022-01-06',
    '2022-1-6',
    '2022-02-30',
    '',
  ])('refuses %j, not a date written YYYY-MM-DD', (start) => {
    expect(() => reportablePeriod(start, NOW)).toThrow(refusal(/YYYY-MM-DD/));
  });
});
