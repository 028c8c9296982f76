import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { keyedPhoneHash } from '../../src/adapters/phone-vault.ts';
import { PHONE_ENV, WEEKLY_RUNNER_ENV } from '../../src/config.ts';
import { LAMBDA_PHONE_TEST_ENV, LAMBDA_TEST_ENV } from '../lambda-env.ts';
import { captureLogs } from '../log-capture.ts';

/** The Lambda entries with the AWS SDK mocked: what each handler does with each answer DynamoDB can give. */

const ddb = mockClient(DynamoDBDocumentClient);
const kms = mockClient(KMSClient);
const secrets = mockClient(SecretsManagerClient);
const PHONE_KEY = 'arn:aws:kms:ap-southeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const HASH_SECRET =
  'arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:vaora/quang-ninh/phone-hash-AbCdEf';
const SECRET_VALUE = 's'.repeat(64);
/** Every form a person may type the number in, and its E.164: none may reach a stored item or a log. */
const FORMS = ['0912345678', '+84912345678', '84912345678', '912345678'];
type Handler = (
  e: APIGatewayProxyEventV2WithJWTAuthorizer,
  c: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
let createCheckin: Handler;
let getUnit: Handler;

const CODE_ITEM = {
  id: 'cp-1',
  name: 'Chợ Quảng Hà',
  unitId: 'quang-ha',
  unitName: 'Thị trấn Quảng Hà',
  active: true,
  createdAt: '2021-12-01T00:00:00.000Z',
};
const ID = '0b7e6c1a-5d2f-4c3b-9a8e-7f6d5c4b3a21';

function event(body: unknown, claims?: Record<string, string>): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    rawPath: '/v1/checkins',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: { unitId: 'quang-ha' },
    requestContext: { authorizer: { jwt: { claims: claims ?? {}, scopes: [] } } },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const call = (h: Handler, e: APIGatewayProxyEventV2WithJWTAuthorizer) => h(e, {} as Context);

beforeAll(async () => {
  Object.assign(process.env, LAMBDA_TEST_ENV, LAMBDA_PHONE_TEST_ENV, {
    // Set by lib/weekly-run.ts on the function that starts weekly runs.
    [WEEKLY_RUNNER_ENV]: 'arn:aws:states:ap-southeast-1:123456789012:stateMachine:weekly',
  });
  createCheckin = (await import('../../functions/create-checkin.ts')).handler as unknown as Handler;
  getUnit = (await import('../../functions/get-unit.ts')).handler as unknown as Handler;
});

beforeEach(() => {
  ddb.reset();
  kms.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: HASH_SECRET }).resolves({ SecretString: SECRET_VALUE });
  kms
    .on(GenerateDataKeyCommand, { KeyId: PHONE_KEY })
    .resolves({ Plaintext: Buffer.alloc(32, 9), CiphertextBlob: Buffer.from('encrypted-data-key') });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2022-01-10T02:00:00Z'));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('create-checkin handler', () => {
  it('answers 201 after one read and one conditional put of the check-in, counting nothing itself', async () => {
    ddb.on(GetCommand).resolves({ Item: CODE_ITEM });
    ddb.on(PutCommand).resolves({});
    const res = await call(createCheckin, event({ id: ID, code: 'BCDF2345', phone: '0912345678' }));
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body!)).toEqual({
      id: ID,
      checkpoint: { id: 'cp-1', name: 'Chợ Quảng Hà', unitId: 'quang-ha' },
      direction: 'in',
      at: '2022-01-10T02:00:00.000Z',
      companions: 0,
    });
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    const phoneHash = keyedPhoneHash(Buffer.from(SECRET_VALUE), '+84912345678');
    expect(puts[0]!.Item).toMatchObject({
      pk: `phone#${phoneHash}`,
      sk: `checkin#${ID}`,
      gsi1pk: 'cp#cp-1#day#2022-01-10',
      phoneHash,
      sealedPhone: expect.stringMatching(/^v1\./),
      day: '2022-01-10',
    });
    expect(puts[0]!.Item).not.toHaveProperty('phone');
    expect(puts[0]!.Item).not.toHaveProperty('gsi2pk');
    // No form of the number anywhere in what is written: the check-in and its keys.
    for (const form of FORMS) expect(JSON.stringify(puts)).not.toContain(form);
    expect(puts[0]!.ConditionExpression).toBe('attribute_not_exists(pk)');
    // Counting is the stream's (functions/count-checkins.ts): no transaction, no counter update here.
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('answers 200 with the stored check-in when the id was already stored', async () => {
    ddb.on(GetCommand, { TableName: 'registry' }).resolves({ Item: CODE_ITEM });
    ddb.on(PutCommand).rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      }),
    );
    const phoneHash = keyedPhoneHash(Buffer.from(SECRET_VALUE), '+84912345678');
    ddb.on(GetCommand, { TableName: 'checkins' }).resolves({
      Item: {
        id: ID,
        checkpointId: 'cp-1',
        unitId: 'quang-ha',
        phoneHash,
        sealedPhone: 'v1.stored.elsewhere',
        direction: 'in',
        method: 'app',
        at: '2022-01-10T01:00:00.000Z',
        day: '2022-01-10',
        receivedAt: '2022-01-10T01:00:00.000Z',
        expiresAt: 1,
      },
    });
    const res = await call(createCheckin, event({ id: ID, code: 'BCDF2345', phone: '0912345678' }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!).at).toBe('2022-01-10T01:00:00.000Z');
    const read = ddb.commandCalls(GetCommand, { TableName: 'checkins' })[0]!.args[0].input;
    expect(read).toMatchObject({
      Key: { pk: `phone#${phoneHash}`, sk: `checkin#${ID}` },
      ConsistentRead: true,
    });
  });

  it('retries a throttled put and then answers 201, the same condition on every attempt', async () => {
    ddb.on(GetCommand).resolves({ Item: CODE_ITEM });
    ddb
      .on(PutCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }))
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({});
    vi.useRealTimers();
    const res = await call(createCheckin, event({ code: 'BCDF2345', phone: '0912345678' }));
    expect(res.statusCode).toBe(201);
    const attempts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(attempts).toHaveLength(3);
    // The same check-in, the same condition on its key: however many attempts, it is stored (and counted) once.
    for (const put of attempts) expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(new Set(attempts.map((p) => `${p.Item!.pk}|${p.Item!.sk}`)).size).toBe(1);
  });

  it('answers a plain 500 without internals when DynamoDB keeps failing', async () => {
    const log = captureLogs();
    ddb.on(GetCommand).resolves({ Item: CODE_ITEM });
    ddb
      .on(PutCommand)
      .rejects(
        Object.assign(new Error('key pk=checkin#... phone +84912345678'), { name: 'InternalFailure' }),
      );
    const res = await call(createCheckin, event({ code: 'BCDF2345', phone: '0912345678' }));
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body!)).toEqual({
      error: { code: 'internal_error', message: 'Something went wrong on our side', details: [] },
    });
    expect(log.text()).toContain('"errorName":"InternalFailure"');
    expect(log.text()).not.toContain('912345678');
    log.restore();
  });

  it('answers 400 naming every bad field and writes nothing', async () => {
    const res = await call(createCheckin, event({ code: '', phone: 5, direction: 'up', extra: 1 }));
    expect(res.statusCode).toBe(400);
    const paths = JSON.parse(res.body!).error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['code', 'phone', 'direction']));
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 404 unknown_checkpoint for a deactivated checkpoint', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...CODE_ITEM, active: false } });
    // A code this container has not read in the last minute (its code cache holds BCDF2345 from above).
    const res = await call(createCheckin, event({ code: 'BCDF2346', phone: '0912345678' }));
    expect(res.statusCode).toBe(404);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('create-checkin when the phone vault fails', () => {
  /** A cold container: its own vault, with no data key or secret read yet. */
  let coldCheckin: Handler;
  beforeEach(async () => {
    vi.resetModules();
    coldCheckin = (await import('../../functions/create-checkin.ts')).handler as unknown as Handler;
  });

  it('answers a retryable 503 and writes nothing when KMS is throttling', async () => {
    const log = captureLogs();
    ddb.on(GetCommand).resolves({ Item: CODE_ITEM });
    kms.on(GenerateDataKeyCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $retryable: { throttling: true },
      }),
    );
    const res = await call(coldCheckin, event({ id: ID, code: 'BCDF2345', phone: '0912345678' }));
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body!)).toEqual({
      error: {
        code: 'temporarily_unavailable',
        message: 'Not stored this time: send it again in a moment',
        details: [],
      },
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    const logged = log.text();
    expect(logged).toContain('"event":"PhoneVaultFailed","errorName":"ThrottlingException"');
    for (const form of FORMS) expect(logged).not.toContain(form);
    log.restore();

    // KMS back: the same request is stored.
    kms
      .on(GenerateDataKeyCommand)
      .resolves({ Plaintext: Buffer.alloc(32, 9), CiphertextBlob: Buffer.from('encrypted-data-key') });
    ddb.on(PutCommand).resolves({});
    expect(
      (await call(coldCheckin, event({ id: ID, code: 'BCDF2345', phone: '0912345678' }))).statusCode,
    ).toBe(201);
    expect((await call(coldCheckin, event({ code: 'BCDF2345', phone: '0987654321' }))).statusCode).toBe(201);
    // The throttled call, then one data key for both check-ins after it.
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(2);
    // The check-in path never opens a number.
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it('answers 503 and writes nothing when the hash secret cannot be read', async () => {
    ddb.on(GetCommand).resolves({ Item: CODE_ITEM });
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const log = captureLogs();
    const res = await call(coldCheckin, event({ code: 'BCDF2345', phone: '0912345678' }));
    log.restore();
    expect([res.statusCode, JSON.parse(res.body!).error.code]).toEqual([503, 'temporarily_unavailable']);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('cold starts', () => {
  it('fail for a function that stores phone numbers when PHONE_KEY_ID is missing, not for one that does not', async () => {
    const saved = process.env[PHONE_ENV.phoneKeyId];
    delete process.env[PHONE_ENV.phoneKeyId];
    try {
      vi.resetModules();
      await expect(import('../../functions/create-checkin.ts')).rejects.toThrow(/PHONE_KEY_ID/);
      vi.resetModules();
      await expect(import('../../functions/create-card.ts')).rejects.toThrow(/PHONE_KEY_ID/);
      vi.resetModules();
      const unit = await import('../../functions/get-unit.ts');
      expect(typeof unit.handler).toBe('function');
    } finally {
      process.env[PHONE_ENV.phoneKeyId] = saved;
      vi.resetModules();
    }
  });
});

describe('staff handlers', () => {
  it('answer 401 when the event carries no staff claims', async () => {
    const res = await call(getUnit, event(undefined));
    expect(res.statusCode).toBe(401);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answer 403 for a unit outside the token’s scope', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        id: 'quang-ha',
        name: 'Quảng Hà',
        kind: 'commune',
        path: ['quang-ninh', 'hai-ha', 'quang-ha'],
      },
    });
    const res = await call(getUnit, event(undefined, { 'custom:role': 'admin', 'custom:unit': 'vinh-phuc' }));
    expect(res.statusCode).toBe(403);
  });
});

describe('who runs the weekly run', () => {
  it('fails the cold start without WEEKLY_RUNNER, naming it, and refuses anything but local or an ARN', async () => {
    const { weeklyRunner } = await import('../../functions/commons/weekly.ts');

    expect(() => weeklyRunner({})).toThrow(/WEEKLY_RUNNER/);
    expect(() => weeklyRunner({ [WEEKLY_RUNNER_ENV]: 'arn:aws:lambda:x' })).toThrow(/WEEKLY_RUNNER/);
  });

  it('starts the state machine in AWS and the in-process stand-in locally', async () => {
    const { weeklyRunner } = await import('../../functions/commons/weekly.ts');
    const { StepFunctionsRunStarter } = await import('../../src/adapters/sfn-runs.ts');
    const { InProcessRunStarter } = await import('../../src/local/weekly-runner.ts');

    expect(
      weeklyRunner({ [WEEKLY_RUNNER_ENV]: 'arn:aws:states:ap-southeast-1:1:stateMachine:w' }),
    ).toBeInstanceOf(StepFunctionsRunStarter);
    expect(weeklyRunner({ [WEEKLY_RUNNER_ENV]: 'local' })).toBeInstanceOf(InProcessRunStarter);
  });
});

describe('report periods at the edge', () => {
  const ADMIN = { 'custom:role': 'admin', 'custom:unit': 'quang-ninh' };

  it.each(['9999-12-26', '0000-01-03', '2019-12-30'])(
    'POST /v1/reports/weekly with start %s: a 400 naming start, before anything is read',
    async (start) => {
      const runWeekly = (await import('../../functions/run-weekly-report.ts')).handler as unknown as Handler;
      const res = await call(runWeekly, event({ start }, ADMIN));
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body!).error.details.map((d: { path: string }) => d.path)).toEqual(['start']);
      expect(ddb.calls()).toHaveLength(0);
    },
  );

  it.each(['9999-12-26', '0000-01-03', '2019-12-30', '2022-01-08'])(
    'GET /v1/units/{unitId}/reports/%s: a 400 naming start, before anything is read',
    async (start) => {
      const getLink = (await import('../../functions/get-report-link.ts')).handler as unknown as Handler;
      const e = { ...event(undefined, ADMIN), pathParameters: { unitId: 'quang-ninh', start } };
      const res = await call(getLink, e as APIGatewayProxyEventV2WithJWTAuthorizer);
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body!).error.details.map((d: { path: string }) => d.path)).toEqual(['start']);
      expect(ddb.calls()).toHaveLength(0);
    },
  );
});
