import { ValidationError } from '../core/errors.ts';

/** DynamoDB's LastEvaluatedKey as an opaque `nextToken` for clients, and back. */
export function encodeToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/** An attribute a token must carry: this exact value, or any value with this prefix. */
export type TokenPart = string | { prefix: string };

/**
 * A token must be exactly a key of the listing it came from: the attributes named in `shape`, all strings, each
 * matching its part. Anything else is a 400, never a DynamoDB ValidationException (a 500).
 */
export function decodeToken(
  token: string | undefined,
  shape: Record<string, TokenPart>,
): Record<string, string> | undefined {
  if (!token) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const entries = key && typeof key === 'object' && !Array.isArray(key) ? Object.entries(key) : [];
  const valid =
    entries.length === Object.keys(shape).length &&
    entries.every(
      ([name, value]) => typeof value === 'string' && name in shape && matches(value, shape[name]!),
    );
  if (!valid) throw new ValidationError([{ path: 'nextToken', message: 'Not a token this API returned' }]);
  return key as Record<string, string>;
}

function matches(value: string, part: TokenPart): boolean {
  return typeof part === 'string' ? value === part : value.startsWith(part.prefix);
}
