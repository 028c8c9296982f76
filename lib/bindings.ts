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

/**
 * Each `Binding` of src/routes.ts FUNCTIONS as the IAM statements it grants: the one place to read what a
 * function may do. Explicit actions on explicit ARNs, no `grant*()` helpers (they add wildcard actions such
 * as dynamodb:*Item or s3:Abort*), no `index/*` (each index ARN is listed), no Scan anywhere.
 *
 * DynamoDB transactions have no IAM action of their own: TransactWriteItems/TransactGetItems are authorized
 * per item against PutItem/UpdateItem/DeleteItem/ConditionCheckItem/GetItem, so the statements below also
 * cover the registry's and the check-in's transactions. Tables use the AWS managed KMS key and the bucket
 * SSE-S3, so no KMS permission is needed.
 */
export const BINDINGS: { readonly [B in Binding]: (t: BindingTargets) => PolicyStatement[] } = {
  'registry:read': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryRead',
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
      resources: [tables.table('registry').tableArn, ...tables.indexArns('registry')],
    }),
  ],
  'registry:write': ({ tables }) => [
    new PolicyStatement({
      sid: 'RegistryWrite',
      actions: [
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
      ],
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
      resources: [reports.arnForObjects(`${provinceReportsPrefix(provinceId)}*`)],
    }),
  ],
  // Listing a unit's reports and presigning GET links (a presigned URL carries the signer's permissions).
  'reports:read': ({ reports, provinceId }) => [
    new PolicyStatement({
      sid: 'ReportsRead',
      actions: ['s3:GetObject'],
      resources: [reports.arnForObjects(`${provinceReportsPrefix(provinceId)}*`)],
    }),
    new PolicyStatement({
      sid: 'ReportsList',
      actions: ['s3:ListBucket'],
      resources: [reports.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${provinceReportsPrefix(provinceId)}*`] } },
    }),
  ],
};

/**
 * Adds the statements of every binding to the function's role. The only `*` a binding may grant is the
 * province's report-key prefix in the reports bucket; that exact cdk-nag AwsSolutions-IAM5 finding is
 * acknowledged on this role only. Any other wildcard fails the synth.
 */
export function grantBindings(role: IRole, bindings: readonly Binding[], targets: BindingTargets) {
  const allowedWildcard = nagResourceName(
    role,
    targets.reports.arnForObjects(`${provinceReportsPrefix(targets.provinceId)}*`),
  );
  for (const binding of new Set(bindings)) {
    for (const statement of BINDINGS[binding](targets)) {
      role.addToPrincipalPolicy(statement);
      for (const resource of statement.resources) {
        const name = nagResourceName(role, resource);
        if (!name.includes('*')) continue;
        if (name !== allowedWildcard) {
          throw new Error(`Binding "${binding}" grants the wildcard resource ${name}: list the ARNs instead`);
        }
        acknowledgeWildcardResource(
          role,
          resource,
          `${binding}: report objects are addressed by key under ${provinceReportsPrefix(targets.provinceId)} ` +
            '(src/keys.ts reportKeys: one key per unit and week), so the grant is that key prefix of this ' +
            "province's reports bucket, with explicit actions.",
        );
      }
    }
  }
}
