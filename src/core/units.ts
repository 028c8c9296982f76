import { assertAllowed } from './access.ts';
import { eachCheckpoint } from './checkpoints.ts';
import { ConflictError, UnitNotFoundError, ValidationError } from './errors.ts';
import type { Checkpoint, Principal, Unit, UnitKind } from './model.ts';
import { mapLimit } from './pool.ts';
import type { CheckpointStore, UnitStore } from './ports.ts';
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

/** Children read at once while a subtree is walked: a province's level of communes is thousands of units. */
const CHILDREN_IN_FLIGHT = 16;

/** A unit and every unit below it, level by level (the unit first, then its children, then theirs). */
export async function subtreeUnits(units: UnitStore, root: Unit): Promise<Unit[]> {
  const all: Unit[] = [root];
  let level: Unit[] = [root];
  while (level.length > 0) {
    const children = await mapLimit(level, CHILDREN_IN_FLIGHT, (unit) => units.childrenOf(unit.id));
    level = children.flat().sort((a, b) => a.id.localeCompare(b.id));
    all.push(...level);
  }
  return all;
}

/** What `PATCH /v1/units/{unitId}` may change: the name, kind and code, and the parent (a move). */
export interface UnitPatch {
  name?: string;
  kind?: UnitKind;
  code?: string;
  parentId?: string;
}

export interface EditedUnit extends Unit {
  /**
   * What followed the unit: units below it given their new path, checkpoints their unit's new name or path.
   * `done: false` when time ran out first: send the same request again and it finishes (it repairs what differs).
   */
  followed: { units: number; checkpoints: number; done: boolean };
}

/**
 * Renames or moves a unit the caller may manage. A move goes under another unit of the caller's scope (403
 * otherwise), never under the unit itself or a unit below it (400 naming `parentId`); the province itself does not
 * move. What copies the unit's name or path follows it: the path of every unit below it (a token's scope is read
 * from paths), and its checkpoints' unit name and path (the check-in page shows the name; scope is checked on the
 * path). A request that includes `parentId` walks the whole subtree and mends whatever path differs, so sending it
 * again finishes a move that ran out of time.
 */
export async function editUnit(
  deps: { units: UnitStore; checkpoints: CheckpointStore; timeLeft: () => boolean },
  principal: Principal,
  unitId: string,
  patch: UnitPatch,
): Promise<EditedUnit> {
  const unit = await unitInScope(deps.units, principal, unitId, 'manageUnits');
  let path = unit.path;
  let parentId = unit.parentId;
  if (patch.parentId !== undefined && patch.parentId !== unit.parentId) {
    if (!unit.parentId) {
      throw new ValidationError([{ path: 'parentId', message: 'The province itself has no parent unit' }]);
    }
    const parent = await unitInScope(deps.units, principal, patch.parentId, 'manageUnits');
    if (parent.path.includes(unit.id)) {
      throw new ValidationError([
        { path: 'parentId', message: 'A unit cannot move under itself or a unit below it' },
      ]);
    }
    path = [...parent.path, unit.id];
    parentId = parent.id;
  }
  const edited: Unit = {
    ...unit,
    ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
    ...(patch.kind !== undefined ? { kind: patch.kind } : {}),
    ...(patch.code !== undefined ? { code: patch.code.trim() } : {}),
    ...(parentId ? { parentId } : {}),
    path,
  };
  if (!(await deps.units.updateUnit(edited))) throw new UnitNotFoundError(unitId);
  // A rename reaches the unit's own checkpoints; a move (or a repeated one) every unit and checkpoint below it.
  const scope = patch.parentId !== undefined ? await subtreeUnits(deps.units, edited) : [edited];
  const followed = await followUnits(deps, edited, scope);
  return { ...edited, followed };
}

/** Gives each unit of `scope` (the edited unit first) its path under its parent, and its checkpoints its name and path. */
async function followUnits(
  deps: { units: UnitStore; checkpoints: CheckpointStore; timeLeft: () => boolean },
  edited: Unit,
  scope: readonly Unit[],
): Promise<EditedUnit['followed']> {
  const paths = new Map<string, string[]>([[edited.id, edited.path]]);
  let units = 0;
  let checkpoints = 0;
  for (const stored of scope) {
    const unit =
      stored.id === edited.id ? edited : { ...stored, path: [...paths.get(stored.parentId!)!, stored.id] };
    paths.set(unit.id, unit.path);
    if (!deps.timeLeft()) return { units, checkpoints, done: false };
    if (unit !== edited && !samePath(unit.path, stored.path)) {
      await deps.units.updateUnit(unit);
      units++;
    }
    const stale: Checkpoint[] = [];
    for await (const cp of eachCheckpoint(deps.checkpoints, unit.id, { pageSize: 100 })) {
      if (cp.unitName !== unit.name || !samePath(cp.unitPath, unit.path)) stale.push(cp);
    }
    for (let i = 0; i < stale.length; i += 8) {
      if (!deps.timeLeft()) return { units, checkpoints, done: false };
      const results = await Promise.all(
        stale
          .slice(i, i + 8)
          .map((cp) =>
            deps.checkpoints.setUnitOf(cp.id, cp.code, { unitName: unit.name, unitPath: unit.path }),
          ),
      );
      checkpoints += results.filter((r) => r && r !== 'code-changed').length;
      if (results.some((r) => r === 'code-changed')) return { units, checkpoints, done: false };
    }
  }
  return { units, checkpoints, done: true };
}

const samePath = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, i) => id === b[i]);
