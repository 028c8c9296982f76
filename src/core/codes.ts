import { randomInt } from 'node:crypto';

import { CARD_CODE_LENGTH, CODE_ALPHABET, CODE_LENGTH } from './limits.ts';

/** Checkpoint and card codes: their alphabet and lengths are in ./limits.ts (the pages share them). */
export { CARD_CODE_LENGTH, CODE_ALPHABET, CODE_LENGTH };

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
