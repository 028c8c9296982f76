import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { PHONE_ENCRYPTION_CONTEXT } from '../src/adapters/phone-vault.ts';
import {
  ALERT_SENDING_ENV,
  GATE_ENV,
  IMPORT_QUEUE_ENV,
  MAIL_ENV,
  PHONE_ENV,
  USERS_ENV,
} from '../src/config.ts';
import { exportKeys, importKeys, posterKeys } from '../src/keys.ts';
import type { Binding } from '../src/routes.ts';
import { acknowledgeWildcardResource, nagResourceName } from './compliance.ts';
import { provinceReportsPrefix } from './reports-bucket.ts';
import type { Tables } from './tables.ts';

/** What the bindings point at in one province stack. */
export interface BindingTargets {
  provinceId: string;
  tables: Tables;
  reports: IBucket;
  /** The phone key and hash secret (lib/phone-keys.ts). */
  phones: { key: IKey; hashSecret: ISecret };
  /** The import jobs' queue (lib/imports.ts). */
  imports: { queue: IQueue };
  /** The alert queue and the province's SMS pool, if configured (lib/alert-sending.ts). */
  alerts?: AlertTargets;
  /** The staff user pool (lib/auth.ts): what the `users:*` bindings reach. */
  userPool?: IUserPool;
  /** The Friday delivery (lib/report-mail.ts); without it a province's `mail:*` bindings grant nothing. */
  mail?: MailTargets;
  /** The gate links' signing key (lib/gate-links.ts): what the `gate:*` bindings reach. */
  gate?: { key: IKey };
}

/** What the `mail:*` bindings point at. */
export interface MailTargets {
  queue: IQueue;
  /** The province's SES identity and the From address of it; absent: no e-mail (REPORT_MAIL=off). */
  sender?: { identityArn: string; from: string };
  /** CONSOLE_URL: the console page the e-mails link to. */
  consoleUrl: string;
}

export interface AlertTargets {
  queue: IQueue;
  smsPoolArn: string | undefined;
}

/** The bindings of functions that read or change staff accounts: only they get the user pool's id. */
export const USER_BINDINGS: readonly Binding[] = [
  'users:read',
  'users:create',
  'users:disable',
  'users:subscribe',
];

/** USER_POOL_ID for the `users:*` bindings (src/config.ts loadUsersConfig), nothing for the others. */
export function usersEnvironment(
  bindings: readonly Binding[],
  userPool: IUserPool | undefined,
): Record<string, string> {
  if (!bindings.some((binding) => USER_BINDINGS.includes(binding))) return {};
  if (!userPool) throw new Error('A users:* binding needs the staff user pool');
  return { [USERS_ENV.userPoolId]: userPool.userPoolId };
}

/** Cognito admin actions on the province's own user pool, nothing else. */
const userPoolActions = (sid: string, actions: string[]) => (targets: BindingTargets) => {
  if (!targets.userPool) throw new Error('A users:* binding needs the staff user pool');
  return [new PolicyStatement({ sid, actions, resources: [targets.userPool.userPoolArn] })];
};

/** The bindings of functions that touch phone numbers: only they get the phone vault's configuration. */
export const PHONE_BINDINGS: readonly Binding[] = ['phones:seal', 'phones:open'];

/**
 * The environment a binding brings with it (Powertools' `bindTable()`: the grant and the variable in one place):
 * PHONE_KEY_ID and PHONE_HASH_SECRET_ARN for the `phones:*` bindings (src/config.ts loadPhoneConfig), nothing for
 * the others, whose variables every function has.
 */
