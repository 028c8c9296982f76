import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { mailIdentity } from '../../lib/provinces.ts';
import { provinceReportsPrefix } from '../../lib/reports-bucket.ts';
import type { TableId } from '../../lib/tables.ts';
import {
  ALERT_SENDING_ENV,
  DEFAULTS,
  ENV,
  GATE_ENV,
  IMPORT_QUEUE_ENV,
  MAIL_ENV,
  PHONE_ENV,
  USERS_ENV,
  WEEKLY_RUNNER_ENV,
} from '../../src/config.ts';
import { KEY, posterKeys, reportKeys, TABLES } from '../../src/keys.ts';
import {
  CLAIM_ROLE,
  CLAIM_UNIT,
  CLAIM_WEEKLY_EMAIL,
  FUNCTIONS,
  type FunctionName,
  ROUTES,
} from '../../src/routes.ts';
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
  type SynthedProvince,
  synthedProvinces,
} from './synth.ts';

/**
 * The province stack, synthesized once from cdk.json (bundling skipped) and asserted resource by resource.
 * One file on purpose: every test file is a worker of its own, and a synth costs seconds.
 */

const SYNTH_TIMEOUT = 300_000;
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
/** CDK's BucketDeployment singleton (its function and role): copies the built console in at deploy time. */
const isConsoleCopy = (logicalId: string) => logicalId.startsWith('CustomCDKBucketDeployment');
const LOCAL_ONLY_ENV: string[] = [ENV.dynamodbEndpoint, ENV.s3Endpoint, PHONE_ENV.kmsEndpoint];
/** Powertools' settings, on every function (lib/vaora-function.ts powertoolsEnvironment). */
const POWERTOOLS_ENV = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_TRACER_CAPTURE_RESPONSE',
  'POWERTOOLS_TRACER_CAPTURE_ERROR',
  'POWERTOOLS_LOGGER_LOG_EVENT',
];
/** The functions that store phone numbers: they alone hash and seal (binding phones:seal). */
/** The only functions that open sealed numbers: the tracing queries, which answer them to a tracer. */
/** ...and the alert queue's consumer, which texts them. */
const OPENING: FunctionName[] = [
  'send-alert-batch',
  'trace-checkpoint-visitors',
  'trace-phone-contacts',
  'trace-phone-visits',
];
const SEALING: FunctionName[] = [
  'create-assisted-checkins',
  'create-card',
  'create-checkin',
  'create-checkin-batch',
];
const json = (value: unknown) => JSON.stringify(value);

beforeAll(() => void synthedProvinces(), SYNTH_TIMEOUT);

