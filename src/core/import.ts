import { DateTime } from 'luxon';
import { assertAllowed } from './access.ts';
import { type Registered, type RegistrationDeps, registerCheckpoint } from './checkpoints.ts';
import { AppError, UnitNotFoundError } from './errors.ts';
import type { ImportRow } from './import-file.ts';
import { headerMap, MAX_IMPORT_ROWS, tooManyRows } from './import-file.ts';
import { CHECKPOINT_KIND_MESSAGE, checkpointKindOf, UNIT_KIND_MESSAGE, unitKindOf } from './kinds.ts';
import type { Principal, Unit } from './model.ts';
import { mapLimit } from './pool.ts';
import { TIME_ZONE } from './time.ts';
import { createUnit } from './units.ts';

export { MAX_IMPORT_ROWS } from './import-file.ts';

/** Bulk registration, row by row: one bad row never sinks the others, and every answer names its row. */
export interface RowProblem {
  row: number;
  column: string;
  message: string;
}

export interface ImportResult {
  created: { row: number; id: string; code?: string }[];
  existing: { row: number; id: string }[];
  rejected: RowProblem[];
  /**
   * Rows not handled this time: the time budget ran out (API Gateway answers after 30 s) or the database failed
   * them. Sending them again is safe — rows with a ref are never created twice.
   */
  pending: { row: number }[];
}

/** How long one import request may work before it answers with the rest as `pending`. */
export const IMPORT_BUDGET_MS = 20_000;

const WRITE_CONCURRENCY = 16;

export const CHECKPOINT_COLUMNS = headerMap({
  unitId: ['mã đơn vị', 'đơn vị', 'unit'],
  kind: ['loại hình', 'loại', 'loại địa điểm'],
  placeName: ['tên địa điểm', 'tên cơ sở', 'tên đơn vị đăng ký'],
  address: ['địa chỉ'],
  name: ['tên điểm kiểm soát', 'tên điểm'],
  ref: ['mã tham chiếu', 'mã riêng', 'reference'],
  createdAt: ['ngày tạo', 'ngày đăng ký', 'created'],
});

export const UNIT_COLUMNS = headerMap({
  id: ['mã', 'id đơn vị'],
  name: ['tên', 'tên đơn vị'],
  parentId: ['đơn vị cấp trên', 'mã đơn vị cấp trên', 'parent'],
  kind: ['cấp', 'loại'],
  code: ['mã hành chính', 'mã đơn vị hành chính', 'official code'],
});

/** A registration date as people write it: ISO, YYYY-MM-DD or DD/MM/YYYY (local days). */
export function parseRegistrationDate(text: string): string | undefined {
  const formats = ['yyyy-MM-dd', 'dd/MM/yyyy', 'd/M/yyyy', "yyyy-MM-dd'T'HH:mm:ss"];
  const iso = DateTime.fromISO(text, { zone: TIME_ZONE, setZone: true });
  if (iso.isValid && /T/.test(text) && /(Z|[+-]\d{2}:?\d{2})$/.test(text)) return iso.toUTC().toISO()!;
  for (const format of formats) {
    const parsed = DateTime.fromFormat(text, format, { zone: TIME_ZONE });
    if (parsed.isValid) return parsed.toUTC().toISO()!;
  }
  return undefined;
}

/**
 * Imports checkpoints under `unitId` (each row may name a unit below it). Re-importing the same file creates
 * nothing: a row whose ref is already registered at its unit comes back as `existing`.
 */
