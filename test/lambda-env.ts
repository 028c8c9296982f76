import { DEFAULTS, ENV } from '../src/config.ts';

/**
 * The environment a deployed function gets (lib/function-catalogue.ts sets these), with stand-in names: for tests
 * that load a handler or a bundle outside a local stack. Typed over every deployed variable, so one added to
 * src/config.ts fails to compile here until it is given.
 */
export const LAMBDA_TEST_ENV: Record<
  (typeof ENV)[Exclude<keyof typeof ENV, 'dynamodbEndpoint' | 's3Endpoint'>],
  string
> = {
  [ENV.provinceId]: 'quang-ninh',
  [ENV.registryTable]: 'registry',
  [ENV.checkinsTable]: 'checkins',
  [ENV.activityTable]: 'activity',
  [ENV.tracingTable]: 'tracing',
  [ENV.auditTable]: 'audit',
  [ENV.reportsBucket]: 'reports',
  [ENV.publicBaseUrl]: 'https://vaora.example',
  [ENV.retentionDays]: String(DEFAULTS.retentionDays),
  [ENV.reportLinkTtlSeconds]: String(DEFAULTS.reportLinkTtlSeconds),
  [ENV.auditRetentionDays]: String(DEFAULTS.auditRetentionDays),
  [ENV.namingRule]: DEFAULTS.namingRule,
};
