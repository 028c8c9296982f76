import { randomUUID } from 'node:crypto';
import { checkpointByCode } from './checkpoints.ts';
import { normaliseCode } from './codes.ts';
import { ConflictError, ValidationError } from './errors.ts';
import type { Checkin, Direction, Method } from './model.ts';
import { normalisePhone } from './phone.ts';
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
  if (problems.length > 0) {
    throw new ValidationError(
      problems,
      problems.length === 1 && !phone ? 'invalid_phone' : 'invalid_checkin',
    );
  }

  const checkpoint = await checkpointByCode(deps.checkpoints, normaliseCode(request.code));
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
  if (
    stored.checkpointId !== checkin.checkpointId ||
    stored.phone !== checkin.phone ||
    stored.direction !== checkin.direction
  ) {
    // Someone reused another check-in's id: answer nothing about the stored one.
    throw new ConflictError('idempotency_conflict', 'This check-in id was already used for another check-in');
  }
  deps.events.emit({
    event: 'CheckinRecorded',
    checkpointId: checkpoint.id,
    duplicate: result.status === 'duplicate',
  });
  return {
    created: result.status === 'created',
    receipt: {
      id: stored.id,
      checkpoint: { id: checkpoint.id, name: checkpoint.name, unitId: checkpoint.unitId },
      direction: stored.direction,
      at: stored.at,
    },
  };
}
