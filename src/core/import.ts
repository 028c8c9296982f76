import { DateTime } from 'luxon';
import { assertAllowed } from './access.ts';
import { type Registered, type RegistrationDeps, registerCheckpoint } from './checkpoints.ts';
import { AppError, ForbiddenError, UnitNotFoundError } from './errors.ts';
import type { ImportRow, ImportTable } from './import-file.ts';
import { headerMap, MAX_IMPORT_ROWS, tooManyRows } from './import-file.ts';
import { CHECKPOINT_KIND_MESSAGE, checkpointKindOf, UNIT_KIND_MESSAGE, unitKindOf } from './kinds.ts';
import type { Principal, Unit } from './model.ts';
import { mapLimit } from './pool.ts';
import type { UnitStore } from './ports.ts';
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
   * Rows not handled this time: the request's time ran out (API Gateway answers after 30 s), or the database
   * failed them. Sending them again is safe: a row with a ref, and a unit, is never stored twice. A `message`
   * says more when there is more to say (a write not confirmed in time; the rest of a file not read).
   */
  pending: { row: number; message?: string }[];
}

/**
 * When an import request stops. Once `open()` says no, no new work starts (reading the file, a look-up, a write);
 * when `closed` settles, work still running is given up and its rows are answered `pending`. Imports take it as an
 * argument so tests can close it when they choose.
 */
export interface Deadline {
  open(): boolean;
  readonly closed: Promise<void>;
}

/** API Gateway's HTTP API answers 503 after 30 s, whatever the function's timeout. */
export const API_GATEWAY_TIMEOUT_MS = 30_000;
/** Kept back to answer: sorting and serialising up to 10,000 results, and the way back through API Gateway. */
export const ANSWER_MARGIN_MS = 1_500;
/** Writes in flight when no new one may start get this long to finish (a transaction takes tens of ms). */
export const WRITE_GRACE_MS = 2_500;

/**
 * The deadline of a request with `remainingMs` left (Lambda's `getRemainingTimeInMillis()` as the handler starts;
 * it counts down from the invocation's start), never past API Gateway's 30 s. `budgetMs` shortens it further.
 */
export function importDeadline(
  remainingMs: number,
  options: { budgetMs?: number; now?: () => number } = {},
): Deadline {
  const now = options.now ?? Date.now;
  const start = now();
  const answerBy = start + Math.min(remainingMs, API_GATEWAY_TIMEOUT_MS) - ANSWER_MARGIN_MS;
  const stopAt = Math.min(answerBy - WRITE_GRACE_MS, start + (options.budgetMs ?? Number.POSITIVE_INFINITY));
  return {
    open: () => now() < stopAt,
    closed: new Promise((resolve) => {
      setTimeout(resolve, Math.max(0, answerBy - start)).unref();
    }),
  };
}

/**
 * No deadline (tests that do not care). A fresh one each time: what waits on a promise that never settles is kept
 * as long as the promise is, so a shared one would keep every import's results.
 */
export const noDeadline = (): Deadline => ({ open: () => true, closed: new Promise(() => {}) });

/** Rows as JSON sends them, or a file still to be read (after the caller's rights are checked) within the deadline. */
export type ImportSource = readonly ImportRow[] | ((deadline: Deadline) => Promise<ImportTable>);

const WRITE_CONCURRENCY = 16;
const READ_CONCURRENCY = 8;
/** Refs looked up in one BatchGetItem. */
const LOOKUP_BATCH = 100;
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

const UNREAD = 'Not read in time, nor any row after it: send the file again';
const UNCONFIRMED_REF = 'Not confirmed in time: send it again (its ref keeps it from being stored twice)';
const UNCONFIRMED_NO_REF =
  'Not confirmed in time, and it has no ref: see whether the unit lists it before sending it again';
const UNCONFIRMED_UNIT = 'Not confirmed in time: send it again (a unit id is never stored twice)';

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

const LATE = Symbol('late');
type Late = typeof LATE;

/** Whichever comes first: the work, or the deadline closing. The work goes on unobserved if it loses. */
const within = <T>(work: Promise<T>, late: Promise<Late>): Promise<T | Late> => Promise.race([work, late]);

