import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Binding } from '../src/routes.ts';
import { acknowledgeWildcardResource, nagResourceName } from './compliance.ts';
import { provinceReportsPrefix } from './reports-bucket.ts';
import type { Tables } from './tables.ts';

/** What the bindings point at in one province stack. */
export interface BindingTargets {
  provinceId: string;
  tables: Tables;
  reports: IBucket;
}

/** The report objects of one province: the only wildcard resource a binding may grant. */
const reportObjects = (reports: IBucket, provinceId: string) =>
  reports.arnForObjects(`${provinceReportsPrefix(provinceId)}*`);

/**
 * Each `Binding` of src/routes.ts FUNCTIONS as the IAM statements it grants: the one place to read what a
 * function may do. Explicit actions on explicit ARNs, no `grant*()` helpers (they add wildcard actions such
 * as dynamodb:*Item or s3:Abort*), no `index/*` (each index ARN is listed), no Scan, no BatchGetItem, no
 * UpdateItem/DeleteItem on the registry: only what the adapters of src/adapters/ call.
 *
 * DynamoDB transactions have no IAM action of their own: TransactWriteItems/TransactGetItems are authorized
 * per item against PutItem/UpdateItem/DeleteItem/ConditionCheckItem/GetItem, so the statements below also
 * cover the registry's and the check-in's transactions (a `Put` with a ConditionExpression needs PutItem
 * only; ConditionCheckItem is for a transaction's `ConditionCheck` entries, which none has). Tables use the
 * AWS managed KMS key and the bucket SSE-S3, so no KMS permission is needed.
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
  // Conditional puts: a new unit alone; a checkpoint and its code in one TransactWriteItems. Nothing in the
  // registry is updated or deleted (yet): add UpdateItem/DeleteItem here when something does.
  'registry:write': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryWrite',
      actions: ['dynamodb:PutItem'],
      resources: [tables.table('registry').tableArn],
    }),
  ],
  // The check-in (conditional put on its client id, read back on a retry) and its daily counter are
  // written in one transaction.
  'checkins:write': ({ tables }) => [
    new PolicyStatement({
      sid: 'CheckinsWrite',
      actions: ['dynamodb:PutItem', 'dynamodb:GetItem'],
      resources: [tables.table('checkins').tableArn],
    }),
    new PolicyStatement({
      sid: 'ActivityCount',
      actions: ['dynamodb:UpdateItem'],
      resources: [tables.table('activity').tableArn],
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
};

/**
 * Adds the statements of every binding to the function's role. The only `*` a binding may grant is the
 * province's report-key prefix in the reports bucket; that exact cdk-nag AwsSolutions-IAM5 finding is
 * acknowledged on this role only. Any other wildcard fails the synth.
 */
export function grantBindings(role: IRole, bindings: readonly Binding[], targets: BindingTargets) {
  const reportObjectsArn = reportObjects(targets.reports, targets.provinceId);
  const allowedWildcard = nagResourceName(role, reportObjectsArn);
  const onReportObjects: Binding[] = [];
  for (const binding of new Set(bindings)) {
    for (const statement of BINDINGS[binding](targets)) {
      role.addToPrincipalPolicy(statement);
      for (const resource of statement.resources) {
        const name = nagResourceName(role, resource);
        if (!name.includes('*')) continue;
        if (name !== allowedWildcard) {
          throw new Error(`Binding "${binding}" grants the wildcard resource ${name}: list the ARNs instead`);
        }
        if (!onReportObjects.includes(binding)) onReportObjects.push(binding);
      }
    }
  }
  // One acknowledgement per role, naming every binding that needs it (reports:write, reports:sign).
  if (onReportObjects.length > 0) {
    acknowledgeWildcardResource(
      role,
      reportObjectsArn,
      `${onReportObjects.join(', ')}: report objects are addressed by key under ` +
        `${provinceReportsPrefix(targets.provinceId)} (src/keys.ts reportKeys: one key per unit and week), so ` +
        "the grant is that key prefix of this province's reports bucket, with explicit actions.",
    );
  }
}
