import { ForbiddenError, UnauthorizedError } from './errors.ts';
import type { GatePrincipal } from './model.ts';

/**
 * Gate tokens (src/core/gate-links.ts makes them): their claims, what refuses one and what one may reach. Apart from
 * the link maker so that the gate authorizer's bundle holds none of the registry's code.
 */
export const GATE_LINK_HOURS = { default: 12, min: 1, max: 12 } as const;

/** Who a gate token is for: what the gate authorizer checks besides the signature. */
export const GATE_AUDIENCE = 'vaora-gate';
export const gateIssuer = (provinceId: string) => `vaora:${provinceId}:gate-links`;

/** The token's claims: the role and unit in the staff tokens' own names, so the gate page reads either alike. */
export const GATE_CLAIMS = {
  role: 'custom:role',
  unit: 'custom:unit',
  checkpoint: 'vaora:checkpoint',
} as const;
export const GATE_ROLE = 'gate';

/** What a gate token says, as the core sees it. */
export interface GateClaims {
  checkpointId: string;
  unitId: string;
  /** The staff member who made the link. */
  subject: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** A token the verifier refuses: the gate authorizer answers it as API Gateway does (403), never a 5xx. */
export class GateTokenRefused extends Error {
  override readonly name = 'GateTokenRefused';
}

/** A token's clock may run this far ahead of ours (`iat`), as the local token verifier allows. */
const CLOCK_SKEW_SECONDS = 60;

/** The JWT payload of a gate token. */
export function gatePayload(
  claims: GateClaims,
  provinceId: string,
  tokenId: string,
): Record<string, unknown> {
  return {
    iss: gateIssuer(provinceId),
    aud: GATE_AUDIENCE,
    sub: claims.subject,
    jti: tokenId,
    iat: Math.floor(claims.issuedAt.getTime() / 1000),
    nbf: Math.floor(claims.issuedAt.getTime() / 1000),
    exp: Math.floor(claims.expiresAt.getTime() / 1000),
    [GATE_CLAIMS.role]: GATE_ROLE,
    [GATE_CLAIMS.unit]: claims.unitId,
    [GATE_CLAIMS.checkpoint]: claims.checkpointId,
  };
}

/**
 * The claims of a payload whose signature, issuer, audience, `nbf` and `exp` were checked (jose's jwtVerify):
 * refused too when it was issued in the future, lives longer than a shift, or is not a gate token.
 */
export function claimsOfPayload(payload: Record<string, unknown>, now: Date): GateClaims {
  const { iat, exp, sub } = payload;
  const checkpointId = payload[GATE_CLAIMS.checkpoint];
  const unitId = payload[GATE_CLAIMS.unit];
  if (payload[GATE_CLAIMS.role] !== GATE_ROLE) throw new GateTokenRefused('Not a gate token');
  if (typeof iat !== 'number' || typeof exp !== 'number') throw new GateTokenRefused('No iat or exp');
  if (typeof checkpointId !== 'string' || !checkpointId || typeof unitId !== 'string' || !unitId) {
    throw new GateTokenRefused('No checkpoint or unit');
  }
  if (iat > now.getTime() / 1000 + CLOCK_SKEW_SECONDS) throw new GateTokenRefused('Issued in the future');
  if (exp <= now.getTime() / 1000) throw new GateTokenRefused('Expired');
  if (exp - iat > GATE_LINK_HOURS.max * 3600) throw new GateTokenRefused('Longer than a shift');
  return {
    checkpointId,
    unitId,
    subject: typeof sub === 'string' ? sub : '',
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
  };
}

/**
 * What a gate token may reach: its own checkpoint, until it expires. The authorizer has checked the token; an
 * authorization API Gateway cached for a few minutes is checked against the clock again here.
 */
export function assertGateReaches(caller: GatePrincipal, checkpointId: string, now: Date): void {
  if (caller.expiresAt.getTime() <= now.getTime()) {
    throw new UnauthorizedError('The gate link has expired: ask the unit manager for a new one');
  }
  if (caller.checkpointId !== checkpointId) {
    throw new ForbiddenError('This gate link is for another checkpoint');
  }
}
