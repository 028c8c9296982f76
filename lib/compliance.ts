import { type App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3: the AWS Solutions rule pack runs as a CDK policy-validation plugin during synthesis, and any
 * unacknowledged finding fails `cdk synth` (and `app.synth()` in tests). Acknowledgements are CDK's own
 * `Validations.of(construct).acknowledge({ id, reason })` (cdk-nag 3 removed `NagSuppressions`); they are
 * also written into the template metadata (`cdk_nag.rules_to_suppress`) as an audit trail.
 *
 * bin/cdk.ts and test/infra both call this, so the tests check exactly what a synth checks.
 */
export function addComplianceChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true });
  Validations.of(app).addPlugins(checks);
  return checks;
}

/** The resource string the way cdk-nag's AwsSolutions-IAM5 names it, e.g. `<ReportsBucket1234.Arn>/reports/x/*`. */
export function nagResourceName(scope: IConstruct, resource: string): string {
  return flattenCfnReference(Stack.of(scope).resolve(resource));
}

/** Acknowledges one AwsSolutions-IAM5 wildcard-resource finding, for that exact resource, on `scope` only. */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string) {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResourceName(scope, resource)}]`,
    reason,
  });
}
