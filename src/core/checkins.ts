import { randomUUID } from 'node:crypto';
import { type CardDeps, phoneOfCard } from './cards.ts';
import { checkpointByCode, checkpointInScope } from './checkpoints.ts';
import { normaliseCode } from './codes.ts';
import {
  AppError,
  CheckpointNotFoundError,
  ConflictError,
  type ErrorDetail,
  NotFoundError,
  ValidationError,
} from './errors.ts';
import { assertGateReaches } from './gate-tokens.ts';
import { MAX_COMPANIONS } from './limits.ts';
import type {
  Checkin,
  Checkpoint,
  CheckpointRef,
  Direction,
  GatePrincipal,
  Method,
  Principal,
  StoredPhone,
} from './model.ts';
import { hashPhone, normalisePhone, storePhone } from './phone.ts';
import { mapLimit } from './pool.ts';
import type { CheckinStore, CheckpointStore, Events, PhoneVault } from './ports.ts';
import { type Clock, localDay } from './time.ts';

/** Phones' clocks drift; a scan stamped a little ahead of ours is still a real scan. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface CheckinRequest {
  id?: string;
  code: string;
  phone: string;
  direction: Direction;
  at?: string;
  method?: Method;
  /** People who came with the phone's holder (children, elderly relatives). */
  companions?: number;
}

export interface CheckinReceipt {
  id: string;
  checkpoint: { id: string; name: string; unitId: string };
  direction: Direction;
  at: string;
  companions: number;
}

export interface CheckinOutcome {
  /** false when this id was already stored: nothing was stored or counted again. */
  created: boolean;
  receipt: CheckinReceipt;
}

export interface CheckinDeps {
  checkpoints: CheckpointStore;
  /** Where a check-in's code is looked up, when not `checkpoints` itself: a short-lived cache (src/core/code-cache.ts). */
  codes?: Pick<CheckpointStore, 'getByCode'>;
  checkins: CheckinStore;
  /** Hashes and seals the number: a check-in stores no phone number (src/core/model.ts StoredPhone). */
  phones: PhoneVault;
  clock: Clock;
  events: Events;
  retentionDays: number;
}

/** The most companions one check-in may carry (./limits.ts, which the pages share). */
export { MAX_COMPANIONS };

export async function recordCheckin(deps: CheckinDeps, request: CheckinRequest): Promise<CheckinOutcome> {
  const { phone, at } = checkRequest(deps, request.phone, request);
  let checkpoint: CheckpointRef;
  try {
    checkpoint = await checkpointByCode(deps.codes ?? deps.checkpoints, normaliseCode(request.code));
    if (!checkpoint.active) throw new CheckpointNotFoundError();
  } catch (err) {
    return replayOrThrow(deps, err, { id: request.id, phone, direction: request.direction });
  }
  return store(deps, checkpoint, { ...request, phone, at, method: request.method ?? 'web' });
}

/**
 * A check-in's phone on its way to storage: a number as typed, in E.164 (hashed and sealed when stored), or a
 * card's, already hashed and sealed (copied as it is: a gate needs no KMS call for a card).
 */
type PhoneOfCheckin = { e164: string } | { stored: StoredPhone };

/** What gate staff send for a person: a phone number typed in, or the code of a personal card scanned. */
export interface AssistedRequest {
  id?: string;
  phone?: string;
  card?: string;
  direction: Direction;
  at?: string;
  companions?: number;
}

/**
 * The checkpoint a gate's staff record check-ins at: it must be in their token's unit (or below), and a role
 * that runs gates; or, for a gate tablet's link, the link's own checkpoint while the link lasts. A deactivated
 * checkpoint is answered as for a phone (unknown_checkpoint), after a replay check.
 */
export async function gateCheckpoint(
  deps: Pick<CheckinDeps, 'checkpoints' | 'clock'>,
  caller: Principal | GatePrincipal,
  checkpointId: string,
): Promise<CheckpointRef> {
  let cp: Checkpoint | undefined;
  if (caller.role === 'gate') {
    assertGateReaches(caller, checkpointId, deps.clock.now());
    cp = await deps.checkpoints.getCheckpoint(checkpointId);
    if (!cp) throw new NotFoundError('unknown_checkpoint', 'No checkpoint has this id');
  } else {
    cp = await checkpointInScope(deps.checkpoints, caller, checkpointId, 'assistCheckins');
  }
  const { id, name, unitId, unitName, active, createdAt } = cp;
  return { id, name, unitId, unitName, active, createdAt };
}

/**
 * A check-in gate staff record for someone without a smartphone (`method: assisted`, with the staff member's
 * token subject). A card's code is looked up here, as of the scan's time, and its phone (hashed and sealed) used
 * as if it had been typed.
 */
