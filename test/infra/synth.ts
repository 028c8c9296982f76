import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildProvinceStacks } from '../../lib/app.ts';
import { addComplianceChecks } from '../../lib/compliance.ts';
import type { ProvinceStack } from '../../lib/province-stack.ts';
import { REPO_ROOT } from '../../lib/vaora-function.ts';
import type { FunctionName } from '../../src/routes.ts';

/** The context of cdk.json, as `cdk synth` passes it to the app. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8'),
).context;

export interface BuiltApp {
  app: App;
  stacks: ProvinceStack[];
  nag: AwsSolutionsChecks;
}

/**
 * The app exactly as bin/cdk.ts builds it (cdk.json context, compliance checks), with esbuild bundling
 * skipped. `context` overrides cdk.json entries.
 */
export function buildApp(context: Record<string, unknown> = {}): BuiltApp {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const stacks = buildProvinceStacks(app);
  const nag = addComplianceChecks(app);
  return { app, stacks, nag };
}

export interface SynthedProvince {
  stack: ProvinceStack;
  template: Template;
  /** `template.toJSON().Resources`, read once. */
  resources: Record<string, CfnResource>;
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, any>;
  Metadata?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

let cached: (BuiltApp & { provinces: SynthedProvince[] }) | undefined;

/** The provinces of cdk.json, synthesized once per test file (a synth costs seconds). */
export function synthedProvinces() {
  if (!cached) {
    const built = buildApp();
    const provinces = built.stacks.map((stack) => {
      const template = Template.fromStack(stack);
      return { stack, template, resources: template.toJSON().Resources };
    });
    cached = { ...built, provinces };
  }
  return cached;
}

export function firstProvince(): SynthedProvince {
  const first = synthedProvinces().provinces[0];
  if (!first) throw new Error('cdk.json lists no province');
  return first;
}

export const logicalId = (construct: IConstruct): string => {
  const stack = Stack.of(construct);
  return stack.resolve(stack.getLogicalId(construct as CfnElement));
};

export const defaultChildId = (construct: IConstruct): string => {
  if (!construct.node.defaultChild) throw new Error(`${construct.node.path} has no default child`);
  return logicalId(construct.node.defaultChild);
};

export const functionId = (stack: ProvinceStack, name: FunctionName) =>
  logicalId(stack.functions.byName[name].node.defaultChild as CfnFunction);

export const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

export interface Grant {
  action: string;
  /** The resource, as `JSON.stringify` of its CloudFormation value. */
  resource: string;
  condition?: unknown;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export const resourcesOfType = (resources: Record<string, CfnResource>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

/** Every (action, resource) the role may use: its inline policies and the policies attached to it. */
export function grantsOfRole(resources: Record<string, CfnResource>, roleId: string): Grant[] {
  const statements: Statement[] = [];
  const role = resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  for (const policy of role.Properties.Policies ?? []) statements.push(...policy.PolicyDocument.Statement);
  for (const [, policy] of resourcesOfType(resources, 'AWS::IAM::Policy')) {
    const roles: unknown[] = policy.Properties.Roles ?? [];
    if (roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) {
      statements.push(...policy.Properties.PolicyDocument.Statement);
    }
  }
  const managed = role.Properties.ManagedPolicyArns ?? [];
  if (managed.length > 0) throw new Error(`Role ${roleId} has managed policies: ${JSON.stringify(managed)}`);
  return statements.flatMap((s) => {
    if (s.Effect !== 'Allow') return [];
    return asArray(s.Action).flatMap((action) =>
      asArray(s.Resource).map((resource) => ({
        action,
        resource: JSON.stringify(resource),
        ...(s.Condition ? { condition: s.Condition } : {}),
      })),
    );
  });
}

export const grantsOfFunction = ({ stack, resources }: SynthedProvince, name: FunctionName) =>
  grantsOfRole(resources, defaultChildId(stack.functions.byName[name].functionRole));

export const actionsOf = (grants: Grant[]) => [...new Set(grants.map((g) => g.action))].sort();
