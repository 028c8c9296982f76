import { randomUUID } from 'node:crypto';
import { assertAllowed, type Permission } from './access.ts';
import { newCode } from './codes.ts';
import { CheckpointNotFoundError, ConflictError, NotFoundError, ValidationError } from './errors.ts';
import type { Checkpoint, CheckpointKind, CheckpointRef, Page, Principal, Unit } from './model.ts';
import { canonicalName, followsRule } from './naming.ts';
import type { CheckpointFilter, CheckpointStore, UnitStore } from './ports.ts';
import type { Clock } from './time.ts';
import { unitInScope } from './units.ts';

export interface NewCheckpoint {
  kind: CheckpointKind;
  placeName: string;
  address: string;
  name?: string;
  ref?: string;
}

/** The public view of a checkpoint, as the API returns it. */
export type CheckpointView = Omit<Checkpoint, 'unitName' | 'unitPath' | 'canonicalName'> & {
  qrUrl: string;
  /** Present when the name breaks the rule: what the rule would call it. */
  canonicalName?: string;
};

/** The URL in the QR: a plain phone camera opens the check-in page for this code. */
export function checkinUrl(publicBaseUrl: string, code: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/c/${code}`;
}

export function toView(cp: Checkpoint, publicBaseUrl: string): CheckpointView {
  const { id, code, name, kind, placeName, address, ref, unitId, createdAt, active, followsNamingRule } = cp;
  return {
    id,
    code,
    name,
    kind,
    placeName,
    address,
    ...(ref ? { ref } : {}),
    unitId,
    createdAt,
    active,
    qrUrl: checkinUrl(publicBaseUrl, code),
    followsNamingRule,
    ...(followsNamingRule ? {} : { canonicalName: cp.canonicalName }),
  };
}

const CODE_ATTEMPTS = 5;

export interface RegistrationDeps {
  units: UnitStore;
  checkpoints: CheckpointStore;
  clock: Clock;
  publicBaseUrl: string;
  namingRule: string;
}

export interface Registered {
  /** false when a checkpoint with this ref was already registered at the unit: nothing new was stored. */
  created: boolean;
  checkpoint: CheckpointView;
}

/**
 * Registers a checkpoint at a unit the caller may manage. Its name is the province's rule applied to the
 * fields; a name sent along is kept and flagged when it breaks the rule. A `ref` already registered at the
 * unit answers the existing checkpoint, so a retried or re-uploaded registration stores nothing twice.
 * `createdAt` may be carried for a checkpoint registered earlier in another system, never in the future.
 */
export async function registerCheckpoint(
  deps: RegistrationDeps,
  unit: Unit,
  input: NewCheckpoint & { createdAt?: string },
): Promise<Registered> {
  const now = deps.clock.now();
  if (input.createdAt && Date.parse(input.createdAt) > now.getTime()) {
    throw new ValidationError([
      { path: 'createdAt', message: 'A checkpoint cannot be registered in the future' },
    ]);
  }
  const fields = {
    kind: input.kind,
    placeName: input.placeName,
    address: input.address,
    unitName: unit.name,
  };
  const canonical = canonicalName(deps.namingRule, fields);
  const name = input.name?.trim() || canonical;
  const base = {
    id: randomUUID(),
    name,
    kind: input.kind,
    placeName: input.placeName.trim(),
    address: input.address.trim(),
    ...(input.ref ? { ref: input.ref.trim() } : {}),
    unitId: unit.id,
    unitName: unit.name,
    unitPath: unit.path,
    active: true,
    createdAt: input.createdAt ? new Date(input.createdAt).toISOString() : now.toISOString(),
    canonicalName: canonical,
    followsNamingRule: followsRule(name, canonical),
  };
  // A collision among 2.8 × 10^11 codes is rare; the store's conditional write catches it and we draw again.
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
    const checkpoint: Checkpoint = { ...base, code: newCode() };
    const result = await deps.checkpoints.createCheckpoint(checkpoint);
    if (result.status === 'created')
      return { created: true, checkpoint: toView(checkpoint, deps.publicBaseUrl) };
    if (result.status === 'ref-exists') {
      return { created: false, checkpoint: toView(result.existing, deps.publicBaseUrl) };
    }
  }
  throw new Error('Could not draw a free checkpoint code');
}

export async function createCheckpoint(
  deps: RegistrationDeps,
  principal: Principal,
  unitId: string,
  input: NewCheckpoint & { createdAt?: string },
): Promise<Registered> {
  const unit = await unitInScope(deps.units, principal, unitId, 'manageCheckpoints');
  return registerCheckpoint(deps, unit, input);
}

export async function listCheckpoints(
  deps: { units: UnitStore; checkpoints: CheckpointStore; publicBaseUrl: string },
  principal: Principal,
  unitId: string,
  page: { limit: number; nextToken?: string },
  filter: CheckpointFilter = {},
): Promise<Page<CheckpointView>> {
  await unitInScope(deps.units, principal, unitId, 'viewRegistry');
  const result = await deps.checkpoints.listCheckpoints(unitId, page, filter);
  return {
    items: result.items.map((cp) => toView(cp, deps.publicBaseUrl)),
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  };
}

/**
 * What the check-in page shows before a person confirms. Public: only what the poster already says. A closed
 * checkpoint is found (`active: false`), so its page can say it is closed rather than that its code is wrong;
 * a check-in refuses it (recordCheckin).
 */
export async function checkpointByCode(
  checkpoints: Pick<CheckpointStore, 'getByCode'>,
  code: string | undefined,
): Promise<CheckpointRef> {
  const found = code ? await checkpoints.getByCode(code) : undefined;
  if (!found) throw new CheckpointNotFoundError();
  return found;
}

/** A checkpoint a staff member may see (for its QR, its poster). */
export async function checkpointInScope(
  checkpoints: CheckpointStore,
  principal: Principal,
  checkpointId: string,
  permission: Permission = 'viewRegistry',
): Promise<Checkpoint> {
  const cp = await checkpoints.getCheckpoint(checkpointId);
  if (!cp) throw new NotFoundError('unknown_checkpoint', 'No checkpoint has this id');
  assertAllowed(principal, permission, cp.unitPath);
  return cp;
}

/**
 * A new printed code: posters with the old one stop working (unknown_checkpoint) at once. A deactivated
 * checkpoint gets none (409 checkpoint_inactive): a code that no check-in would accept is no use on a poster.
 */
export async function rotateCheckpointCode(
  deps: { checkpoints: CheckpointStore; publicBaseUrl: string },
  principal: Principal,
  checkpointId: string,
): Promise<CheckpointView> {
  const cp = await checkpointInScope(deps.checkpoints, principal, checkpointId, 'manageCheckpoints');
  if (!cp.active) throw inactive();
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
    const rotated = await deps.checkpoints.rotateCode(cp.id, newCode());
    if (rotated === undefined) throw new NotFoundError('unknown_checkpoint', 'No checkpoint has this id');
    if (rotated === 'inactive') throw inactive(); // deactivated while we drew its new code
    if (rotated !== 'code-taken') return toView(rotated, deps.publicBaseUrl);
  }
  throw new Error('Could not draw a free checkpoint code');
}

/**
 * Closes a checkpoint: a check-in with its code answers unknown_checkpoint, its page says it is closed; its history
 * stays in the reports. Idempotent.
 */
export async function deactivateCheckpoint(
  deps: { checkpoints: CheckpointStore; publicBaseUrl: string },
  principal: Principal,
  checkpointId: string,
): Promise<CheckpointView> {
  const cp = await checkpointInScope(deps.checkpoints, principal, checkpointId, 'manageCheckpoints');
  const off = cp.active ? await deps.checkpoints.deactivate(cp.id) : cp;
  if (!off) throw new NotFoundError('unknown_checkpoint', 'No checkpoint has this id');
  return toView(off, deps.publicBaseUrl);
}

/**
 * Opens a deactivated checkpoint again, with the code it had: check-ins with it are accepted and its page shows it
 * open. The same permission as closing it. Idempotent.
 */
export async function reactivateCheckpoint(
  deps: { checkpoints: CheckpointStore; publicBaseUrl: string },
  principal: Principal,
  checkpointId: string,
): Promise<CheckpointView> {
  const cp = await checkpointInScope(deps.checkpoints, principal, checkpointId, 'manageCheckpoints');
  const on = cp.active ? cp : await deps.checkpoints.reactivate(cp.id);
  if (!on) throw new NotFoundError('unknown_checkpoint', 'No checkpoint has this id');
  return toView(on, deps.publicBaseUrl);
}

function inactive(): ConflictError {
  return new ConflictError(
    'checkpoint_inactive',
    'This checkpoint is deactivated: reactivate it before giving it a new code',
  );
}

/** Every checkpoint of a unit (that passes `filter`), page by page from the store: never the whole list at once. */
export async function* eachCheckpoint(
  store: CheckpointStore,
  unitId: string,
  options: { pageSize: number; filter?: CheckpointFilter },
): AsyncGenerator<Checkpoint> {
  let nextToken: string | undefined;
  do {
    const page = await store.listCheckpoints(
      unitId,
      { limit: options.pageSize, ...(nextToken ? { nextToken } : {}) },
      options.filter,
    );
    yield* page.items;
    nextToken = page.nextToken;
  } while (nextToken);
}
