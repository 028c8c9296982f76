import { CHECKPOINT_KIND_LABELS } from './kinds.ts';
import type { CheckpointKind } from './model.ts';

/**
 * The province's naming rule for checkpoints. A rule is a template over the structured fields — `{kind}` (the
 * kind of place, in Vietnamese: src/core/kinds.ts's labels), `{placeName}`, `{address}`, `{unit}` (the unit's
 * name) — set per province stack (NAMING_RULE). A checkpoint created from fields gets the rule's name, so it
 * cannot break it; a name that came from elsewhere (an import, a migration) is compared with what the rule would
 * make of its fields.
 */
export const NAMING_FIELDS = ['kind', 'placeName', 'address', 'unit'] as const;
export type NamingField = (typeof NAMING_FIELDS)[number];

export const DEFAULT_NAMING_RULE = '{kind} - {placeName} - {address}';

export function isNamingRule(rule: string): boolean {
  const fields = [...rule.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  return (
    fields.includes('placeName') && fields.every((f) => (NAMING_FIELDS as readonly string[]).includes(f!))
  );
}

export interface NamingInput {
  kind: CheckpointKind;
  placeName: string;
  address: string;
  unitName: string;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The name the rule builds from the fields. */
export function canonicalName(rule: string, input: NamingInput): string {
  const values: Record<NamingField, string> = {
    kind: CHECKPOINT_KIND_LABELS[input.kind],
    placeName: squash(input.placeName),
    address: squash(input.address),
    unit: squash(input.unitName),
  };
  return squash(rule.replace(/\{(\w+)\}/g, (_, field: NamingField) => values[field] ?? ''));
}

/**
 * Whether a given name follows the rule: the same words as the canonical name, ignoring case, spacing and
 * Unicode composition (a name typed on another keyboard is still the same name).
 */
export function followsRule(name: string, canonical: string): boolean {
  const norm = (s: string) => squash(s).normalize('NFC').toLocaleLowerCase('vi');
  return norm(name) === norm(canonical);
}

/** Lower case, no diacritics, single spaces: what a search for "quang ha" matches "Quảng Hà" with. */
export function searchable(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