export function bindingEnvironment(
  bindings: readonly Binding[],
  targets: Pick<BindingTargets, 'phones' | 'imports' | 'alerts' | 'mail' | 'gate'>,
): Record<string, string> {
  const { phones, imports, alerts, mail } = targets;
  return {
    // The gate key, for the link maker and the gate authorizer only (src/config.ts loadGateConfig).
    ...(bindings.some((binding) => binding.startsWith('gate:'))
      ? { [GATE_ENV.gateKeyId]: gateKey(targets).keyArn }
      : {}),
    ...mailEnvironment(bindings, mail),
    ...(bindings.some((binding) => PHONE_BINDINGS.includes(binding))
      ? {
          [PHONE_ENV.phoneKeyId]: phones.key.keyArn,
          [PHONE_ENV.phoneHashSecretArn]: phones.hashSecret.secretArn,
        }
      : {}),
    // Every import function builds the job's queue at cold start (functions/commons/imports.ts).
    ...(bindings.some((binding) => binding.startsWith('imports:'))
      ? { [IMPORT_QUEUE_ENV]: imports.queue.queueUrl }
      : {}),
    // The queue an approval enqueues into, and the pool the consumer sends from (src/config.ts ALERT_SENDING_ENV).
    ...(alerts && bindings.includes('alerts:enqueue')
      ? { [ALERT_SENDING_ENV.queue]: alerts.queue.queueUrl }
      : {}),
    ...(alerts?.smsPoolArn && bindings.includes('sms:send')
      ? { [ALERT_SENDING_ENV.smsOriginationIdentity]: alerts.smsPoolArn }
      : {}),
  };
}

function gateKey(targets: Pick<BindingTargets, 'gate'>): IKey {
  if (!targets.gate) throw new Error('A gate:* binding needs the gate key (lib/gate-links.ts)');
  return targets.gate.key;
}

function alertTargets(targets: BindingTargets): AlertTargets {
  if (!targets.alerts) throw new Error('An alert binding needs the alert queue (lib/alert-sending.ts)');
  return targets.alerts;
}

/** DynamoDB's condition on the partition keys an alert binding may reach in the tracing table. */
const leadingKeys = (...patterns: string[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
});

/**
 * The Friday delivery's variables (src/config.ts MAIL_ENV): where the unit task sends its notices (`off` when the
 * province has no SES identity in cdk.json), and the mailer's From and console URL.
 */
function mailEnvironment(
  bindings: readonly Binding[],
  mail: MailTargets | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (bindings.includes('mail:enqueue')) {
    env[MAIL_ENV.reportMail] = mail?.sender ? mail.queue.queueUrl : 'off';
  }
  if (bindings.includes('mail:send') && mail?.sender) {
    env[MAIL_ENV.mailFrom] = mail.sender.from;
    env[MAIL_ENV.consoleUrl] = mail.consoleUrl;
  }
  return env;
}

/** Data keys of the phone key serve phone numbers only: KMS checks the context they were made with. */
const phoneContext = {
  StringEquals: Object.fromEntries(
    Object.entries(PHONE_ENCRYPTION_CONTEXT).map(([key, value]) => [`kms:EncryptionContext:${key}`, value]),
  ),
};

/** Reading the hash secret: what every function that hashes a phone needs. */
const phoneHashSecret = ({ phones }: BindingTargets) =>
  new PolicyStatement({
    sid: 'PhoneHashSecret',
    actions: ['secretsmanager:GetSecretValue'],
    resources: [phones.hashSecret.secretArn],
  });

/** The report objects of one province: one of the two wildcard resources a binding may grant. */
const reportObjects = (reports: IBucket, provinceId: string) =>
  reports.arnForObjects(`${provinceReportsPrefix(provinceId)}*`);

/** The tracing exports of one province (src/keys.ts exportKeys), in the same bucket. */
const exportObjects = (reports: IBucket, provinceId: string) =>
  reports.arnForObjects(`${exportKeys.provincePrefix(provinceId)}*`);

/** The poster files of one province (src/keys.ts posterKeys), in the same bucket: the other wildcard. */
const posterObjects = (reports: IBucket, provinceId: string) =>
  reports.arnForObjects(`${posterKeys.provincePrefix(provinceId)}*`);

