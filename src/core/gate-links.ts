import { type AuditDeps, recordAudit } from './audit.ts';
import { checkpointInScope } from './checkpoints.ts';
import { ConflictError, ValidationError } from './errors.ts';
import { GATE_LINK_HOURS } from './gate-tokens.ts';
import type { Principal } from './model.ts';
import type { CheckpointStore, GateTokenIssuer } from './ports.ts';

/**
 * Gate links: what a unit-manager (or an admin above) hands to the tablet at one checkpoint's gate. The link is the
 * gate page's URL with a gate token in its fragment (`/g/<code>#token=<jwt>`), which the browser never sends. The
 * token lasts a shift (12 hours by default, 1 to 12), names its one checkpoint, and reaches only the gate route of
 * that checkpoint (`POST /v1/gate/checkpoints/{id}/checkins`): a staff token's Cognito session (an hour, renewed
 * inside the console) cannot last a shift on a tablet, and a manager's own token reaches far more than a gate.
 */
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
