import { randomInt } from 'node:crypto';

/**
 * Checkpoint codes: printed under the QR for people whose camera fails, so they must be easy to read aloud and
 * type. The alphabet leaves out look-alikes (0/O, 1/I/L) and vowels that could spell words. 8 characters
 * give 27^8 ≈ 2.8 × 10^11 codes: guessing a live one among a province's ~10^4 is hopeless.
 */
export const CODE_ALPHABET = '23456789BCDFGHJKMNPQRSTVWXZ';
export const CODE_LENGTH = 8;

export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What a person typed, tolerant of case, spaces and dashes; undefined when it cannot be a code. */
export function normaliseCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== CODE_LENGTH) return undefined;
  for (const ch of code) if (!CODE_ALPHABET.includes(ch)) return undefined;
  return code;
}
