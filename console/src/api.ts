/**
 * The console's only door to the API: every call, its types and its errors. Request bodies are typed from the
 * OpenAPI document the handlers' zod schemas generate (src/openapi/api.d.ts, `npm run openapi`): a field renamed in
 * a handler fails the console's type check. Answers mirror docs/API.md and src/render/json.ts.
 */
import type { operations } from '../../src/openapi/api.d.ts';
import { session } from './session.ts';

/** The JSON body an operation of the OpenAPI document takes. */
type BodyOf<O extends keyof operations> = operations[O] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** PATCH /v1/checkpoints/{id}: the fields to change, or `{applyNamingRule: true}`. */
export type CheckpointPatch = BodyOf<'patchV1CheckpointsId'>;

export interface FieldError {
  path: string;
  message: string;
}

/** The contract's error shape, with the HTTP status. A 403 is a refusal, never an empty answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
  }
  get refused(): boolean {
    return this.status === 403;
  }
  /** The error of one field, by its path as the API names it (`placeName`, `checkpoints.3.kind`). */
  field(path: string): FieldError | undefined {
    return this.details.find((d) => d.path === path);
  }
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface Unit {
  id: string;
  name: string;
  parentId?: string;
  kind?: string;
  children?: Unit[];
}

export interface Period {
  start: string;
  end: string;
}

export interface Figures {
  checkpointsTotal: number;
  checkpointsNew: number;
  checkins: number;
  activeCheckpoints: number;
  namingViolations: number;
  /** Percent with two decimals, null when nothing was created. */
  activeRatio: number | null;
}

export interface ReportRow extends Figures {
  unitId: string;
  unitName: string;
  previous: Figures;
  change: Figures;
}

export interface ListedCheckpoint {
  checkpointId: string;
  code: string;
  name: string;
  kind: string;
  unitId: string;
  unitName: string;
  createdAt: string;
  canonicalName: string;
}

export interface IdleCheckpoint extends ListedCheckpoint {
  lastActiveDay: string | null;
}

export interface RankedUnit {
  unitId: string;
  unitName: string;
  checkpointsTotal: number;
  activeCheckpoints: number;
  ratio: number | null;
}

export interface CheckpointRow {
  checkpointId: string;
  code: string;
  name: string;
  kind: string;
  createdAt: string;
  registered: boolean;
  checkins: number;
  previousCheckins: number;
  change: { checkins: number };
}

/** The stored JSON report (src/render/json.ts JsonReport): the console shows its figures, never recomputes them. */
export interface Report {
  provinceId: string;
  unit: { id: string; name: string };
  period: Period;
  previousPeriod: Period;
  level: string;
  generatedAt: string;
  columns: string[];
  rows: ReportRow[];
  checkpoints: CheckpointRow[];
  totals: Figures;
  previousTotals: Figures;
  change: Figures;
  idle: IdleCheckpoint[];
  ranking: RankedUnit[];
  newCheckpoints: ListedCheckpoint[];
  misnamed: ListedCheckpoint[];
  daily: { days: string[]; series: { id: string; name: string; values: number[] }[] };
  listTotals?: { idle: number; newCheckpoints: number; misnamed: number };
}

