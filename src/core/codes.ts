import { randomInt } from 'node:crypto';

/**
 * Checkpoint codes: printed under the QR for people whose camera fails, so they must be easy to read aloud and
 * type. The alphabet leaves out look-alikes (0/O, 1/I/L) and vowels that could spell words. 8 characters
 * give 27^8 ≈ 2.8 × 10^11 codes: guessing a live one among a province's ~10^4 is hopeless.
 */
export const CODE_ALPHABET = '23456789BCDFGHJKMNPQRSTVWXZ';
export const CODE_LENGTH = 8;

/**
 * Personal cards' codes (src/core/cards.ts) use the same alphabet, 10 long: never mistaken for a checkpoint's,
 * and 27^10 ≈ 2 × 10^14 of them, drawn at random, so a card's code says nothing about its holder.
 */
export const CARD_CODE_LENGTH = 10;

export function newCode(length = CODE_LENGTH): string {
  let code = '';
  for (let i = 0; i < length; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What a person typed, tolerant of case, spaces and dashes; undefined when it cannot be a code. */
export function normaliseCode(input: string, length = CODE_LENGTH): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== length) return undefined;
  for (const ch of code) if (!CODE_ALPHABET.includes(ch)) return undefined;
  return code;
}