/** Import jobs' records, and the files uploaded for them (src/keys.ts importKeys), in the same bucket. */
const importJobObjects = (reports: IBucket, provinceId: string) =>
  reports.arnForObjects(`${importKeys.jobsPrefix(provinceId)}*`);
const importUploadObjects = (reports: IBucket, provinceId: string) =>
  reports.arnForObjects(`${importKeys.uploadsPrefix(provinceId)}*`);

/**
 * Each `Binding` of src/routes.ts FUNCTIONS as the IAM statements it grants: the one place to read what a
 * function may do. Explicit actions on explicit ARNs, no `grant*()` helpers (they add wildcard actions such
 * as dynamodb:*Item or s3:Abort*), no `index/*` (each index ARN is listed), no Scan, no BatchGetItem, no
 * s3:DeleteObject: only what the adapters of src/adapters/ call. UpdateItem on the registry only for the
 * functions bound to `registry:update` (a code rotated, a checkpoint deactivated or reactivated), DeleteItem only
 * for `registry:delete` (a rotated code's old item).
 *
 * DynamoDB transactions have no IAM action of their own: TransactWriteItems/TransactGetItems are authorized
 * per item against PutItem/UpdateItem/DeleteItem/ConditionCheckItem/GetItem, so the statements below also
 * cover the registry's and the check-in's transactions (a `Put` with a ConditionExpression needs PutItem
 * only; ConditionCheckItem is for a transaction's `ConditionCheck` entries, which none has). Tables use the
 * AWS managed KMS key and the bucket SSE-S3, so the only KMS permissions are on the phone key (`phones:*`): to
 * make data keys on the check-in path, to decrypt only where numbers must be read.
 */
