import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, VaoraFunction } from '../../lib/vaora-function.ts';
import { ENV } from '../../src/config.ts';
import { FUNCTIONS, type FunctionName } from '../../src/routes.ts';

const RUNTIME_ENV = {
  [ENV.provinceId]: 'quang-ninh',
  [ENV.registryTable]: 'registry',
  [ENV.checkinsTable]: 'checkins',
  [ENV.activityTable]: 'activity',
  [ENV.reportsBucket]: 'reports',
  [ENV.publicBaseUrl]: 'https://checkin.example',
  [ENV.retentionDays]: '28',
  [ENV.reportLinkTtlSeconds]: '900',
};

/** Real esbuild bundling of one function; returns the path of its index.mjs. */
function bundle(name: FunctionName): string {
  const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'BundlingProbe');
  const fn = new VaoraFunction(stack, 'Fn', { name, spec: FUNCTIONS[name], environment: RUNTIME_ENV });
  const template = Template.fromStack(stack);
  const cfn = template.toJSON().Resources[stack.resolve(stack.getLogicalId(fn.node.defaultChild as never))];
  return join(app.outdir, cfn.Metadata['aws:asset:path'], 'index.mjs');
}

describe('esbuild bundles', () => {
  // qrcode and exceljs are CommonJS: the ESM bundle must define `require` for them.
  it.each(['get-checkpoint-qr', 'run-weekly-report'] as const)(
    'bundles %s to an ESM module that Node 20 loads, CommonJS dependencies included',
    (name) => {
      const file = bundle(name);
      expect(readFileSync(file, 'utf8').startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      const script = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(typeof m.handler);`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          ...process.env,
          ...RUNTIME_ENV,
          AWS_REGION: 'ap-southeast-1',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        encoding: 'utf8',
      });
      expect(out).toBe('function');
    },
    60_000,
  );
});
