import { assertAllowed } from './access.ts';
import { ConflictError, UnitNotFoundError, ValidationError } from './errors.ts';
import type { Principal, Unit, UnitKind } from './model.ts';
import type { UnitStore } from './ports.ts';
import type { Clock } from './time.ts';

export interface NewUnit {
  id: string;
  name: string;
  parentId?: string;
  kind?: UnitKind;
  /** The official administrative code, where one exists. */
  code?: string;
}

export interface UnitWithChildren extends Unit {
  children: Pick<Unit, 'id' | 'name' | 'kind'>[];
}

/** Loads a unit the principal may act on, or fails with 404/403. */
export async function unitInScope(
  units: UnitStore,
  principal: Principal,
  unitId: string,
  permission: Parameters<typeof assertAllowed>[1],
): Promise<Unit> {
  const unit = await units.getUnit(unitId);
  if (!unit) throw new UnitNotFoundError(unitId);
  assertAllowed(principal, permission, unit.path);
  return unit;
}

/**
 * Adds a unit under an existing parent. The one unit without a parent is the province itself: its id is the
 * stack's province id, and only an admin scoped to the province creates it (the first call after a deploy).
 */
export async function createUnit(
  deps: { units: UnitStore; clock: Clock; provinceId: string },
  principal: Principal,
  input: NewUnit,
): Promise<Unit> {
  const createdAt = deps.clock.now().toISOString();
  let unit: Unit;
  if (input.parentId) {
    const parent = await unitInScope(deps.units, principal, input.parentId, 'manageUnits');
    const kind = input.kind ?? 'other';
    unit = {
      id: input.id,
      name: input.name,
      parentId: parent.id,
      kind,
      path: [...parent.path, input.id],
      createdAt,
    };
  } else if (input.id === deps.provinceId) {
    assertAllowed(principal, 'manageUnits', [deps.provinceId]);
    unit = rootUnit(deps.provinceId, input.name, createdAt);
  } else {
    throw new ValidationError([{ path: 'parentId', message: 'Only the province itself has no parent unit' }]);
  }
  if (input.code) unit.code = input.code;
  if (!(await deps.units.createUnit(unit))) {
    throw new ConflictError('unit_exists', `A unit with id ${input.id} already exists`);
  }
  return unit;
}

export async function getUnitWithChildren(
  units: UnitStore,
  principal: Principal,
  unitId: string,
): Promise<UnitWithChildren> {
  const unit = await unitInScope(units, principal, unitId, 'viewRegistry');
  const children = await units.childrenOf(unit.id);
  return { ...unit, children: children.map(({ id, name, kind }) => ({ id, name, kind })) };
}

/** The province's root unit: what `npm start` and the stack bootstrap create first. */
export function rootUnit(provinceId: string, name: string, createdAt: string): Unit {
  return { id: provinceId, name, kind: 'province', path: [provinceId], createdAt };
}
