import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  UserNotFoundException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CognitoUsers } from '../../src/adapters/cognito-users.ts';
import type { StaffUser } from '../../src/core/users.ts';

/** The Cognito directory against a mocked user pool: what it sends, and how it reads the answers and failures. */

const cognito = mockClient(CognitoIdentityProviderClient);
const POOL = 'ap-southeast-1_AbCdEf123';
const users = new CognitoUsers(new CognitoIdentityProviderClient({ region: 'ap-southeast-1' }), POOL);
const USER: StaffUser = {
  username: 'nguyen.van.a',
  email: 'a@haiha.gov.vn',
  role: 'unit-manager',
  unitId: 'quang-ha',
  enabled: true,
  weeklyEmail: true,
  createdAt: '2022-01-10T00:00:00.000Z',
};
const attributes = (weeklyEmail?: string) => [
  { Name: 'email', Value: USER.email },
  { Name: 'custom:role', Value: 'unit-manager' },
  { Name: 'custom:unit', Value: 'quang-ha' },
  ...(weeklyEmail ? [{ Name: 'custom:weekly_email', Value: weeklyEmail }] : []),
];
const notFound = () => new UserNotFoundException({ message: 'User does not exist.', $metadata: {} });

beforeEach(() => {
  cognito.reset();
});

describe('createUser', () => {
  it('sends AdminCreateUser with the role and unit as custom attributes, and an e-mailed invitation', async () => {
    cognito.on(AdminCreateUserCommand).resolves({});
    expect(await users.createUser(USER)).toEqual({});
    const input = cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      UserPoolId: POOL,
      Username: 'nguyen.van.a',
      DesiredDeliveryMediums: ['EMAIL'],
    });
    expect(input.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'custom:role', Value: 'unit-manager' },
        { Name: 'custom:unit', Value: 'quang-ha' },
        { Name: 'email', Value: 'a@haiha.gov.vn' },
      ]),
    );
    expect(input.TemporaryPassword).toBeUndefined();
  });

  it('sends a name as the standard name attribute, and reads it back', async () => {
    cognito.on(AdminCreateUserCommand).resolves({});
    await users.createUser({ ...USER, name: 'Nguyễn Văn A' });
    const input = cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input;
    expect(input.UserAttributes).toContainEqual({ Name: 'name', Value: 'Nguyễn Văn A' });
    cognito.on(ListUsersCommand).resolves({
      Users: [
        {
          Username: 'nguyen.van.a',
          Attributes: [...attributes('true'), { Name: 'name', Value: 'Nguyễn Văn A' }],
          Enabled: true,
          UserCreateDate: new Date(USER.createdAt),
        },
      ],
    });
    expect(await users.listUsers()).toEqual([{ ...USER, name: 'Nguyễn Văn A' }]);
  });

  it('answers exists for a taken username, and lets any other failure through', async () => {
    cognito
      .on(AdminCreateUserCommand)
      .rejectsOnce(new UsernameExistsException({ message: 'taken', $metadata: {} }));
    expect(await users.createUser(USER, 'Aa1!aaaaaaaaaa')).toBe('exists');
    cognito.reset();
    cognito
      .on(AdminCreateUserCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    await expect(users.createUser(USER)).rejects.toThrow('throttled');
  });
});

describe('listUsers', () => {
  it('reads every page, keeping only accounts with a valid role and unit', async () => {
    cognito
      .on(ListUsersCommand, { UserPoolId: POOL, Limit: 60, PaginationToken: undefined })
      .resolves({
        Users: [
          {
            Username: 'nguyen.van.a',
            Attributes: attributes('false'),
            Enabled: true,
            UserCreateDate: new Date(USER.createdAt),
          },
        ],
        PaginationToken: 'page-2',
      })
      .on(ListUsersCommand, { UserPoolId: POOL, Limit: 60, PaginationToken: 'page-2' })
      .resolves({
        Users: [
          { Username: 'someone', Attributes: [{ Name: 'email', Value: 'x@y.vn' }], Enabled: true },
          {
            Username: 'tran.b',
            Attributes: [
              { Name: 'custom:role', Value: 'root' },
              { Name: 'custom:unit', Value: 'quang-ha' },
            ],
            Enabled: false,
          },
        ],
      });
    const listed = await users.listUsers();
    expect(listed).toEqual([{ ...USER, weeklyEmail: false }]);
    expect(cognito.commandCalls(ListUsersCommand)).toHaveLength(2);
  });

  it('lets a failure through', async () => {
    cognito.on(ListUsersCommand).rejects(new Error('AccessDenied'));
    await expect(users.listUsers()).rejects.toThrow('AccessDenied');
  });
});

describe('disableUser', () => {
  it('disables the account and ends its sessions, then answers it as it is', async () => {
    cognito.on(AdminDisableUserCommand).resolves({});
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    cognito
      .on(AdminGetUserCommand)
      .resolves({ Username: 'nguyen.van.a', UserAttributes: attributes(), Enabled: false });
    expect(await users.disableUser('nguyen.van.a')).toMatchObject({
      username: 'nguyen.van.a',
      enabled: false,
    });
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)[0]!.args[0].input).toEqual({
      UserPoolId: POOL,
      Username: 'nguyen.van.a',
    });
  });

  it('answers undefined for an unknown account, and lets another failure through', async () => {
    cognito.on(AdminDisableUserCommand).rejectsOnce(notFound());
    expect(await users.disableUser('nobody')).toBeUndefined();
    cognito.reset();
    cognito.on(AdminDisableUserCommand).rejectsOnce(new Error('InternalErrorException'));
    await expect(users.disableUser('nguyen.van.a')).rejects.toThrow('InternalErrorException');
  });
});

describe('setWeeklyEmail and getUser', () => {
  it('writes the opt-out attribute and reads it back', async () => {
    cognito.on(AdminUpdateUserAttributesCommand).resolves({});
    cognito
      .on(AdminGetUserCommand)
      .resolves({ Username: 'nguyen.van.a', UserAttributes: attributes('false'), Enabled: true });
    expect(await users.setWeeklyEmail('nguyen.van.a', false)).toMatchObject({ weeklyEmail: false });
    expect(cognito.commandCalls(AdminUpdateUserAttributesCommand)[0]!.args[0].input.UserAttributes).toEqual([
      { Name: 'custom:weekly_email', Value: 'false' },
    ]);
  });

  it('answers undefined for an unknown account, and lets another failure through', async () => {
    cognito.on(AdminGetUserCommand).rejectsOnce(notFound());
    expect(await users.getUser('nobody')).toBeUndefined();
    cognito.on(AdminUpdateUserAttributesCommand).rejectsOnce(notFound());
    expect(await users.setWeeklyEmail('nobody', false)).toBeUndefined();
    cognito.reset();
    cognito.on(AdminGetUserCommand).rejectsOnce(new Error('TooManyRequestsException'));
    await expect(users.getUser('nguyen.van.a')).rejects.toThrow('TooManyRequestsException');
  });
});
