/**
 * The HTTP API in one table: which Lambda serves which route, and who may call it.
 * The CDK stack (lib/) and the local server (src/local/) are both built from this list,
 * so the routes that run locally are exactly the routes deployed to AWS.
 */
export type FunctionName =
  | 'create-unit'
  | 'get-unit'
  | 'create-checkpoint'
  | 'list-checkpoints'
  | 'get-checkpoint-by-code'
  | 'get-checkpoint-qr'
  | 'create-checkin'
  | 'create-checkin-batch'
  | 'create-assisted-checkins'
  | 'create-card'
  | 'checkin-page'
  | 'run-weekly-report'
  | 'list-reports'
  | 'get-report-link'
  | 'import-units'
  | 'import-checkpoints'
  | 'rotate-checkpoint-code'
  | 'deactivate-checkpoint'
  | 'reactivate-checkpoint'
  | 'list-naming-violations'
  | 'get-checkpoint-poster'
  | 'create-unit-posters'
  | 'create-case'
  | 'list-cases'
  | 'get-case'
  | 'close-case'
  | 'list-audit'
  | 'trace-checkpoint-visitors'
  | 'trace-phone-visits'
  | 'trace-phone-contacts'
  | 'create-alert'
  | 'approve-alert'
  | 'cancel-alert'
  | 'get-alert'
  | 'list-alerts'
  | 'get-weekly-run'
  | 'weekly-run-plan'
  | 'weekly-run-unit'
  | 'weekly-run-finish'
  | 'count-checkins';

/** What a function may touch. CDK turns each entry into one least-privilege grant. */
export type Binding =
  /** GetItem: one unit, checkpoint or code. */
  | 'registry:get'
  /** BatchGetItem: an import's refs, a hundred at a time. */
  | 'registry:batch-get'
  /** GetItem and Query (a unit's children, a unit's checkpoints). */
  | 'registry:read'
  /** PutItem, alone or inside a transaction (a new unit; a checkpoint with its code). */
  | 'registry:write'
  /**
   * A conditional put of the check-in (read back when its id is taken) on `phone#` keys; a check-in by
   * checkpoint-day (a gate's replay whose card is gone).
   */
  | 'checkins:write'
  /** The check-ins table's stream read, and the daily counters and stream positions updated (UpdateItem, GetItem). */
  | 'checkins:count'
  /** A personal card's phone, by the card's code (GetItem on `card#` keys only). */
  | 'cards:read'
  /** A phone's card: read it, or claim a new code and the phone together (`card#`/`cardphone#` keys only). */
  | 'cards:issue'
  | 'activity:read'
  /** UpdateItem, inside transactions (a code rotated; a checkpoint deactivated or reactivated, with its code item). */
  | 'registry:update'
  /** DeleteItem, inside a transaction: the old code item of a rotated code. */
  | 'registry:delete'
  /** ListBucket under the province's report prefix. */
  | 'reports:list'
  /** GetObject, which a presigned link carries. */
  | 'reports:sign'
  /** GetObject: the weekly run's records and the units' summaries (src/keys.ts runKeys). */
  | 'reports:read'
  | 'reports:write'
  /** PutObject and GetObject under the province's poster prefix (a unit's posters, then a link to them). */
  | 'posters:write'
  /** A case by its id (GetItem) and the cases listed (Query on the tracing table's index): `case#` items only. */
  | 'cases:read'
  /** A new case (conditional PutItem): `case#` items only. */
  | 'cases:open'
  /** A case closed (conditional UpdateItem): `case#` items only. */
  | 'cases:close'
  /** Appends to the audit trail (conditional PutItem): never UpdateItem or DeleteItem. */
  | 'audit:append'
  /** Reads the audit trail (Query, one local day at a time). */
  | 'audit:read'
  /** PutObject and GetObject under the province's export prefix (a tracing answer as XLSX, then a link to it). */
  | 'exports:write'
  /** Contact tracing's reads: check-ins by checkpoint-day (its index) and by phone hash (`phone#` partitions). */
  | 'checkins:trace'
  /** Hash and seal phone numbers: the hash secret (GetSecretValue) and data keys of the phone key, no Decrypt. */
  | 'phones:seal'
  /** Hash and open phone numbers: the hash secret and kms:Decrypt on the phone key (tracing exports, alerts). */
  | 'phones:open'
  /** A new exposure alert (conditional PutItem): `alert#` items of the tracing table only. */
  | 'alerts:draft'
  /** An alert by its id (GetItem) and the alerts listed (Query on the tracing index): `alert#` items only. */
  | 'alerts:read'
  /** An alert approved or cancelled (conditional UpdateItem): `alert#` items only. */
  | 'alerts:update';

