import { DateTime } from 'luxon';
import type { Checkin } from './model.ts';
import { localDay, TIME_ZONE } from './time.ts';

/**
 * Visits: the windows contact tracing rests on. An `in` and the next `out` of the same phone at the same
 * checkpoint make a visit. Every rule below errs the way a health official tracing contacts wants: towards
 * covering the time someone might have been there.
 *
 * - A visit never crosses local midnight (Asia/Ho_Chi_Minh): scans are paired within one phone, one checkpoint
 *   and one local day. So a night shift (in 22:00, out 06:00) gives two visits, [22:00, 24:00) and
 *   [00:00, 06:00).
 * - An `in` with no later `out` that local day stays open until the next local midnight (`closed: 'midnight'`).
 * - An `out` with no open visit (someone who came in without scanning) opens its visit at the previous scan of
 *   that phone at that checkpoint that day, or at local midnight if there is none (`opened: 'inferred'`). An
 *   inferred visit of no length (a repeated `out` at the same instant) is dropped: it adds no time.
 * - A second `in` while a visit is open keeps the earlier start: one visit, not two.
 * - A visit carries the most companions any of its scans declared (the opening scan's, or the larger of the
 *   `in`'s and the `out`'s when both carry some); 0 when none did.
 * - Scans at the same instant are taken in the order that pairs them: with a visit open, an `out` closes it
 *   before an `in` opens the next; with none open, an `in` opens before an `out` closes it. So in/out scanned
 *   at once make a visit of no length, never a whole day.
 * - A visit of no length (in and out at the same instant) is an instant of presence: it overlaps a window or
 *   another visit that contains that instant.
 * - Input may be unsorted and mix phones and checkpoints; visits come out sorted by start (then phone hash,
 *   checkpoint). A phone is its keyed hash: one number, one hash, whatever its sealed form on each scan. Give whole local days of scans: a visit that starts at midnight from an `out`, or ends at
 *   midnight after an `in`, is only right when the day's other scans are there.
 *
 * Times are UTC ISO strings, as on check-ins; intervals are half-open, [start, end).
 */

export type VisitOpening = 'in' | 'inferred';
export type VisitClosing = 'out' | 'midnight';

export interface Visit {
  /** The phone's keyed hash: who this is, for pairing and comparing. */
  phoneHash: string;
  /** The number, sealed (one of its scans' copies; all open to it): what a PhoneReader opens for an export. */
  sealedPhone: string;
  checkpointId: string;
  unitId: string;
  /** The local day (YYYY-MM-DD) the whole visit lies in. */
  day: string;
  /** UTC ISO, inclusive. */
  start: string;
  /** UTC ISO, exclusive. */
  end: string;
  opened: VisitOpening;
  closed: VisitClosing;
  /** People who came with the phone's holder. */
  companions: number;
}

