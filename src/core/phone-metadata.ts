import type { MetadataJson } from 'libphonenumber-js/core';

/**
 * libphonenumber-js's mobile metadata (libphonenumber-js/metadata.mobile.json) for Viet Nam alone: the only
 * numbers vaora accepts are Vietnamese mobiles, and the whole world's metadata would add ~95 kB to every bundle
 * that parses a phone (the check-in's included). Copied from the installed package;
 * test/unit/phone.test.ts fails when an upgrade of libphonenumber-js changes it, and says how to copy it again.
 */
export const VN_MOBILE_METADATA: MetadataJson = {
  version: 4,
  country_calling_codes: { '84': ['VN'] },
  nonGeographic: {},
  countries: {
    VN: [
      '84',
      '00',
      '[12]\\d{9}|[135-9]\\d{8}|[16]\\d{6,7}|7\\d{6}',
      [7, 8, 9, 10],
      [
        ['(\\d{4})(\\d{4,6})', '$1 $2', ['1(?:2[02]|[89])'], 0, 1],
        ['(\\d{2})(\\d{3})(\\d{2})(\\d{2})', '$1 $2 $3 $4', ['1[26]|6'], '0$1', 1],
        ['(\\d{3})(\\d{3})(\\d{3})', '$1 $2 $3', ['[1357-9]'], '0$1', 1],
        ['(\\d{2})(\\d{4})(\\d{4})', '$1 $2 $3', ['2[48]'], '0$1', 1],
        ['(\\d{3})(\\d{4})(\\d{3})', '$1 $2 $3', ['2'], '0$1', 1],
      ],
      '0',
      0,
      0,
      0,
      0,
      0,
      [
        0,
        [
          '121[0-3]\\d{5}|(?:1[46]0|(?:3\\d|7[06-9])\\d|5(?:[1689]\\d|2[238]|59)|8(?:[1-8]\\d|9[6-9])|9(?:[0-8]\\d|9[013-9]))\\d{6}',
          [9],
        ],
      ],
    ],
  },
};
