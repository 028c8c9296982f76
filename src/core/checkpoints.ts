import { randomUUID } from 'node:crypto';
import { assertAllowed } from './access.ts';
import { newCode } from './codes.ts';
import { CheckpointNotFoundError, NotFoundError } from './errors.ts';
import type { Checkpoint, CheckpointKind, CheckpointRef, Page, Principal } from './model.ts';
import type { CheckpointStore, UnitStore } from './ports.ts';
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
export interface CheckpointView {
  id: string;
  code: string;
  name: string;
  kind: CheckpointKind;
  placeName: string;
  address: string;
  ref?: string;
  unitId: string;
  createdAt: string;
  active: boolean;
  qrUrl: string;
}

/** The URL in the QR: a plain phone camera opens the check-in page for this code. */
export function checkinUrl(publicBaseUrl: string, code: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/c/${code}`;
}

export function toView(cp: Checkpoint, publicBaseUrl: string): CheckpointView {
  const { id, code, name, kind, placeName, address, ref, unitId, createdAt, active } = cp;
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
  };
}

/** The canonical name built from the structured fields (the province's naming rule arrives with issue 3). */
export function canonicalName(input: Pick<NewCheckpoint, 'placeName' | 'address'>): string {
  return `${input.placeName.trim()} - ${input.address.trim()}`;
}

const CODE_ATTEMPTS = 5;

export async function createCheckpoint(
  deps: { units: UnitStore; checkpoints: CheckpointStore; clock: Clock; publicBaseUrl: string },
  principal: Principal,
  unitId: string,
  input: NewCheckpoint,
): Promise<CheckpointView> {
  const unit = await unitInScope(deps.units, principal, unitId, 'manageCheckpoints');
  const base = {
    id: randomUUID(),
    name: input.name?.trim() || canonicalName(input),
    kind: input.kind,
    placeName: input.placeName.trim(),
    address: input.address.trim(),
    ...(input.ref ? { ref: input.ref } : {}),
    unitId: unit.id,
    unitName: unit.name,
    unitPath: unit.path,
    active: true,
    createdAt: deps.clock.now().toISOString(),
  };
  // A collision among 2.8 × 10^11 codes is rare; the store's conditional write catches it and we draw again.
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
    const checkpoint: Checkpoint = { ...base, code: newCode() };
    if (await deps.checkpoints.createCheckpoint(checkpoint)) return toView(checkpoint, deps.publicBaseUrl);
  }
  throw new Error('Could not draw a free checkpoint code');
}

export async function listCheckpoints(
  deps: { units: UnitStore; checkpoints: CheckpointStore; publicBaseUrl: string },
  principal: Principal,
  unitId: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<CheckpointView>> {
  await unitInScope(deps.units, principal, unitId, 'viewRegistry');
  const result = await deps.checkpoints.listCheckpoints(unitId, page);
  return {
    items: result.items.map((cp) => toView(cp, deps.publicBaseUrl)),
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  };
}

/** What the check-in page shows before a person confirms. Public: only what the poster already says. */
export async function checkpointByCode(
  checkpoints: CheckpointStore,
  code: string | undefined,
): Promise<CheckpointRef> {
  const found = code ? await checkpoints.getByCode(code) : undefined;
  if (!found?.active) throw new CheckpointNotFoundError();
  return found;
}

/** A checkpoint a staff member may see (for its QR, its poster). */
export async function checkpointInScope(
  checkpoints: CheckpointStore,
  principal: Principal,
  checkpointId: string,
): Promise<Checkpoint> {
  const cp = await checkpoints.getCheckpoint(checkpointId);
  if (!cp) throw new NotFoundError('unknown_checkpoint', 'No checkpoint has this id');
  assertAllowed(principal, 'viewRegistry', cp.unitPath);
  return cp;
}
