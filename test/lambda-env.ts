import { DEFAULTS, ENV, GATE_ENV, PHONE_ENV } from '../src/config.ts';

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
  [ENV.contactMinOverlapMinutes]: String(DEFAULTS.contactMinOverlapMinutes),
  [ENV.namingRule]: DEFAULTS.namingRule,
  [ENV.alertApprovalCap]: String(DEFAULTS.alertApprovalCap),
};

/**
 * What a function bound to `phones:*` gets besides (lib/bindings.ts bindingEnvironment): the phone key's and the
 * hash secret's ARNs, stand-ins here.
 */
export const LAMBDA_PHONE_TEST_ENV: Record<
  (typeof PHONE_ENV)[Exclude<keyof typeof PHONE_ENV, 'kmsEndpoint'>],
  string
> = {
  [PHONE_ENV.phoneKeyId]: 'arn:aws:kms:ap-southeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  [PHONE_ENV.phoneHashSecretArn]:
    'arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:vaora/quang-ninh/phone-hash-AbCdEf',
};

/** What the functions bound to `gate:*` get besides (lib/bindings.ts bindingEnvironment): the gate key's ARN. */
export const LAMBDA_GATE_TEST_ENV: Record<(typeof GATE_ENV)['gateKeyId'], string> = {
  [GATE_ENV.gateKeyId]: 'arn:aws:kms:ap-southeast-1:111122223333:key/5678abcd-12ab-34cd-56ef-1234567890ab',
};
