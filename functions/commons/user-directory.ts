import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { CognitoUsers } from '../../src/adapters/cognito-users.ts';
import { DynamoUsers } from '../../src/adapters/dynamo-users.ts';
import { tracer } from '../../src/adapters/tracer.ts';
import { type Config, loadUsersConfig } from '../../src/config.ts';
import type { UserDirectory } from '../../src/core/users.ts';

/**
 * The staff directory: the province's Cognito user pool in AWS (USER_POOL_ID, brought by the `users:*` bindings),
 * the local users table on this machine (USERS_TABLE). A missing or doubled setting fails with the variable named.
 * Built by the functions that need it, when they need it: importing this builds nothing.
 */
export function userDirectory(config: Config, env: NodeJS.ProcessEnv = process.env): UserDirectory {
  const { userPoolId, usersTable } = loadUsersConfig(env);
  return userPoolId
    ? new CognitoUsers(tracer.captureAWSv3Client(new CognitoIdentityProviderClient({})), userPoolId)
    : new DynamoUsers(makeDynamoClient(config), usersTable!);
}
