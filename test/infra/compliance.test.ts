import { App, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BINDINGS, grantBindings } from '../../lib/bindings.ts';
import { addComplianceChecks } from '../../lib/compliance.ts';
import { PhoneKeys } from '../../lib/phone-keys.ts';
import { Tables } from '../../lib/tables.ts';
import type { Binding } from '../../src/routes.ts';
import { type BuiltApp, buildApp } from './synth.ts';

const SYNTH_TIMEOUT = 300_000;

/** The app as bin/cdk.ts builds it, synthesized once: the synth runs the cdk-nag plugin. */
let built: BuiltApp;
let assembly: CloudAssembly;
beforeAll(() => {
  built = buildApp();
  assembly = built.app.synth();
}, SYNTH_TIMEOUT);

interface Acknowledgement {
  path: string;
  scope: IConstruct;
  id: string;
  reason: string;
}

function acknowledgementsUnder(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((scope) =>
    scope.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: scope.node.path,
          scope,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding, error or warning, for any province', () => {
    const report = built.nag.validateScope(built.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('synthesizes both provinces with the checks attached, without an error annotation', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['vaora-quang-ninh', 'vaora-vinh-phuc']);
    for (const artifact of assembly.stacks) {
      expect(artifact.messages.filter((m) => m.level === 'error')).toEqual([]);
    }
  });

  it('does catch a non-compliant resource, so the checks above can fail', () => {
    const app = new App();
    const stack = new Stack(app, 'Probe');
    new Bucket(stack, 'Careless');
    const report = addComplianceChecks(app).validateScope(app);
    const rules = report.violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
    expect(report.violations.find((v) => v.ruleName === 'AwsSolutions-S1')?.severity).toBe('error');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});

describe('acknowledged findings', () => {
  const acks = () => built.stacks.flatMap((stack) => acknowledgementsUnder(stack));

  it('are exactly the reviewed rules', () => {
    const ids = [
      ...new Set(acks().map((a) => a.id.replace(/\[Resource::<[A-Za-z0-9]+\.Arn>/, '[Resource::<X.Arn>'))),
    ];
    expect(ids.sort()).toEqual(
      [
        'AwsSolutions-APIG4',
        // The staff console (lib/console.ts): CloudFront without a custom domain or a us-east-1 WAF, and CDK's
        // BucketDeployment function (its role, policy and runtime are aws-cdk-lib's).
        'AwsSolutions-CFR2',
        'AwsSolutions-CFR4',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        'AwsSolutions-L1',
        'AwsSolutions-IAM5[Resource::<X.Arn>/exports/quang-ninh/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/exports/vinh-phuc/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/imports/quang-ninh/jobs/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/imports/quang-ninh/uploads/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/imports/vinh-phuc/jobs/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/imports/vinh-phuc/uploads/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/posters/quang-ninh/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/posters/vinh-phuc/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/reports/quang-ninh/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>/reports/vinh-phuc/*]',
        'AwsSolutions-IAM5[Resource::<X.Arn>:*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-S1',
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
      ].sort(),
    );
  });

  it('sit on single resources, never on a stack or the app', () => {
    for (const ack of acks()) {
      expect(Stack.isStack(ack.scope), ack.path).toBe(false);
      expect(App.isApp(ack.scope), ack.path).toBe(false);
    }
  });

  it('name the exact wildcard resource, never a whole rule with findings (IAM5)', () => {
    // CDK's BucketDeployment role (the console's files, lib/console.ts) is aws-cdk-lib's: checked there alone.
    const isConsoleDeployment = (a: Acknowledgement) =>
      /\/Custom::CDKBucketDeployment\w+\/ServiceRole$/.test(a.path);
    const deployment = acks().filter(isConsoleDeployment);
    expect(deployment.length).toBeGreaterThan(0);
    for (const ack of deployment) expect(ack.id).toMatch(/^AwsSolutions-IAM[45]\[/);
    const iam5 = acks().filter((a) => a.id.startsWith('AwsSolutions-IAM5') && !isConsoleDeployment(a));
    expect(iam5.length).toBeGreaterThan(0);
    for (const ack of iam5) {
      // Resource "*" only where AWS accepts nothing else: X-Ray (every function's role, and the weekly-run state
      // machine's, which also delivers its logs).
      if (ack.id === 'AwsSolutions-IAM5[Resource::*]')
        expect(ack.path).toMatch(/\/(WeeklyRun\/StateMachine\/Role|Functions\/\w+Role)$/);
      else expect(ack.id).toMatch(/^AwsSolutions-IAM5\[Resource::<\w+\.Arn>[^\]]*\*\]$/);
    }
  });

  it('acknowledge APIG4 exactly on the public routes', () => {
    const routes = acks()
      .filter((a) => a.id === 'AwsSolutions-APIG4')
      .map((a) => a.path.replace(/^vaora-[^/]+\//, ''));
    expect([...new Set(routes)].sort()).toEqual([
      'Api/GET-c',
      'Api/GET-c-code',
      'Api/GET-g-code',
      'Api/GET-sw.js',
      'Api/GET-v1-checkpoints-by-code-code',
      'Api/GET-v1-openapi.json',
      'Api/POST-v1-cards',
      'Api/POST-v1-checkins',
      'Api/POST-v1-checkins-batch',
    ]);
  });

  it('acknowledge the report-object wildcard (IAM5) once on each role granted report objects, and on no other', () => {
    const reportObjects = acks().filter((a) =>
      /^AwsSolutions-IAM5\[Resource::<\w+\.Arn>\/reports\//.test(a.id),
    );
    const byRole = reportObjects.map((a) => a.path.replace(/^vaora-[^/]+\//, ''));
    const expected = [
      'GetReportLinkRole',
      'GetReportRole',
      'RunWeeklyReportRole',
      'GetWeeklyRunRole',
      'WeeklyRunPlanRole',
      'WeeklyRunUnitRole',
      'WeeklyRunFinishRole',
      // The Friday delivery's mailer reads the stored JSON report.
      'SendReportMailRole',
    ].map((role) => `Functions/${role}`);
    // Two provinces, each role acknowledged once.
    expect(byRole.sort()).toEqual([...expected, ...expected].sort());
    const reasons = Object.fromEntries(
      reportObjects.map((a) => [a.path.replace(/^vaora-[^/]+\//, ''), a.reason]),
    );
    expect(reasons['Functions/GetReportLinkRole']).toMatch(/^reports:sign: /);
    expect(reasons['Functions/RunWeeklyReportRole']).toMatch(/^reports:write: /);
  });

  it('acknowledge the poster-object wildcard (IAM5) once on create-unit-posters, and on no other role', () => {
    const posterObjects = acks().filter((a) =>
      /^AwsSolutions-IAM5\[Resource::<\w+\.Arn>\/posters\//.test(a.id),
    );
    expect(posterObjects.map((a) => a.path).sort()).toEqual([
      'vaora-quang-ninh/Functions/CreateUnitPostersRole',
      'vaora-vinh-phuc/Functions/CreateUnitPostersRole',
    ]);
    for (const ack of posterObjects) {
      expect(ack.id).toContain(`/posters/${ack.path.split('/')[0]!.replace(/^vaora-/, '')}/*]`);
      expect(ack.reason).toMatch(/^posters:write: poster files are addressed by key under posters\//);
    }
  });

  it('acknowledge the secret-rotation rule (SMG4) exactly on each province’s phone hash secret', () => {
    const smg4 = acks().filter((a) => a.id === 'AwsSolutions-SMG4');
    expect(smg4.map((a) => a.path).sort()).toEqual([
      'vaora-quang-ninh/PhoneKeys/HashSecret',
      'vaora-vinh-phuc/PhoneKeys/HashSecret',
    ]);
    for (const ack of smg4) expect(ack.reason).toMatch(/orphan every check-in and card/);
  });

  it('carry a real reason', () => {
    for (const ack of acks()) expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(80);
  });
});

describe('wildcard grants (lib/bindings.ts grantBindings)', () => {
  const probe = () => {
    const stack = new Stack(new App(), 'Probe');
    const targets = {
      provinceId: 'quang-ninh',
      tables: new Tables(stack, 'Tables'),
      reports: new Bucket(stack, 'Reports'),
      phones: new PhoneKeys(stack, 'PhoneKeys', { provinceId: 'quang-ninh' }),
      imports: { queue: new Queue(stack, 'Imports') },
    };
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    return { targets, role };
  };

  it('acknowledges each allowed prefix once per role, naming the bindings that need it', () => {
    const { targets, role } = probe();
    grantBindings(role, ['reports:write', 'reports:sign', 'posters:write', 'registry:get'], targets);
    const ids = acknowledgementsUnder(role)
      .map((a) => `${a.id.replace(/<\w+\.Arn>/, '<X.Arn>')} ${a.reason.split(':')[0]}`)
      .sort();
    expect(ids).toEqual([
      'AwsSolutions-IAM5[Resource::<X.Arn>/posters/quang-ninh/*] posters',
      'AwsSolutions-IAM5[Resource::<X.Arn>/reports/quang-ninh/*] reports',
    ]);
    const reasons = acknowledgementsUnder(role)
      .map((a) => a.reason.split(': ')[0])
      .sort();
    expect(reasons).toEqual(['posters:write', 'reports:write, reports:sign']);
  });

  it('refuses any other wildcard resource, even in the same bucket', () => {
    const { targets, role } = probe();
    const binding: Binding = 'registry:get';
    const original = BINDINGS[binding];
    (BINDINGS as Record<Binding, (typeof BINDINGS)[Binding]>)[binding] = ({ reports }) => [
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [reports.arnForObjects('reports/*')] }),
    ];
    try {
      expect(() => grantBindings(role, [binding], targets)).toThrow(
        /Binding "registry:get" grants the wildcard resource .*\/reports\/\*: list the ARNs instead/,
      );
    } finally {
      (BINDINGS as Record<Binding, (typeof BINDINGS)[Binding]>)[binding] = original;
    }
  });
});
