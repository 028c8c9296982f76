import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import type { Role } from '../core/model.ts';
import { CLAIM_ROLE, CLAIM_UNIT } from '../routes.ts';

/**
 * The local stand-in for the province's Cognito user pool: HS256 tokens signed with a secret kept in the
 * data folder, carrying the same claims as a Cognito ID token (custom:role, custom:unit).
 */
export const LOCAL_ISSUER = 'vaora-local';
export const LOCAL_AUDIENCE = 'vaora-local-staff';

export function localSecret(dataDir: string): Uint8Array {
  const file = join(dataDir, 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export async function mintToken(
  secret: Uint8Array,
  claims: { role: Role; unitId: string; subject?: string; ttlSeconds?: number },
): Promise<string> {
  return new SignJWT({ [CLAIM_ROLE]: claims.role, [CLAIM_UNIT]: claims.unitId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.subject ?? `local-${claims.role}`)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds ?? 12 * 3600}s`)
    .sign(secret);
}

/**
 * What API Gateway's JWT authorizer does: verify, then hand the claims to the Lambda. Like it, this refuses a
 * token without `exp` (a correctly signed token that never expires is not a session), one not yet valid
 * (`nbf`) and one issued in the future (`iat`).
 */
export async function verifyToken(secret: Uint8Array, token: string): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token, secret, {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    algorithms: ['HS256'],
    requiredClaims: ['exp'],
  });
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + 60) {
    throw new Error('The token was issued in the future');
  }
  return payload as Record<string, unknown>;
}
