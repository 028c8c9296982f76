import { Token } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENV, loadConfig, loadPhoneConfig, PHONE_ENV } from '../src/config.ts';
import { FUNCTIONS, type FunctionName } from '../src/routes.ts';
import {
  type BindingTargets,
  bindingEnvironment,
  grantBindings,
  type MailTargets,
  usersEnvironment,
} from './bindings.ts';
import type { ProvinceConfig } from './provinces.ts';
import type { Tables } from './tables.ts';
import { VaoraFunction } from './vaora-function.ts';

/** ENV entries that only the local stack sets (DynamoDB Local, s3rver). */
type LocalOnly = 'dynamodbEndpoint' | 's3Endpoint';
export type DeployedEnvKey = Exclude<keyof typeof ENV, LocalOnly>;

export interface FunctionCatalogueProps {
  province: ProvinceConfig;
  tables: Tables;
  reports: IBucket;
  /** The phone key and hash secret (lib/phone-keys.ts). */
  phones: BindingTargets['phones'];
  /** The import jobs' queue (lib/imports.ts). */
  imports: BindingTargets['imports'];
  /** The alert queue and SMS pool (lib/alert-sending.ts). */
  alerts?: BindingTargets['alerts'];
  /** PUBLIC_BASE_URL: the province's override, otherwise the HTTP API's URL. */
  publicBaseUrl: string;
  /** The staff user pool (lib/auth.ts), for the functions bound to `users:*`. */
  userPool?: IUserPool;
  /** The Friday delivery's queue and sender (lib/report-mail.ts). */
  mail?: MailTargets;
  /** The gate links' key (lib/gate-links.ts), for the functions bound to `gate:*`. */
  gate?: BindingTargets['gate'];
}

/**
 * One VaoraFunction per entry of src/routes.ts FUNCTIONS, each with every deployed ENV variable of
 * src/config.ts, the variables its `bindings` bring (the phone vault's, for `phones:*`) and the IAM statements of
 * its `bindings` (lib/bindings.ts) on its own role.
 */
export class FunctionCatalogue extends Construct {
  readonly byName: Readonly<Record<FunctionName, VaoraFunction>>;
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: FunctionCatalogueProps) {
    super(scope, id);
    const { province, tables, reports, phones, imports, alerts, userPool, mail, gate } = props;

    // Typed as a Record over every deployed ENV key: a variable added to src/config.ts fails to compile here.
    const values: Record<DeployedEnvKey, string> = {
      provinceId: province.id,
      registryTable: tables.table('registry').tableName,
      checkinsTable: tables.table('checkins').tableName,
      activityTable: tables.table('activity').tableName,
      tracingTable: tables.table('tracing').tableName,
      auditTable: tables.table('audit').tableName,
      reportsBucket: reports.bucketName,
      publicBaseUrl: props.publicBaseUrl,
      retentionDays: String(province.retentionDays),
      reportLinkTtlSeconds: String(province.reportLinkTtlSeconds),
      auditRetentionDays: String(province.auditRetentionDays),
      contactMinOverlapMinutes: String(province.contactMinOverlapMinutes),
      namingRule: province.namingRule,
      alertApprovalCap: String(province.alertApprovalCap),
    };
    this.environment = Object.fromEntries(
      (Object.keys(values) as DeployedEnvKey[]).map((key) => [ENV[key], values[key]]),
    );
    assertRuntimeAcceptsConfig(province.id, this.environment);
    assertRuntimeAcceptsPhoneConfig(province.id, bindingEnvironment(['phones:seal'], { phones, imports }));

    const byName: Partial<Record<FunctionName, VaoraFunction>> = {};
    for (const [name, spec] of Object.entries(FUNCTIONS) as [
      FunctionName,
      (typeof FUNCTIONS)[FunctionName],
    ][]) {
      const fn = new VaoraFunction(this, pascalCase(name), {
        name,
        spec,
        environment: {
          ...this.environment,
          ...bindingEnvironment(spec.bindings, { phones, imports, alerts, mail, gate }),
          ...usersEnvironment(spec.bindings, userPool),
        },
      });
      grantBindings(fn.functionRole, spec.bindings, {
        provinceId: province.id,
        tables,
        reports,
        phones,
        imports,
        ...(alerts ? { alerts } : {}),
        ...(userPool ? { userPool } : {}),
        ...(mail ? { mail } : {}),
        ...(gate ? { gate } : {}),
      });
      byName[name] = fn;
    }
    this.byName = byName as Record<FunctionName, VaoraFunction>;
  }
}

/**
 * Runs the functions' own config parser (src/config.ts loadConfig) over the synthesized environment, so a
 * bad province value (retention out of range, malformed URL) fails `cdk synth` rather than every cold start.
 * Deploy-time values (table names, the API URL) are replaced by well-formed stand-ins.
 */
function assertRuntimeAcceptsConfig(provinceId: string, environment: Record<string, string>) {
  const probe = Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      Token.isUnresolved(value)
        ? name === ENV.publicBaseUrl
          ? 'https://example.invalid'
          : 'deploy-time'
        : value,
    ]),
  );
  try {
    loadConfig(probe);
  } catch (error) {
    throw new Error(`Province "${provinceId}": ${(error as Error).message}`);
  }
}

/** The same for the phone vault's variables: ARNs known at deploy time stand in as well-formed ARNs. */
function assertRuntimeAcceptsPhoneConfig(provinceId: string, environment: Record<string, string>) {
  const standIns: Record<string, string> = {
    [PHONE_ENV.phoneKeyId]:
      'arn:aws:kms:ap-southeast-1:000000000000:key/00000000-0000-4000-8000-000000000000',
    [PHONE_ENV.phoneHashSecretArn]:
      'arn:aws:secretsmanager:ap-southeast-1:000000000000:secret:deploy-time-AbCdEf',
  };
  const probe = Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      Token.isUnresolved(value) ? (standIns[name] ?? 'deploy-time') : value,
    ]),
  );
  try {
    loadPhoneConfig(probe);
  } catch (error) {
    throw new Error(`Province "${provinceId}": ${(error as Error).message}`);
  }
}

const pascalCase = (name: string) =>
  name
    .split('-')
    .map((part) => `${part[0]?.toUpperCase()}${part.slice(1)}`)
    .join('');
