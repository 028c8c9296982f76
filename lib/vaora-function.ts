import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { ENV } from '../src/config.ts';
import { ensurePagesBuiltSync } from '../src/local/pages.ts';
import { CHART_RUNTIME_FILES } from '../src/render/chart-assets.ts';
import { POSTER_FONT_FILES } from '../src/render/fonts.ts';
import { type FunctionName, type FunctionSpec, ROUTES, TIMEOUT_SECONDS } from '../src/routes.ts';
import { acknowledgeWildcardResource } from './compliance.ts';

/** The repository root: FUNCTIONS entries are relative to it, and it is esbuild's project root. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Node.js 24, the newest Lambda runtime (supported into 2028), for every function. Lambda deprecated
 * nodejs20.x on 2026-04-30 and stops creating functions on it on 2027-02-01. The code is developed and tested
 * on Node 20 (this machine's, package.json engines) and uses nothing that differs between 20 and 24; the
 * bundles are built for the runtime they run on (BUNDLE_TARGET), and test/infra/bundling.test.ts runs them.
 */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
export const BUNDLE_TARGET = 'node24';

/**
 * API handlers answer a person at a gate. Heavy work (reports, imports, posters) gets more memory, hence more
 * CPU. Behind an API route it must also answer within API Gateway's 30 s integration limit: past that the
 * caller has a 503 and the function would go on working for nobody, half-way through an import or an upload,
 * so it stops at 29 s and fails visibly (a RequestFailed in its log). The scheduled weekly report answers no
 * one and keeps minutes.
 */
export const SIZING = {
  api: { memorySize: 256, timeout: Duration.seconds(TIMEOUT_SECONDS.api) },
  heavyApi: { memorySize: 1024, timeout: Duration.seconds(TIMEOUT_SECONDS.heavyApi) },
  heavy: { memorySize: 1024, timeout: Duration.seconds(TIMEOUT_SECONDS.heavy) },
} as const;

/** The sizing of a function: `heavy` ones get `heavyApi` when a route of src/routes.ts ROUTES invokes them. */
export function sizingOf(name: FunctionName, spec: FunctionSpec) {
  if (spec.timeoutSeconds !== undefined) {
    return { memorySize: SIZING.api.memorySize, timeout: Duration.seconds(spec.timeoutSeconds) };
  }
  if (!spec.heavy) return SIZING.api;
  return ROUTES.some((route) => route.fn === name) ? SIZING.heavyApi : SIZING.heavy;
}

/**
 * Files a function reads at run time besides its bundle, as package specifiers. Each is copied into the bundle's
 * asset at `node_modules/<specifier>`, so the code resolves it from the bundle exactly as from the repository
 * (src/render/fonts.ts). Only the functions that draw posters or cards carry the fonts; the weekly report's
 * carry the chart's rasteriser and its TrueType fonts (src/render/chart-assets.ts).
 */
export const RUNTIME_FILES: Partial<Record<FunctionName, readonly string[]>> = {
  'get-checkpoint-poster': Object.values(POSTER_FONT_FILES),
  'create-unit-posters': Object.values(POSTER_FONT_FILES),
  'create-card': Object.values(POSTER_FONT_FILES),
  'run-weekly-report': Object.values(CHART_RUNTIME_FILES),
  'weekly-run-unit': Object.values(CHART_RUNTIME_FILES),
};

/** Functions whose handler imports a module the build writes (src/render/built-pages.js, by pages/build.ts). */
export const BUILT_BEFORE_BUNDLING: readonly FunctionName[] = ['checkin-page'];

const resolveFromRepo = createRequire(join(REPO_ROOT, 'package.json'));

/**
 * Shell commands that copy a function's RUNTIME_FILES into its bundle's output folder. Paths go through the
 * hook's own input folder (the repository, or its mount when CDK bundles in a container).
 */
export function copyRuntimeFiles(
  specifiers: readonly string[],
  inputDir: string,
  outputDir: string,
): string[] {
  return specifiers.map((specifier) => {
    const source = join(inputDir, relative(REPO_ROOT, resolveFromRepo.resolve(specifier)));
    const target = join(outputDir, 'node_modules', specifier);
    return `mkdir -p ${shellQuote(dirname(target))} && cp ${shellQuote(source)} ${shellQuote(target)}`;
  });
}

const shellQuote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

/**
 * Function logs are typed events with ids and counts, never phone numbers; still, an id beside a time is a trace,
 * so they are kept about as long as the raw check-ins themselves (RETENTION_DAYS, 28 by default).
 */
export const FUNCTION_LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * The handlers are ESM (`"type": "module"`), but exceljs and qrcode are CommonJS and call `require()`:
 * esbuild's ESM output has no `require`, so the bundle defines one. Aliased import, so it cannot clash with
 * a bundled `createRequire`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __vaoraCreateRequire } from 'node:module'; " +
  'const require = __vaoraCreateRequire(import.meta.url);';

/**
 * The SDK's default credential chain, replaced in the bundles by its first link (src/adapters/lambda-credentials.ts:
 * the role's credentials from the function's environment, where Lambda always puts them). A path relative to the
 * repository root, esbuild's working directory.
 */
export const CREDENTIALS_ALIAS = {
  '@aws-sdk/credential-provider-node': './src/adapters/lambda-credentials.ts',
} as const;

