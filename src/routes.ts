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
  | 'get-report'
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
  | 'pause-alerts'
  | 'resume-alerts'
  | 'send-alert-batch'
  | 'get-weekly-run'
  | 'weekly-run-plan'
  | 'weekly-run-unit'
  | 'weekly-run-finish'
  | 'create-import'
  | 'get-import'
  | 'process-import'
  | 'update-checkpoint'
  | 'rename-naming-violations'
  | 'update-unit'
  | 'get-me'
  | 'list-users'
  | 'create-user'
  | 'disable-user'
  | 'update-my-subscription'
  | 'get-openapi'
  | 'send-report-mail'
  | 'count-checkins'
  | 'create-gate-link'
  | 'authorize-gate';

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
  | 'alerts:update'
  /** An import job recorded (PutObject on its record) and its upload presigned (PutObject on its upload key). */
  | 'imports:start'
  /** An import job's record (GetObject). */
  | 'imports:read'
  /** Running a job: its upload and record read, its record written, the rest queued (SendMessage). */
  | 'imports:run'
  /** SendMessage to the province's alert queue (lib/alert-sending.ts), which it brings as ALERT_QUEUE. */
  | 'alerts:enqueue'
  /**
   * The queue's consumer: an alert and the kill switch (GetItem), the per-phone markers (conditional PutItem,
   * DeleteItem on `alert#*#to#*` keys) and the alert's counts (UpdateItem): `alert#` items only.
   */
  | 'alerts:deliver'
  /** The kill switch set (UpdateItem on the one `alert#switch` item). */
  | 'alerts:switch'
  /** SendTextMessage from the province's End User Messaging SMS pool only (cdk.json alertSms.poolId). */
  | 'sms:send'
  /** The province's staff accounts listed (Cognito ListUsers). */
  | 'users:read'
  /** A staff account created (AdminCreateUser). */
  | 'users:create'
  /** A staff account read and disabled, its sessions ended (AdminGetUser, AdminDisableUser, AdminUserGlobalSignOut). */
  | 'users:disable'
  /** A staff member's own Friday e-mail opt-out (AdminUpdateUserAttributes, AdminGetUser). */
  | 'users:subscribe'
  /** SendMessage to the report e-mails' queue (and REPORT_MAIL): the Friday delivery's notices. */
  | 'mail:enqueue'
  /** The report e-mails' markers (conditional PutItem, DeleteItem): `mail#` items of the registry only. */
  | 'mail:claim'
  /** SendEmail as the province's SES identity only (and MAIL_FROM, CONSOLE_URL). */
  | 'mail:send'
  /** kms:Sign with the province's gate key (and GATE_KEY_ID): a gate link's token made. */
  | 'gate:sign'
  /** kms:GetPublicKey of the gate key (and GATE_KEY_ID): a gate link's token checked. */
  | 'gate:verify';

export interface FunctionSpec {
  /** Path of the Lambda entry, relative to the repository root. */
  entry: string;
  bindings: readonly Binding[];
  /** Report generation streams large files: it gets more memory and time than the API handlers. */
  heavy?: boolean;
  /** A function no route invokes, with a timeout of its own in seconds (the alert queue's consumer). */
  timeoutSeconds?: number;
}

