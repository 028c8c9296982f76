/**
 * The offline queue both pages use: check-ins kept in localStorage until the server has them. Every check-in gets
 * its id and its time on the device when tapped, so a queued one is stored with the time it happened, and sending
 * it twice (a lost answer, two tabs, a retry) stores it once.
 */
import { MAX_BATCH_CHECKINS } from '../../src/core/limits.ts';
import type { ApiError, ItemResult } from './api.ts';
import { load, save } from './dom.ts';

/** What every queued item has: its own id (the server's idempotency key). */
export interface Queued {
  id: string;
}

/** Thrown (rejected) by a sender when staff must act (a token expired): the items stay, `held` says why. */
export interface Held {
  held: string;
}

export interface OutboxEvents<T> {
  /** The number of items waiting changed. */
  change(n: number): void;
  /** The server stored it (or had it already). */
  sent(item: T): void;
  /** The server refused it for a reason of its own: it leaves the queue. */
  rejected(item: T, error: ApiError): void;
  /** Sending is held until staff act (`text`), or no longer (`''`). */
  held(text: string): void;
}

export interface Outbox<T> {
  items(): T[];
  /** false when the device would not store it (storage full or disabled): the caller must say it is lost. */
  add(item: T): boolean;
  /** Sends what waits, MAX_BATCH_CHECKINS at a time; never two flushes at once. */
  flush(): Promise<void>;
}

/**
 * Check-ins waiting on the device, in localStorage under `key`. `send(items)` resolves the server's per-item
 * results, or rejects (a Held when staff must act; anything else when the network or the server failed: try again
 * later). Created and duplicate items leave; items refused for a reason of their own leave with a notice; items the
 * server failed to store (internal_error) stay.
 */
export function outbox<T extends Queued>(
  key: string,
  send: (items: T[]) => Promise<ItemResult[]>,
  on: OutboxEvents<T>,
): Outbox<T> {
  let busy = false;
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let wait = 0;
  const items = () => load<T[]>(key, []);

  function drop(done: Record<string, true>): void {
    const left = items().filter((it) => !done[it.id]);
    save(key, left);
    on.change(left.length);
  }

  function later(): void {
    clearTimeout(timer);
    // Soon, then less often: a phone with signal but no data (the usual gate) never fires 'online'.
    if (items().length) timer = setTimeout(flush, wait || 5000);
  }

  /** Each item once per flush: what the server failed to store waits for the next. */
  function round(tried: Record<string, true>): Promise<void> {
    const chunk = items()
      .filter((it) => !tried[it.id])
      .slice(0, MAX_BATCH_CHECKINS);
    if (!chunk.length) return Promise.resolve();
    for (const it of chunk) tried[it.id] = true;
    return send(chunk).then((results) => {
      const done: Record<string, true> = {};
      for (const r of results) {
        const item = chunk[r.index];
        if (!item) continue;
        if (r.status === 'created' || r.status === 'duplicate') {
          done[item.id] = true;
          on.sent(item);
        } else if (r.error?.code !== 'internal_error') {
          done[item.id] = true;
          on.rejected(item, r.error || {});
        }
      }
      drop(done);
      return round(tried);
    });
  }

  function flush(): Promise<void> {
    if (busy || !items().length || navigator.onLine === false) return Promise.resolve();
    busy = true;
    clearTimeout(timer);
    return round({})
      .then(
        () => {
          wait = 0;
          on.held('');
        },
        (err: Partial<Held> | undefined) => {
          wait = Math.min(wait ? wait * 2 : 5000, 60_000);
          if (err?.held) on.held(err.held);
        },
      )
      .then(() => {
        busy = false;
        later();
      });
  }

  function add(item: T): boolean {
    const list = items();
    list.push(item);
    if (!save(key, list)) return false;
    on.change(list.length);
    later();
    return true;
  }

  window.addEventListener('online', () => flush());
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) flush();
  });
  on.change(items().length);
  return { items, add, flush };
}
