import { randomUUID } from 'node:crypto';
import { assertAllowed, type Permission } from './access.ts';
import { newCode } from './codes.ts';
import { CheckpointNotFoundError, ConflictError, NotFoundError, ValidationError } from './errors.ts';
import type { Checkpoint, CheckpointKind, CheckpointRef, Page, Principal, Unit } from './model.ts';
import { canonicalName, followsRule } from './naming.ts';
import type { CheckpointEdit, CheckpointFilter, CheckpointStore, UnitStore } from './ports.ts';
import type { Clock } from './time.ts';
import { subtreeUnits, unitInScope } from './units.ts';

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
  input: NewCheckpoint & { createdAt?: string; id?: string },
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
    // An import job names its rows' checkpoints, so a row done before is found again, not stored twice.
    id: input.id ?? randomUUID(),
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
    if (result.status === 'ref-exists' || result.status === 'id-exists') {
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

/** What `PATCH /v1/checkpoints/{id}` may change. `ref` is the registrant's key for idempotent imports: not edited. */
export interface CheckpointPatch {
  kind?: CheckpointKind;
  placeName?: string;
  address?: string;
  /** A name of the editor's own: kept, and flagged when it breaks the rule. */
  name?: string;
  /** Rename the checkpoint to what the province's rule makes of its fields. */
  applyNamingRule?: boolean;
}

export interface EditDeps {
  units: UnitStore;
  checkpoints: CheckpointStore;
  publicBaseUrl: string;
  namingRule: string;
}

/**
 * The checkpoint's fields after a patch, and its name: the rule's when asked (`applyNamingRule`), the one sent
 * along when there is one, otherwise the rule's again for a checkpoint that followed it (its name follows its
 * fields) and the old one for a checkpoint that did not (still flagged, with the rule's name beside it).
 */
export function editOf(
  rule: string,
  cp: Checkpoint,
  unitName: string,
  patch: CheckpointPatch,
): CheckpointEdit {
  const fields = {
    kind: patch.kind ?? cp.kind,
    placeName: patch.placeName?.trim() || cp.placeName,
    address: patch.address?.trim() || cp.address,
  };
  const canonical = canonicalName(rule, { ...fields, unitName });
  const name = patch.applyNamingRule
    ? canonical
    : patch.name?.trim() || (cp.followsNamingRule ? canonical : cp.name);
  return { ...fields, name, canonicalName: canonical, followsNamingRule: followsRule(name, canonical) };
}

/** Tries again when a code rotation raced the edit (both write the code item): a rotation is rare and quick. */
const EDIT_ATTEMPTS = 3;

/**
 * Edits a checkpoint the caller may manage: its kind, place and address, its name (or the rule's name). The check-in
 * page shows the new name at once (the code item is written in the same transaction); the next weekly report
 * counts it by what it is now.
 */
export async function editCheckpoint(
  deps: EditDeps,
  principal: Principal,
  checkpointId: string,
  patch: CheckpointPatch,
): Promise<CheckpointView> {
  for (let attempt = 0; attempt < EDIT_ATTEMPTS; attempt++) {
    const cp = await checkpointInScope(deps.checkpoints, principal, checkpointId, 'manageCheckpoints');
    const unitName = (await deps.units.getUnit(cp.unitId))?.name ?? cp.unitName;
    const edited = await deps.checkpoints.editCheckpoint(
      cp.id,
      cp.code,
      editOf(deps.namingRule, cp, unitName, patch),
    );
    if (edited === undefined) throw new NotFoundError('unknown_checkpoint', 'No checkpoint has this id');
    if (edited !== 'code-changed') return toView(edited, deps.publicBaseUrl);
  }
  throw new ConflictError(
    'checkpoint_busy',
    'The checkpoint changed while it was edited: send the edit again',
  );
}

/** What a bulk rename did; `done: false` when time ran out first (send the request again: it goes on). */
export interface NamingFix {
  renamed: number;
  done: boolean;
}

/** Checkpoints renamed at once: each rename is its own small transaction. */
const RENAMES_IN_FLIGHT = 8;

/**
 * Renames every checkpoint of a unit (and, with `subtree`, of every unit below it) whose name breaks the rule to
 * the rule's name. Idempotent and resumable: what is renamed no longer breaks the rule, so a request that ran out
 * of time (`done: false`) is simply sent again.
 */
export async function applyNamingRule(
  deps: EditDeps & { timeLeft: () => boolean },
  principal: Principal,
  unitId: string,
  options: { subtree: boolean },
): Promise<NamingFix> {
  const root = await unitInScope(deps.units, principal, unitId, 'manageCheckpoints');
  const units = options.subtree ? await subtreeUnits(deps.units, root) : [root];
  let renamed = 0;
  let skipped = 0;
  for (const unit of units) {
    const batch: Checkpoint[] = [];
    const flush = async () => {
      const results = await Promise.all(
        batch.map((cp) =>
          deps.checkpoints.editCheckpoint(
            cp.id,
            cp.code,
            editOf(deps.namingRule, cp, unit.name, { applyNamingRule: true }),
          ),
        ),
      );
      for (const result of results) {
        if (result && result !== 'code-changed') renamed++;
        else skipped++;
      }
      batch.length = 0;
    };
    for await (const cp of eachCheckpoint(deps.checkpoints, unit.id, {
      pageSize: 100,
      filter: { followsNamingRule: false },
    })) {
      if (cp.followsNamingRule) continue;
      if (!deps.timeLeft()) {
        await flush();
        return { renamed, done: false };
      }
      batch.push(cp);
      if (batch.length >= RENAMES_IN_FLIGHT) await flush();
    }
    await flush();
  }
  // A checkpoint whose code was rotated meanwhile was left as it was: the next request renames it.
  return { renamed, done: skipped === 0 };
}
