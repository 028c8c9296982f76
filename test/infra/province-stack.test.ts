import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { provinceReportsPrefix } from '../../lib/reports-bucket.ts';
import type { TableId } from '../../lib/tables.ts';
import { ENV } from '../../src/config.ts';
import { KEY, reportKeys, TABLES } from '../../src/keys.ts';
import { CLAIM_ROLE, CLAIM_UNIT, FUNCTIONS, type FunctionName, ROUTES } from '../../src/routes.ts';
import {
  actionsOf,
  type CfnResource,
  defaultChildId,
  firstProvince,
  functionId,
  type Grant,
  getAtt,
  grantsOfFunction,
  grantsOfRole,
  logicalId,
  resourcesOfType,
  synthedProvinces,
} from './synth.ts';

/**
 * The province stack, synthesized once from cdk.json (bundling skipped) and asserted resource by resource.
 * One file on purpose: every test file is a worker of its own, and a synth costs seconds.
 */

const SYNTH_TIMEOUT = 60_000;
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const LOCAL_ONLY_ENV: string[] = [ENV.dynamodbEndpoint, ENV.s3Endpoint];
const DYNAMODB_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];
const json = (value: unknown) => JSON.stringify(value);

beforeAll(() => void synthedProvinces(), SYNTH_TIMEOUT);

describe('DynamoDB tables', () => {
  const tableResource = (id: TableId) => {
    const { stack, resources } = firstProvince();
    return resources[defaultChildId(stack.tables.table(id))]!;
  };

  it('creates exactly the three tables of src/keys.ts TABLES', () => {
    const { template } = firstProvince();
    expect(TABLES.map((t) => t.id).sort()).toEqual(['activity', 'checkins', 'registry']);
    template.resourceCountIs('AWS::DynamoDB::Table', TABLES.length);
  });

  it.each(TABLES.map((t) => [t.id, t] as const))('keys %s on pk/sk strings, on demand', (id) => {
    const table = tableResource(id);
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: KEY.pk, KeyType: 'HASH' },
      { AttributeName: KEY.sk, KeyType: 'RANGE' },
    ]);
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
    );
  });

  it.each(TABLES.map((t) => [t.id, t] as const))('gives %s its indexes with ALL projection', (id, def) => {
    const table = tableResource(id);
    const indexes = table.Properties.GlobalSecondaryIndexes ?? [];
    expect(indexes).toHaveLength(def.indexes.length);
    for (const index of def.indexes) {
      expect(indexes).toContainEqual({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.pk, KeyType: 'HASH' },
          { AttributeName: index.sk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      });
      expect(table.Properties.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: index.pk, AttributeType: 'S' },
          { AttributeName: index.sk, AttributeType: 'S' },
        ]),
      );
    }
  });

  it('indexes the registry by parent and the check-ins by checkpoint-day and by phone', () => {
    const names = (id: TableId) =>
      (tableResource(id).Properties.GlobalSecondaryIndexes ?? []).map(
        (i: { IndexName: string }) => i.IndexName,
      );
    expect(names('registry')).toEqual(['gsi1']);
    expect(names('checkins').sort()).toEqual(['byCheckpointDay', 'byPhone']);
    expect(names('activity')).toEqual([]);
  });

  it.each(TABLES.map((t) => [t.id] as const))(
    'protects %s: point-in-time recovery, KMS encryption, retained, deletion protection',
    (id) => {
      const table = tableResource(id);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    },
  );

  it('expires raw check-ins through TTL on expiresAt, and nothing else', () => {
    expect(tableResource('checkins').Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
    expect(tableResource('registry').Properties.TimeToLiveSpecification).toBeUndefined();
    expect(tableResource('activity').Properties.TimeToLiveSpecification).toBeUndefined();
  });
});