export const REPORT_FORMATS = ['xlsx', 'csv', 'json', 'png'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const CHECKPOINT_KINDS = {
  'state-office': 'Cơ quan',
  school: 'Trường học',
  hospital: 'Cơ sở y tế',
  factory: 'Nhà máy',
  shop: 'Cửa hàng',
  market: 'Chợ',
  restaurant: 'Nhà hàng',
  hotel: 'Khách sạn',
  religious: 'Cơ sở tôn giáo',
  transport: 'Giao thông',
  other: 'Địa điểm',
} as const;
export type CheckpointKind = keyof typeof CHECKPOINT_KINDS;

export interface Checkpoint {
  id: string;
  code: string;
  name: string;
  kind: CheckpointKind;
  placeName: string;
  address: string;
  ref?: string;
  unitId: string;
  createdAt: string;
  active: boolean;
  qrUrl: string;
  followsNamingRule: boolean;
  canonicalName?: string;
  /** With a subtree listing: the checkpoint's unit. */
  unitName?: string;
}

/** A staff account (GET /v1/users). */
export interface StaffUser {
  username: string;
  email: string;
  name?: string;
  role: 'admin' | 'unit-manager' | 'tracer';
  unitId: string;
  enabled: boolean;
  weeklyEmail: boolean;
  createdAt: string;
}

/** A tracing case (GET /v1/cases). */
export interface Case {
  id: string;
  ref: string;
  reason: string;
  unitId: string;
  status: 'open' | 'closed';
  openedBy: string;
  openedAt: string;
  closedAt?: string;
}

/** One row of a tracing answer: a visit (visitors, visits) or a contact; phones as the API gives them. */
export interface TraceRow {
  phone?: string;
  checkpointId: string;
  checkpointName?: string;
  unitId?: string;
  in?: string;
  out?: string;
  from?: string;
  to?: string;
  overlapMinutes?: number;
  companions?: number;
  ring?: 1 | 2;
  via?: string;
}

export type TraceKind = 'contacts' | 'visits' | 'visitors';

/** An exposure alert (GET /v1/alerts): counts, never a number. */
export interface Alert {
  id: string;
  caseId: string;
  checkpointIds: string[];
  from: string;
  to: string;
  template: 'exposure' | 'get-tested';
  status: 'draft' | 'sending' | 'sent' | 'cancelled';
  recipients: number;
  sent: number;
  failed?: number;
  createdBy: string;
  approvedBy?: string;
}

/** One audit record (GET /v1/audit): who asked what, for which case; a phone only as its keyed hash. */
export interface AuditRecord {
  at: string;
  subject: string;
  role: string;
  unitId: string;
  action: string;
  /** Absent for an access outside any case (a gate link made: `gate-link.create`). */
  caseId?: string;
  target: string;
  from?: string;
  to?: string;
  results?: number;
}

/** One problem of an imported file's row: the sheet's row number, the column (the API's field name) and why. */
export interface RowProblem {
  row: number;
  column: string;
  message: string;
}

export type ImportWhat = 'checkpoints' | 'units';

/** POST /v1/imports: the job, and where its file goes (a presigned PUT straight to storage). */
export interface StartedImport {
  importId: string;
  status: ImportJob['status'];
  upload: { url: string; method: 'PUT'; headers: Record<string, string>; expiresAt: string };
}

/** GET /v1/imports/{id} (src/core/import-jobs.ts): how far the job got, what it made, each row's problems. */
export interface ImportJob {
  importId: string;
  what: ImportWhat;
  unitId: string;
  status: 'waiting' | 'running' | 'succeeded' | 'failed';
  /** Data rows in the file, once the job has read it. */
  rows?: number;
  /** Rows handled so far. */
  position: number;
  created: number;
  existing: number;
  rejectedRows: number;
  /** The first problems (the API keeps up to 1,000). */
  problems: RowProblem[];
  pending: { row: number; message?: string }[];
  error?: { code: string; message: string; details: FieldError[] };
}

/** A gate link (POST /v1/checkpoints/{id}/gate-links): the tablet's page with its shift-long token, and its QR. */
export interface GateLink {
  url: string;
  expiresAt: string;
  checkpointId: string;
  code: string;
  hours: number;
  /** The QR of `url`, an SVG document. */
  qrSvg: string;
}

export interface CheckpointFilter {
  q?: string;
  kind?: CheckpointKind;
  active?: boolean;
  namingViolation?: boolean;
  /** Also every unit's below it (each item then carries `unitName`). */
  subtree?: boolean;
  /** Only checkpoints without a check-in in the last 7 days. */
  idle?: boolean;
}

type Query = Record<string, string | number | boolean | undefined>;

function pathOf(path: string, query?: Query): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

const enc = encodeURIComponent;

function tracePath(kind: TraceKind, target: string): string {
  return kind === 'visitors'
    ? `/v1/checkpoints/${enc(target)}/visitors`
    : `/v1/phones/${enc(target)}/${kind}`;
}

/** The API's base: the console's own origin (locally the same server; in AWS CloudFront sends /v1/* to the API). */
let apiBase = '';
export function setApiBase(base: string): void {
  apiBase = base.replace(/\/+$/, '');
}

async function send(method: string, path: string, init: { query?: Query; body?: unknown } = {}) {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${apiBase}${pathOf(path, init.query)}`, {
    method,
    headers,
    credentials: 'omit',
    cache: 'no-store',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (res.status === 401) session.expired();
  if (!res.ok) throw await toError(res);
  return res;
}

async function toError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string; details?: FieldError[] } }
    | undefined;
  const error = body?.error;
  return new ApiError(
    res.status,
    error?.code ?? (res.status === 401 ? 'unauthorized' : `http_${res.status}`),
    error?.message ?? res.statusText,
    error?.details ?? [],
  );
}

async function json<T>(method: string, path: string, init?: { query?: Query; body?: unknown }): Promise<T> {
  return (await (await send(method, path, init)).json()) as T;
}

export const api = {
  unit: (unitId: string) => json<Unit>('GET', `/v1/units/${enc(unitId)}`),
  createUnit: (body: BodyOf<'postV1Units'>) => json<Unit>('POST', '/v1/units', { body }),
  /** Rename or move a unit (admin): its subtree and checkpoints follow; `done: false` when the rest must be sent again. */
  updateUnit: (unitId: string, body: BodyOf<'patchV1UnitsUnitId'>) =>
    json<Unit & { followed: { units: number; checkpoints: number; done: boolean } }>(
      'PATCH',
      `/v1/units/${enc(unitId)}`,
      { body },
    ),
  reportPeriods: (unitId: string) => json<{ items: Period[] }>('GET', `/v1/units/${enc(unitId)}/reports`),
  /** The stored JSON report itself (GET …/reports/{start}/data). */
  report: (unitId: string, start: string) =>
    json<Report>('GET', `/v1/units/${enc(unitId)}/reports/${enc(start)}/data`),
  /** A fresh short-lived signed link, asked at the moment it is used. */
  reportLink: (unitId: string, start: string, format: ReportFormat) =>
    json<{ url: string; expiresAt: string }>('GET', `/v1/units/${enc(unitId)}/reports/${enc(start)}`, {
      query: { format },
    }),
  checkpoints: (unitId: string, filter: CheckpointFilter, nextToken?: string, limit = 25) =>
    json<Page<Checkpoint>>('GET', `/v1/units/${enc(unitId)}/checkpoints`, {
      query: { ...filter, limit, nextToken },
    }),
  createCheckpoint: (unitId: string, body: BodyOf<'postV1UnitsUnitIdCheckpoints'>) =>
    json<Checkpoint>('POST', `/v1/units/${enc(unitId)}/checkpoints`, { body }),
  /** Edit a checkpoint's fields, or `{applyNamingRule: true}`: give it the rule's name. */
  updateCheckpoint: (id: string, body: BodyOf<'patchV1CheckpointsId'>) =>
    json<Checkpoint>('PATCH', `/v1/checkpoints/${enc(id)}`, { body }),
  /** Every misnamed checkpoint of the unit (and below it) renamed to the rule; `done: false`: send again. */
  renameViolations: (unitId: string, body: BodyOf<'postV1UnitsUnitIdNamingViolationsRename'>) =>
    json<{ renamed: number; done: boolean }>('POST', `/v1/units/${enc(unitId)}/naming-violations/rename`, {
      body,
    }),
  cases: (status: 'open' | 'closed') =>
    json<Page<Case>>('GET', '/v1/cases', { query: { status, limit: 50 } }),
  openCase: (body: BodyOf<'postV1Cases'>) => json<Case>('POST', '/v1/cases', { body }),
  closeCase: (caseId: string) => json<Case>('POST', `/v1/cases/${enc(caseId)}/close`),
  /** A tracing query in a case: a phone's contacts or visits, or a checkpoint's visitors, in [from, to). */
  trace: (kind: TraceKind, target: string, query: { caseId: string; from: string; to: string }) =>
    json<{ items: TraceRow[]; secondRingCut?: boolean }>('GET', tracePath(kind, target), { query }),
  /** The same query as an XLSX for the case file: a short-lived signed link, asked for at the click. */
  traceExport: (kind: TraceKind, target: string, query: { caseId: string; from: string; to: string }) =>
    json<{ url: string; expiresAt: string }>('GET', tracePath(kind, target), {
      query: { ...query, format: 'xlsx' },
    }),
  alerts: () => json<Page<Alert>>('GET', '/v1/alerts', { query: { limit: 50 } }),
  draftAlert: (body: BodyOf<'postV1Alerts'>) => json<Alert>('POST', '/v1/alerts', { body }),
  approveAlert: (id: string) => json<Alert>('POST', `/v1/alerts/${enc(id)}/approve`),
  cancelAlert: (id: string) => json<Alert>('POST', `/v1/alerts/${enc(id)}/cancel`),
  /** The province's kill switch (an admin of the province's root unit): no alert sends another text until resumed. */
  pauseAlerts: () => json<{ paused: boolean }>('POST', '/v1/alerts/pause'),
  resumeAlerts: () => json<{ paused: boolean; requeued: number }>('POST', '/v1/alerts/resume'),
  audit: (from: string, to: string) =>
    json<Page<AuditRecord>>('GET', '/v1/audit', { query: { from, to, limit: 100 } }),
  /** The staff accounts of a unit and every unit below it (admin). */
  users: (unitId: string) => json<{ items: StaffUser[] }>('GET', '/v1/users', { query: { unitId } }),
  /** A new account; without a password the directory makes one (Cognito e-mails it; locally it is answered once). */
  createUser: (body: BodyOf<'postV1Users'>) =>
    json<StaffUser & { temporaryPassword?: string }>('POST', '/v1/users', { body }),
  disableUser: (username: string) => json<StaffUser>('POST', `/v1/users/${enc(username)}/disable`),
  /** The posters of a unit's checkpoints (and, with `subtree`, of every unit below it) as one PDF: a signed link. */
  unitPosters: (unitId: string, body: BodyOf<'postV1UnitsUnitIdPosters'>) =>
    json<{ url: string; expiresAt: string; checkpoints: number }>(
      'POST',
      `/v1/units/${enc(unitId)}/posters`,
      {
        body,
      },
    ),
  rotateCode: (id: string) => json<Checkpoint>('POST', `/v1/checkpoints/${enc(id)}/rotate-code`),
  /** A link (and its QR) for the checkpoint's gate tablet: that checkpoint only, `hours` (1–12, default 12). */
  gateLink: (id: string, body: BodyOf<'postV1CheckpointsIdGateLinks'>) =>
    json<GateLink>('POST', `/v1/checkpoints/${enc(id)}/gate-links`, { body }),
  deactivate: (id: string) => json<Checkpoint>('POST', `/v1/checkpoints/${enc(id)}/deactivate`),
  reactivate: (id: string) => json<Checkpoint>('POST', `/v1/checkpoints/${enc(id)}/reactivate`),
  /** An import job for a spreadsheet (checkpoints under a unit, or units): its file is PUT to `upload.url`. */
  startImport: (body: BodyOf<'postV1Imports'>) => json<StartedImport>('POST', '/v1/imports', { body }),
  importJob: (importId: string) => json<ImportJob>('GET', `/v1/imports/${enc(importId)}`),
  /** A person's QR card (a card-sized PDF); `created: false` when the phone already had one (the same code). */
  card: async (body: BodyOf<'postV1Cards'>) => {
    const res = await send('POST', '/v1/cards', { body });
    return { pdf: await res.blob(), created: res.status === 201 };
  },
  /** The poster PDF, fetched with the token (the route is a staff route): a blob to open or save. */
  poster: async (id: string) => (await send('GET', `/v1/checkpoints/${enc(id)}/poster.pdf`)).blob(),
};