async function tableOf(source: ImportSource, deadline: Deadline): Promise<ImportTable> {
  if (typeof source === 'function') return source(deadline);
  if (source.length > MAX_IMPORT_ROWS) throw tooManyRows(MAX_IMPORT_ROWS);
  return { rows: [...source] };
}

const emptyResult = (): ImportResult => ({ created: [], existing: [], rejected: [], pending: [] });

/** Everything pending: nothing was done, because the deadline came first. */
function allPending(table: ImportTable): ImportResult {
  const result = emptyResult();
  result.pending = table.rows.map(({ row }) => ({ row }));
  if (table.unreadFrom !== undefined) result.pending.push({ row: table.unreadFrom, message: UNREAD });
  return result;
}

/** Units by id, read eight at a time within the deadline; an id missing from the answer was not read in time. */
async function readUnits(
  units: UnitStore,
  ids: readonly string[],
  deadline: Deadline,
  late: Promise<Late>,
): Promise<Map<string, Unit | undefined>> {
  const found = new Map<string, Unit | undefined>();
  await mapLimit(ids, READ_CONCURRENCY, async (id) => {
    if (!deadline.open()) return;
    const unit = await within(
      units.getUnit(id).catch((): Late => LATE),
      late,
    );
    if (unit !== LATE) found.set(id, unit);
  });
  return found;
}

/**
 * Imports checkpoints under `unitId` (each row may name a unit below it). Re-importing the same file creates
 * nothing: a row whose ref is already registered at its unit comes back as `existing`. Within the deadline: what
 * it had no time for comes back `pending`, and nothing is left unaccounted for.
 */
