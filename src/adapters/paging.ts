import { ValidationError } from '../core/errors.ts';

/** DynamoDB's LastEvaluatedKey as an opaque `nextToken` for clients, and back. */
export function encodeToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/** `expected` pins the attributes the token must carry, so a token from another listing is refused. */
export function decodeToken(
  token: string | undefined,
  expected: Record<string, string>,
): Record<string, unknown> | undefined {
  if (!token) return undefined;
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const matches = Object.entries(expected).every(([name, value]) => key?.[name] === value);
    if (matches && typeof key === 'object' && !Array.isArray(key)) return key;
  } catch {
    // fall through to the 400 below
  }
  throw new ValidationError([{ path: 'nextToken', message: 'Not a token this API returned' }]);
}
