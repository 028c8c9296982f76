import { ForbiddenError } from './errors.ts';
import type { Principal, Role } from './model.ts';

/** What each role may do. A token reaches its unit and every unit below it. */
export const PERMISSIONS = {
  manageUnits: ['admin'],
  manageCheckpoints: ['admin', 'unit-manager'],
  viewRegistry: ['admin', 'unit-manager', 'tracer'],
  /** Record check-ins for people at a gate (assisted, personal cards). */
  assistCheckins: ['admin', 'unit-manager'],
  /** Make a gate link: a shift-long token for one checkpoint's tablet (src/core/gate-links.ts). */
  makeGateLinks: ['admin', 'unit-manager'],
  runReports: ['admin'],
  viewReports: ['admin', 'unit-manager'],
  /** Open cases and query who was where (contact tracing), within a case. */
  trace: ['admin', 'tracer'],
  /** Read the audit trail of tracing. */
  readAudit: ['admin'],
  /** Pause and resume the sending of every exposure alert of the province (the kill switch). */
  pauseAlerts: ['admin'],
  /** Create, list and disable staff accounts (src/core/users.ts). */
  manageUsers: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function assertAllowed(
  principal: Principal,
  permission: Permission,
  unitPath: readonly string[],
): void {
  const roles: readonly Role[] = PERMISSIONS[permission];
  if (!roles.includes(principal.role)) {
    throw new ForbiddenError(`The ${principal.role} role cannot do this`);
  }
  if (!unitPath.includes(principal.unitId)) {
    throw new ForbiddenError('This unit is outside the token’s scope');
  }
}
