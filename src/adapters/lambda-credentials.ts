import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * What the Lambda bundles use in place of @aws-sdk/credential-provider-node (lib/vaora-function.ts
 * CREDENTIALS_ALIAS): in Lambda the function's role credentials are always in its environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first source the SDK's default chain
 * reads. The rest of that chain (profiles, SSO, web identity, the instance metadata service, and the STS and SSO
 * clients they call) is about 95 kB of every bundle that a function never runs. The local stack, the tests and
 * the CLI run from source, with the SDK's own chain.
 */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): ReturnType<typeof fromEnv> =>
  fromEnv(init);