export async function recordAssisted(
  deps: CheckinDeps & CardDeps,
  checkpoint: CheckpointRef,
  principal: Pick<Principal, 'subject'>,
  request: AssistedRequest,
): Promise<CheckinOutcome> {
  // A card is judged as of the scan: a tablet's queue uploaded the morning after the card's last day still counts.
  const scannedAt = request.at ? new Date(request.at) : deps.clock.now();
  let phoneInput: string | PhoneOfCheckin = request.phone ?? '';
  if (request.card !== undefined) {
    try {
      phoneInput = { stored: await phoneOfCard(deps, request.card, scannedAt) };
    } catch (err) {
      // Its record gone (expired), a check-in already stored under this id is still answered as stored: found by
      // where and when it was scanned (the card's phone is gone with the card). A tablet's queue sends `at`.
      const stored =
        request.id && request.at
          ? await deps.checkins.findAt(checkpoint.id, new Date(request.at), request.id)
          : undefined;
      if (!stored || stored.checkpointId !== checkpoint.id || stored.direction !== request.direction)
        throw err;
      return { created: false, receipt: receiptFor(stored, stored, checkpoint.name) };
    }
  }
  const { phone, at } = checkRequest(deps, phoneInput, request);
  if (!checkpoint.active) {
    return replayOrThrow(deps, new CheckpointNotFoundError(), {
      id: request.id,
      phone,
      direction: request.direction,
    });
  }
  return store(deps, checkpoint, {
    ...request,
    phone,
    at,
    method: 'assisted',
    ...(principal.subject ? { assistedBy: principal.subject } : {}),
  });
}

/**
 * The checks every check-in passes before anything is read or stored: its phone (a card's is checked already),
 * its time, its group.
 */
function checkRequest(
  deps: CheckinDeps,
  phoneInput: string | PhoneOfCheckin,
  request: { at?: string; companions?: number },
): { phone: PhoneOfCheckin; at: Date } {
  const now = deps.clock.now();
  const e164 = typeof phoneInput === 'string' ? normalisePhone(phoneInput) : null;
  const phone = typeof phoneInput !== 'string' ? phoneInput : e164 ? { e164 } : undefined;
  const at = request.at ? new Date(request.at) : now;
  const problems: ErrorDetail[] = [];
  if (!phone) problems.push({ path: 'phone', message: 'Not a Vietnamese mobile number' });
  if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    problems.push({ path: 'at', message: 'The check-in time is in the future' });
  }
  const oldest = now.getTime() - deps.retentionDays * 86_400_000;
  if (at.getTime() < oldest) {
    problems.push({ path: 'at', message: `The check-in time is older than ${deps.retentionDays} days` });
  }
  const companions = request.companions ?? 0;
  if (!Number.isInteger(companions) || companions < 0 || companions > MAX_COMPANIONS) {
    problems.push({ path: 'companions', message: `A whole number from 0 to ${MAX_COMPANIONS}` });
  }
  if (problems.length > 0) throw validationError(problems);
  return { phone: phone!, at };
}

async function store(
  deps: CheckinDeps,
  checkpoint: CheckpointRef,
  request: {
    id?: string;
    phone: PhoneOfCheckin;
    direction: Direction;
    at: Date;
    method: Method;
    companions?: number;
    assistedBy?: string;
  },
): Promise<CheckinOutcome> {
  const { at } = request;
  if (at.getTime() < Date.parse(checkpoint.createdAt) - CLOCK_SKEW_MS) {
    throw validationError([
      { path: 'at', message: 'The check-in time is before the checkpoint was registered' },
    ]);
  }
  const phone = await storedPhoneOf(deps, request.phone);
  const checkin: Checkin = {
    id: request.id ?? randomUUID(),
    checkpointId: checkpoint.id,
    unitId: checkpoint.unitId,
    phoneHash: phone.hash,
    sealedPhone: phone.sealed,
    direction: request.direction,
    method: request.method,
    ...(request.companions ? { companions: request.companions } : {}),
    ...(request.assistedBy ? { assistedBy: request.assistedBy } : {}),
    at: at.toISOString(),
    day: localDay(at),
    receivedAt: deps.clock.now().toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + deps.retentionDays * 86_400,
  };

  const result = await deps.checkins.record(checkin);
  const stored = result.status === 'created' ? checkin : result.existing;
  deps.events.emit({
    event: 'CheckinRecorded',
    checkpointId: checkpoint.id,
    duplicate: result.status === 'duplicate',
    method: request.method,
  });
  return { created: result.status === 'created', receipt: receiptFor(stored, checkin, checkpoint.name) };
}

/** The phone as stored: a typed number is hashed and sealed now, a card's is already. */
function storedPhoneOf(deps: CheckinDeps, phone: PhoneOfCheckin): Promise<StoredPhone> {
  return 'stored' in phone ? Promise.resolve(phone.stored) : storePhone(deps.phones, phone.e164, deps.events);
}

function validationError(problems: ErrorDetail[]): ValidationError {
  const onlyPhone = problems.length === 1 && problems[0]!.path === 'phone';
  return new ValidationError(problems, onlyPhone ? 'invalid_phone' : 'invalid_checkin');
}

