import { type ErrorDetail, ValidationError } from './errors.ts';
import { hashPhone, normalisePhone } from './phone.ts';
import { mapLimit } from './pool.ts';
import type { CheckinStore, PhoneHasher } from './ports.ts';
import { localDay, periodBounds } from './time.ts';
import { type Contact, overlaps, type Visit, contactsOf as visitContacts, visitsOf } from './visits.ts';

/**
 * Contact tracing (truy vết): where a person went, who was at a checkpoint, who was there with a person, all
 * within a window [from, to). A visit counts when it touches the window, and is returned whole. Scans are read by
 * whole local days around the window, because a visit's start or end can depend on a scan outside it (an `out`
 * after the window's end, a midnight start). Scope checks are the caller's: these see every phone.
 *
 * A phone is looked up by its keyed hash, never its number (src/core/ports.ts PhoneHasher); visits and contacts
 * carry each phone's hash (who is who) and sealed number, which only a function holding a PhoneReader opens.
 */

export interface TracingDeps {
  checkins: CheckinStore;
  phones: PhoneHasher;
}

/** Longer than the retention window (28 days by default) with room to spare: nothing older is stored anyway. */
export const MAX_TRACING_DAYS = 31;

/** How many checkpoint-days a contact search reads at once. */
const READS_IN_FLIGHT = 4;

/** One phone's visits that touch [from, to), sorted by start. */
export async function visitsOfPhone(
  deps: TracingDeps,
  phone: string,
  from: Date,
  to: Date,
): Promise<Visit[]> {
  const e164 = checkPhoneAndWindow(phone, from, to);
  return visitsOfHash(deps, await hashPhone(deps.phones, e164), from, to);
}

/** The visits of the phone with this keyed hash (a contact found earlier: its number is not needed). */
export async function visitsOfHash(
  deps: Pick<TracingDeps, 'checkins'>,
  phoneHash: string,
  from: Date,
  to: Date,
): Promise<Visit[]> {
  checkWindow(from, to);
  const days = wholeDays(from, to);
  const checkins = await deps.checkins.checkinsOfPhone(phoneHash, days.from, days.to);
  return visitsOf(checkins).filter((v) => overlaps(v, from, to));
}

/** Every phone's visits at one checkpoint that touch [from, to), sorted by start. */
export async function visitsAtCheckpoint(
  deps: Pick<TracingDeps, 'checkins'>,
  checkpointId: string,
  from: Date,
  to: Date,
): Promise<Visit[]> {
  checkWindow(from, to);
  const days = wholeDays(from, to);
  const checkins = await deps.checkins.checkinsAtCheckpoint(checkpointId, days.from, days.to);
  return visitsOf(checkins).filter((v) => overlaps(v, from, to));
}

/**
 * The other phones that were at a checkpoint together with this phone within [from, to): one contact per pair of
 * overlapping visits, with the overlap (inside the window) and its minutes, sorted by start. Reads only the
 * checkpoint-days the person visited.
 */
export async function contactsOf(deps: TracingDeps, phone: string, from: Date, to: Date): Promise<Contact[]> {
  return contactsOfVisits(deps, await visitsOfPhone(deps, phone, from, to), from, to);
}

/** The contacts of the phone with this keyed hash: the second ring (F2) starts from the first ring's hashes. */
export async function contactsOfHash(
  deps: Pick<TracingDeps, 'checkins'>,
  phoneHash: string,
  from: Date,
  to: Date,
): Promise<Contact[]> {
  return contactsOfVisits(deps, await visitsOfHash(deps, phoneHash, from, to), from, to);
}

async function contactsOfVisits(
  deps: Pick<TracingDeps, 'checkins'>,
  mine: Visit[],
  from: Date,
  to: Date,
): Promise<Contact[]> {
  const checkpointDays = [...new Map(mine.map((v) => [`${v.checkpointId}\u0000${v.day}`, v])).values()];
  const scans = await mapLimit(checkpointDays, READS_IN_FLIGHT, (v) => {
    const day = periodBounds({ start: v.day, end: v.day });
    return deps.checkins.checkinsAtCheckpoint(v.checkpointId, day.from, day.to);
  });
  return visitContacts(mine, visitsOf(scans.flat()), { from, to });
}

/** A phone's E.164 form, checked together with the window so one 400 names every bad field. */
function checkPhoneAndWindow(phone: string, from: Date, to: Date): string {
  const e164 = normalisePhone(phone);
  const problems = windowProblems(from, to);
  if (!e164) problems.unshift({ path: 'phone', message: 'Not a Vietnamese mobile number' });
  if (problems.length > 0) throw invalid(problems);
  return e164!;
}

function checkWindow(from: Date, to: Date): void {
  const problems = windowProblems(from, to);
  if (problems.length > 0) throw invalid(problems);
}

function windowProblems(from: Date, to: Date): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (Number.isNaN(from.getTime())) problems.push({ path: 'from', message: 'Not a time' });
  if (Number.isNaN(to.getTime())) problems.push({ path: 'to', message: 'Not a time' });
  if (problems.length > 0) return problems;
  if (to <= from) problems.push({ path: 'to', message: 'The window must end after it starts' });
  else if (to.getTime() - from.getTime() > MAX_TRACING_DAYS * 86_400_000) {
    problems.push({ path: 'to', message: `The window is longer than ${MAX_TRACING_DAYS} days` });
  }
  return problems;
}

function invalid(problems: ErrorDetail[]): ValidationError {
  const onlyPhone = problems.length === 1 && problems[0]!.path === 'phone';
  return new ValidationError(problems, onlyPhone ? 'invalid_phone' : 'invalid_request');
}

/** Local midnight before `from` to local midnight after the last instant before `to`. */
function wholeDays(from: Date, to: Date): { from: Date; to: Date } {
  return periodBounds({ start: localDay(from), end: localDay(new Date(to.getTime() - 1)) });
}