describe('reports bucket', () => {
  const ids = () => {
    const { stack } = firstProvince();
    return { bucket: defaultChildId(stack.reports.bucket), logs: defaultChildId(stack.reports.accessLogs) };
  };

  it('is private, SSE-S3 encrypted, versioned and retained', () => {
    const bucket = firstProvince().resources[ids().bucket]!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('aborts incomplete multipart uploads after a day and expires old versions', () => {
    const rules = firstProvince().resources[ids().bucket]!.Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
    );
  });

  it('refuses every request without TLS', () => {
    const { template } = firstProvince();
    const { bucket } = ids();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [getAtt(bucket), { 'Fn::Join': ['', [getAtt(bucket), '/*']] }],
          }),
        ]),
      },
    });
  });

  it('sends server access logs to a separate private, TLS-only log bucket', () => {
    const { template, resources } = firstProvince();
    const { bucket, logs } = ids();
    expect(resources[bucket]!.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logs },
      LogFilePrefix: 'reports-bucket/',
    });
    expect(resources[logs]!.Properties.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logs },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it("grants under the same prefix that src/keys.ts reportKeys writes a province's reports to", () => {
    const prefix = provinceReportsPrefix('quang-ninh');
    expect(prefix).toBe('reports/quang-ninh/');
    expect(reportKeys.unitPrefix('quang-ninh', 'u1').startsWith(prefix)).toBe(true);
    expect(reportKeys.file('quang-ninh', 'u1', '2026-11-13', '2026-11-19', 'xlsx').startsWith(prefix)).toBe(
      true,
    );
  });
});

describe('HTTP API routes', () => {
  const routesByKey = () => {
    const routes = resourcesOfType(firstProvince().resources, 'AWS::ApiGatewayV2::Route');
    return new Map(routes.map(([, r]) => [r.Properties.RouteKey as string, r]));
  };

  it('has exactly one route per ROUTES entry', () => {
    const routes = routesByKey();
    expect([...routes.keys()].sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    firstProvince().template.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s requires a staff JWT exactly when it is a staff route',
    (key, spec) => {
      const { stack } = firstProvince();
      const route = routesByKey().get(key)!;
      if (spec.access === 'staff') {
        expect(route.Properties.AuthorizationType).toBe('JWT');
        expect(route.Properties.AuthorizerId).toEqual({ Ref: staffAuthorizerId(stack) });
      } else {
        expect(route.Properties.AuthorizationType).toBe('NONE');
        expect(route.Properties.AuthorizerId).toBeUndefined();
      }
    },
  );

  it('keeps the check-in and the QR-code lookup public, everything else behind the JWT', () => {
    const routes = routesByKey();
    const publicKeys = [...routes]
      .filter(([, r]) => r.Properties.AuthorizationType === 'NONE')
      .map(([k]) => k);
    expect(publicKeys.sort()).toEqual(['GET /v1/checkpoints/by-code/{code}', 'POST /v1/checkins']);
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s invokes the Lambda of its fn',
    (key, spec) => {
      const { stack, resources } = firstProvince();
      const target = routesByKey().get(key)!.Properties.Target;
      const integrationId = target['Fn::Join'][1][1].Ref;
      const integration = resources[integrationId] as CfnResource;
      expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
      expect(integration.Properties.IntegrationUri).toEqual(getAtt(functionId(stack, spec.fn)));
    },
  );

  it('validates JWTs issued by the province user pool for its app client', () => {
    const { stack, template } = firstProvince();
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: defaultChildId(stack.auth.client) }],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.amazonaws.com/',
              { Ref: defaultChildId(stack.auth.userPool) },
            ],
          ],
        },
      },
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
  });

  it('throttles the $default stage and writes JSON access logs kept no longer than the check-ins (30 days)', () => {
    const { stack, template, resources } = firstProvince();
    const stage = resources[defaultChildId(stack.api.stage)]!;
    expect(stage.Properties.StageName).toBe('$default');
    expect(stage.Properties.AutoDeploy).toBe(true);
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 1000,
    });
    const accessLogs = defaultChildId(stack.api.accessLogs);
    expect(stage.Properties.AccessLogSettings.DestinationArn).toEqual(getAtt(accessLogs));
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
    expect(resources[accessLogs]!.Properties.RetentionInDays).toBe(30);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
  });
});

