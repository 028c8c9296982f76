import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../src/core/phone.ts';
import { VN_MOBILE_METADATA } from '../../src/core/phone-metadata.ts';

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

describe("Viet Nam's phone metadata", () => {
  it('is the installed libphonenumber-js mobile metadata for VN, unchanged', () => {
    const all = createRequire(import.meta.url)('libphonenumber-js/metadata.mobile.json');
    // After an upgrade, copy it again: the version, the calling code 84 and the country VN, nothing else.
    expect(VN_MOBILE_METADATA).toEqual({
      version: all.version,
      country_calling_codes: { '84': all.country_calling_codes['84'] },
      countries: { VN: all.countries.VN },
      nonGeographic: {},
    });
  });
});