export interface FunctionSpec {
  /** Path of the Lambda entry, relative to the repository root. */
  entry: string;
  bindings: readonly Binding[];
  /** Report generation streams large files: it gets more memory and time than the API handlers. */
  heavy?: boolean;
}

/** A tracing query: its open case, its audit record, the checkpoints and check-ins it reads, the numbers it opens. */
const TRACE_BINDINGS: readonly Binding[] = [
  'cases:read',
  'audit:append',
  'registry:get',
  'checkins:trace',
  'phones:open',
  'exports:write',
];

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  'create-unit': { entry: 'functions/create-unit.ts', bindings: ['registry:get', 'registry:write'] },
  'get-unit': { entry: 'functions/get-unit.ts', bindings: ['registry:read'] },
  'create-checkpoint': {
    entry: 'functions/create-checkpoint.ts',
    bindings: ['registry:get', 'registry:write'],
  },
  'list-checkpoints': { entry: 'functions/list-checkpoints.ts', bindings: ['registry:read'] },
  'get-checkpoint-by-code': { entry: 'functions/get-checkpoint-by-code.ts', bindings: ['registry:get'] },
  'get-checkpoint-qr': { entry: 'functions/get-checkpoint-qr.ts', bindings: ['registry:get'] },
  'create-checkin': {
    entry: 'functions/create-checkin.ts',
    bindings: ['registry:get', 'checkins:write', 'phones:seal'],
  },
  'create-checkin-batch': {
    entry: 'functions/create-checkin-batch.ts',
    bindings: ['registry:get', 'checkins:write', 'phones:seal'],
  },
  'create-assisted-checkins': {
    entry: 'functions/create-assisted-checkins.ts',
    bindings: ['registry:get', 'checkins:write', 'cards:read', 'phones:seal'],
  },
  'create-card': { entry: 'functions/create-card.ts', bindings: ['cards:issue', 'phones:seal'] },
  'checkin-page': { entry: 'functions/checkin-page.ts', bindings: [] },
  // Records the run and starts the state machine (lib/weekly-run.ts grants the StartExecution).
  'run-weekly-report': { entry: 'functions/run-weekly-report.ts', bindings: ['reports:write'] },
  'list-reports': { entry: 'functions/list-reports.ts', bindings: ['registry:get', 'reports:list'] },
  'get-report-link': {
    entry: 'functions/get-report-link.ts',
    bindings: ['registry:get', 'reports:list', 'reports:sign'],
  },
  'import-units': { entry: 'functions/import-units.ts', bindings: ['registry:get', 'registry:write'] },
  'import-checkpoints': {
    entry: 'functions/import-checkpoints.ts',
    bindings: ['registry:get', 'registry:batch-get', 'registry:write'],
    heavy: true,
  },
  'rotate-checkpoint-code': {
    entry: 'functions/rotate-checkpoint-code.ts',
    bindings: ['registry:get', 'registry:write', 'registry:update', 'registry:delete'],
  },
  'deactivate-checkpoint': {
    entry: 'functions/deactivate-checkpoint.ts',
    bindings: ['registry:get', 'registry:update'],
  },
  'reactivate-checkpoint': {
    entry: 'functions/reactivate-checkpoint.ts',
    bindings: ['registry:get', 'registry:update'],
  },
  'list-naming-violations': { entry: 'functions/list-naming-violations.ts', bindings: ['registry:read'] },
  'get-checkpoint-poster': { entry: 'functions/get-checkpoint-poster.ts', bindings: ['registry:get'] },
  'create-unit-posters': {
    entry: 'functions/create-unit-posters.ts',
    bindings: ['registry:read', 'posters:write'],
    heavy: true,
  },
  'create-case': {
    entry: 'functions/create-case.ts',
    bindings: ['registry:get', 'cases:open', 'audit:append'],
  },
  'list-cases': { entry: 'functions/list-cases.ts', bindings: ['cases:read'] },
  'get-case': { entry: 'functions/get-case.ts', bindings: ['cases:read'] },
  'close-case': { entry: 'functions/close-case.ts', bindings: ['cases:read', 'cases:close', 'audit:append'] },
  'list-audit': { entry: 'functions/list-audit.ts', bindings: ['audit:read'] },
  'trace-checkpoint-visitors': { entry: 'functions/trace-checkpoint-visitors.ts', bindings: TRACE_BINDINGS },
  'trace-phone-visits': { entry: 'functions/trace-phone-visits.ts', bindings: TRACE_BINDINGS },
  'trace-phone-contacts': { entry: 'functions/trace-phone-contacts.ts', bindings: TRACE_BINDINGS },
  // Drafting an alert counts its recipients (check-ins through the tracing indexes) but opens no number.
  'create-alert': {
    entry: 'functions/create-alert.ts',
    bindings: ['cases:read', 'audit:append', 'registry:get', 'checkins:trace', 'alerts:draft'],
  },
  'approve-alert': {
    entry: 'functions/approve-alert.ts',
    bindings: ['alerts:read', 'alerts:update', 'audit:append'],
  },
  'cancel-alert': {
    entry: 'functions/cancel-alert.ts',
    bindings: ['alerts:read', 'alerts:update', 'audit:append'],
  },
  'get-alert': { entry: 'functions/get-alert.ts', bindings: ['alerts:read'] },
  'list-alerts': { entry: 'functions/list-alerts.ts', bindings: ['alerts:read'] },
  'get-weekly-run': { entry: 'functions/get-weekly-run.ts', bindings: ['reports:read'] },
  // The weekly-run state machine's tasks (lib/weekly-run.ts): the plan, one unit, the end.
  'weekly-run-plan': {
    entry: 'functions/weekly-run-plan.ts',
    bindings: ['registry:read', 'reports:read', 'reports:write'],
    heavy: true,
  },
  'weekly-run-unit': {
    entry: 'functions/weekly-run-unit.ts',
    bindings: ['registry:read', 'activity:read', 'reports:read', 'reports:write'],
    heavy: true,
  },
  'weekly-run-finish': {
    entry: 'functions/weekly-run-finish.ts',
    bindings: ['registry:read', 'reports:read', 'reports:write'],
    heavy: true,
  },
  // Every minute (lib/counting.ts): the check-ins stored since, counted from the stream in batches.
  'count-checkins': { entry: 'functions/count-checkins.ts', bindings: ['checkins:count'] },
};

