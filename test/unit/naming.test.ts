import { describe, expect, it } from 'vitest';
import { canonicalName, DEFAULT_NAMING_RULE, followsRule, isNamingRule } from '../../src/core/naming.ts';

const fields = {
  kind: 'market' as const,
  placeName: ' Chợ  Quảng Hà ',
  address: 'Khu 3',
  unitName: 'Thị trấn Quảng Hà',
};

describe('the naming rule', () => {
  it('builds the canonical name from the structured fields, spaces tidied', () => {
    expect(canonicalName(DEFAULT_NAMING_RULE, fields)).toBe('Chợ - Chợ Quảng Hà - Khu 3');
    expect(canonicalName('{placeName}, {address}, {unit}', fields)).toBe(
      'Chợ Quảng Hà, Khu 3, Thị trấn Quảng Hà',
    );
  });

  it('accepts a name that differs only in case, spacing or Unicode composition', () => {
    const decomposed = 'chợ -  chợ quảng hà - khu 3'.normalize('NFD');
    expect(followsRule(decomposed, 'Chợ - Chợ Quảng Hà - Khu 3')).toBe(true);
    expect(followsRule('Chợ Quảng Hà', 'Chợ - Chợ Quảng Hà - Khu 3')).toBe(false);
  });

  it('takes only rules that name the place and use known fields', () => {
    expect(isNamingRule('{kind} - {placeName}')).toBe(true);
    expect(isNamingRule('{kind} - {address}')).toBe(false);
    expect(isNamingRule('{placeName} {owner}')).toBe(false);
  });
});
