import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { PHONE_ENCRYPTION_CONTEXT } from '../src/adapters/phone-vault.ts';
import { PHONE_ENV } from '../src/config.ts';
import { exportKeys, posterKeys } from '../src/keys.ts';
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
}

/** The bindings of functions that touch phone numbers: only they get the phone vault's configuration. */
export const PHONE_BINDINGS: readonly Binding[] = ['phones:seal', 'phones:open'];

/**
 * The environment a binding brings with it (Powertools' `bindTable()`: the grant and the variable in one place):
 * PHONE_KEY_ID and PHONE_HASH_SECRET_ARN for the `phones:*` bindings (src/config.ts loadPhoneConfig), nothing for
 * the others, whose variables every function has.
 */
export function bindingEnvironment(
  bindings: readonly Binding[],
  phones: BindingTargets['phones'],
): Record<string, string> {
  if (!bindings.some((binding) => PHONE_BINDINGS.includes(binding))) return {};
  return {
    [PHONE_ENV.phoneKeyId]: phones.key.keyArn,
    [PHONE_ENV.phoneHashSecretArn]: phones.hashSecret.secretArn,
  };
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
  'audit:read': ({ tables }) => [
    new PolicyStatement({
      sid: 'AuditRead',
      actions: ['dynamodb:Query'],
      resources: [tables.table('audit').tableArn],
    }),
  ],
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
