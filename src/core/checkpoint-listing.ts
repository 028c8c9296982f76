import { type CheckpointView, toView } from './checkpoints.ts';
import { ValidationError } from './errors.ts';
import type { Page, Principal, Unit } from './model.ts';
import type { ActivityStore, CheckpointFilter, CheckpointStore, UnitStore } from './ports.ts';
import { addDays, type Clock, localDay } from './time.ts';
import { subtreeUnits, unitInScope } from './units.ts';

/**
 * Listings the staff console needs beyond one unit's own checkpoints: a whole subtree, and idle checkpoints. Apart
 * from src/core/checkpoints.ts so the check-in path's bundle carries no date library.
 */
/** Days a checkpoint must have gone without a check-in to count as idle this week: today and the six before. */
export const IDLE_DAYS = 7;

export interface WideListing {
  /** Also every unit below the unit (a district lists its communes' checkpoints). */
  subtree?: boolean;
  /** Only checkpoints without (true) or with (false) a check-in in the last IDLE_DAYS local days, today included. */
  idle?: boolean;
}

/** Store pages one listing page may read before it answers what it found, with a token to go on. */
export const WIDE_LISTING_READS = 24;

/**
 * A unit's checkpoints, and with `subtree` every unit's below it (the unit first, then level by level), filtered as
 * `listCheckpoints` is and, with `idle`, by whether they had a check-in this week. Paged across units: the token
 * names the unit the next page starts in and where in it. A page asks the store for no more than it still needs,
 * so it never has to cut a store page short; it may hold fewer than `limit` (with a token) when its reads ran out.
 */
export async function listCheckpointsWide(
  deps: {
    units: UnitStore;
    checkpoints: CheckpointStore;
    activity: Pick<ActivityStore, 'lastActiveDays'>;
    clock: Clock;
    publicBaseUrl: string;
  },
  principal: Principal,
  unitId: string,
  page: { limit: number; nextToken?: string },
  filter: CheckpointFilter,
  wide: WideListing,
): Promise<Page<CheckpointView & { unitName: string }>> {
  const root = await unitInScope(deps.units, principal, unitId, 'viewRegistry');
  const units = wide.subtree ? await subtreeUnits(deps.units, root) : [root];
  const position = decodeWideToken(page.nextToken, units);
  const today = localDay(deps.clock.now());
  const since = addDays(today, 1 - IDLE_DAYS);
  const items: (CheckpointView & { unitName: string })[] = [];
  let at = position.unit;
  let storeToken = position.token;
  for (let reads = 0; at < units.length; reads++) {
    const wanted = page.limit - items.length;
    if (wanted === 0 || reads >= WIDE_LISTING_READS) {
      return { items, nextToken: encodeWideToken(units[at]!.id, storeToken) };
    }
    const unit = units[at]!;
    const found = await deps.checkpoints.listCheckpoints(
      unit.id,
      { limit: wanted, ...(storeToken ? { nextToken: storeToken } : {}) },
      filter,
    );
    let kept = found.items;
    if (wide.idle !== undefined && kept.length > 0) {
      const last = await deps.activity.lastActiveDays(
        kept.map((cp) => cp.id),
        addDays(today, 1),
      );
      kept = kept.filter((cp) => {
        const day = last.get(cp.id);
        return (day === undefined || day < since) === wide.idle;
      });
    }
    items.push(...kept.map((cp) => ({ ...toView(cp, deps.publicBaseUrl), unitName: unit.name })));
    storeToken = found.nextToken;
    if (!storeToken) at++;
  }
  return { items };
}

/** `{"u": unit id, "t"?: the store's token within it}`, base64url: opaque to clients, checked when it comes back. */
function encodeWideToken(unitId: string, token: string | undefined): string {
  return Buffer.from(JSON.stringify({ u: unitId, ...(token ? { t: token } : {}) })).toString('base64url');
}

function decodeWideToken(
  token: string | undefined,
  units: readonly Unit[],
): { unit: number; token?: string } {
  if (!token) return { unit: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const { u, t } = (parsed && typeof parsed === 'object' ? parsed : {}) as { u?: unknown; t?: unknown };
  const unit = units.findIndex((x) => x.id === u);
  if (unit < 0 || (t !== undefined && typeof t !== 'string')) {
    throw new ValidationError([{ path: 'nextToken', message: 'Not a token this API returned' }]);
  }
  return { unit, ...(typeof t === 'string' ? { token: t } : {}) };
}