describe('staff user pool', () => {
  it('lets only administrators create accounts, requires TOTP MFA and a strong password', () => {
    const { template } = firstProvince();
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      UserPoolTier: 'PLUS',
      DeletionProtection: 'ACTIVE',
    });
  });

  it('defines the custom attributes behind the role and unit claims of src/routes.ts', () => {
    const [[, pool]] = resourcesOfType(firstProvince().resources, 'AWS::Cognito::UserPool') as [
      [string, CfnResource],
    ];
    const custom = pool.Properties.Schema.filter((a: { AttributeDataType?: string }) => a.AttributeDataType);
    expect(custom.map((a: { Name: string }) => `custom:${a.Name}`).sort()).toEqual(
      [CLAIM_ROLE, CLAIM_UNIT].sort(),
    );
  });

  it('lets the app client read role and unit but never write them', () => {
    const [[, client]] = resourcesOfType(firstProvince().resources, 'AWS::Cognito::UserPoolClient') as [
      [string, CfnResource],
    ];
    expect(client.Properties.ReadAttributes).toEqual(expect.arrayContaining([CLAIM_ROLE, CLAIM_UNIT]));
    expect(client.Properties.WriteAttributes).not.toContain(CLAIM_ROLE);
    expect(client.Properties.WriteAttributes).not.toContain(CLAIM_UNIT);
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  });
});

function staffAuthorizerId(stack: ReturnType<typeof firstProvince>['stack']) {
  const authorizer = stack.api.httpApi.node.children.find((c) => c.node.id === 'StaffJwt');
  if (!authorizer) throw new Error('no StaffJwt authorizer under the HTTP API');
  return logicalId(authorizer.node.defaultChild!);
}

