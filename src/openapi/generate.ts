import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ALERT_SENDING_ENV,
  DEFAULTS,
  ENV,
  GATE_ENV,
  IMPORT_QUEUE_ENV,
  PHONE_ENV,
  USERS_ENV,
  WEEKLY_RUNNER_ENV,
} from '../config.ts';
import { ensurePagesBuilt } from '../local/pages.ts';
import { REPO_ROOT } from '../local/repo.ts';
import { FUNCTIONS, type FunctionName, ROUTES } from '../routes.ts';
import { buildOpenApi, type InputSpec } from './build.ts';

/**
 * Builds the OpenAPI document from the handlers' own schemas: loads each routed handler (with stand-in
 * configuration: a handler reads its environment at load, and nothing here calls AWS) and reads the input spec
 * functions/http/route.ts attaches to it. `npm run openapi` writes it to src/openapi/openapi.json, which
 * GET /v1/openapi.json serves; test/unit/openapi.test.ts fails when the file is stale or misses a route.
 */
export const OPENAPI_FILE = join(REPO_ROOT, 'src/openapi/openapi.json');

// Typed over every ENV key a stack sets: a variable added to src/config.ts fails to compile here until it has a stand-in.
const STAND_IN_CONFIG: Record<Exclude<keyof typeof ENV, 'dynamodbEndpoint' | 's3Endpoint'>, string> = {
  provinceId: 'quang-ninh',
  registryTable: 'registry',
  checkinsTable: 'checkins',
  activityTable: 'activity',
  tracingTable: 'tracing',
  auditTable: 'audit',
  reportsBucket: 'reports',
  publicBaseUrl: 'https://vaora.example',
  retentionDays: String(DEFAULTS.retentionDays),
  reportLinkTtlSeconds: String(DEFAULTS.reportLinkTtlSeconds),
  auditRetentionDays: String(DEFAULTS.auditRetentionDays),
  contactMinOverlapMinutes: String(DEFAULTS.contactMinOverlapMinutes),
  namingRule: DEFAULTS.namingRule,
  alertApprovalCap: String(DEFAULTS.alertApprovalCap),
};

const STAND_IN_ENV: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(STAND_IN_CONFIG).map(([key, value]) => [ENV[key as keyof typeof STAND_IN_CONFIG], value]),
  ),
  [PHONE_ENV.phoneKeyId]: 'arn:aws:kms:ap-southeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  [PHONE_ENV.phoneHashSecretArn]:
    'arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:vaora/quang-ninh/phone-hash-AbCdEf',
  [USERS_ENV.userPoolId]: 'ap-southeast-1_StandIn00',
  [GATE_ENV.gateKeyId]: 'arn:aws:kms:ap-southeast-1:111122223333:key/5678abcd-12ab-34cd-56ef-1234567890ab',
  [WEEKLY_RUNNER_ENV]: 'arn:aws:states:ap-southeast-1:111122223333:stateMachine:stand-in',
  [IMPORT_QUEUE_ENV]: 'https://sqs.ap-southeast-1.amazonaws.com/111122223333/stand-in-imports',
  [ALERT_SENDING_ENV.queue]: 'https://sqs.ap-southeast-1.amazonaws.com/111122223333/stand-in-alerts',
  AWS_REGION: 'ap-southeast-1',
};

/** Stand-in configuration for loading handlers outside a stack (a variable already set is kept). */
export function useStandInEnv(): void {
  for (const [name, value] of Object.entries(STAND_IN_ENV)) process.env[name] ??= value;
}

/** The input spec of every routed function, each handler loaded once. */
export async function routeInputs(): Promise<Map<FunctionName, InputSpec>> {
  useStandInEnv();
  // functions/checkin-page.ts imports the built pages.
  await ensurePagesBuilt();
  const inputs = new Map<FunctionName, InputSpec>();
  for (const fn of new Set(ROUTES.map((r) => r.fn))) {
    const module = await import(pathToFileURL(join(REPO_ROOT, FUNCTIONS[fn].entry)).href);
    inputs.set(fn, (module.handler as { routeSpec?: InputSpec }).routeSpec ?? {});
  }
  return inputs;
}

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const { version } = (
    await import(pathToFileURL(join(REPO_ROOT, 'package.json')).href, { with: { type: 'json' } })
  ).default as { version: string };
  return buildOpenApi(await routeInputs(), { title: 'vaora', version });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
  console.log(`wrote ${OPENAPI_FILE}`);
}