/**
 * A phone that was acknowledged once and resends after the code was rotated or the checkpoint deactivated must
 * still get its 200: so an unknown checkpoint with a known id answers the stored check-in. Anything else throws.
 */
async function replayOrThrow(
  deps: CheckinDeps,
  err: unknown,
  sent: { id?: string; phone: PhoneOfCheckin; direction: Direction },
): Promise<CheckinOutcome> {
  if (!(err instanceof CheckpointNotFoundError) || !sent.id) throw err;
  const phoneHash =
    'stored' in sent.phone
      ? sent.phone.stored.hash
      : await hashPhone(deps.phones, sent.phone.e164, deps.events);
  const stored = await deps.checkins.get(phoneHash, sent.id);
  if (!stored) throw err;
  const checkpoint = await deps.checkpoints.getCheckpoint(stored.checkpointId);
  return {
    created: false,
    receipt: receiptFor(stored, { ...stored, phoneHash, direction: sent.direction }, checkpoint?.name ?? ''),
  };
}

/**
 * What the phone is told. An id is unique within its phone (the check-in's key is the phone's keyed hash and the
 * id), so another phone sending the same id stores its own check-in; the same phone reusing an id for another
 * checkpoint or direction is refused. The same phone is the same keyed hash (its sealed number differs on every
 * check-in).
 */
function receiptFor(stored: Checkin, sent: Checkin, checkpointName: string): CheckinReceipt {
  if (
    stored.checkpointId !== sent.checkpointId ||
    stored.phoneHash !== sent.phoneHash ||
    stored.direction !== sent.direction
  ) {
    throw new ConflictError('idempotency_conflict', 'This check-in id was already used for another check-in');
  }
  return {
    id: stored.id,
    checkpoint: { id: stored.checkpointId, name: checkpointName, unitId: stored.unitId },
    direction: stored.direction,
    at: stored.at,
    companions: stored.companions ?? 0,
  };
}

/** A batch item that failed its shape check: answered as rejected, in place, with the id it was sent with. */
export class InvalidItem extends ValidationError {
  readonly itemId: string | undefined;
  constructor(details: ErrorDetail[], item: unknown) {
    super(details, 'invalid_checkin');
    const id = (item as { id?: unknown } | null)?.id;
    this.itemId = typeof id === 'string' && id.length <= 64 ? id : undefined;
  }
}

/** One item's answer in a batch. */
export type BatchResult =
  | { index: number; id: string; status: 'created' | 'duplicate' }
  | {
      index: number;
      id?: string;
      status: 'rejected';
      error: { code: string; message: string; details?: ErrorDetail[] };
    };

const BATCH_CONCURRENCY = 8;

/**
 * Offline phones and gate tablets upload what they kept, up to 100 at a time: each item is recorded on its own,
 * so one bad item never sinks the others, and a replayed batch stores nothing twice (each item's id).
 * Items that failed their shape check arrive as errors and are answered as rejected, in place.
 */
export async function recordCheckinBatch(
  deps: CheckinDeps,
  items: readonly (CheckinRequest | AppError)[],
): Promise<BatchResult[]> {
  return recordEach(deps, items, (item) => recordCheckin(deps, item));
}

/** A gate's list of assisted check-ins (a tablet's offline queue, a list typed in): a result per item. */
export async function recordAssistedBatch(
  deps: CheckinDeps & CardDeps,
  checkpoint: CheckpointRef,
  principal: Pick<Principal, 'subject'>,
  items: readonly (AssistedRequest | AppError)[],
): Promise<BatchResult[]> {
  return recordEach(deps, items, (item) => recordAssisted(deps, checkpoint, principal, item));
}

async function recordEach<T extends { id?: string }>(
  deps: Pick<CheckinDeps, 'events'>,
  items: readonly (T | AppError)[],
  record: (item: T) => Promise<CheckinOutcome>,
): Promise<BatchResult[]> {
  return mapLimit([...items.entries()], BATCH_CONCURRENCY, async ([index, item]): Promise<BatchResult> => {
    const id = item instanceof InvalidItem ? item.itemId : item instanceof AppError ? undefined : item.id;
    try {
      if (item instanceof AppError) throw item;
      const outcome = await record(item);
      return { index, id: outcome.receipt.id, status: outcome.created ? 'created' : 'duplicate' };
    } catch (err) {
      // Only this item failed; a database failure is answered too (send it again), never the whole batch.
      const error =
        err instanceof AppError
          ? { code: err.code, message: err.message, ...(err.details.length ? { details: err.details } : {}) }
          : { code: 'internal_error', message: 'Not stored this time: send this item again' };
      deps.events.emit({ event: 'CheckinRejected', reason: error.code });
      return { index, ...(id ? { id } : {}), status: 'rejected', error };
    }
  });
}