export const BINDINGS: { readonly [B in Binding]: (t: BindingTargets) => PolicyStatement[] } = {
  // One unit, checkpoint or code by its key: the table only, since GetItem cannot address an index.
  'registry:get': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryGet',
      actions: ['dynamodb:GetItem'],
      resources: [tables.table('registry').tableArn],
    }),
  ],
  // An import looks up all its rows' refs at once, so a re-upload costs reads, not failed writes.
  'registry:batch-get': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryBatchGet',
      actions: ['dynamodb:BatchGetItem'],
      resources: [tables.table('registry').tableArn],
    }),
  ],
  // A unit by its key, and the children or checkpoints of a unit (queries on the by-parent index).
  'registry:read': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryRead',
      actions: ['dynamodb:GetItem'],
      resources: [tables.table('registry').tableArn],
    }),
    new PolicyStatement({
      sid: 'RegistryQuery',
      actions: ['dynamodb:Query'],
      resources: [tables.table('registry').tableArn, ...tables.indexArns('registry')],
    }),
  ],
  // Conditional puts: a new unit alone; a checkpoint, its code and its ref in one TransactWriteItems.
  'registry:write': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryWrite',
      actions: ['dynamodb:PutItem'],
      resources: [tables.table('registry').tableArn],
    }),
  ],
  // Inside transactions: rotating a code updates the checkpoint (and deletes the old code item, registry:delete,
  // and puts the new one, registry:write); deactivating or reactivating updates the checkpoint and its code
  // item. The table only: UpdateItem cannot address an index.
  'registry:update': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryUpdate',
      actions: ['dynamodb:UpdateItem'],
      resources: [tables.table('registry').tableArn],
    }),
  ],
  // The old code item of a rotated code, inside the rotation's transaction: nothing else deletes an item.
  'registry:delete': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryDelete',
      actions: ['dynamodb:DeleteItem'],
      resources: [tables.table('registry').tableArn],
    }),
  ],
  // The check-in: a conditional put on its phone's partition and client id, read back when the id is taken; and
  // one check-in by checkpoint-day (a gate's replay whose card has expired). It counts nothing: the stream does.
  'checkins:write': ({ tables }) => [
    new PolicyStatement({
      sid: 'CheckinsWrite',
      actions: ['dynamodb:PutItem', 'dynamodb:GetItem'],
      resources: [tables.table('checkins').tableArn],
      // Check-in items only: the personal cards in the same table (card#, cardphone#) stay out of reach.
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['phone#*'] } },
    }),
    new PolicyStatement({
      sid: 'CheckinsFind',
      actions: ['dynamodb:Query'],
      resources: tables.indexArns('checkins'),
    }),
  ],
  // Counting from the stream (src/core/counting.ts): the table's stream ARN (DescribeTable), its shards and
  // records; the daily counters and the stream positions (UpdateItem; GetItem for a watermark or a position).
  'checkins:count': ({ tables }) => [
    new PolicyStatement({
      sid: 'CheckinsStreamFind',
      actions: ['dynamodb:DescribeTable'],
      resources: [tables.table('checkins').tableArn],
    }),
    new PolicyStatement({
      sid: 'CheckinsStreamRead',
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'],
      resources: [tables.table('checkins').tableStreamArn!],
    }),
    new PolicyStatement({
      sid: 'ActivityCount',
      actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
      resources: [tables.table('activity').tableArn],
    }),
  ],
  // Personal cards share the check-ins table (src/keys.ts): these grants reach only their items, by partition
  // key prefix (and checkins:write only check-in items), so a card function can read no check-in and a gate
  // function no phone's card by phone.
  'cards:read': ({ tables }) => [
    new PolicyStatement({
      sid: 'CardsRead',
      actions: ['dynamodb:GetItem'],
      resources: [tables.table('checkins').tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['card#*'] } },
    }),
  ],
  'cards:issue': ({ tables }) => [
    new PolicyStatement({
      sid: 'CardsIssue',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: [tables.table('checkins').tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['card#*', 'cardphone#*'] } },
    }),
  ],
  'activity:read': ({ tables }) => [
    new PolicyStatement({
      sid: 'ActivityRead',
      actions: ['dynamodb:Query'],
      resources: [tables.table('activity').tableArn, ...tables.indexArns('activity')],
    }),
  ],
  // Upload (single or multipart) of report files; no list, no read, no delete.
  'reports:write': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'ReportsWrite',
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [reportObjects(reports, provinceId)],
    }),
  ],
  // Listing a unit's reports, and asking whether one exists (a one-key listing: without list permission S3
  // answers a missing key with 403, not 404). Only under the province's prefix.
  'reports:list': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'ReportsList',
      actions: ['s3:ListBucket'],
      resources: [reports.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${provinceReportsPrefix(provinceId)}*`] } },
    }),
  ],
  // Presigning GET links: a presigned URL carries the signer's permissions, so the signer needs GetObject.
  'reports:sign': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'ReportsSign',
      actions: ['s3:GetObject'],
      resources: [reportObjects(reports, provinceId)],
    }),
  ],
  // The check-in path hashes and seals: a data key of the phone key (cached per container) and the hash secret.
  // Never kms:Decrypt: a function that stores numbers cannot read them back.
  'phones:seal': (targets) => [
    new PolicyStatement({
      sid: 'PhoneSeal',
      actions: ['kms:GenerateDataKey'],
      resources: [targets.phones.key.keyArn],
      conditions: phoneContext,
    }),
    phoneHashSecret(targets),
  ],
  // Opening sealed numbers (tracing exports, alerts): decrypting the data keys stored beside them.
  'phones:open': (targets) => [
    new PolicyStatement({
      sid: 'PhoneOpen',
      actions: ['kms:Decrypt'],
      resources: [targets.phones.key.keyArn],
      conditions: phoneContext,
    }),
    phoneHashSecret(targets),
  ],
  // The weekly run's own records (the run, each unit's summary for its parent), JSON under the province's report
  // prefix (src/keys.ts runKeys).
  'reports:read': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'ReportsRead',
      actions: ['s3:GetObject'],
      resources: [reportObjects(reports, provinceId)],
    }),
  ],
  // A unit's posters: uploaded (single or multipart, aborted on a failure) under the province's poster
  // prefix, then a presigned GET link to them, which carries the signer's GetObject. No list, no delete.
  'posters:write': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'PostersWrite',
      actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'],
      resources: [posterObjects(reports, provinceId)],
    }),
  ],
  // Cases share the tracing table with what the alerts will add: these reach `case#` items (and the index's
  // one `cases` partition) only.
  'cases:read': ({ tables }) => [
    new PolicyStatement({
      sid: 'CasesRead',
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: [tables.table('tracing').tableArn, ...tables.indexArns('tracing')],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['case#*', 'cases'] } },
    }),
  ],
  'cases:open': ({ tables }) => [
    new PolicyStatement({
      sid: 'CasesOpen',
      actions: ['dynamodb:PutItem'],
      resources: [tables.table('tracing').tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['case#*'] } },
    }),
  ],
  'cases:close': ({ tables }) => [
    new PolicyStatement({
      sid: 'CasesClose',
      actions: ['dynamodb:UpdateItem'],
      resources: [tables.table('tracing').tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['case#*'] } },
    }),
  ],
  // The audit trail is append-only: PutItem (the adapter's condition never replaces a record), and no function
  // of the stack holds UpdateItem, DeleteItem or BatchWriteItem on it (test/infra asserts this).
  'audit:append': ({ tables }) => [
    new PolicyStatement({
      sid: 'AuditAppend',
      actions: ['dynamodb:PutItem'],
      resources: [tables.table('audit').tableArn],
    }),
  ],
  // A tracing answer as XLSX for the case file: uploaded under the province's export prefix, then a presigned GET
  // link to it, which carries the signer's GetObject. No list, no delete (the lifecycle removes it after a day).
  'exports:write': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'ExportsWrite',
      actions: ['s3:PutObject', 's3:GetObject'],
      resources: [exportObjects(reports, provinceId)],
    }),
  ],
  // What tracing reads: a phone's check-ins (its partition of the table, `phone#` keys only) and a checkpoint-day's
  // (src/keys.ts CHECKINS_BY_CHECKPOINT): no personal card.
  'checkins:trace': ({ tables }) => [
    new PolicyStatement({
      sid: 'CheckinsTrace',
      actions: ['dynamodb:Query'],
      resources: tables.indexArns('checkins'),
    }),
    new PolicyStatement({
      sid: 'CheckinsTracePhone',
      actions: ['dynamodb:Query'],
      resources: [tables.table('checkins').tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['phone#*'] } },
    }),
  ],
  // Exposure alerts share the tracing table with the cases: a draft is a new `alert#` item, nothing else.
  'alerts:draft': ({ tables }) => [
    new PolicyStatement({
      sid: 'AlertsDraft',
      actions: ['dynamodb:PutItem'],
      resources: [tables.table('tracing').tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['alert#*'] } },
    }),
  ],
  'alerts:read': ({ tables }) => [
    new PolicyStatement({
      sid: 'AlertsRead',
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: [tables.table('tracing').tableArn, ...tables.indexArns('tracing')],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['alert#*', 'alerts'] } },
    }),
  ],
  'alerts:update': ({ tables }) => [
    new PolicyStatement({
      sid: 'AlertsUpdate',
      actions: ['dynamodb:UpdateItem'],
      resources: [tables.table('tracing').tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['alert#*'] } },
    }),
  ],
  // A job recorded, and a presigned PUT for its file (the URL carries the signer's PutObject). No read.
  'imports:start': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'ImportsStart',
      actions: ['s3:PutObject'],
      resources: [importJobObjects(reports, provinceId), importUploadObjects(reports, provinceId)],
    }),
  ],
  'imports:read': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'ImportsRead',
      actions: ['s3:GetObject'],
      resources: [importJobObjects(reports, provinceId)],
    }),
  ],
  // Running a job: its file read (never written), its record read and written, the rest of it queued.
  'imports:run': ({ reports, provinceId, imports }) => [
    new PolicyStatement({
      sid: 'ImportsRunRead',
      actions: ['s3:GetObject'],
      resources: [importJobObjects(reports, provinceId), importUploadObjects(reports, provinceId)],
    }),
    new PolicyStatement({
      sid: 'ImportsRunRecord',
      actions: ['s3:PutObject'],
      resources: [importJobObjects(reports, provinceId)],
    }),
    new PolicyStatement({
      sid: 'ImportsRunContinue',
      actions: ['sqs:SendMessage'],
      resources: [imports.queue.queueArn],
    }),
  ],
  // Enqueuing an approved alert's batches: SendMessage (SendMessageBatch is authorized as it) to this one queue.
  'alerts:enqueue': (targets) => [
    new PolicyStatement({
      sid: 'AlertsEnqueue',
      actions: ['sqs:SendMessage'],
      resources: [alertTargets(targets).queue.queueArn],
    }),
  ],
  // The consumer: the alert and the kill switch by key; the per-phone markers put (conditionally) and, after a
  // failed send, deleted — `alert#<id>#to#<hash>` keys only; the alert's counts and status updated.
  'alerts:deliver': ({ tables }) => [
    new PolicyStatement({
      sid: 'AlertsDeliverRead',
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resources: [tables.table('tracing').tableArn],
      conditions: leadingKeys('alert#*'),
    }),
    new PolicyStatement({
      sid: 'AlertsDeliverMarkers',
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [tables.table('tracing').tableArn],
      conditions: leadingKeys('alert#*#to#*'),
    }),
  ],
  // The kill switch: the one `alert#switch` item.
  'alerts:switch': ({ tables }) => [
    new PolicyStatement({
      sid: 'AlertsSwitch',
      actions: ['dynamodb:UpdateItem'],
      resources: [tables.table('tracing').tableArn],
      conditions: leadingKeys('alert#switch'),
    }),
  ],
  // Texting from the province's pool only: End User Messaging SMS authorizes SendTextMessage on the origination
  // identity. No pool configured, no grant (lib/alert-sending.ts warns at synth).
  'sms:send': (targets) => {
    const pool = alertTargets(targets).smsPoolArn;
    return pool
      ? [new PolicyStatement({ sid: 'SmsSend', actions: ['sms-voice:SendTextMessage'], resources: [pool] })]
      : [];
  },
  'audit:read': ({ tables }) => [
    new PolicyStatement({
      sid: 'AuditRead',
      actions: ['dynamodb:Query'],
      resources: [tables.table('audit').tableArn],
    }),
  ],
  'users:read': userPoolActions('UsersRead', ['cognito-idp:ListUsers']),
  'users:create': userPoolActions('UsersCreate', ['cognito-idp:AdminCreateUser']),
  'users:disable': userPoolActions('UsersDisable', [
    'cognito-idp:AdminGetUser',
    'cognito-idp:AdminDisableUser',
    'cognito-idp:AdminUserGlobalSignOut',
  ]),
  'users:subscribe': userPoolActions('UsersSubscribe', [
    'cognito-idp:AdminGetUser',
    'cognito-idp:AdminUpdateUserAttributes',
  ]),
  // The weekly run's unit task tells the report e-mails' queue of each report stored: SendMessage, that queue only.
  'mail:enqueue': ({ mail }) =>
    mail?.sender
      ? [
          new PolicyStatement({
            sid: 'MailEnqueue',
            actions: ['sqs:SendMessage'],
            resources: [mail.queue.queueArn],
          }),
        ]
      : [],
  // The gate key signs gate links' tokens (the link maker only) and gives its public key to check them (the gate
  // authorizer only): no function holds both, none may kms:Verify (the check is local, with the public key).
  'gate:sign': (targets) => [
    new PolicyStatement({ sid: 'GateSign', actions: ['kms:Sign'], resources: [gateKey(targets).keyArn] }),
  ],
  'gate:verify': (targets) => [
    new PolicyStatement({
      sid: 'GateVerify',
      actions: ['kms:GetPublicKey'],
      resources: [gateKey(targets).keyArn],
    }),
  ],
  // One marker per unit, period and recipient, put on a condition and deleted after a failed send: `mail#` items
  // of the registry only.
  'mail:claim': ({ tables }) => [
    new PolicyStatement({
      sid: 'MailClaim',
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [tables.table('registry').tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['mail#*'] } },
    }),
  ],
  // SES v2 SendEmail (simple or raw content: one IAM action) as the province's identity, and no other.
  'mail:send': ({ mail }) =>
    mail?.sender
      ? [
          new PolicyStatement({
            sid: 'MailSend',
            actions: ['ses:SendEmail'],
            resources: [mail.sender.identityArn],
          }),
        ]
      : [],
};

