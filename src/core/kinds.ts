import { CHECKPOINT_KINDS, type CheckpointKind, UNIT_KINDS, type UnitKind } from './model.ts';

/**
 * The one vocabulary of kinds: the ids the API stores, and the Vietnamese words staff type in a form or write in a
 * spreadsheet. The zod schemas, the imports and the CLI all read a kind here, so they accept the same words and
 * refuse the same ones, and a refusal lists what is accepted.
 */

/**
 * Text compared as people type it: without case, spacing, punctuation or diacritics (đ is d), so "Nhà máy",
 * "nha may", "NHÀ  MÁY" and "nhà-máy" are one word. Also how spreadsheet headers are matched.
 */
export function looseKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** Each checkpoint kind in Vietnamese: what the naming rule writes for `{kind}`. */
export const CHECKPOINT_KIND_LABELS: Record<CheckpointKind, string> = {
  'state-office': 'Cơ quan',
  school: 'Trường học',
  hospital: 'Cơ sở y tế',
  factory: 'Nhà máy',
  shop: 'Cửa hàng',
  market: 'Chợ',
  restaurant: 'Nhà hàng',
  hotel: 'Khách sạn',
  religious: 'Cơ sở tôn giáo',
  transport: 'Giao thông',
  other: 'Địa điểm',
};

/** Other words for each kind: the weekly report's names (and each of their halves), and the usual synonyms. */
const CHECKPOINT_KIND_WORDS: Record<CheckpointKind, readonly string[]> = {
  'state-office': ['Cơ quan nhà nước', 'công sở'],
  school: ['trường', 'nhà trẻ', 'mẫu giáo'],
  hospital: ['y tế', 'bệnh viện', 'trạm y tế', 'phòng khám'],
  factory: ['Nhà máy/xí nghiệp', 'xí nghiệp'],
  shop: ['tạp hóa', 'siêu thị'],
  market: [],
  restaurant: ['Nhà hàng/quán ăn', 'quán ăn'],
  hotel: ['Khách sạn/nhà nghỉ', 'nhà nghỉ'],
  religious: ['tôn giáo', 'chùa', 'nhà thờ'],
  transport: ['Bến xe/nhà ga/bến tàu', 'bến xe', 'nhà ga', 'bến tàu'],
  other: ['khác'],
};

/**
 * Unit kinds in Vietnamese. Inside a province's own tree a *thành phố* is a provincial city, district level (Hạ
 * Long, Móng Cái); a centrally-run city is a province, and the stack creates the province's root itself.
 */
const UNIT_KIND_WORDS: Record<UnitKind, readonly string[]> = {
  province: ['tỉnh', 'thành phố trực thuộc trung ương'],
  district: ['huyện', 'quận', 'thị xã', 'thành phố', 'thành phố thuộc tỉnh'],
  commune: ['xã', 'phường', 'thị trấn'],
  sector: ['sở', 'ngành', 'sở, ngành', 'ban ngành'],
  other: ['khác'],
};

function lookup<K extends string>(ids: readonly K[], words: (id: K) => readonly string[]): Map<string, K> {
  const map = new Map<string, K>();
  for (const id of ids) {
    for (const word of [id, ...words(id)]) {
      const key = looseKey(word);
      const taken = map.get(key);
      // Two kinds sharing a word would make a typed kind ambiguous: refuse to start rather than guess.
      if (taken !== undefined && taken !== id) throw new Error(`"${word}" names both ${taken} and ${id}`);
      map.set(key, id);
    }
  }
  return map;
}

const CHECKPOINT_KIND_BY_WORD = lookup(CHECKPOINT_KINDS, (k) => [
  CHECKPOINT_KIND_LABELS[k],
  ...CHECKPOINT_KIND_WORDS[k],
]);
const UNIT_KIND_BY_WORD = lookup(UNIT_KINDS, (k) => UNIT_KIND_WORDS[k]);

/** The checkpoint kind a person means: an id (`factory`) or a Vietnamese word (`nhà máy`, `Xí nghiệp`). */
export function checkpointKindOf(text: string): CheckpointKind | undefined {
  return CHECKPOINT_KIND_BY_WORD.get(looseKey(text));
}

/** The unit kind a person means: an id (`commune`) or a Vietnamese word (`xã`, `Phường`, `thị trấn`). */
export function unitKindOf(text: string): UnitKind | undefined {
  return UNIT_KIND_BY_WORD.get(looseKey(text));
}

/** What a refused checkpoint kind is told: every id with its Vietnamese label. */
export const CHECKPOINT_KIND_MESSAGE = `Not a kind of place. Accepted: ${CHECKPOINT_KINDS.map(
  (k) => `${k} (${CHECKPOINT_KIND_LABELS[k]})`,
).join(', ')}`;

/** What a refused unit kind is told: every id with its Vietnamese words. */
export const UNIT_KIND_MESSAGE = `Not a kind of unit. Accepted: ${UNIT_KINDS.map(
  (k) => `${k} (${UNIT_KIND_WORDS[k].join(', ')})`,
).join('; ')}`;
