/**
 * Where the local weekly run finds the local counting step (src/local/counting.ts) without importing it, so the
 * weekly-run bundles carry no stream client: the counting stand-in registers itself here when a local stack starts.
 */
let countNow: (() => Promise<unknown>) | undefined;

export function registerLocalCounting(count: (() => Promise<unknown>) | undefined): void {
  countNow = count;
}

/** Counts what the local stack's stream holds, when a local stack runs in this process. */
export function countPendingCheckins(): Promise<unknown> {
  return countNow ? countNow() : Promise.resolve();
}
