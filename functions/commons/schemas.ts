import * as z from 'zod';
import { MAX_COMPANIONS } from '../../src/core/checkins.ts';
import { CARD_CODE_LENGTH, normaliseCode } from '../../src/core/codes.ts';
import {
  CHECKPOINT_KIND_MESSAGE,
  checkpointKindOf,
  UNIT_KIND_MESSAGE,
  unitKindOf,
} from '../../src/core/kinds.ts';
import { DIRECTIONS, METHODS } from '../../src/core/model.ts';
import { normalisePhone } from '../../src/core/phone.ts';
import { REPORT_FORMATS } from '../../src/core/report.ts';
import { isLocalDate } from '../../src/core/time.ts';

/** Request shapes at the edge. Domain rules (phone numbers, time windows, scope) are checked in the core. */

export const id = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes');
export const text = (max: number) => z.string().trim().min(1).max(max);
const localDate = z.string().refine(isLocalDate, 'Expected a date YYYY-MM-DD');
/** A kind as people type it (an id or a Vietnamese word, src/core/kinds.ts), stored as its id. */
export const checkpointKind = z
  .string()
  .refine((s) => checkpointKindOf(s) !== undefined, CHECKPOINT_KIND_MESSAGE)
  .transform((s) => checkpointKindOf(s)!);
export const unitKind = z
  .string()
  .refine((s) => unitKindOf(s) !== undefined, UNIT_KIND_MESSAGE)
  .transform((s) => unitKindOf(s)!);

export const UnitIdParams = z.object({ unitId: id });
export const CheckpointIdParams = z.object({ id: z.uuid() });
export const CodeParams = z.object({ code: text(32) });
export const CaseIdParams = z.object({ caseId: z.uuid() });
export const ReportParams = z.object({ unitId: id, start: localDate });

export const CreateUnitBody = z.strictObject({
  id,
  name: text(200),
  parentId: id.optional(),
  kind: unitKind.optional(),
  code: text(32).optional(),
});

export const CreateCheckpointBody = z.strictObject({
  kind: checkpointKind,
  placeName: text(300),
  address: text(300),
  name: text(300).optional(),
  ref: text(100).optional(),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  nextToken: z.string().max(2048).optional(),
});

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const CheckpointListQuery = PageQuery.extend({
  kind: checkpointKind.optional(),
  active: flag.optional(),
  /** true: only checkpoints whose name breaks the province's naming rule. */
  namingViolation: flag.optional(),
  q: z.string().trim().min(1).max(100).optional(),
  /** true: also the checkpoints of every unit below the unit. */
  subtree: flag.optional(),
  /** true: only checkpoints without a check-in in the last 7 local days (today included); false: only with one. */
  idle: flag.optional(),
});

/**
 * JSON imports: the same columns as the spreadsheets, values as text or numbers. `row` (optional) is the item's
 * line in the file it came from, which the CLI sends so rejections point at the spreadsheet's own rows.
 */
const importItem = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
export const ImportCheckpointsBody = z.strictObject({ checkpoints: z.array(importItem).min(1) });
export const ImportUnitsBody = z.strictObject({ units: z.array(importItem).min(1) });

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
export const AssistedListBody = z.strictObject({ checkins: z.array(z.unknown()).min(1).max(100) });

export const CardBody = z.strictObject({ phone: text(32) });

export const WeeklyReportBody = z.strictObject({ start: localDate.optional() });

export const ReportLinkQuery = z.object({ format: z.enum(REPORT_FORMATS).default('xlsx') });

/** A batch: each item is checked against CheckinBody on its own, so one bad item is rejected alone. */
export const CheckinBatchBody = z.strictObject({ checkins: z.array(z.unknown()).min(1).max(100) });
