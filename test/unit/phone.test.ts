import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../src/core/phone.ts';

describe('phone numbers', () => {
  it('reads the forms people type as one E.164 number', () => {
    for (const typed of ['0912 345 678', '+84912345678', '84912345678', '0912-345-678', ' 0912.345.678 ']) {
      expect(normalisePhone(typed)).toBe('+84912345678');
    }
  });

  it('accepts the newer 03x/07x/08x mobile ranges', () => {
    expect(normalisePhone('0356789012')).toBe('+84356789012');
    expect(normalisePhone('0701234567')).toBe('+84701234567');
  });

  it('refuses what is not a Vietnamese mobile number', () => {
    for (const typed of ['12345', '0241234567', '+14155550123', 'abc0912345678', '09123456789', '']) {
      expect(normalisePhone(typed)).toBeNull();
    }
  });
});
