import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { CognitoUsers } from '../../src/adapters/cognito-users.ts';
import { DynamoUsers } from '../../src/adapters/dynamo-users.ts';
import { loadUsersConfig } from '../../src/config.ts';
import type { UserDirectory } from '../../src/core/users.ts';
import { config } from './services.ts';

/**
 * The staff directory, built at cold start for the functions bound to `users:*`: the province's Cognito user pool
 * in AWS, the local users table on this machine (a missing or doubled setting fails the start).
 */
const usersConfig = loadUsersConfig();

export const users: UserDirectory = usersConfig.userPoolId
  ? new CognitoUsers(new CognitoIdentityProviderClient({}), usersConfig.userPoolId)
  : new DynamoUsers(makeDynamoClient(config), usersConfig.usersTable!);
