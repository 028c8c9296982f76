import { beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointByCode,
  deactivateCheckpoint,
  reactivateCheckpoint,
  registerCheckpoint,
  rotateCheckpointCode,
} from '../../src/core/checkpoints.ts';
import type { Principal, Unit } from '../../src/core/model.ts';
import { fixedClock } from '../../src/core/time.ts';
import { MemoryRegistry } from './fakes.ts';

/** A checkpoint's life: closed, its code no use for a new poster; opened again with the code it had. */

const QUANG_HA: Unit = {
  id: 'quang-ha',
  name: 'Thị trấn Quảng Hà',
  kind: 'commune',
  parentId: 'hai-ha',
  path: ['quang-ninh', 'hai-ha', 'quang-ha'],
  createdAt: '2021-01-01T00:00:00.000Z',
};
const as = (role: Principal['role'], unitId: string): Principal => ({ subject: 's', role, unitId });
const ADMIN = as('admin', 'quang-ninh');

let registry: MemoryRegistry;
let deps: { checkpoints: MemoryRegistry; publicBaseUrl: string };
let id: string;
let code: string;

beforeEach(async () => {
  registry = new MemoryRegistry();
  deps = { checkpoints: registry, publicBaseUrl: 'https://vaora.example' };
  const { checkpoint } = await registerCheckpoint(
    {
      units: registry,
      checkpoints: registry,
      clock: fixedClock('2022-01-10T02:00:00Z'),
      publicBaseUrl: deps.publicBaseUrl,
      namingRule: '{kind} - {placeName} - {address}',
    },
    QUANG_HA,
    { kind: 'market', placeName: 'Chợ Quảng Hà', address: 'Khu 1' },
  );
  ({ id, code } = checkpoint);
});

describe('a deactivated checkpoint', () => {
  it('gets no new code: 409 checkpoint_inactive, and its code stays as it was', async () => {
    await deactivateCheckpoint(deps, ADMIN, id);
    await expect(rotateCheckpointCode(deps, ADMIN, id)).rejects.toMatchObject({
      status: 409,
      code: 'checkpoint_inactive',
    });
    expect(registry.checkpoints.get(id)).toMatchObject({ code, active: false });
  });

  it('is found by its code as closed', async () => {
    await deactivateCheckpoint(deps, ADMIN, id);
    expect(await checkpointByCode(registry, code)).toMatchObject({ id, active: false });
  });
});

describe('reactivating a checkpoint', () => {
  it('opens it again with the code it had, found by that code as open', async () => {
    await deactivateCheckpoint(deps, ADMIN, id);
    const view = await reactivateCheckpoint(deps, ADMIN, id);
    expect(view).toMatchObject({ id, code, active: true, qrUrl: `https://vaora.example/c/${code}` });
    expect(await checkpointByCode(registry, code)).toMatchObject({ id, active: true });
  });

  it('is idempotent: an open checkpoint stays open, unchanged', async () => {
    const first = await reactivateCheckpoint(deps, ADMIN, id);
    const again = await reactivateCheckpoint(deps, ADMIN, id);
    expect(again).toEqual(first);
    expect(again.active).toBe(true);
  });

  it('lets a code be rotated again once it is open', async () => {
    await deactivateCheckpoint(deps, ADMIN, id);
    await reactivateCheckpoint(deps, ADMIN, id);
    const rotated = await rotateCheckpointCode(deps, ADMIN, id);
    expect(rotated.code).not.toBe(code);
    expect(rotated.active).toBe(true);
  });

  it.each([
    ['an admin of the province', as('admin', 'quang-ninh')],
    ['a unit manager of the district above', as('unit-manager', 'hai-ha')],
    ['a unit manager of the checkpoint’s unit', as('unit-manager', 'quang-ha')],
  ])('is allowed to %s, as deactivating is', async (_, principal) => {
    await deactivateCheckpoint(deps, principal, id);
    expect((await reactivateCheckpoint(deps, principal, id)).active).toBe(true);
  });

  it.each([
    ['a tracer of the province', as('tracer', 'quang-ninh')],
    ['a unit manager of another commune', as('unit-manager', 'quang-duc')],
  ])('is refused to %s with 403, and the checkpoint stays closed', async (_, principal) => {
    await deactivateCheckpoint(deps, ADMIN, id);
    await expect(reactivateCheckpoint(deps, principal, id)).rejects.toMatchObject({ status: 403 });
    expect(registry.checkpoints.get(id)?.active).toBe(false);
  });

  it('answers 404 unknown_checkpoint for an id no checkpoint has', async () => {
    await expect(
      reactivateCheckpoint(deps, ADMIN, '0b7e6c1a-5d2f-4c3b-9a8e-7f6d5c4b3a21'),
    ).rejects.toMatchObject({ status: 404, code: 'unknown_checkpoint' });
  });
});
