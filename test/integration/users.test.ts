import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoUsers } from '../../src/adapters/dynamo-users.ts';
import { signInLocally, subscribedStaffOf } from '../../src/core/users.ts';
import { keys } from '../../src/keys.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * Staff accounts on the local stack (issue 12): admins create, list and disable accounts in their scope, in the
 * local users table the local sign-in reads (a password hash, never the password); staff opt out of the Friday
 * e-mail; the e-mail's recipients are a unit's enabled, subscribed accounts.
 */

let stack: LocalStack;
let api: Client;
let admin: string;
let districtAdmin: string;
let db: DynamoDBDocumentClient;
let directory: DynamoUsers;
const PASSWORD = 'Mật-khẩu-2022!A';

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  districtAdmin = await api.as('admin', 'hai-ha');
  for (const unit of [
    { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' },
    { id: 'dam-ha', name: 'Huyện Đầm Hà', parentId: 'quang-ninh', kind: 'district' },
    { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
  ]) {
    const res = await api.call('POST', '/v1/units', { token: admin, body: unit });
    if (res.status !== 201) throw new Error(JSON.stringify(res.json));
  }
  const raw = new DynamoDBClient({
    endpoint: stack.config.dynamodbEndpoint!,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  db = DynamoDBDocumentClient.from(raw);
  directory = new DynamoUsers(db, process.env.USERS_TABLE!);
}, 60_000);

afterAll(async () => {
  db?.destroy();
  await stack?.stop();
});

describe('POST /v1/users', () => {
  it('creates an account in the admin’s scope; the table holds a scrypt hash, never the password', async () => {
    const res = await api.call('POST', '/v1/users', {
      token: districtAdmin,
      body: {
        username: 'nguyen.van.a',
        email: 'a@haiha.gov.vn',
        role: 'unit-manager',
        unitId: 'quang-ha',
        temporaryPassword: PASSWORD,
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      username: 'nguyen.van.a',
      role: 'unit-manager',
      unitId: 'quang-ha',
      enabled: true,
      weeklyEmail: true,
    });
    expect(res.json.temporaryPassword).toBeUndefined();
    const { Item } = await db.send(
      new GetCommand({ TableName: process.env.USERS_TABLE!, Key: keys.user('nguyen.van.a') }),
    );
    expect(Item!.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(Item)).not.toContain(PASSWORD);
    expect(await signInLocally(directory, 'nguyen.van.a', PASSWORD)).toMatchObject({ unitId: 'quang-ha' });
    expect(await signInLocally(directory, 'nguyen.van.a', 'wrong')).toBeUndefined();
    expect(await signInLocally(directory, 'nobody', PASSWORD)).toBeUndefined();
  });

  it('makes a temporary password when none is sent, answered once, that signs in', async () => {
    const res = await api.call('POST', '/v1/users', {
      token: admin,
      body: { username: 'tran.thi.b', email: 'b@damha.gov.vn', role: 'admin', unitId: 'dam-ha' },
    });
    expect(res.status).toBe(201);
    expect(res.json.temporaryPassword).toMatch(/^.{16}$/);
    expect(await signInLocally(directory, 'tran.thi.b', res.json.temporaryPassword)).toMatchObject({
      role: 'admin',
    });
  });

  it('refuses a unit outside the scope (403), a unit manager (403) and a taken username (409), storing nothing', async () => {
    const body = { username: 'le.van.c', email: 'c@damha.gov.vn', role: 'tracer', unitId: 'dam-ha' };
    expect((await api.call('POST', '/v1/users', { token: districtAdmin, body })).status).toBe(403);
    const manager = await api.as('unit-manager', 'quang-ninh');
    expect((await api.call('POST', '/v1/users', { token: manager, body })).status).toBe(403);
    expect(await directory.getUser('le.van.c')).toBeUndefined();
    const taken = await api.call('POST', '/v1/users', {
      token: admin,
      body: { ...body, username: 'nguyen.van.a' },
    });
    expect([taken.status, taken.json.error.code]).toEqual([409, 'user_exists']);
    expect((await directory.getUser('nguyen.van.a'))!.unitId).toBe('quang-ha');
  });

  it.each([
    [{ username: 'Bad Name' }, 'username'],
    [{ email: 'not-an-email' }, 'email'],
    [{ role: 'root' }, 'role'],
    [{ unitId: 'Hai Ha' }, 'unitId'],
    [{ temporaryPassword: 'short' }, 'temporaryPassword'],
    [{ password: 'x' }, 'password'],
  ])('answers 400 for %j naming %s, storing nothing', async (change, field) => {
    const body = { username: 'pham.d', email: 'd@haiha.gov.vn', role: 'tracer', unitId: 'hai-ha', ...change };
    const res = await api.call('POST', '/v1/users', { token: admin, body });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await directory.getUser(String(body.username))).toBeUndefined();
  });
});

describe('GET /v1/users', () => {
  it('lists the accounts of the admin’s scope only', async () => {
    const district = await api.call('GET', '/v1/users', { token: districtAdmin });
    expect(district.status).toBe(200);
    expect(district.json.items.map((u: { username: string }) => u.username)).toEqual(['nguyen.van.a']);
    expect(JSON.stringify(district.json)).not.toContain('passwordHash');
    const all = await api.call('GET', '/v1/users', { token: admin });
    expect(all.json.items.map((u: { username: string }) => u.username)).toEqual([
      'tran.thi.b',
      'nguyen.van.a',
    ]);
    expect((await api.call('GET', '/v1/users?unitId=dam-ha', { token: districtAdmin })).status).toBe(403);
    expect(
      (await api.call('GET', '/v1/users', { token: await api.as('unit-manager', 'hai-ha') })).status,
    ).toBe(403);
  });
});

describe('PUT /v1/me/subscription and the Friday recipients', () => {
  it('lists a unit’s subscribed staff; an opt-out drops them, opting back in returns them', async () => {
    expect((await subscribedStaffOf(directory, 'quang-ha')).map((u) => u.email)).toEqual(['a@haiha.gov.vn']);
    const token = await stack.token('unit-manager', 'quang-ha', 'nguyen.van.a');
    const off = await api.call('PUT', '/v1/me/subscription', { token, body: { weeklyEmail: false } });
    expect([off.status, off.json]).toEqual([200, { username: 'nguyen.van.a', weeklyEmail: false }]);
    expect(await subscribedStaffOf(directory, 'quang-ha')).toEqual([]);
    await api.call('PUT', '/v1/me/subscription', { token, body: { weeklyEmail: true } });
    expect(await subscribedStaffOf(directory, 'quang-ha')).toHaveLength(1);
  });

  it('answers 400 naming weeklyEmail for a non-boolean, and 404 for a token naming no account', async () => {
    const token = await stack.token('unit-manager', 'quang-ha', 'nguyen.van.a');
    const bad = await api.call('PUT', '/v1/me/subscription', { token, body: { weeklyEmail: 'no' } });
    expect([bad.status, bad.json.error.details[0].path]).toEqual([400, 'weeklyEmail']);
    const nobody = await api.call('PUT', '/v1/me/subscription', {
      token: admin,
      body: { weeklyEmail: false },
    });
    expect(nobody.status).toBe(404);
  });
});

describe('POST /v1/users/{username}/disable', () => {
  it('refuses an admin outside the account’s unit (403), changing nothing', async () => {
    const res = await api.call('POST', '/v1/users/tran.thi.b/disable', { token: districtAdmin });
    expect(res.status).toBe(403);
    expect((await directory.getUser('tran.thi.b'))!.enabled).toBe(true);
  });

  it('disables an account: it no longer signs in and gets no Friday e-mail; 404 for an unknown one', async () => {
    const res = await api.call('POST', '/v1/users/nguyen.van.a/disable', { token: districtAdmin });
    expect([res.status, res.json.enabled]).toEqual([200, false]);
    expect(await signInLocally(directory, 'nguyen.van.a', PASSWORD)).toBeUndefined();
    expect(await subscribedStaffOf(directory, 'quang-ha')).toEqual([]);
    expect((await api.call('POST', '/v1/users/nobody/disable', { token: admin })).status).toBe(404);
  });
});
