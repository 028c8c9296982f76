import type { UserDirectory } from '../../src/core/users.ts';
import { config } from './services.ts';
import { userDirectory } from './user-directory.ts';

/** The staff directory, built at cold start for the functions bound to `users:*` (functions/commons/user-directory.ts). */
export const users: UserDirectory = userDirectory(config);