/** The alert queue's consumer: its queue's visibility timeout is six times this (lib/alert-sending.ts). */
export const TIMEOUT_SECONDS_OF_CONSUMER = 120;

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
  // A unit's (or a subtree's) checkpoints; the idle filter reads each listed checkpoint's last active day.
  'list-checkpoints': {
    entry: 'functions/list-checkpoints.ts',
    bindings: ['registry:read', 'activity:read'],
  },
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
  // The stored JSON report, read back whole for the console (GetObject; the listing tells a missing key apart).
  'get-report': {
    entry: 'functions/get-report.ts',
    bindings: ['registry:get', 'reports:list', 'reports:read'],
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
  // Heavy, as approving: counting 50,000 recipients reads their 100,000 check-ins within 29 s.
  'create-alert': {
    entry: 'functions/create-alert.ts',
    bindings: ['cases:read', 'audit:append', 'registry:get', 'checkins:trace', 'alerts:draft'],
    heavy: true,
  },
  // Approving finds the recipients again (check-ins through the tracing indexes, each checkpoint's name) and
  // enqueues them, sealed: it opens no number. Heavy: 50,000 recipients are read and enqueued within 29 s.
  'approve-alert': {
    entry: 'functions/approve-alert.ts',
    bindings: [
      'alerts:read',
      'alerts:update',
      'audit:append',
      'registry:get',
      'checkins:trace',
      'alerts:enqueue',
    ],
    heavy: true,
  },
  'cancel-alert': {
    entry: 'functions/cancel-alert.ts',
    bindings: ['alerts:read', 'alerts:update', 'audit:append'],
  },
  'get-alert': { entry: 'functions/get-alert.ts', bindings: ['alerts:read'] },
  'list-alerts': { entry: 'functions/list-alerts.ts', bindings: ['alerts:read'] },
  // The kill switch: pausing only sets it; resuming also enqueues every alert still sending again.
  'pause-alerts': { entry: 'functions/pause-alerts.ts', bindings: ['alerts:switch', 'audit:append'] },
  'resume-alerts': {
    entry: 'functions/resume-alerts.ts',
    bindings: [
      'alerts:switch',
      'alerts:read',
      'alerts:update',
      'audit:append',
      'registry:get',
      'checkins:trace',
      'alerts:enqueue',
    ],
    heavy: true,
  },
  // The alert queue's consumer (SQS event source, lib/alert-sending.ts): the only function that opens numbers to
  // text them. 100 phones a message, each a few store calls and one SendTextMessage (retried on a throttle).
  'send-alert-batch': {
    entry: 'functions/send-alert-batch.ts',
    bindings: ['alerts:deliver', 'phones:open', 'sms:send'],
    timeoutSeconds: TIMEOUT_SECONDS_OF_CONSUMER,
  },
  'get-weekly-run': { entry: 'functions/get-weekly-run.ts', bindings: ['reports:read'] },
  // The weekly-run state machine's tasks (lib/weekly-run.ts): the plan, one unit, the end.
  'weekly-run-plan': {
    entry: 'functions/weekly-run-plan.ts',
    bindings: ['registry:read', 'reports:read', 'reports:write'],
    heavy: true,
  },
  'weekly-run-unit': {
    entry: 'functions/weekly-run-unit.ts',
    bindings: ['registry:read', 'activity:read', 'reports:read', 'reports:write', 'mail:enqueue'],
    heavy: true,
  },
  'weekly-run-finish': {
    entry: 'functions/weekly-run-finish.ts',
    bindings: ['registry:read', 'reports:read', 'reports:write'],
    heavy: true,
  },
  // Imports as jobs (lib/imports.ts): a file of any size goes straight to S3; its arrival runs the job.
  'create-import': { entry: 'functions/create-import.ts', bindings: ['registry:get', 'imports:start'] },
  'get-import': { entry: 'functions/get-import.ts', bindings: ['registry:get', 'imports:read'] },
  'process-import': {
    entry: 'functions/process-import.ts',
    bindings: ['registry:get', 'registry:batch-get', 'registry:write', 'imports:run'],
    heavy: true,
  },
  // The checkpoint (and its unit, for a `{unit}` in the rule), then the checkpoint and its code item together.
  'update-checkpoint': {
    entry: 'functions/update-checkpoint.ts',
    bindings: ['registry:get', 'registry:update'],
  },
  // A unit's subtree and its misnamed checkpoints (queries), each renamed with its code item.
  'rename-naming-violations': {
    entry: 'functions/rename-naming-violations.ts',
    bindings: ['registry:read', 'registry:update'],
  },
  // The unit, then (a move) its subtree's units and checkpoints: read on the index, updated in place.
  'update-unit': {
    entry: 'functions/update-unit.ts',
    bindings: ['registry:read', 'registry:update'],
  },
  // The token's unit and the units above it, by key.
  'get-me': { entry: 'functions/get-me.ts', bindings: ['registry:get'] },
  // Staff accounts (the province's user pool): the scope's units on the index, then the pool's users.
  'list-users': { entry: 'functions/list-users.ts', bindings: ['registry:read', 'users:read'] },
  'create-user': { entry: 'functions/create-user.ts', bindings: ['registry:get', 'users:create'] },
  'disable-user': { entry: 'functions/disable-user.ts', bindings: ['registry:get', 'users:disable'] },
  'update-my-subscription': { entry: 'functions/update-my-subscription.ts', bindings: ['users:subscribe'] },
  // The OpenAPI document, bundled with the function: nothing to read.
  'get-openapi': { entry: 'functions/get-openapi.ts', bindings: [] },
  // The Friday delivery's mailer (lib/report-mail.ts): consumes the queue, reads the stored JSON report, lists the
  // unit's staff in the user pool, claims each recipient, sends through SES.
  'send-report-mail': {
    entry: 'functions/send-report-mail.ts',
    bindings: ['reports:read', 'users:read', 'mail:claim', 'mail:send'],
  },
  // Every minute (lib/counting.ts): the check-ins stored since, counted from the stream in batches.
  'count-checkins': { entry: 'functions/count-checkins.ts', bindings: ['checkins:count'] },
  // A gate link for a checkpoint's tablet: the checkpoint, the token signed by the gate key, the audit record.
  'create-gate-link': {
    entry: 'functions/create-gate-link.ts',
    bindings: ['registry:get', 'gate:sign', 'audit:append'],
  },
  // The gate routes' Lambda authorizer (lib/api.ts): a gate token checked with the gate key's public key.
  'authorize-gate': { entry: 'functions/authorize-gate.ts', bindings: ['gate:verify'] },
};

