import * as z from 'zod';
import { CARD_CODE_LENGTH, normaliseCode } from '../../src/core/codes.ts';
import { MAX_BATCH_CHECKINS, MAX_COMPANIONS } from '../../src/core/limits.ts';
import { DIRECTIONS, METHODS } from '../../src/core/model.ts';
import { normalisePhone } from '../../src/core/phone.ts';
import { text } from './schemas.ts';

/**
 * The check-ins' request shapes: they parse phone numbers, hence libphonenumber-js, which only the functions
 * importing this module bundle (./schemas.ts).
 */

const companions = z.number().int().min(0).max(MAX_COMPANIONS).optional();

export const CheckinBody = z.strictObject({
  id: z.uuid().optional(),
  code: text(32),
  // Checked here too (the core checks again), so a 400 names every bad field at once.
  phone: text(32).refine((p) => normalisePhone(p) !== null, 'Not a Vietnamese mobile number'),
  direction: z.enum(DIRECTIONS).default('in'),
  at: z.iso.datetime({ offset: true }).optional(),
  // 'assisted' check-ins are recorded by gate staff with a token, not through this public route.
  method: z.enum(METHODS.filter((m) => m !== 'assisted') as ['app', 'web']).optional(),
  companions,
});

/**
 * One check-in gate staff record for a person: a phone number typed in, or a personal card's code scanned
 * (exactly one of the two). The checkpoint is the route's.
 */
export const AssistedItem = z
  .strictObject({
    id: z.uuid().optional(),
    phone: text(32)
      .refine((p) => normalisePhone(p) !== null, 'Not a Vietnamese mobile number')
      .optional(),
    card: text(32)
      .refine((c) => normaliseCode(c, CARD_CODE_LENGTH) !== undefined, 'Not a personal card code')
      .optional(),
    direction: z.enum(DIRECTIONS).default('in'),
    at: z.iso.datetime({ offset: true }).optional(),
    companions,
  })
  .refine((item) => (item.phone === undefined) !== (item.card === undefined), {
    message: 'Send a phone number or a card code, not both',
    path: ['phone'],
  });

/** A list of assisted check-ins (a gate tablet's queue): each item checked on its own, like the batch. */
export const AssistedListBody = z.strictObject({
  checkins: z.array(z.unknown()).min(1).max(MAX_BATCH_CHECKINS),
});

/** A batch: each item is checked against CheckinBody on its own, so one bad item is rejected alone. */
export const CheckinBatchBody = z.strictObject({
  checkins: z.array(z.unknown()).min(1).max(MAX_BATCH_CHECKINS),
});

export const CardBody = z.strictObject({ phone: text(32) });