describe('DynamoDB tables', () => {
  const tableResource = (id: TableId) => {
    const { stack, resources } = firstProvince();
    return resources[defaultChildId(stack.tables.table(id))]!;
  };

  it('creates exactly the five tables of src/keys.ts TABLES', () => {
    const { template } = firstProvince();
    expect(TABLES.map((t) => t.id).sort()).toEqual(['activity', 'audit', 'checkins', 'registry', 'tracing']);
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

  it.each(TABLES.map((t) => [t.id, t] as const))('gives %s its indexes with their projections', (id, def) => {
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
        Projection: { ProjectionType: index.projection ?? 'ALL' },
      });
      expect(table.Properties.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: index.pk, AttributeType: 'S' },
          { AttributeName: index.sk, AttributeType: 'S' },
        ]),
      );
    }
  });

  it('indexes the registry by parent and the check-ins by checkpoint-day (the table itself is by phone)', () => {
    const names = (id: TableId) =>
      (tableResource(id).Properties.GlobalSecondaryIndexes ?? []).map(
        (i: { IndexName: string }) => i.IndexName,
      );
    expect(names('registry')).toEqual(['gsi1']);
    expect(names('checkins').sort()).toEqual(['byCheckpointDay']);
    expect(names('activity')).toEqual(['byCheckpoint']);
    const [byCheckpoint] = tableResource('activity').Properties.GlobalSecondaryIndexes;
    expect(byCheckpoint.Projection).toEqual({ ProjectionType: 'KEYS_ONLY' });
  });

  it('streams the check-ins table’s new items (what counts them) and no other table', () => {
    expect(tableResource('checkins').Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    for (const id of ['registry', 'activity', 'tracing', 'audit'] as const) {
      expect(tableResource(id).Properties.StreamSpecification, id).toBeUndefined();
    }
    // The counting step's stream positions expire; counters have no `expiresAt`.
    expect(tableResource('activity').Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it('invokes the counting function every minute, by a role that may invoke only it', () => {
    const { stack, resources } = firstProvince();
    const [schedule, ...more] = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Scheduler::Schedule' &&
        JSON.stringify(r.Properties.Target.Arn).includes(functionId(stack, 'count-checkins')),
    );
    expect(more).toEqual([]);
    expect(schedule!.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(schedule!.Properties.Target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
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

  it('expires raw check-ins, audit records, alert delivery markers and stream positions through TTL on expiresAt, and nothing else', () => {
    for (const id of ['checkins', 'audit', 'tracing', 'activity'] as const) {
      expect(tableResource(id).Properties.TimeToLiveSpecification).toEqual({
        AttributeName: 'expiresAt',
        Enabled: true,
      });
    }
    expect(tableResource('registry').Properties.TimeToLiveSpecification).toBeUndefined();
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

  it('removes tracing exports (phone numbers in the clear) a day after they were made, every version', () => {
    const rules = firstProvince().resources[ids().bucket]!.Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual({
      Id: 'expire-tracing-exports',
      Prefix: 'exports/',
      ExpirationInDays: 1,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      Status: 'Enabled',
    });
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

  it("grants posters under the same prefix that src/keys.ts posterKeys writes a province's posters to", () => {
    expect(posterKeys.provincePrefix('quang-ninh')).toBe('posters/quang-ninh/');
    const key = posterKeys.file('quang-ninh', 'u1', new Date('2026-11-20T08:00:00Z'));
    expect(key.startsWith('posters/quang-ninh/')).toBe(true);
    expect(key.startsWith(provinceReportsPrefix('quang-ninh'))).toBe(false);
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
  /** The logical id of the integration a route targets (`integrations/<id>`). */
  const integrationOf = (route: CfnResource): string => route.Properties.Target['Fn::Join'][1][1].Ref;

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
      } else if (spec.access === 'gate') {
        expect(route.Properties.AuthorizationType).toBe('CUSTOM');
        expect(route.Properties.AuthorizerId).toEqual({ Ref: gateAuthorizerId(stack) });
      } else {
        expect(route.Properties.AuthorizationType).toBe('NONE');
        expect(route.Properties.AuthorizerId).toBeUndefined();
      }
    },
  );

  it('keeps the check-in, its QR page and the QR-code lookup public, everything else behind the JWT', () => {
    const routes = routesByKey();
    const publicKeys = [...routes]
      .filter(([, r]) => r.Properties.AuthorizationType === 'NONE')
      .map(([k]) => k);
    expect(publicKeys.sort()).toEqual([
      'GET /c',
      'GET /c/{code}',
      'GET /g/{code}',
      'GET /sw.js',
      'GET /v1/checkpoints/by-code/{code}',
      'GET /v1/openapi.json',
      'POST /v1/cards',
      'POST /v1/checkins',
      'POST /v1/checkins/batch',
    ]);
    expect(routes.size).toBe(56);
  });

  it('throttles POST /v1/cards below the stage: a card is a year-long record anyone may ask for', () => {
    const { resources } = firstProvince();
    const stages = resourcesOfType(resources, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const stage = stages[0]![1];
    expect(stage.Properties.RouteSettings).toEqual({
      'POST /v1/cards': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 10 },
    });
    // The stage names the route by its key, so it is created after the route.
    const route = routesByKey().get('POST /v1/cards');
    const routeId = Object.entries(resources).find(([, r]) => r === route)?.[0];
    expect(routeId).toBeDefined();
    expect((stage as unknown as { DependsOn?: string[] }).DependsOn).toContain(routeId);
  });

  it.each([
    'GET /v1/checkpoints/{id}/poster.pdf',
    'POST /v1/units/{unitId}/posters',
    'POST /v1/units/import',
    'POST /v1/units/{unitId}/checkpoints/import',
    'POST /v1/checkpoints/{id}/rotate-code',
    'POST /v1/checkpoints/{id}/deactivate',
    'POST /v1/checkpoints/{id}/reactivate',
    'GET /v1/units/{unitId}/naming-violations',
    'POST /v1/checkpoints/{id}/checkins',
    'POST /v1/checkpoints/{id}/gate-links',
  ])('puts the new route %s behind the staff JWT authorizer', (key) => {
    const { stack } = firstProvince();
    const route = routesByKey().get(key);
    expect(route?.Properties.AuthorizationType).toBe('JWT');
    expect(route?.Properties.AuthorizerId).toEqual({ Ref: staffAuthorizerId(stack) });
  });

  it('puts the gate route alone behind the gate authorizer: a Lambda authorizer of simple responses, cached per token', () => {
    const { stack, resources } = firstProvince();
    const gated = [...routesByKey()].filter(([, r]) => r.Properties.AuthorizationType === 'CUSTOM');
    expect(gated.map(([key]) => key)).toEqual(['POST /v1/gate/checkpoints/{id}/checkins']);
    expect(resources[integrationOf(gated[0]![1])]!.Properties.IntegrationUri).toEqual(
      getAtt(functionId(stack, 'create-assisted-checkins')),
    );
    const authorizer = resources[gateAuthorizerId(stack)]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      functionId(stack, 'authorize-gate'),
    );
    // API Gateway may invoke the authorizer, from this API only.
    const permissions = resourcesOfType(resources, 'AWS::Lambda::Permission').filter(
      ([, p]) =>
        JSON.stringify(p.Properties.FunctionName) ===
        JSON.stringify(getAtt(functionId(stack, 'authorize-gate'))),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]![1].Properties.Principal).toBe('apigateway.amazonaws.com');
  });

  it('serves the QR landing page GET /c/{code} publicly from checkin-page', () => {
    const { stack, resources } = firstProvince();
    const route = routesByKey().get('GET /c/{code}')!;
    expect(route).toBeDefined();
    expect(route.Properties.AuthorizationType).toBe('NONE');
    expect(route.Properties.AuthorizerId).toBeUndefined();
    expect(route.Properties.AuthorizationScopes).toBeUndefined();
    const integration = resources[integrationOf(route)]!;
    expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
    expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
    expect(integration.Properties.IntegrationUri).toEqual(getAtt(functionId(stack, 'checkin-page')));
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s invokes the Lambda of its fn',
    (key, spec) => {
      const { stack, resources } = firstProvince();
      const integration = resources[integrationOf(routesByKey().get(key)!)] as CfnResource;
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
        // The staff app client's and the console's (authorization code + PKCE, lib/console.ts) ID tokens.
        Audience: [{ Ref: defaultChildId(stack.auth.client) }, { Ref: defaultChildId(stack.console.client) }],
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
    // And the gate authorizer (a Lambda authorizer, asserted with the gate route).
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 2);
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
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      sourceIp: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
    expect(format).not.toHaveProperty('userAgent');
    expect(JSON.stringify(format)).not.toContain('userAgent');
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

  it('defines the custom attributes behind the role and unit claims of src/routes.ts, and the Friday e-mail opt-out', () => {
    const [[, pool]] = resourcesOfType(firstProvince().resources, 'AWS::Cognito::UserPool') as [
      [string, CfnResource],
    ];
    const custom = pool.Properties.Schema.filter((a: { AttributeDataType?: string }) => a.AttributeDataType);
    expect(custom.map((a: { Name: string }) => `custom:${a.Name}`).sort()).toEqual(
      [CLAIM_ROLE, CLAIM_UNIT, CLAIM_WEEKLY_EMAIL].sort(),
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

function gateAuthorizerId(stack: ReturnType<typeof firstProvince>['stack']) {
  const authorizer = stack.api.httpApi.node.children.find((c) => c.node.id === 'GateAuthorizer');
  if (!authorizer) throw new Error('no GateAuthorizer under the HTTP API');
  return logicalId(authorizer.node.defaultChild!);
}

function staffAuthorizerId(stack: ReturnType<typeof firstProvince>['stack']) {
  const authorizer = stack.api.httpApi.node.children.find((c) => c.node.id === 'StaffJwt');
  if (!authorizer) throw new Error('no StaffJwt authorizer under the HTTP API');
  return logicalId(authorizer.node.defaultChild!);
}

describe('Lambda functions', () => {
  it('deploys exactly the functions of src/routes.ts FUNCTIONS, and no CDK helper function but the console copy', () => {
    expect(NAMES).toHaveLength(59);
    for (const { resources, template } of synthedProvinces().provinces) {
      template.resourceCountIs('AWS::Lambda::Function', NAMES.length + 1);
      // The one helper: CDK's BucketDeployment, copying the built console into its bucket at deploy time.
      expect(
        resourcesOfType(resources, 'AWS::Lambda::Function').filter(([id]) => isConsoleCopy(id)),
      ).toHaveLength(1);
    }
  });

  it('runs every function on nodejs24.x, arm64, ESM bundle handler', () => {
    for (const { resources } of synthedProvinces().provinces) {
      const functions = resourcesOfType(resources, 'AWS::Lambda::Function').filter(
        ([id]) => !isConsoleCopy(id),
      );
      expect(functions.length).toBeGreaterThan(0);
      for (const [, fn] of functions) {
        expect(fn.Properties.Runtime).toBe('nodejs24.x');
        expect(fn.Properties.Architectures).toEqual(['arm64']);
        expect(fn.Properties.Handler).toBe('index.handler');
      }
    }
  });

  /** Written out: API 256 MB/10 s; heavy behind a route 1024 MB/29 s (under API Gateway's 30 s); scheduled 5 min. */
  const SIZES: Readonly<Record<FunctionName, { MemorySize: number; Timeout: number }>> = {
    'create-unit': { MemorySize: 256, Timeout: 10 },
    'get-unit': { MemorySize: 256, Timeout: 10 },
    'create-checkpoint': { MemorySize: 256, Timeout: 10 },
    'list-checkpoints': { MemorySize: 256, Timeout: 10 },
    'get-checkpoint-by-code': { MemorySize: 256, Timeout: 10 },
    'get-checkpoint-qr': { MemorySize: 256, Timeout: 10 },
    'create-checkin': { MemorySize: 256, Timeout: 10 },
    'create-checkin-batch': { MemorySize: 256, Timeout: 10 },
    'create-assisted-checkins': { MemorySize: 256, Timeout: 10 },
    'create-card': { MemorySize: 256, Timeout: 10 },
    'checkin-page': { MemorySize: 256, Timeout: 10 },
    'run-weekly-report': { MemorySize: 256, Timeout: 10 },
    'list-reports': { MemorySize: 256, Timeout: 10 },
    'get-report-link': { MemorySize: 256, Timeout: 10 },
    'get-report': { MemorySize: 256, Timeout: 10 },
    'import-units': { MemorySize: 256, Timeout: 10 },
    'import-checkpoints': { MemorySize: 1024, Timeout: 29 },
    'rotate-checkpoint-code': { MemorySize: 256, Timeout: 10 },
    'deactivate-checkpoint': { MemorySize: 256, Timeout: 10 },
    'reactivate-checkpoint': { MemorySize: 256, Timeout: 10 },
    'list-naming-violations': { MemorySize: 256, Timeout: 10 },
    'get-checkpoint-poster': { MemorySize: 256, Timeout: 10 },
    'create-unit-posters': { MemorySize: 1024, Timeout: 29 },
    'create-case': { MemorySize: 256, Timeout: 10 },
    'list-cases': { MemorySize: 256, Timeout: 10 },
    'get-case': { MemorySize: 256, Timeout: 10 },
    'close-case': { MemorySize: 256, Timeout: 10 },
    'list-audit': { MemorySize: 256, Timeout: 10 },
    'trace-checkpoint-visitors': { MemorySize: 256, Timeout: 10 },
    'trace-phone-visits': { MemorySize: 256, Timeout: 10 },
    'trace-phone-contacts': { MemorySize: 256, Timeout: 10 },
    'create-alert': { MemorySize: 1024, Timeout: 29 },
    'approve-alert': { MemorySize: 1024, Timeout: 29 },
    'cancel-alert': { MemorySize: 256, Timeout: 10 },
    'get-alert': { MemorySize: 256, Timeout: 10 },
    'list-alerts': { MemorySize: 256, Timeout: 10 },
    'pause-alerts': { MemorySize: 256, Timeout: 10 },
    'resume-alerts': { MemorySize: 1024, Timeout: 29 },
    // The alert queue's consumer: 100 texts a message; its queue's visibility timeout is six times this.
    'send-alert-batch': { MemorySize: 256, Timeout: 120 },
    'get-weekly-run': { MemorySize: 256, Timeout: 10 },
    'weekly-run-plan': { MemorySize: 1024, Timeout: 300 },
    'weekly-run-unit': { MemorySize: 1024, Timeout: 300 },
    'weekly-run-finish': { MemorySize: 1024, Timeout: 300 },
    'create-import': { MemorySize: 256, Timeout: 10 },
    'get-import': { MemorySize: 256, Timeout: 10 },
    'process-import': { MemorySize: 1024, Timeout: 300 },
    'update-checkpoint': { MemorySize: 256, Timeout: 10 },
    'rename-naming-violations': { MemorySize: 256, Timeout: 10 },
    'update-unit': { MemorySize: 256, Timeout: 10 },
    'get-me': { MemorySize: 256, Timeout: 10 },
    'list-users': { MemorySize: 256, Timeout: 10 },
    'create-user': { MemorySize: 256, Timeout: 10 },
    'disable-user': { MemorySize: 256, Timeout: 10 },
    'update-my-subscription': { MemorySize: 256, Timeout: 10 },
    'get-openapi': { MemorySize: 256, Timeout: 10 },
    'send-report-mail': { MemorySize: 256, Timeout: 10 },
    'count-checkins': { MemorySize: 256, Timeout: 10 },
    'create-gate-link': { MemorySize: 256, Timeout: 10 },
    'authorize-gate': { MemorySize: 256, Timeout: 10 },
  };

  it.each(NAMES)('sizes %s for its kind', (name) => {
    const { stack, resources } = firstProvince();
    expect(resources[functionId(stack, name)]!.Properties).toMatchObject(SIZES[name]);
  });

  it('gives the report generators, the checkpoint import and the unit posters the heavy sizing', () => {
    expect(NAMES.filter((n) => FUNCTIONS[n].heavy).sort()).toEqual([
      'approve-alert',
      'create-alert',
      'create-unit-posters',
      'import-checkpoints',
      'process-import',
      'resume-alerts',
      'weekly-run-finish',
      'weekly-run-plan',
      'weekly-run-unit',
    ]);
  });

  it('stops every function behind an API route before API Gateway gives up on it (30 s)', () => {
    const { stack, resources } = firstProvince();
    const routed = new Set(ROUTES.map((r) => r.fn));
    expect(routed.has('weekly-run-unit')).toBe(false);
    for (const name of routed) {
      expect(resources[functionId(stack, name)]!.Properties.Timeout, name).toBeLessThanOrEqual(29);
    }
  });

  it.each(NAMES)('logs %s to its own log group with a retention', (name) => {
    const { stack, resources } = firstProvince();
    const logGroupRef = resources[functionId(stack, name)]!.Properties.LoggingConfig.LogGroup;
    const logGroup = resources[logGroupRef.Ref]!;
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });
});

/**
 * What each function's role may do besides writing its own logs, written out literally (not derived from
 * lib/bindings.ts or the bindings of src/routes.ts): `<action> <resource>`, resources named as in
 * `resourceNames` below, plus the condition where there is one. A Record over every FunctionName, so a new
 * function fails to compile until its grants are written down here.
 */
const LIST_UNDER_PREFIX = (provinceId: string) =>
  ` if ${json({ StringLike: { 's3:prefix': [`reports/${provinceId}/*`] } })}`;
/** The check-in functions reach only check-in items of their table, not the personal cards beside them. */
const CHECKIN_ITEMS = ` if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['phone#*'] } })}`;
/** Cases share the tracing table: their functions reach `case#` items (and the one `cases` index partition). */
const CASE_ITEMS = ` if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['case#*'] } })}`;
const ALERT_ITEMS = ` if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['alert#*'] } })}`;
const ALERTS_LISTED = ` if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['alert#*', 'alerts'] } })}`;
/** An alert by id and the alerts listed: `alert#` items and the index's `alerts` partition only. */
const ALERT_READ = [
  `dynamodb:GetItem tracing${ALERTS_LISTED}`,
  `dynamodb:Query tracing${ALERTS_LISTED}`,
  `dynamodb:GetItem tracing/gsi1${ALERTS_LISTED}`,
  `dynamodb:Query tracing/gsi1${ALERTS_LISTED}`,
];
const SWITCH_ITEM = ` if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['alert#switch'] } })}`;
const MARKER_ITEMS = ` if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['alert#*#to#*'] } })}`;
/** What SQS's event source grants the consumer: its own queue only. */
const CONSUME_ALERT_QUEUE = [
  'sqs:ReceiveMessage alert-queue',
  'sqs:ChangeMessageVisibility alert-queue',
  'sqs:GetQueueUrl alert-queue',
  'sqs:DeleteMessage alert-queue',
  'sqs:GetQueueAttributes alert-queue',
];
const CASES_LISTED = ` if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['case#*', 'cases'] } })}`;
/**
 * Hashing and sealing phone numbers: data keys of the province's phone key, for phone numbers only (the
 * encryption context), and the hash secret. Never kms:Decrypt.
 */
const SEAL_PHONES = [
  `kms:GenerateDataKey phone-key if ${json({ StringEquals: { 'kms:EncryptionContext:purpose': 'phone-number' } })}`,
  'secretsmanager:GetSecretValue phone-hash-secret',
];
/**
 * A tracing query: its case (read), its audit record (append), checkpoints by id, check-ins through the two
 * tracing indexes only (never the table: no check-in by id, no card), and the phone numbers it answers (decrypting
 * phone data keys only, and the hash secret to look a person up).
 */
const TRACE_GRANTS = [
  `dynamodb:GetItem tracing${CASES_LISTED}`,
  `dynamodb:Query tracing${CASES_LISTED}`,
  `dynamodb:GetItem tracing/gsi1${CASES_LISTED}`,
  `dynamodb:Query tracing/gsi1${CASES_LISTED}`,
  'dynamodb:PutItem audit',
  'dynamodb:GetItem registry',
  'dynamodb:Query checkins/byCheckpointDay',
  `dynamodb:Query checkins${CHECKIN_ITEMS}`,
  `kms:Decrypt phone-key if ${json({ StringEquals: { 'kms:EncryptionContext:purpose': 'phone-number' } })}`,
  'secretsmanager:GetSecretValue phone-hash-secret',
  // The answer as XLSX for the case file, and the signed link to it.
  's3:PutObject exports-objects',
  's3:GetObject exports-objects',
];
/** Approving (or resuming): the alert read and updated, audited; the recipients found again; the batches enqueued. */
const ENQUEUE_GRANTS = [
  ...ALERT_READ,
  `dynamodb:UpdateItem tracing${ALERT_ITEMS}`,
  'dynamodb:PutItem audit',
  'dynamodb:GetItem registry',
  'dynamodb:Query checkins/byCheckpointDay',
  `dynamodb:Query checkins${CHECKIN_ITEMS}`,
  'sqs:SendMessage alert-queue',
];
const EXPECTED_GRANTS: Readonly<Record<FunctionName, (provinceId: string) => string[]>> = {
  'create-unit': () => ['dynamodb:GetItem registry', 'dynamodb:PutItem registry'],
  'get-unit': () => ['dynamodb:GetItem registry', 'dynamodb:Query registry', 'dynamodb:Query registry/gsi1'],
  'create-checkpoint': () => ['dynamodb:GetItem registry', 'dynamodb:PutItem registry'],
  // The idle filter: each listed checkpoint's last active day, on the activity table's by-checkpoint index.
  'list-checkpoints': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
    'dynamodb:Query activity',
    'dynamodb:Query activity/byCheckpoint',
  ],
  'get-checkpoint-by-code': () => ['dynamodb:GetItem registry'],
  'get-checkpoint-qr': () => ['dynamodb:GetItem registry'],
  'create-checkin-batch': () => [
    'dynamodb:GetItem registry',
    `dynamodb:PutItem checkins${CHECKIN_ITEMS}`,
    `dynamodb:GetItem checkins${CHECKIN_ITEMS}`,
    'dynamodb:Query checkins/byCheckpointDay',
    ...SEAL_PHONES,
  ],
  'create-checkin': () => [
    'dynamodb:GetItem registry',
    `dynamodb:PutItem checkins${CHECKIN_ITEMS}`,
    `dynamodb:GetItem checkins${CHECKIN_ITEMS}`,
    'dynamodb:Query checkins/byCheckpointDay',
    ...SEAL_PHONES,
  ],
  // The card lookup reads only `card#` items of the check-ins table.
  'create-assisted-checkins': () => [
    'dynamodb:GetItem registry',
    `dynamodb:PutItem checkins${CHECKIN_ITEMS}`,
    `dynamodb:GetItem checkins${CHECKIN_ITEMS}`,
    'dynamodb:Query checkins/byCheckpointDay',
    `dynamodb:GetItem checkins if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['card#*'] } })}`,
    ...SEAL_PHONES,
  ],
  // Cards only: no check-in item, no registry, no activity.
  'create-card': () => [
    ...['dynamodb:GetItem', 'dynamodb:PutItem'].map(
      (action) =>
        `${action} checkins if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['card#*', 'cardphone#*'] } })}`,
    ),
    ...SEAL_PHONES,
  ],
  'checkin-page': () => [],
  // It records the run and starts the state machine; the state machine's tasks read and write the rest.
  'run-weekly-report': () => [
    's3:PutObject reports-objects',
    's3:AbortMultipartUpload reports-objects',
    'states:StartExecution weekly-run-state-machine',
  ],
  'list-reports': (p) => ['dynamodb:GetItem registry', `s3:ListBucket reports-bucket${LIST_UNDER_PREFIX(p)}`],
  'get-report-link': (p) => [
    'dynamodb:GetItem registry',
    `s3:ListBucket reports-bucket${LIST_UNDER_PREFIX(p)}`,
    's3:GetObject reports-objects',
  ],
  'get-report': (p) => [
    'dynamodb:GetItem registry',
    `s3:ListBucket reports-bucket${LIST_UNDER_PREFIX(p)}`,
    's3:GetObject reports-objects',
  ],
  'import-units': () => ['dynamodb:GetItem registry', 'dynamodb:PutItem registry'],
  // Refs are looked up a hundred at a time before any write.
  'import-checkpoints': () => [
    'dynamodb:GetItem registry',
    'dynamodb:BatchGetItem registry',
    'dynamodb:PutItem registry',
  ],
  // The rotation transaction: delete the old code item, put the new one, update the checkpoint.
  'rotate-checkpoint-code': () => [
    'dynamodb:GetItem registry',
    'dynamodb:PutItem registry',
    'dynamodb:UpdateItem registry',
    'dynamodb:DeleteItem registry',
  ],
  // Closing or opening a checkpoint updates it and its code item together; it deletes nothing.
  'deactivate-checkpoint': () => ['dynamodb:GetItem registry', 'dynamodb:UpdateItem registry'],
  'reactivate-checkpoint': () => ['dynamodb:GetItem registry', 'dynamodb:UpdateItem registry'],
  'list-naming-violations': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
  ],
  'get-checkpoint-poster': () => ['dynamodb:GetItem registry'],
  'create-unit-posters': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
    's3:PutObject posters-objects',
    's3:AbortMultipartUpload posters-objects',
    's3:GetObject posters-objects',
  ],
  'create-case': () => [
    'dynamodb:GetItem registry',
    `dynamodb:PutItem tracing${CASE_ITEMS}`,
    'dynamodb:PutItem audit',
  ],
  'list-cases': () => [
    `dynamodb:GetItem tracing${CASES_LISTED}`,
    `dynamodb:Query tracing${CASES_LISTED}`,
    `dynamodb:GetItem tracing/gsi1${CASES_LISTED}`,
    `dynamodb:Query tracing/gsi1${CASES_LISTED}`,
  ],
  'get-case': () => [
    `dynamodb:GetItem tracing${CASES_LISTED}`,
    `dynamodb:Query tracing${CASES_LISTED}`,
    `dynamodb:GetItem tracing/gsi1${CASES_LISTED}`,
    `dynamodb:Query tracing/gsi1${CASES_LISTED}`,
  ],
  'close-case': () => [
    `dynamodb:GetItem tracing${CASES_LISTED}`,
    `dynamodb:Query tracing${CASES_LISTED}`,
    `dynamodb:GetItem tracing/gsi1${CASES_LISTED}`,
    `dynamodb:Query tracing/gsi1${CASES_LISTED}`,
    `dynamodb:UpdateItem tracing${CASE_ITEMS}`,
    'dynamodb:PutItem audit',
  ],
  'list-audit': () => ['dynamodb:Query audit'],
  'trace-checkpoint-visitors': () => TRACE_GRANTS,
  'trace-phone-visits': () => TRACE_GRANTS,
  'trace-phone-contacts': () => TRACE_GRANTS,
  // Drafting counts the recipients through the tracing indexes and stores a count: no number opened.
  'create-alert': () => [
    `dynamodb:GetItem tracing${CASES_LISTED}`,
    `dynamodb:Query tracing${CASES_LISTED}`,
    `dynamodb:GetItem tracing/gsi1${CASES_LISTED}`,
    `dynamodb:Query tracing/gsi1${CASES_LISTED}`,
    'dynamodb:PutItem audit',
    'dynamodb:GetItem registry',
    'dynamodb:Query checkins/byCheckpointDay',
    `dynamodb:Query checkins${CHECKIN_ITEMS}`,
    `dynamodb:PutItem tracing${ALERT_ITEMS}`,
  ],
  // Approving finds the recipients again (sealed: no kms:Decrypt) and enqueues them on the alert queue only.
  'approve-alert': () => ENQUEUE_GRANTS,
  // The kill switch: its one item, and the audit record.
  'pause-alerts': () => [`dynamodb:UpdateItem tracing${SWITCH_ITEM}`, 'dynamodb:PutItem audit'],
  // Resuming also enqueues every alert still sending again.
  'resume-alerts': () => [...ENQUEUE_GRANTS, `dynamodb:UpdateItem tracing${SWITCH_ITEM}`],
  // The consumer: alert and switch by key, markers put and deleted (`alert#*#to#*`), counts updated; consuming its
  // queue only (the event source's grant); opening numbers; texting from the pool (none configured in cdk.json).
  'send-alert-batch': () => [
    `dynamodb:GetItem tracing${ALERT_ITEMS}`,
    `dynamodb:UpdateItem tracing${ALERT_ITEMS}`,
    `dynamodb:PutItem tracing${MARKER_ITEMS}`,
    `dynamodb:DeleteItem tracing${MARKER_ITEMS}`,
    `kms:Decrypt phone-key if ${json({ StringEquals: { 'kms:EncryptionContext:purpose': 'phone-number' } })}`,
    'secretsmanager:GetSecretValue phone-hash-secret',
    ...CONSUME_ALERT_QUEUE,
  ],
  'cancel-alert': () => [
    ...ALERT_READ,
    `dynamodb:UpdateItem tracing${ALERT_ITEMS}`,
    'dynamodb:PutItem audit',
  ],
  'get-alert': () => ALERT_READ,
  'list-alerts': () => ALERT_READ,
  // The run's record: read only.
  'get-weekly-run': () => ['s3:GetObject reports-objects'],
  // The unit tree (units only) and the run's record.
  'weekly-run-plan': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
    's3:GetObject reports-objects',
    's3:PutObject reports-objects',
    's3:AbortMultipartUpload reports-objects',
  ],
  // One unit: its checkpoints and counters, its children's summaries; its reports and its summary.
  'weekly-run-unit': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
    'dynamodb:Query activity',
    'dynamodb:Query activity/byCheckpoint',
    's3:GetObject reports-objects',
    's3:PutObject reports-objects',
    's3:AbortMultipartUpload reports-objects',
    // A notice to the Friday delivery's queue for each report stored.
    'sqs:SendMessage report-mail-queue',
  ],
  // The unit tree (units only), every unit's summary, the run's record.
  'weekly-run-finish': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
    's3:GetObject reports-objects',
    's3:PutObject reports-objects',
    's3:AbortMultipartUpload reports-objects',
  ],
  // A job recorded and its upload presigned: puts only, no read.
  'create-import': () => [
    'dynamodb:GetItem registry',
    's3:PutObject import-jobs',
    's3:PutObject import-uploads',
  ],
  'get-import': () => ['dynamodb:GetItem registry', 's3:GetObject import-jobs'],
  // The checkpoint import's grants, its upload read (never written), its record, and its own queue to go on.
  // (Receiving from the queue is the event source's, below.)
  'process-import': () => [
    'dynamodb:GetItem registry',
    'dynamodb:BatchGetItem registry',
    'dynamodb:PutItem registry',
    's3:GetObject import-jobs',
    's3:GetObject import-uploads',
    's3:PutObject import-jobs',
    'sqs:SendMessage import-queue',
    'sqs:ReceiveMessage import-queue',
    'sqs:ChangeMessageVisibility import-queue',
    'sqs:GetQueueUrl import-queue',
    'sqs:DeleteMessage import-queue',
    'sqs:GetQueueAttributes import-queue',
  ],
  // The checkpoint and its unit by key; the checkpoint and its code item updated together. No put, no delete.
  'update-checkpoint': () => ['dynamodb:GetItem registry', 'dynamodb:UpdateItem registry'],
  // The subtree and its misnamed checkpoints on the by-parent index; each renamed in place.
  'rename-naming-violations': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
    'dynamodb:UpdateItem registry',
  ],
  // A unit renamed or moved, its subtree's units and checkpoints following it in place.
  'update-unit': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
    'dynamodb:UpdateItem registry',
  ],
  'get-me': () => ['dynamodb:GetItem registry'],
  // Staff accounts: Cognito admin actions on the province's own user pool, each function only its own.
  'list-users': () => [
    'dynamodb:GetItem registry',
    'dynamodb:Query registry',
    'dynamodb:Query registry/gsi1',
    'cognito-idp:ListUsers user-pool',
  ],
  'create-user': () => ['dynamodb:GetItem registry', 'cognito-idp:AdminCreateUser user-pool'],
  'disable-user': () => [
    'dynamodb:GetItem registry',
    'cognito-idp:AdminGetUser user-pool',
    'cognito-idp:AdminDisableUser user-pool',
    'cognito-idp:AdminUserGlobalSignOut user-pool',
  ],
  'update-my-subscription': () => [
    'cognito-idp:AdminGetUser user-pool',
    'cognito-idp:AdminUpdateUserAttributes user-pool',
  ],
  'get-openapi': () => [],
  // The Friday delivery's mailer: its queue (the event source's grant), the stored JSON report, the unit's staff
  // (ListUsers on the pool), its markers (`mail#` items of the registry only), and SendEmail as the SES identity only.
  'send-report-mail': () => [
    's3:GetObject reports-objects',
    'cognito-idp:ListUsers user-pool',
    `dynamodb:PutItem registry if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['mail#*'] } })}`,
    `dynamodb:DeleteItem registry if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['mail#*'] } })}`,
    'ses:SendEmail ses-identity',
    'sqs:ReceiveMessage report-mail-queue',
    'sqs:ChangeMessageVisibility report-mail-queue',
    'sqs:GetQueueUrl report-mail-queue',
    'sqs:DeleteMessage report-mail-queue',
    'sqs:GetQueueAttributes report-mail-queue',
  ],
  // The check-ins table's stream (found by DescribeTable), the counters and the stream positions.
  'count-checkins': () => [
    'dynamodb:DescribeTable checkins',
    'dynamodb:DescribeStream checkins-stream',
    'dynamodb:GetShardIterator checkins-stream',
    'dynamodb:GetRecords checkins-stream',
    'dynamodb:UpdateItem activity',
    'dynamodb:GetItem activity',
  ],
  // A gate link: the checkpoint, its token signed by the gate key (never its public key read, nor a phone), audited.
  'create-gate-link': () => ['dynamodb:GetItem registry', 'kms:Sign gate-key', 'dynamodb:PutItem audit'],
  // The gate authorizer: the gate key's public key, nothing else (no store, no kms:Sign, no kms:Verify).
  'authorize-gate': () => ['kms:GetPublicKey gate-key'],
};

/** Actions no function may have, whatever its bindings (BatchGetItem: only the checkpoint import, above). */
const FORBIDDEN_ACTIONS = [
  // No function may use the phone key but to make or open phone data keys (kms:Decrypt: the tracing queries
  // only, asserted above), nor touch a secret but by reading it.
  'kms:*',
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:GenerateDataKeyWithoutPlaintext',
  'secretsmanager:*',
  'secretsmanager:PutSecretValue',
  'dynamodb:*',
  'dynamodb:Scan',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  's3:*',
  's3:DeleteObject',
];

describe('function permissions', () => {
  /** The CloudFormation value of each resource a grant may name, by a short name. */
  const resourceNames = ({ stack }: SynthedProvince): Map<string, string> => {
    const table = (id: TableId) => getAtt(defaultChildId(stack.tables.table(id)));
    const bucket = getAtt(defaultChildId(stack.reports.bucket));
    return new Map([
      [json(table('registry')), 'registry'],
      [json({ 'Fn::Join': ['', [table('registry'), '/index/gsi1']] }), 'registry/gsi1'],
      [json(table('checkins')), 'checkins'],
      [json({ 'Fn::Join': ['', [table('checkins'), '/index/byCheckpointDay']] }), 'checkins/byCheckpointDay'],
      [
        json({ 'Fn::GetAtt': [defaultChildId(stack.tables.table('checkins')), 'StreamArn'] }),
        'checkins-stream',
      ],
      [json(table('activity')), 'activity'],
      [json({ 'Fn::Join': ['', [table('activity'), '/index/byCheckpoint']] }), 'activity/byCheckpoint'],
      [json(table('tracing')), 'tracing'],
      [json({ 'Fn::Join': ['', [table('tracing'), '/index/gsi1']] }), 'tracing/gsi1'],
      [json(table('audit')), 'audit'],
      [json(bucket), 'reports-bucket'],
      [json({ 'Fn::Join': ['', [bucket, `/reports/${stack.province.id}/*`]] }), 'reports-objects'],
      [json({ 'Fn::Join': ['', [bucket, `/posters/${stack.province.id}/*`]] }), 'posters-objects'],
      [json({ 'Fn::Join': ['', [bucket, `/exports/${stack.province.id}/*`]] }), 'exports-objects'],
      [json({ 'Fn::Join': ['', [bucket, `/imports/${stack.province.id}/jobs/*`]] }), 'import-jobs'],
      [json({ 'Fn::Join': ['', [bucket, `/imports/${stack.province.id}/uploads/*`]] }), 'import-uploads'],
      [json(getAtt(defaultChildId(stack.imports.queue))), 'import-queue'],
      [json(getAtt(defaultChildId(stack.weeklyReport.deadLetterQueue))), 'dead-letter-queue'],
      [json(getAtt(defaultChildId(stack.alertSending.queue))), 'alert-queue'],
      [json(getAtt(defaultChildId(stack.phoneKeys.key))), 'phone-key'],
      [json(getAtt(defaultChildId(stack.gateLinks.key))), 'gate-key'],
      [json({ Ref: defaultChildId(stack.phoneKeys.hashSecret) }), 'phone-hash-secret'],
      [json({ Ref: defaultChildId(stack.weeklyRun.stateMachine) }), 'weekly-run-state-machine'],
      [json(getAtt(defaultChildId(stack.auth.userPool), 'Arn')), 'user-pool'],
      [json(getAtt(defaultChildId(stack.reportMail.queue))), 'report-mail-queue'],
      [
        json(
          stack.resolve(
            stack.formatArn({
              service: 'ses',
              resource: 'identity',
              resourceName: mailIdentity(stack.province.reportMail!),
            }),
          ),
        ),
        'ses-identity',
      ],
    ]);
  };
  /** Every grant of the function but its log statements, as `<action> <name>[ if <condition>]`. */
  const grantsNamed = (province: SynthedProvince, name: FunctionName) => {
    const names = resourceNames(province);
    return (
      grantsOfFunction(province, name)
        // Its own log group and X-Ray (every function has both: tested once, in "traces every function").
        .filter((g) => !g.action.startsWith('logs:') && !g.action.startsWith('xray:'))
        .map(
          (g) =>
            `${g.action} ${names.get(g.resource) ?? g.resource}${g.condition ? ` if ${json(g.condition)}` : ''}`,
        )
        .sort()
    );
  };
  const cases = () =>
    synthedProvinces().provinces.flatMap((province) =>
      NAMES.map((name) => [province.stack.province.id, name, province] as const),
    );

  it('covers both provinces', () => {
    expect(synthedProvinces().provinces.map((p) => p.stack.province.id)).toEqual(['quang-ninh', 'vinh-phuc']);
  });

  describe.each(['quang-ninh', 'vinh-phuc'])('in %s', (provinceId) => {
    const province = () => {
      const found = synthedProvinces().provinces.find((p) => p.stack.province.id === provinceId);
      if (!found) throw new Error(`no synthesized province ${provinceId}`);
      return found;
    };

    it.each(NAMES)('grants %s exactly its listed actions on exactly its listed resources', (name) => {
      expect(grantsNamed(province(), name)).toEqual(EXPECTED_GRANTS[name](provinceId).sort());
    });

    it.each(NAMES)('lets %s write to its own log group and no other', (name) => {
      const { stack, resources } = province();
      const logGroup = resources[functionId(stack, name)]!.Properties.LoggingConfig.LogGroup.Ref as string;
      const logs = grantsOfFunction(province(), name).filter((g) => g.action.startsWith('logs:'));
      expect(logs.map((g) => `${g.action} ${g.resource}`).sort()).toEqual([
        `logs:CreateLogStream ${json(getAtt(logGroup))}`,
        `logs:PutLogEvents ${json(getAtt(logGroup))}`,
      ]);
    });
  });

  it('lets no function of the stack alter or delete an audit record: PutItem and Query only, ever', () => {
    for (const province of synthedProvinces().provinces) {
      const audit = json(getAtt(defaultChildId(province.stack.tables.table('audit'))));
      for (const name of NAMES) {
        const onAudit = grantsOfFunction(province, name).filter((g) => g.resource === audit);
        for (const grant of onAudit) {
          expect(['dynamodb:PutItem', 'dynamodb:Query'], `${name}: ${grant.action}`).toContain(grant.action);
        }
      }
      // The writers append with a condition (src/adapters/dynamo-tracing.ts); the readers only read.
      const writers = NAMES.filter((n) =>
        grantsOfFunction(province, n).some((g) => g.resource === audit && g.action === 'dynamodb:PutItem'),
      );
      expect(writers.sort()).toEqual([
        'approve-alert',
        'cancel-alert',
        'close-case',
        'create-alert',
        'create-case',
        'create-gate-link',
        'pause-alerts',
        'resume-alerts',
        'trace-checkpoint-visitors',
        'trace-phone-contacts',
        'trace-phone-visits',
      ]);
    }
  });

  it('spells out create-checkin: registry GetItem; check-in PutItem and GetItem; a check-in by checkpoint-day; phone data keys and hash secret; logs', () => {
    const province = firstProvince();
    expect(actionsOf(grantsOfFunction(province, 'create-checkin'))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(grantsNamed(province, 'create-checkin')).toEqual([
      `dynamodb:GetItem checkins${CHECKIN_ITEMS}`,
      'dynamodb:GetItem registry',
      `dynamodb:PutItem checkins${CHECKIN_ITEMS}`,
      'dynamodb:Query checkins/byCheckpointDay',
      `kms:GenerateDataKey phone-key if ${json({ StringEquals: { 'kms:EncryptionContext:purpose': 'phone-number' } })}`,
      'secretsmanager:GetSecretValue phone-hash-secret',
    ]);
  });

  it('lets only the four functions that store phone numbers make phone data keys, only the tracing queries and the alert consumer decrypt, and only those read the hash secret', () => {
    const holders = (action: string) =>
      cases()
        .filter(([, name, province]) => actionsOf(grantsOfFunction(province, name)).includes(action))
        .map(([id, name]) => `${id}/${name}`)
        .sort();
    const sealing = ['quang-ninh', 'vinh-phuc']
      .flatMap((id) => SEALING.map((name) => `${id}/${name}`))
      .sort();
    expect(holders('kms:GenerateDataKey')).toEqual(sealing);
    const opening = ['quang-ninh', 'vinh-phuc']
      .flatMap((id) => OPENING.map((name) => `${id}/${name}`))
      .sort();
    expect(holders('secretsmanager:GetSecretValue')).toEqual([...sealing, ...opening].sort());
    expect(holders('kms:Decrypt')).toEqual(opening);
    // Each province's functions reach its own key and secret, never the other province's.
    for (const province of synthedProvinces().provinces) {
      for (const name of SEALING) {
        const kms = grantsNamed(province, name).filter((g) => /^(kms|secretsmanager):/.test(g));
        expect(kms, `${province.stack.province.id}/${name}`).toEqual(SEAL_PHONES.slice().sort());
      }
    }
  });

  it('let only the link maker sign with the gate key, only the gate authorizer read its public key, none verify', () => {
    const holders = (action: string) =>
      cases()
        .filter(([, name, province]) => actionsOf(grantsOfFunction(province, name)).includes(action))
        .map(([id, name]) => `${id}/${name}`)
        .sort();
    expect(holders('kms:Sign')).toEqual(['quang-ninh/create-gate-link', 'vinh-phuc/create-gate-link']);
    expect(holders('kms:GetPublicKey')).toEqual(['quang-ninh/authorize-gate', 'vinh-phuc/authorize-gate']);
    expect(holders('kms:Verify')).toEqual([]);
  });

  it('lets get-report-link look up the unit, list under the province prefix and presign GETs, nothing else', () => {
    const province = firstProvince();
    const grants = grantsOfFunction(province, 'get-report-link').filter(
      (g) => !g.action.startsWith('logs:') && !g.action.startsWith('xray:'),
    );
    expect(actionsOf(grants)).toEqual(['dynamodb:GetItem', 's3:GetObject', 's3:ListBucket']);
    const list = grants.filter((g) => g.action === 's3:ListBucket');
    expect(list).toHaveLength(1);
    expect(list[0]?.condition).toEqual({ StringLike: { 's3:prefix': ['reports/quang-ninh/*'] } });
  });

  it('lets list-reports look up the unit and list under the province prefix, and not read a report', () => {
    const grants = grantsOfFunction(firstProvince(), 'list-reports').filter(
      (g) => !g.action.startsWith('logs:') && !g.action.startsWith('xray:'),
    );
    expect(actionsOf(grants)).toEqual(['dynamodb:GetItem', 's3:ListBucket']);
  });

  it('gives checkin-page, which reads nothing, only its own log statements and its traces', () => {
    const { stack, resources } = firstProvince();
    expect(actionsOf(grantsOfFunction(firstProvince(), 'checkin-page'))).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const role = resources[defaultChildId(stack.functions.byName['checkin-page'].functionRole)]!;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('never grants GetItem or PutItem on a registry index, nor anything on a check-ins index', () => {
    const indexGrants = cases().flatMap(([, name, province]) =>
      grantsNamed(province, name).filter((g) => g.includes('/index/') || g.includes('registry/gsi1')),
    );
    expect(indexGrants.filter((g) => !g.startsWith('dynamodb:Query registry/gsi1'))).toEqual([]);
  });

  it('lets only code rotation delete registry items, only rotation, (de)activation and the console’s edits update them, closing a case update a case, and nothing else anywhere', () => {
    const holders = (action: string) =>
      cases()
        .filter(([, name, province]) => actionsOf(grantsOfFunction(province, name)).includes(action))
        .map(([id, name]) => `${id}/${name}`)
        .sort();
    expect(holders('dynamodb:DeleteItem')).toEqual([
      'quang-ninh/rotate-checkpoint-code',
      'quang-ninh/send-alert-batch',
      'quang-ninh/send-report-mail',
      'vinh-phuc/rotate-checkpoint-code',
      'vinh-phuc/send-alert-batch',
      'vinh-phuc/send-report-mail',
    ]);
    // UpdateItem: those three on the registry, and the counting step's counters on the activity table.
    const updates = cases().flatMap(([id, name, province]) =>
      grantsNamed(province, name)
        .filter((g) => g.startsWith('dynamodb:UpdateItem') || g.startsWith('dynamodb:DeleteItem'))
        .map((g) => `${id}/${name} ${g}`),
    );
    const counting = /\/count-checkins /;
    const others = updates.filter((u) => !counting.test(u));
    expect(others.filter((u) => !u.endsWith(' registry')).sort()).toEqual(
      ['quang-ninh', 'vinh-phuc']
        .flatMap((id) => [
          ...['approve-alert', 'cancel-alert'].map(
            (name) => `${id}/${name} dynamodb:UpdateItem tracing${ALERT_ITEMS}`,
          ),
          `${id}/pause-alerts dynamodb:UpdateItem tracing${SWITCH_ITEM}`,
          `${id}/resume-alerts dynamodb:UpdateItem tracing${ALERT_ITEMS}`,
          `${id}/resume-alerts dynamodb:UpdateItem tracing${SWITCH_ITEM}`,
          // The consumer's markers (a failed send gives its claim back) and the alert's counts.
          `${id}/send-alert-batch dynamodb:DeleteItem tracing${MARKER_ITEMS}`,
          `${id}/send-alert-batch dynamodb:UpdateItem tracing${ALERT_ITEMS}`,
          ...['close-case'].map((name) => `${id}/${name} dynamodb:UpdateItem tracing${CASE_ITEMS}`),
          // A report e-mail's marker, given back after a failed send: `mail#` items only.
          `${id}/send-report-mail dynamodb:DeleteItem registry if ${json({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['mail#*'] } })}`,
        ])
        .sort(),
    );
    expect(others.filter((u) => u.endsWith(' registry')).sort()).toEqual(
      ['quang-ninh', 'vinh-phuc'].flatMap((id) => [
        `${id}/deactivate-checkpoint dynamodb:UpdateItem registry`,
        `${id}/reactivate-checkpoint dynamodb:UpdateItem registry`,
        // Edits in place: a checkpoint's fields or name, and what follows a unit renamed or moved.
        `${id}/rename-naming-violations dynamodb:UpdateItem registry`,
        `${id}/rotate-checkpoint-code dynamodb:DeleteItem registry`,
        `${id}/rotate-checkpoint-code dynamodb:UpdateItem registry`,
        `${id}/update-checkpoint dynamodb:UpdateItem registry`,
        `${id}/update-unit dynamodb:UpdateItem registry`,
      ]),
    );
    expect(updates.filter((u) => counting.test(u)).sort()).toEqual(
      ['quang-ninh', 'vinh-phuc'].flatMap((id) =>
        ['count-checkins'].map((name) => `${id}/${name} dynamodb:UpdateItem activity`),
      ),
    );
  });

  it('lets create-unit-posters write and read posters only, never a report, and list nothing', () => {
    const grants = grantsNamed(firstProvince(), 'create-unit-posters').filter((g) => g.startsWith('s3:'));
    expect(grants).toEqual([
      's3:AbortMultipartUpload posters-objects',
      's3:GetObject posters-objects',
      's3:PutObject posters-objects',
    ]);
  });

  it.each(FORBIDDEN_ACTIONS)('grants %s to no function of any province', (action) => {
    const holders = cases()
      .filter(([, name, province]) => actionsOf(grantsOfFunction(province, name)).includes(action))
      .map(([id, name]) => `${id}/${name}`);
    expect(holders).toEqual([]);
  });
});

describe('policies of the whole stack', () => {
  /** Every role's grants but the console copy's (CDK's BucketDeployment, checked on its own below). */
  const allGrants = (): Grant[] =>
    synthedProvinces().provinces.flatMap(({ resources }) =>
      resourcesOfType(resources, 'AWS::IAM::Role')
        .filter(([roleId]) => !isConsoleCopy(roleId))
        .flatMap(([roleId]) => grantsOfRole(resources, roleId)),
    );

  it("confines the console copy (CDK's BucketDeployment) to S3 and CloudFront invalidations", () => {
    for (const { resources } of synthedProvinces().provinces) {
      const roles = resourcesOfType(resources, 'AWS::IAM::Role').filter(([roleId]) => isConsoleCopy(roleId));
      expect(roles).toHaveLength(1);
      const [roleId, role] = roles[0]!;
      expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toMatch(
        /AWSLambdaBasicExecutionRole"\]\]\}\]$/,
      );
      const actions = resourcesOfType(resources, 'AWS::IAM::Policy')
        .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
        .flatMap((statement: { Action: string | string[] }) => [statement.Action].flat());
      expect(actions.length).toBeGreaterThan(0);
      expect([...new Set(actions.map((a: string) => a.split(':')[0]))].sort()).toEqual(['cloudfront', 's3']);
    }
  });

  it('has no service-wide action, no wildcard action and no AWS managed policy', () => {
    const actions = actionsOf(allGrants());
    expect(actions.length).toBeGreaterThan(0);
    expect(actions).not.toContain('dynamodb:*');
    expect(actions).not.toContain('s3:*');
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('traces every function with X-Ray: active tracing, and the two X-Ray actions on "*" (X-Ray takes no other resource)', () => {
    for (const province of synthedProvinces().provinces) {
      for (const name of NAMES) {
        const fn = province.resources[functionId(province.stack, name)]!;
        expect(fn.Properties.TracingConfig, name).toEqual({ Mode: 'Active' });
        const xray = grantsOfFunction(province, name).filter((g) => g.action.startsWith('xray:'));
        expect(xray.map((g) => `${g.action} ${g.resource}`).sort(), name).toEqual([
          'xray:PutTelemetryRecords "*"',
          'xray:PutTraceSegments "*"',
        ]);
      }
    }
  });

  it('never grants on Resource "*", but X-Ray and the log delivery and tracing of the weekly-run state machine', () => {
    const machineRoles = synthedProvinces().provinces.map(({ stack }) =>
      defaultChildId(stack.weeklyRun.stateMachine.role),
    );
    const others = synthedProvinces().provinces.flatMap(({ resources }) =>
      resourcesOfType(resources, 'AWS::IAM::Role')
        .filter(([roleId]) => !machineRoles.includes(roleId) && !isConsoleCopy(roleId))
        .flatMap(([roleId]) => grantsOfRole(resources, roleId)),
    );
    expect(others.filter((g) => g.resource === '"*"' && !g.action.startsWith('xray:Put'))).toEqual([]);
  });

  it('lets the scheduler role start only the weekly-run state machine and send to its DLQ', () => {
    const { stack, resources } = firstProvince();
    const grants = grantsOfRole(
      resources,
      defaultChildId(stack.weeklyReport.node.findChild('SchedulerRole')),
    );
    expect(grants.map((g) => `${g.action} ${g.resource}`).sort()).toEqual(
      [
        `states:StartExecution ${json({ Ref: defaultChildId(stack.weeklyRun.stateMachine) })}`,
        `sqs:SendMessage ${json(getAtt(defaultChildId(stack.weeklyReport.deadLetterQueue)))}`,
      ].sort(),
    );
  });
});

describe('weekly report schedule', () => {
  it('starts the weekly-run state machine every Friday at 15:00 Asia/Ho_Chi_Minh', () => {
    const { stack, template } = firstProvince();
    // The weekly run's and the counting function's (every minute, asserted with the tables).
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 15 ? * FRI *)',
      ScheduleExpressionTimezone: 'Asia/Ho_Chi_Minh',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({ Arn: { Ref: defaultChildId(stack.weeklyRun.stateMachine) } }),
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
      ...POWERTOOLS_ENV,
    ].sort();
    const phoneVars = [PHONE_ENV.phoneKeyId, PHONE_ENV.phoneHashSecretArn];
    for (const name of NAMES) {
      const vars = resources[functionId(stack, name)]!.Properties.Environment.Variables;
      const phones = [...SEALING, ...OPENING].includes(name) ? phoneVars : [];
      // The one that starts weekly runs also names the state machine; those that enqueue alerts, the queue.
      const runner = name === 'run-weekly-report' ? [WEEKLY_RUNNER_ENV] : [];
      // The import job functions name the imports queue; approvals and resumes name the alert queue.
      const imports = ['create-import', 'get-import', 'process-import'].includes(name)
        ? [IMPORT_QUEUE_ENV]
        : [];
      const queue = ['approve-alert', 'resume-alerts'].includes(name) ? [ALERT_SENDING_ENV.queue] : [];
      // Those that reach staff accounts name the user pool (lib/bindings.ts usersEnvironment).
      const pool = FUNCTIONS[name].bindings.some((b) => b.startsWith('users:')) ? [USERS_ENV.userPoolId] : [];
      // The Friday delivery: the unit task's queue, the mailer's From and console link.
      const mail =
        name === 'weekly-run-unit'
          ? [MAIL_ENV.reportMail]
          : name === 'send-report-mail'
            ? [MAIL_ENV.mailFrom, MAIL_ENV.consoleUrl]
            : [];
      // The link maker and the gate authorizer name the gate key.
      const gate = ['create-gate-link', 'authorize-gate'].includes(name) ? [GATE_ENV.gateKeyId] : [];
      expect(Object.keys(vars).sort(), name).toEqual(
        [...expected, ...phones, ...runner, ...imports, ...queue, ...pool, ...mail, ...gate].sort(),
      );
      expect(vars.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it("names each function as Powertools' service, its province's metrics namespace, and records no response, error or event", () => {
    const namespaces = new Set<string>();
    for (const { stack, resources } of synthedProvinces().provinces) {
      for (const name of NAMES) {
        const vars = resources[functionId(stack, name)]!.Properties.Environment.Variables;
        const provinceId = vars[ENV.provinceId];
        namespaces.add(vars.POWERTOOLS_METRICS_NAMESPACE);
        expect(Object.fromEntries(POWERTOOLS_ENV.map((key) => [key, vars[key]])), name).toEqual({
          POWERTOOLS_SERVICE_NAME: name,
          POWERTOOLS_METRICS_NAMESPACE: `vaora/${provinceId}`,
          POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
          POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
          POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        });
      }
    }
    expect([...namespaces].sort()).toEqual(['vaora/quang-ninh', 'vaora/vinh-phuc']);
  });

  it("points the phone vault's variables, on the functions that store or open numbers only, at this stack's key and secret", () => {
    for (const { stack, resources } of synthedProvinces().provinces) {
      for (const name of [...SEALING, ...OPENING]) {
        const vars = resources[functionId(stack, name)]!.Properties.Environment.Variables;
        expect(vars[PHONE_ENV.phoneKeyId], name).toEqual(getAtt(defaultChildId(stack.phoneKeys.key)));
        expect(vars[PHONE_ENV.phoneHashSecretArn], name).toEqual({
          Ref: defaultChildId(stack.phoneKeys.hashSecret),
        });
      }
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
        [ENV.namingRule]: DEFAULTS.namingRule,
      }),
    );
  });

  it('sets NAMING_RULE on every function, the default rule when cdk.json names none', () => {
    for (const { stack, resources } of synthedProvinces().provinces) {
      for (const name of NAMES) {
        const vars = resources[functionId(stack, name)]!.Properties.Environment.Variables;
        expect(vars[ENV.namingRule], `${stack.province.id}/${name}`).toBe(DEFAULTS.namingRule);
      }
    }
  });
});

describe('phone keys', () => {
  it('make one customer-managed KMS key per province for phones, rotated every year and kept when the stack goes', () => {
    for (const { stack, template, resources } of synthedProvinces().provinces) {
      // Three keys: the phones', the alarm topic's (lib/alarms.ts), which no function may use, and the gate links'.
      template.resourceCountIs('AWS::KMS::Key', 3);
      const key = resources[defaultChildId(stack.phoneKeys.key)]!;
      expect(key.Type).toBe('AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.Properties.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
      expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
      template.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/vaora/${stack.province.id}/phones`,
        TargetKeyId: getAtt(defaultChildId(stack.phoneKeys.key)),
      });
    }
  });

  it('make one ECC_NIST_P256 signing key per province for gate links, not retained (a link lives a shift)', () => {
    for (const { stack, template, resources } of synthedProvinces().provinces) {
      const key = resources[defaultChildId(stack.gateLinks.key)]!;
      expect(key.Properties).toMatchObject({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        PendingWindowInDays: 7,
      });
      expect(key.Properties.EnableKeyRotation).toBeUndefined();
      expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
      template.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/vaora/${stack.province.id}/gate-links`,
        TargetKeyId: getAtt(defaultChildId(stack.gateLinks.key)),
      });
    }
  });

  it('leave the key to IAM: its policy trusts the account, and names no function', () => {
    const { stack, resources } = firstProvince();
    const statements = resources[defaultChildId(stack.phoneKeys.key)]!.Properties.KeyPolicy.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0].Principal.AWS).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
    });
  });

  it('generate the hash secret in the stack: 64 letters and digits, kept when the stack goes', () => {
    for (const { stack, template, resources } of synthedProvinces().provinces) {
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      const secret = resources[defaultChildId(stack.phoneKeys.hashSecret)]!;
      expect(secret.Properties.GenerateSecretString).toEqual({
        PasswordLength: 64,
        ExcludePunctuation: true,
        IncludeSpace: false,
      });
      expect(secret.Properties.SecretString).toBeUndefined();
      expect([secret.DeletionPolicy, secret.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    }
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

describe('weekly run state machine', () => {
  /** The definition with each CloudFormation reference in it replaced by its JSON, as a string. */
  const definition = () => {
    const { stack, resources } = firstProvince();
    const machine = resources[defaultChildId(stack.weeklyRun.stateMachine)]!;
    const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : json(p).replace(/"/g, "'"))).join(''));
  };

  it('plans, then maps over the levels one at a time, each a Map over its units, then finishes', () => {
    const d = definition();
    expect(d.StartAt).toBe('Plan');
    expect(d.States.Plan.Next).toBe('Levels');
    expect(d.States.Levels).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.levels',
      MaxConcurrency: 1,
      Next: 'Finish',
    });
    const units = d.States.Levels.ItemProcessor.States.Units;
    expect(units).toMatchObject({ Type: 'Map', ItemsPath: '$.units', MaxConcurrency: 10 });
    expect(units.ItemProcessor.StartAt).toBe('ReportUnit');
    expect(d.States.Finish.End).toBe(true);
  });

  it('retries a unit with backoff, except a missing child summary, and catches its failure alone', () => {
    const task = definition().States.Levels.ItemProcessor.States.Units.ItemProcessor.States.ReportUnit;
    expect(task.Retry).toEqual([
      { ErrorEquals: ['ChildSummaryMissingError'], MaxAttempts: 0 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2 },
    ]);
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'UnitFailed' }]);
  });

  it('logs every state to its own log group, without execution data, and traces with X-Ray', () => {
    const { stack, resources } = firstProvince();
    const props = resources[defaultChildId(stack.weeklyRun.stateMachine)]!.Properties;
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    expect(props.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    const logGroup = props.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn;
    expect(resources[logGroup['Fn::GetAtt'][0]]!.Type).toBe('AWS::Logs::LogGroup');
  });

  it('lets the state machine invoke only its three task functions', () => {
    const { stack, resources } = firstProvince();
    const grants = grantsOfRole(resources, defaultChildId(stack.weeklyRun.stateMachine.role));
    const invoked = grants.filter((g) => g.action.startsWith('lambda:'));
    const fns = (['weekly-run-plan', 'weekly-run-unit', 'weekly-run-finish'] as const).map((name) =>
      getAtt(defaultChildId(stack.functions.byName[name])),
    );
    expect(invoked.map((g) => `${g.action} ${g.resource}`).sort()).toEqual(
      fns
        .flatMap((fn) => [
          `lambda:InvokeFunction ${json(fn)}`,
          `lambda:InvokeFunction ${json({ 'Fn::Join': ['', [fn, ':*']] })}`,
        ])
        .sort(),
    );
    // Besides invoking: only log delivery and X-Ray, which accept no resource but "*".
    const others = grants.filter((g) => !g.action.startsWith('lambda:'));
    expect(others.every((g) => g.resource === '"*"')).toBe(true);
    expect([...new Set(others.map((g) => g.action.split(':')[0]))].sort()).toEqual(['logs', 'xray']);
  });

  it("tells POST /v1/reports/weekly's function which state machine to start", () => {
    const { stack, resources } = firstProvince();
    const vars = resources[functionId(stack, 'run-weekly-report')]!.Properties.Environment.Variables;
    expect(vars[WEEKLY_RUNNER_ENV]).toEqual({ Ref: defaultChildId(stack.weeklyRun.stateMachine) });
  });
});

describe('import jobs', () => {
  it('sends each upload under the province’s import prefix, and nothing else, from the bucket to the imports queue', () => {
    const { stack, template, resources } = firstProvince();
    const bucket = resources[defaultChildId(stack.reports.bucket)]!;
    expect(bucket.Properties.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
    const rules = template.findResources('AWS::Events::Rule');
    const uploads = Object.values(rules).filter((r) => r.Properties.EventPattern?.source?.[0] === 'aws.s3');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [{ Ref: defaultChildId(stack.reports.bucket) }] },
        object: { key: [{ prefix: `imports/${stack.province.id}/uploads/` }] },
      },
    });
    expect(uploads[0]!.Properties.Targets.map((t: { Arn: unknown }) => t.Arn)).toEqual([
      getAtt(defaultChildId(stack.imports.queue)),
    ]);
  });

  it('runs the job one message at a time from that queue, with partial batch failures and a dead-letter queue', () => {
    const { stack, template, resources } = firstProvince();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(defaultChildId(stack.imports.queue)),
      FunctionName: { Ref: functionId(stack, 'process-import') },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const queue = resources[defaultChildId(stack.imports.queue)]!.Properties;
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: getAtt(defaultChildId(stack.imports.deadLetterQueue)),
      maxReceiveCount: 5,
    });
    // At least six times the consumer's timeout, as Lambda asks of an SQS event source.
    const timeout = resources[functionId(stack, 'process-import')]!.Properties.Timeout as number;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(queue.SqsManagedSseEnabled).toBe(true);
  });

  it('tells the import functions which queue is theirs', () => {
    const { stack, resources } = firstProvince();
    for (const name of ['create-import', 'get-import', 'process-import'] as const) {
      const vars = resources[functionId(stack, name)]!.Properties.Environment.Variables;
      expect(vars[IMPORT_QUEUE_ENV], name).toEqual({ Ref: defaultChildId(stack.imports.queue) });
    }
  });
});
