import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { ROLES, type Role } from '../core/model.ts';
import type { StaffUser, UserDirectory } from '../core/users.ts';
import { CLAIM_ROLE, CLAIM_UNIT, CLAIM_WEEKLY_EMAIL } from '../routes.ts';

/**
 * Staff accounts in the province's Cognito user pool: created with AdminCreateUser (Cognito e-mails the temporary
 * password; the role and unit are the custom attributes the tokens carry), disabled with AdminDisableUser (and
 * signed out everywhere, so a refresh token no longer works), listed with ListUsers. The username may also be a
 * token's `sub`: Cognito's admin calls take either.
 */
export class CognitoUsers implements UserDirectory {
  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async createUser(
    user: StaffUser,
    temporaryPassword?: string,
  ): Promise<'exists' | { temporaryPassword?: string }> {
    try {
      await this.cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username: user.username,
          UserAttributes: [
            { Name: 'email', Value: user.email },
            ...(user.name ? [{ Name: 'name', Value: user.name }] : []),
            { Name: 'email_verified', Value: 'true' },
            { Name: CLAIM_ROLE, Value: user.role },
            { Name: CLAIM_UNIT, Value: user.unitId },
            { Name: CLAIM_WEEKLY_EMAIL, Value: String(user.weeklyEmail) },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
          ...(temporaryPassword ? { TemporaryPassword: temporaryPassword } : {}),
        }),
      );
      return {};
    } catch (err) {
      if ((err as Error).name === 'UsernameExistsException') return 'exists';
      throw err;
    }
  }

  async getUser(username: string): Promise<StaffUser | undefined> {
    try {
      const out = await this.cognito.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: username }),
      );
      return toUser({
        Username: out.Username,
        Attributes: out.UserAttributes,
        Enabled: out.Enabled,
        UserCreateDate: out.UserCreateDate,
      });
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException') return undefined;
      throw err;
    }
  }

  async listUsers(): Promise<StaffUser[]> {
    const users: StaffUser[] = [];
    let token: string | undefined;
    do {
      const out = await this.cognito.send(
        new ListUsersCommand({ UserPoolId: this.userPoolId, Limit: 60, PaginationToken: token }),
      );
      for (const u of out.Users ?? []) {
        const user = toUser(u);
        if (user) users.push(user);
      }
      token = out.PaginationToken;
    } while (token);
    return users;
  }

  async disableUser(username: string): Promise<StaffUser | undefined> {
    try {
      await this.cognito.send(
        new AdminDisableUserCommand({ UserPoolId: this.userPoolId, Username: username }),
      );
      await this.cognito.send(
        new AdminUserGlobalSignOutCommand({ UserPoolId: this.userPoolId, Username: username }),
      );
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException') return undefined;
      throw err;
    }
    return this.getUser(username);
  }

  async setWeeklyEmail(username: string, weeklyEmail: boolean): Promise<StaffUser | undefined> {
    try {
      await this.cognito.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: this.userPoolId,
          Username: username,
          UserAttributes: [{ Name: CLAIM_WEEKLY_EMAIL, Value: String(weeklyEmail) }],
        }),
      );
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException') return undefined;
      throw err;
    }
    return this.getUser(username);
  }
}

/** A pool user as a staff account; undefined for one without a valid role and unit (not a vaora staff account). */
function toUser(u: UserType): StaffUser | undefined {
  const attr = (name: string) => u.Attributes?.find((a: AttributeType) => a.Name === name)?.Value;
  const role = attr(CLAIM_ROLE);
  const unitId = attr(CLAIM_UNIT);
  if (!u.Username || !unitId || !role || !ROLES.includes(role as Role)) return undefined;
  const name = attr('name');
  return {
    username: u.Username,
    email: attr('email') ?? '',
    ...(name ? { name } : {}),
    role: role as Role,
    unitId,
    enabled: u.Enabled !== false,
    weeklyEmail: attr(CLAIM_WEEKLY_EMAIL) !== 'false',
    createdAt: (u.UserCreateDate ?? new Date(0)).toISOString(),
  };
}