export async function importCheckpoints(
  deps: RegistrationDeps,
  principal: Principal,
  unitId: string,
  source: ImportSource,
  deadline: Deadline = noDeadline(),
  options: {
    /** The id a row's checkpoint gets (an import job's: the same file's row gets the same id, never two). */
    idOf?: (row: number) => string;
  } = {},
): Promise<ImportResult> {
  const late = deadline.closed.then((): Late => LATE);
  const top = await within(deps.units.getUnit(unitId), late);
  if (top === LATE)
    return allPending(typeof source === 'function' ? { rows: [], unreadFrom: 1 } : { rows: [...source] });
  if (!top) throw new UnitNotFoundError(unitId);
  assertAllowed(principal, 'manageCheckpoints', top.path);
  const table = await tableOf(source, deadline);
  if (table.unreadFrom !== undefined || !deadline.open()) return sorted(allPending(table));

  const result = emptyResult();
  type Valid = { row: number; unitId: string; input: Parameters<typeof registerCheckpoint>[2] };
  const checked: (Valid & { problems: RowProblem[] })[] = [];
  for (const { row, values } of table.rows) {
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
    const rowUnit = values.unitId ?? top.id;
    if (!ID.test(rowUnit)) reject('unitId', `No unit ${rowUnit} under ${top.id}`);
    checked.push({
      row,
      unitId: rowUnit,
      problems,
      input: {
        ...(options.idOf ? { id: options.idOf(row) } : {}),
        kind: kind ?? 'other',
        placeName: values.placeName ?? '',
        address: values.address ?? '',
        ...(values.name ? { name: values.name } : {}),
        ...(values.ref ? { ref: values.ref } : {}),
        ...(createdAt ? { createdAt } : {}),
      },
    });
  }

  // The units the rows name, each read once: a row whose unit could not be read in time is pending.
  const unitIds = [...new Set(checked.map((c) => c.unitId))].filter((id) => id !== top.id && ID.test(id));
  const units = await readUnits(deps.units, unitIds, deadline, late);
  units.set(top.id, top);
  const refs = new Map<string, number>();
  const valid: (Valid & { unit: Unit })[] = [];
  for (const c of checked) {
    const reject = (column: string, message: string) => c.problems.push({ row: c.row, column, message });
    const known = units.has(c.unitId);
    const unit = units.get(c.unitId);
    if (known && !unit?.path.includes(top.id)) reject('unitId', `No unit ${c.unitId} under ${top.id}`);
    if (c.input.ref && (unit || !known)) {
      const key = `${c.unitId}\u0000${c.input.ref}`;
      const first = refs.get(key);
      if (first !== undefined) reject('ref', `The same ref as row ${first}`);
      else refs.set(key, c.row);
    }
    if (c.problems.length > 0) result.rejected.push(...c.problems);
    else if (!unit) result.pending.push({ row: c.row });
    else valid.push({ ...c, unit });
  }

  // Rows whose ref is already registered are answered from batched reads, not one write attempt each: a re-upload,
  // or a resend of the rows left pending, costs reads only for what is there already. A batch is read when its
  // first row comes up, and the next one is asked for meanwhile.
  const withRef = valid.filter((v) => v.input.ref);
  const batchOf = new Map(withRef.map((v, i) => [v, Math.floor(i / LOOKUP_BATCH)]));
  const lookups = new Map<number, Promise<Map<string, string>>>();
  const lookup = (batch: number) => {
    if (!lookups.has(batch) && batch * LOOKUP_BATCH < withRef.length && deadline.open()) {
      const slice = withRef.slice(batch * LOOKUP_BATCH, (batch + 1) * LOOKUP_BATCH);
      const read = deps.checkpoints.checkpointIdsByRef(
        slice.map((v) => ({ unitId: v.unit.id, ref: v.input.ref! })),
      );
      // A failed look-up only costs writes: the write itself finds a taken ref.
      lookups.set(
        batch,
        read.catch(() => new Map()),
      );
    }
    return lookups.get(batch);
  };

  await mapLimit(valid, WRITE_CONCURRENCY, async (v) => {
    if (!deadline.open()) return result.pending.push({ row: v.row });
    const batch = batchOf.get(v);
    if (batch !== undefined) {
      const read = lookup(batch);
      lookup(batch + 1);
      const known = read && (await within(read, late));
      if (!known || known === LATE) return result.pending.push({ row: v.row });
      const id = known.get(`${v.unit.id}\u0000${v.input.ref}`);
      if (id) return result.existing.push({ row: v.row, id });
      if (!deadline.open()) return result.pending.push({ row: v.row });
    }
    const outcome = await within(register(deps, v.unit, v.input), late);
    if (outcome === LATE) {
      return result.pending.push({ row: v.row, message: v.input.ref ? UNCONFIRMED_REF : UNCONFIRMED_NO_REF });
    }
    if (outcome instanceof AppError) {
      return result.rejected.push(
        ...outcome.details.map((d) => ({ row: v.row, column: d.path, message: d.message })),
      );
    }
    if (outcome === undefined) return result.pending.push({ row: v.row });
    const { id, code } = outcome.checkpoint;
    if (outcome.created) return result.created.push({ row: v.row, id, code });
    return result.existing.push({ row: v.row, id });
  });
  return sorted(result);
}

/** One registration, its failure as a value: a 400 to reject the row, undefined (the database failed) to retry it. */
async function register(
  deps: RegistrationDeps,
  unit: Unit,
  input: Parameters<typeof registerCheckpoint>[2],
): Promise<Registered | AppError | undefined> {
  try {
    return await registerCheckpoint(deps, unit, input);
  } catch (err) {
    return err instanceof AppError && err.status === 400 ? err : undefined;
  }
}

/**
 * Imports units with their parent links, parents first (a parent may be earlier in the file or already stored).
 * A unit id already stored comes back as `existing`. A token that may create no unit under any parent the file
 * names is refused whole (403), before anything is stored; in a file that is otherwise in scope, a row under a
 * parent out of scope is rejected on its own.
 */
