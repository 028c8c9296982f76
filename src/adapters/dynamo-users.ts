import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { hashPassword, temporaryPassword } from '../core/passwords.ts';
import type { CredentialStore, StaffUser, UserDirectory } from '../core/users.ts';
import { keys, USERS_LISTED } from '../keys.ts';

/**
 * Staff accounts on this machine (the local stand-in for the Cognito user pool), in the local users table: each
 * account with its password's scrypt hash (never the password), which the local sign-in checks.
 */
export class DynamoUsers implements UserDirectory, CredentialStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async createUser(user: StaffUser, password?: string): Promise<'exists' | { temporaryPassword?: string }> {
    // No mail server here: a password the directory makes is answered once, as Cognito would e-mail it.
    const made = password ? undefined : temporaryPassword();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.user(user.username),
            ...keys.userListed(user.username),
            type: 'user',
            ...user,
            passwordHash: await hashPassword(password ?? made!),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return made ? { temporaryPassword: made } : {};
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return 'exists';
      throw err;
    }
  }

  async credentialsOf(username: string): Promise<{ user: StaffUser; passwordHash?: string } | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.user(username), ConsistentRead: true }),
    );
    return Item ? { user: toUser(Item), passwordHash: Item.passwordHash } : undefined;
  }

  async getUser(username: string): Promise<StaffUser | undefined> {
    return (await this.credentialsOf(username))?.user;
  }

  async listUsers(): Promise<StaffUser[]> {
    const users: StaffUser[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: USERS_LISTED.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': USERS_LISTED.pk },
          ExpressionAttributeValues: { ':pk': keys.usersListed },
          ExclusiveStartKey: start,
        }),
      );
      users.push(...(out.Items ?? []).map(toUser));
      start = out.LastEvaluatedKey;
    } while (start);
    return users;
  }

  async disableUser(username: string): Promise<StaffUser | undefined> {
    return this.set(username, { enabled: false });
  }

  async setWeeklyEmail(username: string, weeklyEmail: boolean): Promise<StaffUser | undefined> {
    return this.set(username, { weeklyEmail });
  }

  private async set(username: string, values: Partial<StaffUser>): Promise<StaffUser | undefined> {
    const entries = Object.entries(values);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.user(username),
          UpdateExpression: `SET ${entries.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#a${i}`, name])),
          ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:a${i}`, value])),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toUser(Attributes) : undefined;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }
}

function toUser(item: Record<string, unknown>): StaffUser {
  const u = item as unknown as StaffUser;
  return {
    username: u.username,
    email: u.email,
    ...(u.name ? { name: u.name } : {}),
    role: u.role,
    unitId: u.unitId,
    enabled: u.enabled !== false,
    weeklyEmail: u.weeklyEmail !== false,
    createdAt: u.createdAt,
  };
}