/**
 * `public`: no authorizer. `staff`: API Gateway's JWT authorizer (the province's Cognito user pool). `gate`: the
 * gate authorizer (functions/authorize-gate.ts), which accepts only a gate link's token (src/core/gate-links.ts).
 */
export type Access = 'public' | 'staff' | 'gate';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
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
  // The same from a gate tablet with a gate link's token: that checkpoint only, for a shift. A route of its own, as
  // an HTTP API route has one authorizer: the staff route keeps API Gateway's managed JWT check of Cognito tokens.
  {
    method: 'POST',
    path: '/v1/gate/checkpoints/{id}/checkins',
    fn: 'create-assisted-checkins',
    access: 'gate',
  },
  // A gate link (with its QR) for a checkpoint's tablet, made by its unit-manager: see src/core/gate-links.ts.
  { method: 'POST', path: '/v1/checkpoints/{id}/gate-links', fn: 'create-gate-link', access: 'staff' },
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
  { method: 'GET', path: '/v1/units/{unitId}/reports/{start}/data', fn: 'get-report', access: 'staff' },
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
  // The province's kill switch (admin): stops every alert's sending at once, and starts it again.
  { method: 'POST', path: '/v1/alerts/pause', fn: 'pause-alerts', access: 'staff' },
  { method: 'POST', path: '/v1/alerts/resume', fn: 'resume-alerts', access: 'staff' },
  { method: 'GET', path: '/v1/reports/runs/{runId}', fn: 'get-weekly-run', access: 'staff' },
  // Imports of any size: a job, its file uploaded straight to S3 (presigned PUT), its progress here.
  { method: 'POST', path: '/v1/imports', fn: 'create-import', access: 'staff' },
  { method: 'GET', path: '/v1/imports/{importId}', fn: 'get-import', access: 'staff' },
  // What the staff console stands on: edit a checkpoint, rename to the rule, rename or move a unit.
  { method: 'PATCH', path: '/v1/checkpoints/{id}', fn: 'update-checkpoint', access: 'staff' },
  {
    method: 'POST',
    path: '/v1/units/{unitId}/naming-violations/rename',
    fn: 'rename-naming-violations',
    access: 'staff',
  },
  { method: 'PATCH', path: '/v1/units/{unitId}', fn: 'update-unit', access: 'staff' },
  { method: 'GET', path: '/v1/me', fn: 'get-me', access: 'staff' },
  { method: 'PUT', path: '/v1/me/subscription', fn: 'update-my-subscription', access: 'staff' },
  // Staff accounts, in the admin's scope.
  { method: 'GET', path: '/v1/users', fn: 'list-users', access: 'staff' },
  { method: 'POST', path: '/v1/users', fn: 'create-user', access: 'staff' },
  { method: 'POST', path: '/v1/users/{username}/disable', fn: 'disable-user', access: 'staff' },
  // The OpenAPI 3.1 document of every route above (src/openapi/): public, as the contract is.
  { method: 'GET', path: '/v1/openapi.json', fn: 'get-openapi', access: 'public' },
];

/**
 * How long a function may run, in seconds (lib/ sizes the Lambdas from these; the local server counts its
 * context's remaining time down from them). Behind a route a function must answer within API Gateway's 30 s
 * integration limit; the scheduled report answers no one and keeps minutes.
 */
export const TIMEOUT_SECONDS = { api: 10, heavyApi: 29, heavy: 300 } as const;

export function timeoutSecondsOf(name: FunctionName): number {
  const own = FUNCTIONS[name].timeoutSeconds;
  if (own !== undefined) return own;
  if (!FUNCTIONS[name].heavy) return TIMEOUT_SECONDS.api;
  return ROUTES.some((route) => route.fn === name) ? TIMEOUT_SECONDS.heavyApi : TIMEOUT_SECONDS.heavy;
}

/** Claims the JWT carries, in Cognito's custom-attribute form (an ID token carries them). */
export const CLAIM_ROLE = 'custom:role';
export const CLAIM_UNIT = 'custom:unit';
/** A staff account's Friday e-mail opt-out ("false"), a custom attribute of the user pool (not a claim we read). */
export const CLAIM_WEEKLY_EMAIL = 'custom:weekly_email';