export type Access = 'public' | 'staff';

export interface RouteSpec {
  method: 'GET' | 'POST';
  /** API Gateway route path, `{name}` for a path parameter. */
  path: string;
  fn: FunctionName;
  access: Access;
  /** Tighter than the stage's throttling: a public route that stores something per call. */
  throttle?: { rateLimit: number; burstLimit: number };
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/v1/units', fn: 'create-unit', access: 'staff' },
  { method: 'GET', path: '/v1/units/{unitId}', fn: 'get-unit', access: 'staff' },
  { method: 'POST', path: '/v1/units/{unitId}/checkpoints', fn: 'create-checkpoint', access: 'staff' },
  { method: 'GET', path: '/v1/units/{unitId}/checkpoints', fn: 'list-checkpoints', access: 'staff' },
  { method: 'GET', path: '/v1/checkpoints/by-code/{code}', fn: 'get-checkpoint-by-code', access: 'public' },
  { method: 'GET', path: '/v1/checkpoints/{id}/qr.svg', fn: 'get-checkpoint-qr', access: 'staff' },
  { method: 'GET', path: '/v1/checkpoints/{id}/qr.png', fn: 'get-checkpoint-qr', access: 'staff' },
  { method: 'POST', path: '/v1/checkins', fn: 'create-checkin', access: 'public' },
  { method: 'POST', path: '/v1/checkins/batch', fn: 'create-checkin-batch', access: 'public' },
  // Gate staff record check-ins for people without a smartphone: a phone typed in, or a personal card scanned.
  { method: 'POST', path: '/v1/checkpoints/{id}/checkins', fn: 'create-assisted-checkins', access: 'staff' },
  // Anyone may print a card, but a card is a year-long record: a script cannot print thousands a minute.
  {
    method: 'POST',
    path: '/v1/cards',
    fn: 'create-card',
    access: 'public',
    throttle: { rateLimit: 2, burstLimit: 10 },
  },
  { method: 'GET', path: '/c/{code}', fn: 'checkin-page', access: 'public' },
  // Where a poster sends someone whose camera cannot scan: type the printed code.
  { method: 'GET', path: '/c', fn: 'checkin-page', access: 'public' },
  // The gate staff's page (assisted check-ins, personal cards): static; its staff token stays in the browser.
  { method: 'GET', path: '/g/{code}', fn: 'checkin-page', access: 'public' },
  // The service worker that lets /c/ and /g/ pages open without a connection.
  { method: 'GET', path: '/sw.js', fn: 'checkin-page', access: 'public' },
  { method: 'POST', path: '/v1/reports/weekly', fn: 'run-weekly-report', access: 'staff' },
  { method: 'GET', path: '/v1/units/{unitId}/reports', fn: 'list-reports', access: 'staff' },
  { method: 'GET', path: '/v1/units/{unitId}/reports/{start}', fn: 'get-report-link', access: 'staff' },
  { method: 'POST', path: '/v1/units/import', fn: 'import-units', access: 'staff' },
  {
    method: 'POST',
    path: '/v1/units/{unitId}/checkpoints/import',
    fn: 'import-checkpoints',
    access: 'staff',
  },
  { method: 'POST', path: '/v1/checkpoints/{id}/rotate-code', fn: 'rotate-checkpoint-code', access: 'staff' },
  { method: 'POST', path: '/v1/checkpoints/{id}/deactivate', fn: 'deactivate-checkpoint', access: 'staff' },
  { method: 'POST', path: '/v1/checkpoints/{id}/reactivate', fn: 'reactivate-checkpoint', access: 'staff' },
  {
    method: 'GET',
    path: '/v1/units/{unitId}/naming-violations',
    fn: 'list-naming-violations',
    access: 'staff',
  },
  { method: 'GET', path: '/v1/checkpoints/{id}/poster.pdf', fn: 'get-checkpoint-poster', access: 'staff' },
  { method: 'POST', path: '/v1/units/{unitId}/posters', fn: 'create-unit-posters', access: 'staff' },
  // Contact tracing: every query names an open case of the token's scope, and is audited.
  { method: 'POST', path: '/v1/cases', fn: 'create-case', access: 'staff' },
  { method: 'GET', path: '/v1/cases', fn: 'list-cases', access: 'staff' },
  { method: 'GET', path: '/v1/cases/{caseId}', fn: 'get-case', access: 'staff' },
  { method: 'POST', path: '/v1/cases/{caseId}/close', fn: 'close-case', access: 'staff' },
  { method: 'GET', path: '/v1/audit', fn: 'list-audit', access: 'staff' },
  { method: 'GET', path: '/v1/checkpoints/{id}/visitors', fn: 'trace-checkpoint-visitors', access: 'staff' },
  { method: 'GET', path: '/v1/phones/{phone}/visits', fn: 'trace-phone-visits', access: 'staff' },
  { method: 'GET', path: '/v1/phones/{phone}/contacts', fn: 'trace-phone-contacts', access: 'staff' },
  // Exposure alerts: drafted for an open case, approved by a second staff member, sent once per phone.
  { method: 'POST', path: '/v1/alerts', fn: 'create-alert', access: 'staff' },
  { method: 'GET', path: '/v1/alerts', fn: 'list-alerts', access: 'staff' },
  { method: 'GET', path: '/v1/alerts/{id}', fn: 'get-alert', access: 'staff' },
  { method: 'POST', path: '/v1/alerts/{id}/approve', fn: 'approve-alert', access: 'staff' },
  { method: 'POST', path: '/v1/alerts/{id}/cancel', fn: 'cancel-alert', access: 'staff' },
  { method: 'GET', path: '/v1/reports/runs/{runId}', fn: 'get-weekly-run', access: 'staff' },
];

/**
 * How long a function may run, in seconds (lib/ sizes the Lambdas from these; the local server counts its
 * context's remaining time down from them). Behind a route a function must answer within API Gateway's 30 s
 * integration limit; the scheduled report answers no one and keeps minutes.
 */
export const TIMEOUT_SECONDS = { api: 10, heavyApi: 29, heavy: 300 } as const;

export function timeoutSecondsOf(name: FunctionName): number {
  if (!FUNCTIONS[name].heavy) return TIMEOUT_SECONDS.api;
  return ROUTES.some((route) => route.fn === name) ? TIMEOUT_SECONDS.heavyApi : TIMEOUT_SECONDS.heavy;
}

/** Claims the JWT carries, in Cognito's custom-attribute form (an ID token carries them). */
export const CLAIM_ROLE = 'custom:role';
export const CLAIM_UNIT = 'custom:unit';
