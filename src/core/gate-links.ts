import { type AuditDeps, recordAudit } from './audit.ts';
import { checkpointInScope } from './checkpoints.ts';
import { ConflictError, ForbiddenError, UnauthorizedError, ValidationError } from './errors.ts';
import type { GatePrincipal, Principal } from './model.ts';
import type { CheckpointStore, GateTokenIssuer } from './ports.ts';

/**
 * Gate links: what a unit-manager (or an admin above) hands to the tablet at one checkpoint's gate. The link is the
 * gate page's URL with a gate token in its fragment (`/g/<code>#token=<jwt>`), which the browser never sends. The
 * token lasts a shift (12 hours by default, 1 to 12), names its one checkpoint, and reaches only the gate route of
 * that checkpoint (`POST /v1/gate/checkpoints/{id}/checkins`): a staff token's Cognito session (an hour, renewed
 * inside the console) cannot last a shift on a tablet, and a manager's own token reaches far more than a gate.
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

export interface GateLink {
  /** The gate page with the token in the fragment. */
  url: string;
  expiresAt: string;
  checkpointId: string;
  code: string;
  hours: number;
}

export interface GateLinkDeps extends AuditDeps {
  checkpoints: CheckpointStore;
  issuer: GateTokenIssuer;
  publicBaseUrl: string;
}

/**
 * A gate link for one checkpoint of the manager's scope, valid `hours` from now; audited (who made a link for
 * which checkpoint, until when) before it is answered. A deactivated checkpoint gets none: nothing could be
 * recorded there.
 */
export async function makeGateLink(
  deps: GateLinkDeps,
  principal: Principal,
  checkpointId: string,
  hours: number = GATE_LINK_HOURS.default,
): Promise<GateLink> {
  if (!Number.isInteger(hours) || hours < GATE_LINK_HOURS.min || hours > GATE_LINK_HOURS.max) {
    throw new ValidationError([
      {
        path: 'hours',
        message: `A whole number of hours from ${GATE_LINK_HOURS.min} to ${GATE_LINK_HOURS.max}`,
      },
    ]);
  }
  const cp = await checkpointInScope(deps.checkpoints, principal, checkpointId, 'makeGateLinks');
  if (!cp.active) {
    throw new ConflictError(
      'checkpoint_inactive',
      'This checkpoint is deactivated: reactivate it before making a gate link',
    );
  }
  // Whole seconds: the token's `exp` is, and the answer says exactly when the link stops working.
  const issuedAt = new Date(Math.floor(deps.clock.now().getTime() / 1000) * 1000);
  const expiresAt = new Date(issuedAt.getTime() + hours * 3_600_000);
  const token = await deps.issuer.issue({
    checkpointId: cp.id,
    unitId: cp.unitId,
    subject: principal.subject,
    issuedAt,
    expiresAt,
  });
  await recordAudit(
    deps,
    principal,
    { unitPath: cp.unitPath },
    { action: 'gate-link.create', target: cp.id, from: issuedAt, to: expiresAt },
  );
  return {
    url: `${deps.publicBaseUrl}/g/${encodeURIComponent(cp.code)}#token=${token}`,
    expiresAt: expiresAt.toISOString(),
    checkpointId: cp.id,
    code: cp.code,
    hours,
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