export async function importUnits(
  deps: Parameters<typeof createUnit>[0],
  principal: Principal,
  source: ImportSource,
  deadline: Deadline = noDeadline(),
): Promise<ImportResult> {
  // The role first, before the file is read; the scope once the file says where its units go.
  assertAllowed(principal, 'manageUnits', [principal.unitId]);
  const late = deadline.closed.then((): Late => LATE);
  const table = await tableOf(source, deadline);
  if (table.unreadFrom !== undefined || !deadline.open()) return sorted(allPending(table));

  const result = emptyResult();
  const waiting = new Map<string, ImportRow & { kind?: Unit['kind'] }>();
  for (const r of table.rows) {
    const { id, name, parentId, kind } = r.values;
    const unitKind = kind ? unitKindOf(kind) : undefined;
    const reject = (column: string, message: string) => result.rejected.push({ row: r.row, column, message });
    if (!id || !ID.test(id)) reject('id', 'Lowercase letters, digits and dashes');
    else if (waiting.has(id)) reject('id', `The same id as row ${waiting.get(id)!.row}`);
    else if (!name) reject('name', 'Missing');
    else if (!parentId && id !== deps.provinceId) reject('parentId', 'Missing');
    else if (parentId && !ID.test(parentId)) reject('parentId', `No unit ${parentId}`);
    else if (kind && !unitKind) reject('kind', UNIT_KIND_MESSAGE);
    else waiting.set(id, { ...r, ...(unitKind ? { kind: unitKind } : {}) });
  }

  // Where the file's units go: the stored parents it names (and the province itself, for its root row).
  const outside = new Set(
    [...waiting.values()].map((r) => r.values.parentId!).filter((p) => p !== undefined && !waiting.has(p)),
  );
  const parents = await readUnits(deps.units, [...outside], deadline, late);
  const scopes = [...parents.values()].filter((u): u is Unit => u !== undefined).map((u) => u.path);
  if ([...waiting.values()].some((r) => !r.values.parentId)) scopes.push([deps.provinceId]);
  if (
    parents.size === outside.size &&
    scopes.length > 0 &&
    !scopes.some((path) => path.includes(principal.unitId))
  ) {
    throw new ForbiddenError('None of the units this file goes under is within the token’s scope');
  }

  // Rounds: each creates the units whose parent is stored by now, so any depth and any row order work. A unit
  // whose parent is pending is pending too.
  const pendingIds = new Set<string>();
  for (;;) {
    const ready = [...waiting.values()].filter((r) => !waiting.has(r.values.parentId ?? ''));
    if (ready.length === 0) break;
    for (const r of ready) waiting.delete(r.values.id!);
    await mapLimit(ready, WRITE_CONCURRENCY, async (r) => {
      const { id, name, parentId, code } = r.values as Record<string, string>;
      const pending = (message?: string) => {
        pendingIds.add(id!);
        result.pending.push({ row: r.row, ...(message ? { message } : {}) });
      };
      // Pending with its parent, when its parent is pending or could not be read in time.
      if (parentId && (pendingIds.has(parentId) || (outside.has(parentId) && !parents.has(parentId)))) {
        return pending();
      }
      if (!deadline.open()) return pending();
      const outcome = await within(
        createUnit(deps, principal, {
          id: id!,
          name: name!,
          ...(parentId ? { parentId } : {}),
          ...(r.kind ? { kind: r.kind } : {}),
          ...(code ? { code } : {}),
        }).catch((err: unknown) => err),
        late,
      );
      if (outcome === LATE) return pending(UNCONFIRMED_UNIT);
      if (!(outcome instanceof Error)) return result.created.push({ row: r.row, id: id! });
      if (!(outcome instanceof AppError) || outcome.status >= 500) return pending();
      if (outcome.status === 409) return result.existing.push({ row: r.row, id: id! });
      if (outcome.status === 404 || outcome.status === 403) {
        return result.rejected.push({ row: r.row, column: 'parentId', message: outcome.message });
      }
      return result.rejected.push(
        ...outcome.details.map((d) => ({ row: r.row, column: d.path, message: d.message })),
      );
    });
  }
  for (const r of waiting.values()) {
    result.rejected.push({ row: r.row, column: 'parentId', message: 'Its parent is part of a cycle' });
  }
  return sorted(result);
}

function sorted(result: ImportResult): ImportResult {
  const byRow = (a: { row: number }, b: { row: number }) => a.row - b.row;
  return {
    created: [...result.created].sort(byRow),
    existing: [...result.existing].sort(byRow),
    rejected: [...result.rejected].sort(byRow),
    pending: [...result.pending].sort(byRow),
  };
}
