import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_KIND_LABELS,
  CHECKPOINT_KIND_MESSAGE,
  checkpointKindOf,
  looseKey,
  UNIT_KIND_MESSAGE,
  unitKindOf,
} from '../../src/core/kinds.ts';
import { CHECKPOINT_KINDS, UNIT_KINDS } from '../../src/core/model.ts';

describe('the kinds vocabulary', () => {
  it('reads a checkpoint kind from its id or its Vietnamese words, as people type them', () => {
    expect(checkpointKindOf('factory')).toBe('factory');
    expect(checkpointKindOf('Nhà máy')).toBe('factory');
    expect(checkpointKindOf('  NHÀ   MÁY ')).toBe('factory');
    expect(checkpointKindOf('nha may')).toBe('factory');
    expect(checkpointKindOf('Nhà máy'.normalize('NFD'))).toBe('factory');
    expect(checkpointKindOf('xí nghiệp')).toBe('factory');
    expect(checkpointKindOf('Nhà máy/xí nghiệp')).toBe('factory');
    expect(checkpointKindOf('State office')).toBe('state-office');
    expect(checkpointKindOf('chợ')).toBe('market');
    expect(checkpointKindOf('nhà nghỉ')).toBe('hotel');
    expect(checkpointKindOf('Bến xe')).toBe('transport');
  });

  it('knows every checkpoint kind by its id and by the label the naming rule writes', () => {
    for (const kind of CHECKPOINT_KINDS) {
      expect(checkpointKindOf(kind)).toBe(kind);
      expect(checkpointKindOf(CHECKPOINT_KIND_LABELS[kind])).toBe(kind);
    }
  });

  it('reads unit kinds from the Vietnamese administrative words', () => {
    expect(
      ['tỉnh', 'huyện', 'Thành phố', 'thị xã', 'quận', 'xã', 'Phường', 'thị trấn', 'sở'].map(unitKindOf),
    ).toEqual([
      'province',
      'district',
      'district',
      'district',
      'district',
      'commune',
      'commune',
      'commune',
      'sector',
    ]);
    for (const kind of UNIT_KINDS) expect(unitKindOf(kind)).toBe(kind);
  });

  it('refuses what it does not know, and its messages list every accepted id', () => {
    expect(checkpointKindOf('spaceport')).toBeUndefined();
    expect(checkpointKindOf('')).toBeUndefined();
    expect(unitKindOf('village')).toBeUndefined();
    expect(unitKindOf('nhà máy')).toBeUndefined();
    for (const kind of CHECKPOINT_KINDS) expect(CHECKPOINT_KIND_MESSAGE).toContain(kind);
    expect(CHECKPOINT_KIND_MESSAGE).toContain('factory (Nhà máy)');
    for (const kind of UNIT_KINDS) expect(UNIT_KIND_MESSAGE).toContain(kind);
    expect(UNIT_KIND_MESSAGE).toContain('commune (xã, phường, thị trấn)');
  });

  it('compares text without case, spacing, punctuation or diacritics', () => {
    expect(looseKey(' Đơn vị cấp-trên ')).toBe('donvicaptren');
    expect(looseKey('Thị trấn')).toBe(looseKey('thi tran'));
  });
});