export async function importCheckpoints(
  deps: RegistrationDeps,
  principal: Principal,
  unitId: string,
  rows: readonly ImportRow[],
  budgetMs = IMPORT_BUDGET_MS,
): Promise<ImportResult> {
  const deadline = Date.now() + budgetMs;
  const top = await deps.units.getUnit(unitId);
  if (!top) throw new UnitNotFoundError(unitId);
  assertAllowed(principal, 'manageCheckpoints', top.path);
  tooMany(rows.length);

  const units = new Map<string, Promise<Unit | undefined>>([[top.id, Promise.resolve(top)]]);
  const unitOf = (id: string) => {
    if (!units.has(id)) units.set(id, deps.units.getUnit(id));
    return units.get(id)!;
  };
  const result: ImportResult = { created: [], existing: [], rejected: [], pending: [] };
  const refs = new Map<string, number>();
  const valid: { row: number; unit: Unit; input: Parameters<typeof registerCheckpoint>[2] }[] = [];

  for (const { row, values } of rows) {
    const problems: RowProblem[] = [];
    const reject = (column: string, message: string) => problems.push({ row, column, message });
    const kind = values.kind ? checkpointKindOf(values.kind) : undefined;
    if (!values.kind) reject('kind', 'Missing');
    else if (!kind) reject('kind', CHECKPOINT_KIND_MESSAGE);
    if (!values.placeName) reject('placeName', 'Missing');
    if (!values.address) reject('address', 'Missing');
    for (const column of ['placeName', 'address', 'name'] as const) {
      if ((values[column]?.length ?? 0) > 300) reject(column, 'Longer than 300 characters');
    }
    if ((values.ref?.length ?? 0) > 100) reject('ref', 'Longer than 100 characters');
    const createdAt = values.createdAt ? parseRegistrationDate(values.createdAt) : undefined;
    if (values.createdAt && !createdAt) reject('createdAt', 'Not a date (YYYY-MM-DD or DD/MM/YYYY)');
    const unit = await unitOf(values.unitId ?? top.id);
    if (!unit?.path.includes(top.id)) reject('unitId', `No unit ${values.unitId} under ${top.id}`);
    if (values.ref && unit) {
      const key = `${unit.id}\u0000${values.ref}`;
      const first = refs.get(key);
      if (first !== undefined) reject('ref', `The same ref as row ${first}`);
      else refs.set(key, row);
    }
    if (problems.length > 0 || !unit || !kind) {
      result.rejected.push(...problems);
      continue;
    }
    valid.push({
      row,
      unit,
      input: {
        kind,
        placeName: values.placeName!,
        address: values.address!,
        ...(values.name ? { name: values.name } : {}),
        ...(values.ref ? { ref: values.ref } : {}),
        ...(createdAt ? { createdAt } : {}),
      },
    });
  }

  // Rows whose ref is already registered are answered from one batched read, not one write attempt each: a
  // re-upload, or a resend of the rows left pending, costs reads only for what is there already.
  const known = await deps.checkpoints.checkpointIdsByRef(
    valid.filter((v) => v.input.ref).map((v) => ({ unitId: v.unit.id, ref: v.input.ref! })),
  );
  const fresh = valid.filter((v) => {
    const id = v.input.ref && known.get(`${v.unit.id}\u0000${v.input.ref}`);
    if (id) result.existing.push({ row: v.row, id });
    return !id;
  });

  await mapLimit(fresh, WRITE_CONCURRENCY, async ({ row, unit, input }) => {
    if (Date.now() > deadline) {
      result.pending.push({ row });
      return;
    }
    let outcome: Registered;
    try {
      outcome = await registerCheckpoint(deps, unit, input);
    } catch (err) {
      if (err instanceof AppError && err.status === 400) {
        result.rejected.push(...err.details.map((d) => ({ row, column: d.path, message: d.message })));
      } else {
        result.pending.push({ row });
      }
      return;
    }
    const { id, code } = outcome.checkpoint;
    if (outcome.created) result.created.push({ row, id, code });
    else result.existing.push({ row, id });
  });
  return sorted(result);
}

/**
 * Imports units with their parent links, parents first (a parent may be earlier in the file or already stored).
 * A unit id already stored comes back as `existing`.
 */
export async function importUnits(
  deps: Parameters<typeof createUnit>[0],
  principal: Principal,
  rows: readonly ImportRow[],
): Promise<ImportResult> {
  tooMany(rows.length);
  const result: ImportResult = { created: [], existing: [], rejected: [], pending: [] };
  const pending = new Map<string, ImportRow>();
  for (const r of rows) {
    const { id, name, parentId, kind } = r.values;
    const reject = (column: string, message: string) => result.rejected.push({ row: r.row, column, message });
    if (!id || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) reject('id', 'Lowercase letters, digits and dashes');
    else if (pending.has(id)) reject('id', `The same id as row ${pending.get(id)!.row}`);
    else if (!name) reject('name', 'Missing');
    else if (!parentId && id !== deps.provinceId) reject('parentId', 'Missing');
    else if (kind && !unitKindOf(kind)) reject('kind', UNIT_KIND_MESSAGE);
    else pending.set(id, r);
  }
  // Rounds: each creates the units whose parent exists by now, so any depth and any row order work.
  const done = new Set<string>();
  for (;;) {
    const ready: ImportRow[] = [];
    for (const r of pending.values()) {
      const parentId = r.values.parentId;
      if (!parentId || !pending.has(parentId) || done.has(parentId)) ready.push(r);
    }
    const round = ready.filter((r) => !done.has(r.values.id!));
    if (round.length === 0) break;
    await mapLimit(round, WRITE_CONCURRENCY, async (r) => {
      const { id, name, parentId, kind, code } = r.values as Record<string, string>;
      done.add(id!);
      try {
        await createUnit(deps, principal, {
          id: id!,
          name: name!,
          ...(parentId ? { parentId } : {}),
          ...(kind ? { kind: unitKindOf(kind)! } : {}),
          ...(code ? { code } : {}),
        });
        result.created.push({ row: r.row, id: id! });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.status === 409) result.existing.push({ row: r.row, id: id! });
        else if (err.status === 404)
          result.rejected.push({ row: r.row, column: 'parentId', message: err.message });
        else if (err.status === 403)
          result.rejected.push({ row: r.row, column: 'parentId', message: err.message });
        else
          result.rejected.push(
            ...err.details.map((d) => ({ row: r.row, column: d.path, message: d.message })),
          );
      }
    });
  }
  for (const r of pending.values()) {
    if (!done.has(r.values.id!)) {
      result.rejected.push({ row: r.row, column: 'parentId', message: 'Its parent is part of a cycle' });
    }
  }
  return sorted(result);
}

function tooMany(count: number): void {
  if (count > MAX_IMPORT_ROWS) throw tooManyRows(MAX_IMPORT_ROWS);
}

function sorted(result: ImportResult): ImportResult {
  const byRow = (a: { row: number }, b: { row: number }) => a.row - b.row;
  return {
    created: result.created.sort(byRow),
    existing: result.existing.sort(byRow),
    rejected: result.rejected.sort(byRow),
    pending: result.pending.sort(byRow),
  };
}
