import * as z from 'zod';
import {
  CHECKPOINT_KIND_MESSAGE,
  checkpointKindOf,
  UNIT_KIND_MESSAGE,
  unitKindOf,
} from '../../src/core/kinds.ts';

/**
 * Request shapes at the edge. Domain rules (phone numbers, time windows, scope) are checked in the core.
 *
 * The shapes here need zod alone. Those that parse a phone number are in ./checkin-schemas.ts (libphonenumber-js)
 * and those that parse a date in ./report-schemas.ts (luxon), so that only the functions using them bundle those
 * libraries (test/infra/bundle-contents.test.ts). A shape used by one handler only may sit beside it
 * (functions/create-unit-posters.ts).
 */

export const id = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes');
export const text = (max: number) => z.string().trim().min(1).max(max);
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
