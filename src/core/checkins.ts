import { randomUUID } from 'node:crypto';
import { checkpointByCode } from './checkpoints.ts';
import { normaliseCode } from './codes.ts';
import {
  AppError,
  CheckpointNotFoundError,
  ConflictError,
  type ErrorDetail,
  ValidationError,
} from './errors.ts';
import type { Checkin, CheckpointRef, Direction, Method } from './model.ts';
import { normalisePhone } from './phone.ts';
import { mapLimit } from './pool.ts';
import type { CheckinStore, CheckpointStore, Events } from './ports.ts';
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
}

export interface CheckinReceipt {
  id: string;
  checkpoint: { id: string; name: string; unitId: string };
  direction: Direction;
  at: string;
}

export interface CheckinOutcome {
  /** false when this id was already stored: nothing was stored or counted again. */
  created: boolean;
  receipt: CheckinReceipt;
}

export interface CheckinDeps {
  checkpoints: CheckpointStore;
  checkins: CheckinStore;
  clock: Clock;
  events: Events;
  retentionDays: number;
}

export async function recordCheckin(deps: CheckinDeps, request: CheckinRequest): Promise<CheckinOutcome> {
  const now = deps.clock.now();
  const phone = normalisePhone(request.phone);
  const at = request.at ? new Date(request.at) : now;
  const problems = [];
  if (!phone) problems.push({ path: 'phone', message: 'Not a Vietnamese mobile number' });
  if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    problems.push({ path: 'at', message: 'The check-in time is in the future' });
  }
  const oldest = now.getTime() - deps.retentionDays * 86_400_000;
  if (at.getTime() < oldest) {
    problems.push({ path: 'at', message: `The check-in time is older than ${deps.retentionDays} days` });
  }
  if (problems.length > 0) throw validationError(problems);

  const checkpoint = await findCheckpoint(deps, request);
  if ('replayed' in checkpoint) return checkpoint.replayed;
  if (at.getTime() < Date.parse(checkpoint.createdAt) - CLOCK_SKEW_MS) {
    throw validationError([
      { path: 'at', message: 'The check-in time is before the checkpoint was registered' },
    ]);
  }
  const checkin: Checkin = {
    id: request.id ?? randomUUID(),
    checkpointId: checkpoint.id,
    unitId: checkpoint.unitId,
    phone: phone!,
    direction: request.direction,
    method: request.method ?? 'web',
    at: at.toISOString(),
    day: localDay(at),
    receivedAt: now.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + deps.retentionDays * 86_400,
  };

  const result = await deps.checkins.record(checkin);
  const stored = result.status === 'created' ? checkin : result.existing;
  deps.events.emit({
    event: 'CheckinRecorded',
    checkpointId: checkpoint.id,
    duplicate: result.status === 'duplicate',
  });
  return { created: result.status === 'created', receipt: receiptFor(stored, checkin, checkpoint.name) };
}

function validationError(problems: ErrorDetail[]): ValidationError {
  const onlyPhone = problems.length === 1 && problems[0]!.path === 'phone';
  return new ValidationError(problems, onlyPhone ? 'invalid_phone' : 'invalid_checkin');
}

/**
 * The checkpoint the code names. A phone that was acknowledged once and resends after the code was rotated or
 * the checkpoint deactivated must still get its 200: so an unknown code with a known id answers the stored one.
 */
async function findCheckpoint(
  deps: CheckinDeps,
  request: CheckinRequest,
): Promise<CheckpointRef | { replayed: CheckinOutcome }> {
  try {
    return await checkpointByCode(deps.checkpoints, normaliseCode(request.code));
  } catch (err) {
    if (!(err instanceof CheckpointNotFoundError) || !request.id) throw err;
    const stored = await deps.checkins.get(request.id);
    if (!stored) throw err;
    const sent = { ...stored, phone: normalisePhone(request.phone) ?? '', direction: request.direction };
    const checkpoint = await deps.checkpoints.getCheckpoint(stored.checkpointId);
    return { replayed: { created: false, receipt: receiptFor(stored, sent, checkpoint?.name ?? '') } };
  }
}

/** What the phone is told. An id reused for someone else's check-in reveals nothing about the stored one. */
function receiptFor(stored: Checkin, sent: Checkin, checkpointName: string): CheckinReceipt {
  if (
    stored.checkpointId !== sent.checkpointId ||
    stored.phone !== sent.phone ||
    stored.direction !== sent.direction
  ) {
    throw new ConflictError('idempotency_conflict', 'This check-in id was already used for another check-in');
  }
  return {
    id: stored.id,
    checkpoint: { id: stored.checkpointId, name: checkpointName, unitId: stored.unitId },
    direction: stored.direction,
    at: stored.at,
  };
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
  return mapLimit([...items.entries()], BATCH_CONCURRENCY, async ([index, item]): Promise<BatchResult> => {
    const id = item instanceof AppError ? undefined : item.id;
    try {
      if (item instanceof AppError) throw item;
      const outcome = await recordCheckin(deps, item);
      return { index, id: outcome.receipt.id, status: outcome.created ? 'created' : 'duplicate' };
    } catch (err) {
      // Only this item failed; a database failure is answered too (send it again), never the whole batch.
      const error =
        err instanceof AppError
          ? { code: err.code, message: err.message, ...(err.details.length ? { details: err.details } : {}) }
          : { code: 'internal_error', message: 'Not stored this time: send this item again' };
      return { index, ...(id ? { id } : {}), status: 'rejected', error };
    }
  });
}