/**
 * esbuild settings of every function (NodejsFunction's `bundling`). Minified ESM for the Lambda runtime, with
 * nothing external: the AWS SDK of package-lock.json is bundled instead of whatever the runtime preinstalls.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: BUNDLE_TARGET,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  bundleAwsSDK: true,
  externalModules: [],
  esbuildArgs: Object.fromEntries(
    Object.entries(CREDENTIALS_ALIAS).map(([from, to]) => [`--alias:${from}`, to]),
  ),
} as const satisfies BundlingOptions;

/**
 * BUNDLING as esbuild's own options (NodejsFunction always builds for platform node), so bundles can be built
 * and measured outside CDK (bench/bundles.ts) exactly as the stack builds them.
 */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLING.target,
  mainFields: [...BUNDLING.mainFields],
  banner: { js: BUNDLING.banner },
  minify: BUNDLING.minify,
  sourcemap: BUNDLING.sourceMap,
  sourcesContent: BUNDLING.sourcesContent,
  external: [...BUNDLING.externalModules],
  alias: { ...CREDENTIALS_ALIAS },
} as const satisfies BuildOptions;

/**
 * Powertools for AWS Lambda's settings of a function (functions/commons/observability.ts): its log lines and
 * metrics name the function as their `service`; the metrics go to the province's own namespace; the Tracer never
 * records a response or an error's message (responses and SDK errors can hold phone numbers), and neither does the
 * Logger an invocation's event.
 */
export function powertoolsEnvironment(name: FunctionName, provinceId: string): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: name,
    POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(provinceId),
    POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
    POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
    POWERTOOLS_LOGGER_LOG_EVENT: 'false',
  };
}

/** The CloudWatch namespace of a province's metrics (lib/alarms.ts and the dashboard read them there). */
export const metricsNamespace = (provinceId: string) => `vaora/${provinceId}`;

export interface VaoraFunctionProps {
  /** Key in src/routes.ts FUNCTIONS. */
  name: FunctionName;
  spec: FunctionSpec;
  /** The ENV variables of src/config.ts. */
  environment: Record<string, string>;
}

/**
 * The house Lambda: LAMBDA_RUNTIME on Graviton, bundled by esbuild to minified ESM with source maps, its own log
 * group with a retention, its own role that can write to that log group and nothing else (bindings are
 * added by the caller, see lib/bindings.ts). No AWS managed policy: AWSLambdaBasicExecutionRole would allow
 * writing to every log group of the account.
 */
export class VaoraFunction extends NodejsFunction {
  readonly functionRole: Role;

  constructor(scope: Construct, id: string, props: VaoraFunctionProps) {
    const { name, spec } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: FUNCTION_LOG_RETENTION });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        spec.bindings.length > 0
          ? `vaora ${name}: its log group plus the grants of its bindings (${spec.bindings.join(', ')})`
          : `vaora ${name}: its log group only (no bindings)`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const entry = resolveEntry(scope, name, spec);
    // The pages people scan are built from pages/src into a git-ignored module this handler imports: a checkout that
    // synthesises before `npm test` or `npm start` (or after editing pages/src) builds them first, so esbuild bundles
    // what the sources say.
    if (BUILT_BEFORE_BUNDLING.includes(name) && Stack.of(scope).bundlingRequired) ensurePagesBuiltSync();
    const runtimeFiles = RUNTIME_FILES[name] ?? [];

    super(scope, id, {
      description: `vaora ${name}`,
      entry: entry.path,
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      // X-Ray active tracing: the operator follows a failed request through its calls (CDK grants the role
      // xray:PutTraceSegments and xray:PutTelemetryRecords, which X-Ray authorizes on `*` only).
      tracing: Tracing.ACTIVE,
      ...sizingOf(name, spec),
      role,
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: {
        ...props.environment,
        ...powertoolsEnvironment(name, provinceOf(props.environment)),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        ...BUNDLING,
        mainFields: [...BUNDLING.mainFields],
        externalModules: [...BUNDLING.externalModules],
        ...(runtimeFiles.length > 0
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  copyRuntimeFiles(runtimeFiles, inputDir, outputDir),
              },
            }
          : {}),
      },
    });
    this.functionRole = role;
    acknowledgeWildcardResource(
      role,
      '*',
      'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords take no resource but *',
    );
    if (entry.placeholder) {
      Annotations.of(this).addWarningV2(
        'vaora:missing-entry',
        `${spec.entry} (FUNCTIONS['${name}']) does not exist yet; bundling is skipped for this stack, so the ` +
          'template is built without it. A synth that bundles this stack fails until the file exists.',
      );
    }
  }
}

function provinceOf(environment: Record<string, string>): string {
  const provinceId = environment[ENV.provinceId];
  if (!provinceId) throw new Error(`A VaoraFunction's environment names its province (${ENV.provinceId})`);
  return provinceId;
}

/**
 * The absolute entry path. NodejsFunction refuses a missing entry even when bundling is skipped
 * (`-c aws:cdk:bundling-stacks=[]`, `cdk ls`, the infra tests); the asset of a skipped bundle is a
 * placeholder anyway, so in that case only this file stands in for a handler that is not written yet.
 * Whenever the stack is bundled (synth, deploy) a missing entry is an error.
 */
function resolveEntry(scope: Construct, name: FunctionName, spec: FunctionSpec) {
  const path = join(REPO_ROOT, spec.entry);
  if (existsSync(path)) return { path, placeholder: false };
  if (Stack.of(scope).bundlingRequired) {
    throw new Error(`Lambda entry ${spec.entry} of FUNCTIONS['${name}'] (src/routes.ts) does not exist`);
  }
  return { path: fileURLToPath(import.meta.url), placeholder: true };
}