describe('Lambda functions', () => {
  it('deploys exactly the functions of src/routes.ts FUNCTIONS, and no CDK helper function', () => {
    for (const { template } of synthedProvinces().provinces) {
      template.resourceCountIs('AWS::Lambda::Function', NAMES.length);
    }
  });

  it('runs every function on nodejs20.x, arm64, ESM bundle handler', () => {
    for (const { resources } of synthedProvinces().provinces) {
      const functions = resourcesOfType(resources, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(0);
      for (const [, fn] of functions) {
        expect(fn.Properties.Runtime).toBe('nodejs20.x');
        expect(fn.Properties.Architectures).toEqual(['arm64']);
        expect(fn.Properties.Handler).toBe('index.handler');
      }
    }
  });

  it.each(NAMES)('sizes %s for its kind (API 256 MB/10 s, heavy 1024 MB/5 min)', (name) => {
    const { stack, resources } = firstProvince();
    const fn = resources[functionId(stack, name)]!;
    const expected = FUNCTIONS[name].heavy
      ? { MemorySize: 1024, Timeout: 300 }
      : { MemorySize: 256, Timeout: 10 };
    expect(fn.Properties).toMatchObject(expected);
  });

  it('gives the report generators the heavy sizing', () => {
    expect(NAMES.filter((n) => FUNCTIONS[n].heavy).sort()).toEqual([
      'run-weekly-report',
      'scheduled-weekly-report',
    ]);
  });

  it.each(NAMES)('logs %s to its own log group with a retention', (name) => {
    const { stack, resources } = firstProvince();
    const logGroupRef = resources[functionId(stack, name)]!.Properties.LoggingConfig.LogGroup;
    const logGroup = resources[logGroupRef.Ref]!;
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });
});

describe('function permissions', () => {
  const refs = () => {
    const { stack } = firstProvince();
    const table = (id: 'registry' | 'checkins' | 'activity') => defaultChildId(stack.tables.table(id));
    return {
      registry: json(getAtt(table('registry'))),
      registryGsi1: json({ 'Fn::Join': ['', [getAtt(table('registry')), '/index/gsi1']] }),
      checkins: json(getAtt(table('checkins'))),
      activity: json(getAtt(table('activity'))),
      logs: json(
        getAtt(defaultChildId(stack.node.findChild('Functions').node.findChild('CreateCheckinLogs'))),
      ),
    };
  };

  it('lets create-checkin do exactly: read the registry, put/get check-ins, count activity, write its logs', () => {
    const grants = grantsOfFunction(firstProvince(), 'create-checkin');
    const r = refs();
    const pairs = grants.map((g) => `${g.action} ${g.resource}`).sort();
    expect(pairs).toEqual(
      [
        `logs:CreateLogStream ${r.logs}`,
        `logs:PutLogEvents ${r.logs}`,
        `dynamodb:GetItem ${r.registry}`,
        `dynamodb:GetItem ${r.registryGsi1}`,
        `dynamodb:BatchGetItem ${r.registry}`,
        `dynamodb:BatchGetItem ${r.registryGsi1}`,
        `dynamodb:Query ${r.registry}`,
        `dynamodb:Query ${r.registryGsi1}`,
        `dynamodb:PutItem ${r.checkins}`,
        `dynamodb:GetItem ${r.checkins}`,
        `dynamodb:UpdateItem ${r.activity}`,
      ].sort(),
    );
    expect(actionsOf(grants)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(actionsOf(grants)).not.toContain('dynamodb:Scan');
    expect(grants.filter((g) => g.action.startsWith('s3:'))).toEqual([]);
  });

  it.each(NAMES)('never lets %s scan a table', (name) => {
    expect(actionsOf(grantsOfFunction(firstProvince(), name))).not.toContain('dynamodb:Scan');
  });

  it.each(NAMES.filter((n) => FUNCTIONS[n].bindings.some((b) => b.startsWith('reports:'))))(
    'keeps report function %s away from any DynamoDB write',
    (name) => {
      const actions = actionsOf(grantsOfFunction(firstProvince(), name));
      for (const write of DYNAMODB_WRITES) expect(actions).not.toContain(write);
    },
  );

  it.each(NAMES)(
    'gives %s S3 access only through a reports binding, scoped to the province prefix',
    (name) => {
      const { stack } = firstProvince();
      const bucket = defaultChildId(stack.reports.bucket);
      const s3 = grantsOfFunction(firstProvince(), name).filter((g) => g.action.startsWith('s3:'));
      const bindings = FUNCTIONS[name].bindings;
      const objects = json({ 'Fn::Join': ['', [getAtt(bucket), '/reports/quang-ninh/*']] });
      const expected: string[] = [];
      if (bindings.includes('reports:write')) {
        expected.push(`s3:AbortMultipartUpload ${objects}`, `s3:PutObject ${objects}`);
      }
      if (bindings.includes('reports:read')) {
        expected.push(`s3:GetObject ${objects}`, `s3:ListBucket ${json(getAtt(bucket))}`);
      }
      expect(s3.map((g) => `${g.action} ${g.resource}`).sort()).toEqual(expected.sort());
      const list = s3.find((g) => g.action === 's3:ListBucket');
      if (list) expect(list.condition).toEqual({ StringLike: { 's3:prefix': ['reports/quang-ninh/*'] } });
    },
  );

  it.each(NAMES)('reads/writes tables from %s exactly as its bindings say', (name) => {
    const bindings = FUNCTIONS[name].bindings;
    const r = refs();
    const dynamo = grantsOfFunction(firstProvince(), name).filter((g) => g.action.startsWith('dynamodb:'));
    const on = (resource: string) => actionsOf(dynamo.filter((g) => g.resource === resource));
    expect(on(r.registry)).toEqual(
      [
        ...(bindings.includes('registry:read')
          ? ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']
          : []),
        ...(bindings.includes('registry:write')
          ? ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']
          : []),
      ].sort(),
    );
    expect(on(r.checkins)).toEqual(
      bindings.includes('checkins:write') ? ['dynamodb:GetItem', 'dynamodb:PutItem'] : [],
    );
    expect(on(r.activity)).toEqual(
      [
        ...(bindings.includes('activity:read') ? ['dynamodb:Query'] : []),
        ...(bindings.includes('checkins:write') ? ['dynamodb:UpdateItem'] : []),
      ].sort(),
    );
  });
});

describe('policies of the whole stack', () => {
  const allGrants = (): Grant[] =>
    synthedProvinces().provinces.flatMap(({ resources }) =>
      resourcesOfType(resources, 'AWS::IAM::Role').flatMap(([roleId]) => grantsOfRole(resources, roleId)),
    );

  it('has no service-wide action, no wildcard action and no AWS managed policy', () => {
    const actions = actionsOf(allGrants());
    expect(actions.length).toBeGreaterThan(0);
    expect(actions).not.toContain('dynamodb:*');
    expect(actions).not.toContain('s3:*');
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('never grants on Resource "*"', () => {
    expect(allGrants().filter((g) => g.resource === '"*"')).toEqual([]);
  });

  it('lets the scheduler role invoke only the scheduled report function and send to its DLQ', () => {
    const { stack, resources } = firstProvince();
    const grants = grantsOfRole(
      resources,
      defaultChildId(stack.weeklyReport.node.findChild('SchedulerRole')),
    );
    const fn = getAtt(defaultChildId(stack.functions.byName['scheduled-weekly-report']));
    expect(grants.map((g) => `${g.action} ${g.resource}`).sort()).toEqual(
      [
        `lambda:InvokeFunction ${json(fn)}`,
        `lambda:InvokeFunction ${json({ 'Fn::Join': ['', [fn, ':*']] })}`,
        `sqs:SendMessage ${json(getAtt(defaultChildId(stack.weeklyReport.deadLetterQueue)))}`,
      ].sort(),
    );
  });
});

describe('weekly report schedule', () => {
  it('runs scheduled-weekly-report every Friday at 15:00 Asia/Ho_Chi_Minh', () => {
    const { stack, template } = firstProvince();
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 15 ? * FRI *)',
      ScheduleExpressionTimezone: 'Asia/Ho_Chi_Minh',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: getAtt(defaultChildId(stack.functions.byName['scheduled-weekly-report'])),
      }),
    });
  });

  it('retries and then dead-letters to the encrypted queue', () => {
    const { stack, template } = firstProvince();
    const queue = defaultChildId(stack.weeklyReport.deadLetterQueue);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: getAtt(queue) },
      }),
    });
    expect(firstProvince().resources[queue]!.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('sends failed runs of the function itself to the same queue', () => {
    const { stack, template } = firstProvince();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: defaultChildId(stack.functions.byName['scheduled-weekly-report']) },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: getAtt(defaultChildId(stack.weeklyReport.deadLetterQueue)) },
      },
    });
  });

  it('accepts only TLS requests on the dead-letter queue', () => {
    const { stack, template } = firstProvince();
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: defaultChildId(stack.weeklyReport.deadLetterQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('function environment', () => {
  it("gives each province's functions their own PROVINCE_ID", () => {
    const provinces = synthedProvinces().provinces;
    expect(provinces).toHaveLength(2);
    const ids = provinces.map(
      ({ stack, resources }) =>
        resources[functionId(stack, 'create-checkin')]!.Properties.Environment.Variables[ENV.provinceId],
    );
    expect(ids).toEqual(['quang-ninh', 'vinh-phuc']);
  });

  it('gives every function every deployed ENV variable of src/config.ts, and no local-only one', () => {
    const { stack, resources } = firstProvince();
    const expected = [
      ...Object.values(ENV).filter((name) => !LOCAL_ONLY_ENV.includes(name)),
      'NODE_OPTIONS',
    ].sort();
    for (const name of NAMES) {
      const vars = resources[functionId(stack, name)]!.Properties.Environment.Variables;
      expect(Object.keys(vars).sort(), name).toEqual(expected);
      expect(vars.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('points the variables at this stack and uses the defaults of src/config.ts', () => {
    const { stack, resources } = firstProvince();
    const vars = resources[functionId(stack, 'get-report-link')]!.Properties.Environment.Variables;
    expect(vars).toEqual(
      expect.objectContaining({
        [ENV.registryTable]: { Ref: logicalId(stack.tables.table('registry').node.defaultChild!) },
        [ENV.checkinsTable]: { Ref: logicalId(stack.tables.table('checkins').node.defaultChild!) },
        [ENV.activityTable]: { Ref: logicalId(stack.tables.table('activity').node.defaultChild!) },
        [ENV.reportsBucket]: { Ref: logicalId(stack.reports.bucket.node.defaultChild!) },
        [ENV.publicBaseUrl]: getAtt(logicalId(stack.api.httpApi.node.defaultChild!), 'ApiEndpoint'),
        [ENV.retentionDays]: '28',
        [ENV.reportLinkTtlSeconds]: '900',
      }),
    );
  });
});

describe('stack outputs', () => {
  it('exports the API URL, user pool id, client id and bucket name', () => {
    const { stack, template } = firstProvince();
    const outputs = template.toJSON().Outputs;
    expect(outputs.ApiUrl.Value).toEqual(
      getAtt(logicalId(stack.api.httpApi.node.defaultChild!), 'ApiEndpoint'),
    );
    expect(outputs.UserPoolId.Value).toEqual({ Ref: logicalId(stack.auth.userPool.node.defaultChild!) });
    expect(outputs.UserPoolClientId.Value).toEqual({ Ref: logicalId(stack.auth.client.node.defaultChild!) });
    expect(outputs.ReportsBucketName.Value).toEqual({
      Ref: logicalId(stack.reports.bucket.node.defaultChild!),
    });
  });
});
