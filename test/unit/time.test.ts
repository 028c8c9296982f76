import { describe, expect, it } from 'vitest';
import {
  daysOf,
  localDay,
  periodBounds,
  periodStartingAt,
  previousCompletePeriod,
} from '../../src/core/time.ts';

describe('local days in Asia/Ho_Chi_Minh', () => {
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