/**
 * Adds the statements of every binding to the function's role. The only `*` a binding may grant is a key
 * prefix of the province in the reports bucket: its reports (`reports/<province>/*`) or its posters
 * (`posters/<province>/*`). Each such cdk-nag AwsSolutions-IAM5 finding is acknowledged for that exact resource
 * on this role only, naming the bindings that need it. Any other wildcard fails the synth.
 */
export function grantBindings(role: IRole, bindings: readonly Binding[], targets: BindingTargets) {
  const { reports, provinceId } = targets;
  const allowed = [
    {
      arn: reportObjects(reports, provinceId),
      why:
        `report objects are addressed by key under ${provinceReportsPrefix(provinceId)} (src/keys.ts ` +
        "reportKeys: one key per unit and week), so the grant is that key prefix of this province's reports " +
        'bucket, with explicit actions.',
    },
    {
      arn: exportObjects(reports, provinceId),
      why:
        `tracing exports are addressed by key under ${exportKeys.provincePrefix(provinceId)} (src/keys.ts ` +
        "exportKeys: one new key per case and request), so the grant is that key prefix of this province's " +
        'reports bucket, with explicit actions.',
    },
    {
      arn: importJobObjects(reports, provinceId),
      why:
        `import job records are addressed by key under ${importKeys.jobsPrefix(provinceId)} (src/keys.ts ` +
        "importKeys: one key per job), so the grant is that key prefix of this province's reports bucket, " +
        'with explicit actions.',
    },
    {
      arn: importUploadObjects(reports, provinceId),
      why:
        `uploaded import files are addressed by key under ${importKeys.uploadsPrefix(provinceId)} (src/keys.ts ` +
        "importKeys: one key per job), so the grant is that key prefix of this province's reports bucket, " +
        'with explicit actions.',
    },
    {
      arn: posterObjects(reports, provinceId),
      why:
        `poster files are addressed by key under ${posterKeys.provincePrefix(provinceId)} (src/keys.ts ` +
        "posterKeys: one new key per unit and request), so the grant is that key prefix of this province's " +
        'reports bucket, with explicit actions.',
    },
  ].map((entry) => ({ ...entry, name: nagResourceName(role, entry.arn), bindings: [] as Binding[] }));

  for (const binding of new Set(bindings)) {
    for (const statement of BINDINGS[binding](targets)) {
      role.addToPrincipalPolicy(statement);
      for (const resource of statement.resources) {
        const name = nagResourceName(role, resource);
        if (!name.includes('*')) continue;
        const match = allowed.find((entry) => entry.name === name);
        if (!match) {
          throw new Error(`Binding "${binding}" grants the wildcard resource ${name}: list the ARNs instead`);
        }
        if (!match.bindings.includes(binding)) match.bindings.push(binding);
      }
    }
  }
  // One acknowledgement per role and prefix, naming every binding that needs it.
  for (const { arn, why, bindings: needing } of allowed) {
    if (needing.length > 0) acknowledgeWildcardResource(role, arn, `${needing.join(', ')}: ${why}`);
  }
}
