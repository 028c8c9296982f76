import { PERMISSIONS, type Permission } from './access.ts';
import type { Principal, Unit } from './model.ts';
import type { UnitStore } from './ports.ts';

/** What `GET /v1/me` answers: who the token is, where it reaches, and what it may do there. */
export interface Me {
  subject: string;
  role: Principal['role'];
  unitId: string;
  /** The token's unit, with the units above it (root first): null when no such unit is registered (yet). */
  unit: (Pick<Unit, 'id' | 'name' | 'kind'> & { path: { id: string; name: string }[] }) | null;
  /** What the role may do, in its unit and everything below it (src/core/access.ts PERMISSIONS). */
  permissions: Permission[];
}

export async function describeMe(units: Pick<UnitStore, 'getUnit'>, principal: Principal): Promise<Me> {
  const permissions = (Object.keys(PERMISSIONS) as Permission[]).filter((p) =>
    (PERMISSIONS[p] as readonly string[]).includes(principal.role),
  );
  const unit = await units.getUnit(principal.unitId);
  const base = { subject: principal.subject, role: principal.role, unitId: principal.unitId, permissions };
  if (!unit) return { ...base, unit: null };
  const above = await Promise.all(unit.path.slice(0, -1).map((id) => units.getUnit(id)));
  const path = [
    ...above.map((u, i) => ({ id: unit.path[i]!, name: u?.name ?? unit.path[i]! })),
    { id: unit.id, name: unit.name },
  ];
  return { ...base, unit: { id: unit.id, name: unit.name, kind: unit.kind, path } };
}
