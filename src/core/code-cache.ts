import type { CheckpointRef } from './model.ts';
import type { CheckpointStore } from './ports.ts';
import type { Clock } from './time.ts';

/**
 * How long a check-in server trusts what it read for a code: a rotated or deactivated code stops taking check-ins
 * at most this long after the change (the page and GET /v1/checkpoints/by-code see it at once). A gate's rush then
 * reads its code once a minute per container, not once per check-in.
 */
export const CODE_CACHE_TTL_MS = 60_000;

/** Codes remembered at once per container: beyond this, the oldest go (a flood of codes cannot grow memory). */
const MAX_CODES = 10_000;

/**
 * The check-in path's code look-ups, remembered for CODE_CACHE_TTL_MS: codes of active checkpoints only. An unknown
 * code is read again each time (a new code works at once, guessed codes fill nothing), and so is a closed
 * checkpoint's (reopened, it takes check-ins at once; a closed one sees few).
 */
export class CodeCache implements Pick<CheckpointStore, 'getByCode'> {
  private readonly found = new Map<string, { checkpoint: CheckpointRef; until: number }>();

  constructor(
    private readonly store: Pick<CheckpointStore, 'getByCode'>,
    private readonly clock: Clock,
    private readonly ttlMs = CODE_CACHE_TTL_MS,
  ) {}

  async getByCode(code: string): Promise<CheckpointRef | undefined> {
    const now = this.clock.now().getTime();
    const hit = this.found.get(code);
    if (hit && hit.until > now) return hit.checkpoint;
    this.found.delete(code);
    const checkpoint = await this.store.getByCode(code);
    if (checkpoint?.active) {
      if (this.found.size >= MAX_CODES) this.found.delete(this.found.keys().next().value!);
      this.found.set(code, { checkpoint, until: now + this.ttlMs });
    }
    return checkpoint;
  }
}
