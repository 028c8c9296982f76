import type { Readable } from 'node:stream';
import { posterKeys } from '../keys.ts';
import { eachCheckpoint } from './checkpoints.ts';
import { ConflictError } from './errors.ts';
import type { Checkpoint, Principal } from './model.ts';
import type { CheckpointStore, LinkSigner, ReportStore, UnitStore } from './ports.ts';
import type { Clock } from './time.ts';
import { subtreeUnits, unitInScope } from './units.ts';

/** Checkpoints per listing page while a unit's posters are rendered. */
export const POSTER_PAGE_SIZE = 100;

/** Renders checkpoints as one PDF stream; `onPage` counts the pages as they are drawn (src/render/poster.ts). */
export type RenderPosters = (
  checkpoints: AsyncIterable<Checkpoint>,
  options: { copies: number; title: string; onPage: (pages: number) => void },
) => Readable;

export interface UnitPostersDeps {
  units: UnitStore;
  checkpoints: CheckpointStore;
  /** The reports bucket: posters are stored under their own prefix (src/keys.ts posterKeys). */
  files: ReportStore;
  signer: LinkSigner;
  clock: Clock;
  render: RenderPosters;
  provinceId: string;
  linkTtlSeconds: number;
}

export interface UnitPosters {
  url: string;
  expiresAt: string;
  /** Active checkpoints rendered. */
  checkpoints: number;
  pages: number;
}

/** Every active checkpoint of a unit, page by page from the store: never the whole list at once. */
export async function* activeCheckpoints(
  store: CheckpointStore,
  unitId: string,
  pageSize = POSTER_PAGE_SIZE,
): AsyncGenerator<Checkpoint> {
  for await (const checkpoint of eachCheckpoint(store, unitId, { pageSize, filter: { active: true } })) {
    // Checked here too: a store may page before it filters.
    if (checkpoint.active) yield checkpoint;
  }
}

/**
 * The posters of every active checkpoint of a unit, `copies` pages each, as one PDF streamed into storage while
 * it is drawn (a multipart upload: the file is never whole in memory), answered with a short-lived link.
 * With `subtree`, the checkpoints of every unit below it too. Nothing active to print: 409, and nothing is stored.
 */
export async function createUnitPosters(
  deps: UnitPostersDeps,
  principal: Principal,
  unitId: string,
  copies: number,
  options: { subtree?: boolean } = {},
): Promise<UnitPosters> {
  const unit = await unitInScope(deps.units, principal, unitId, 'manageCheckpoints');
  // A district prints its communes' posters too: the unit's own first, then each unit below it, level by level.
  const units = options.subtree ? await subtreeUnits(deps.units, unit) : [unit];
  const source = (async function* () {
    for (const each of units) yield* activeCheckpoints(deps.checkpoints, each.id);
  })();
  const first = await source.next();
  if (first.done) {
    throw new ConflictError('no_active_checkpoints', `Unit ${unit.id} has no active checkpoint to print`);
  }
  let checkpoints = 0;
  let pages = 0;
  async function* counted(): AsyncGenerator<Checkpoint> {
    checkpoints++;
    yield first.value as Checkpoint;
    for await (const checkpoint of source) {
      checkpoints++;
      yield checkpoint;
    }
  }
  const key = posterKeys.file(deps.provinceId, unit.id, deps.clock.now());
  const body = deps.render(counted(), {
    copies,
    title: `Poster điểm kiểm soát — ${unit.name}`,
    onPage: (n) => {
      pages = n;
    },
  });
  await deps.files.put(key, body, 'application/pdf');
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  const signedAt = deps.clock.now();
  const url = await deps.signer.signGet(key, deps.linkTtlSeconds, fileName);
  const expiresAt = new Date(signedAt.getTime() + deps.linkTtlSeconds * 1000).toISOString();
  return { url, expiresAt, checkpoints, pages };
}