/** Where two phones' visits at one checkpoint overlap. */
export interface Contact {
  /** The other phone's keyed hash. */
  phoneHash: string;
  /** The other phone's number, sealed. */
  sealedPhone: string;
  checkpointId: string;
  unitId: string;
  /** The overlap, UTC ISO: [start, end). */
  start: string;
  end: string;
  /** Length of the overlap in whole minutes, rounded up (a 20-second overlap is 1; an instant is 0). */
  minutes: number;
  /** The other phone's companions on that visit: people exposed without a phone of their own. */
  companions: number;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

interface OpenVisit {
  start: string;
  opened: VisitOpening;
  companions: number;
}

export function visitsOf(checkins: readonly Checkin[]): Visit[] {
  const groups = new Map<string, Checkin[]>();
  for (const c of checkins) {
    const key = `${c.phoneHash}\u0000${c.checkpointId}\u0000${localDay(new Date(c.at))}`;
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  const visits = [...groups.values()].flatMap(visitsOfDay);
  return visits.sort(
    (a, b) =>
      compare(a.start, b.start) ||
      compare(a.phoneHash, b.phoneHash) ||
      compare(a.checkpointId, b.checkpointId),
  );
}

/** One phone's scans at one checkpoint on one local day. */
function visitsOfDay(scans: Checkin[]): Visit[] {
  const first = scans[0]!;
  const day = localDay(new Date(first.at));
  const midnight = DateTime.fromISO(day, { zone: TIME_ZONE });
  const dayStart = midnight.toJSDate().toISOString();
  const dayEnd = midnight.plus({ days: 1 }).toJSDate().toISOString();
  const base = {
    phoneHash: first.phoneHash,
    sealedPhone: first.sealedPhone,
    checkpointId: first.checkpointId,
    unitId: first.unitId,
    day,
  };

  const pending = [...scans].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || compare(a.id, b.id));
  const visits: Visit[] = [];
  let open: OpenVisit | undefined;
  let previous: string | undefined;
  while (pending.length > 0) {
    const scan = takeNext(pending, open !== undefined);
    const at = new Date(scan.at).toISOString();
    const companions = scan.companions ?? 0;
    if (scan.direction === 'in') {
      if (open) open.companions = Math.max(open.companions, companions);
      else open = { start: at, opened: 'in', companions };
    } else if (open) {
      visits.push({
        ...base,
        ...open,
        end: at,
        closed: 'out',
        companions: Math.max(open.companions, companions),
      });
      open = undefined;
    } else {
      const start = previous ?? dayStart;
      if (start < at) visits.push({ ...base, start, end: at, opened: 'inferred', closed: 'out', companions });
    }
    previous = at;
  }
  if (open) visits.push({ ...base, ...open, end: dayEnd, closed: 'midnight' });
  return visits;
}

/** The earliest pending scan; among scans at that same instant, the direction that pairs with the state. */
function takeNext(pending: Checkin[], visitOpen: boolean): Checkin {
  const at = Date.parse(pending[0]!.at);
  const wanted = visitOpen ? 'out' : 'in';
  let index = 0;
  for (let i = 0; i < pending.length && Date.parse(pending[i]!.at) === at; i++) {
    if (pending[i]!.direction === wanted) {
      index = i;
      break;
    }
  }
  return pending.splice(index, 1)[0]!;
}

/** Whether the visit touches [from, to): a visit of no length counts as the instant it happened. */
export function overlaps(visit: Pick<Visit, 'start' | 'end'>, from: Date, to: Date): boolean {
  return overlapOf(visit, { start: from.toISOString(), end: to.toISOString() }) !== undefined;
}

/**
 * The other phones whose visits overlap the person's at the same checkpoint: one contact per pair of
 * overlapping visits, sorted by start. With a window, only the part of each overlap inside it counts.
 */
export function contactsOf(
  personVisits: readonly Visit[],
  visitsThere: readonly Visit[],
  window?: TimeWindow,
): Contact[] {
  const bounds = window && { start: window.from.toISOString(), end: window.to.toISOString() };
  const contacts: Contact[] = [];
  for (const mine of personVisits) {
    for (const theirs of visitsThere) {
      if (theirs.checkpointId !== mine.checkpointId || theirs.phoneHash === mine.phoneHash) continue;
      const together = overlapOf(mine, theirs);
      const inWindow = together && bounds ? overlapOf(together, bounds) : together;
      if (!inWindow) continue;
      contacts.push({
        phoneHash: theirs.phoneHash,
        sealedPhone: theirs.sealedPhone,
        checkpointId: theirs.checkpointId,
        unitId: theirs.unitId,
        start: inWindow.start,
        end: inWindow.end,
        minutes: Math.ceil((Date.parse(inWindow.end) - Date.parse(inWindow.start)) / 60_000),
        companions: theirs.companions,
      });
    }
  }
  return contacts.sort(
    (a, b) =>
      compare(a.start, b.start) ||
      compare(a.phoneHash, b.phoneHash) ||
      compare(a.checkpointId, b.checkpointId),
  );
}

interface Span {
  start: string;
  end: string;
}

/**
 * The common part of two half-open spans of UTC ISO instants (which compare as strings), or undefined. A span of
 * no length is an instant: it meets a span that contains it, or the same instant.
 */
function overlapOf(a: Span, b: Span): Span | undefined {
  const start = a.start > b.start ? a.start : b.start;
  const end = a.end < b.end ? a.end : b.end;
  if (start < end) return { start, end };
  const instant = a.start === a.end ? a.start : b.start === b.end ? b.start : undefined;
  if (instant === undefined) return undefined;
  return contains(a, instant) && contains(b, instant) ? { start: instant, end: instant } : undefined;
}

function contains(span: Span, instant: string): boolean {
  return span.start === span.end ? span.start === instant : span.start <= instant && instant < span.end;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
