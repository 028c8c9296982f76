import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, REPO_ROOT, RUNTIME_FILES, VaoraFunction } from '../../lib/vaora-function.ts';
import { ENV, PHONE_ENV } from '../../src/config.ts';
import { CHART_RUNTIME_FILES } from '../../src/render/chart-assets.ts';
import { POSTER_FONT_FILES } from '../../src/render/fonts.ts';
import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../../src/routes.ts';
import { LAMBDA_PHONE_TEST_ENV, LAMBDA_TEST_ENV } from '../lambda-env.ts';

/**
 * This process's environment without what says "inside Lambda": the local gateway (src/local/server.ts) sets
 * AWS_LAMBDA_MAX_CONCURRENCY in the process that runs it, and a worker that ran an integration file keeps it; a bundle
 * started with it looks for the Lambda runtime's per-invocation store, which a plain node process has not.
 */
const { AWS_LAMBDA_MAX_CONCURRENCY: _, ...OUTSIDE_LAMBDA_ENV } = process.env;

const RUNTIME_ENV = LAMBDA_TEST_ENV;

/**
 * Real esbuild bundling of one function; returns the path of its index.mjs. `spec` stands in another entry for the
 * function (its settings and RUNTIME_FILES stay the function's).
 */
function bundle(name: FunctionName, spec: FunctionSpec = FUNCTIONS[name]): string {
  const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'BundlingProbe');
  const fn = new VaoraFunction(stack, 'Fn', { name, spec, environment: RUNTIME_ENV });
  const template = Template.fromStack(stack);
  const cfn = template.toJSON().Resources[stack.resolve(stack.getLogicalId(fn.node.defaultChild as never))];
  return join(app.outdir, cfn.Metadata['aws:asset:path'], 'index.mjs');
}

describe('esbuild bundles', () => {
  // qrcode and exceljs are CommonJS: the ESM bundle must define `require` for them.
  it.each([
    'get-checkpoint-qr',
    'run-weekly-report',
    'get-checkpoint-poster',
    'create-unit-posters',
  ] as const)(
    'bundles %s to an ESM module that Node 20 loads, CommonJS dependencies included',
    (name) => {
      const file = bundle(name);
      expect(readFileSync(file, 'utf8').startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      const script = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(typeof m.handler);`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          ...OUTSIDE_LAMBDA_ENV,
          ...RUNTIME_ENV,
          // lib/weekly-run.ts sets it on run-weekly-report; no other function reads it.
          WEEKLY_RUNNER: 'arn:aws:states:ap-southeast-1:123456789012:stateMachine:weekly',
          AWS_REGION: 'ap-southeast-1',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        encoding: 'utf8',
      });
      expect(out).toBe('function');
    },
    180_000,
  );
});

/** Every file under `dir`, relative to it. */
const filesUnder = (dir: string, prefix = ''): string[] =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path, `${prefix}${entry}/`) : [`${prefix}${entry}`];
  });

describe('the check-in bundle', () => {
  const PHONE_RUNTIME_ENV = LAMBDA_PHONE_TEST_ENV;
  const load = (file: string, env: Record<string, string>) =>
    promisify(execFile)(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(typeof m.handler);`,
      ],
      { env: { PATH: process.env.PATH, ...env, AWS_REGION: 'ap-southeast-1' }, encoding: 'utf8' },
    );

  it('carries the KMS and Secrets Manager clients, and fails its cold start without the phone key', async () => {
    const file = bundle('create-checkin');
    expect((await load(file, { ...RUNTIME_ENV, ...PHONE_RUNTIME_ENV })).stdout).toBe('function');
    const { [PHONE_ENV.phoneKeyId]: _, ...withoutKey } = PHONE_RUNTIME_ENV;
    const failed = await load(file, { ...RUNTIME_ENV, ...withoutKey }).then(
      () => '',
      (err: { stderr: string }) => err.stderr,
    );
    expect(failed).toContain('PHONE_KEY_ID');
  }, 180_000);
});

describe('the pages bundle', () => {
  it('serves /c/<code>, /g/<code> and /sw.js from the Lambda bundle, the pages built from pages/src inline', async () => {
    const file = bundle('checkin-page');
    // Outside the repository: what the handler serves comes from the bundle alone, not from src/render/built-pages.js.
    expect(file.startsWith(REPO_ROOT)).toBe(false);
    const { CHECKIN_PAGE, GATE_PAGE, SERVICE_WORKER } = await import('../../src/render/built-pages.js');
    const event = (routeKey: string, code?: string) => ({
      routeKey,
      rawPath: routeKey.slice(4).replace('{code}', code ?? ''),
      pathParameters: code ? { code } : {},
      headers: {},
      requestContext: { http: { method: 'GET' } },
    });
    const events = [
      event('GET /c/{code}', 'BCDF2345'),
      event('GET /g/{code}', 'BCDF2345'),
      event('GET /sw.js'),
    ];
    const script = [
      `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});`,
      `const events = ${JSON.stringify(events)};`,
      'const out = [];',
      'for (const e of events) out.push(await handler(e, { getRemainingTimeInMillis: () => 10000 }));',
      'process.stdout.write(JSON.stringify(out));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dirname(file),
      env: { ...OUTSIDE_LAMBDA_ENV, ...RUNTIME_ENV, AWS_REGION: 'ap-southeast-1' },
      maxBuffer: 10 * 1024 * 1024,
    });
    const [checkin, gate, worker] = JSON.parse(stdout);
    expect(checkin.statusCode).toBe(200);
    expect(checkin.body).toContain(`<script>${CHECKIN_PAGE.script}</script>`);
    expect(checkin.body).toContain(`<style>${CHECKIN_PAGE.style}</style>`);
    expect(checkin.headers['content-security-policy']).toContain(`script-src ${CHECKIN_PAGE.scriptHash};`);
    expect(gate.statusCode).toBe(200);
    expect(gate.body).toContain(`<script>${GATE_PAGE.script}</script>`);
    expect(gate.headers['content-security-policy']).toContain(`style-src ${GATE_PAGE.styleHash};`);
    expect(worker.statusCode).toBe(200);
    expect(worker.body).toBe(SERVICE_WORKER);
  }, 180_000);
});

describe('the poster bundles', () => {
  it.each(['get-checkpoint-poster', 'create-unit-posters'] as const)(
    'ship %s with exactly its fonts beside the bundle, where the code resolves them',
    (name) => {
      const asset = dirname(bundle(name));
      expect(RUNTIME_FILES[name]).toEqual(Object.values(POSTER_FONT_FILES));
      expect(filesUnder(asset).sort()).toEqual(
        [
          'index.mjs',
          'index.mjs.map',
          ...Object.values(POSTER_FONT_FILES).map((f) => `node_modules/${f}`),
        ].sort(),
      );
    },
    180_000,
  );

  it('gives no other function a font file', () => {
    expect(Object.keys(RUNTIME_FILES).sort()).toEqual([
      'create-card',
      'create-unit-posters',
      'get-checkpoint-poster',
      'run-weekly-report',
      'weekly-run-unit',
    ]);
    const asset = dirname(bundle('get-checkpoint-qr'));
    expect(existsSync(join(asset, 'node_modules'))).toBe(false);
  }, 180_000);

  it('renders a poster PDF in the Lambda bundle of get-checkpoint-poster, with the bundled font', async () => {
    const file = bundle('get-checkpoint-poster');
    // Outside the repository (the App's own temporary cdk.out), so Node cannot fall back to the repository's
    // node_modules: the fonts the bundle loads are the ones copied beside it.
    expect(file.startsWith(REPO_ROOT)).toBe(false);
    const checkpoint = {
      id: randomUUID(),
      code: 'BCDF2345',
      name: 'Chợ Quảng Hà - Khu 3',
      unitId: 'quang-ha',
      unitName: 'Thị trấn Quảng Hà',
      unitPath: ['quang-ninh', 'hai-ha', 'quang-ha'],
    };
    // A stand-in for DynamoDB's GetItem (the bundle's only call), in DynamoDB's JSON.
    const item = {
      pk: { S: `cp#${checkpoint.id}` },
      sk: { S: 'cp' },
      id: { S: checkpoint.id },
      code: { S: checkpoint.code },
      name: { S: checkpoint.name },
      kind: { S: 'market' },
      placeName: { S: 'Chợ Quảng Hà' },
      address: { S: 'Khu 3' },
      unitId: { S: checkpoint.unitId },
      unitName: { S: checkpoint.unitName },
      unitPath: { L: checkpoint.unitPath.map((S) => ({ S })) },
      active: { BOOL: true },
      createdAt: { S: '2026-11-01T00:00:00.000Z' },
    };
    const targets: string[] = [];
    const dynamodb = createServer((req, res) => {
      targets.push(String(req.headers['x-amz-target']));
      req.resume().on('end', () => {
        res.setHeader('content-type', 'application/x-amz-json-1.0');
        res.end(JSON.stringify({ Item: item }));
      });
    });
    await new Promise<void>((ok) => dynamodb.listen(0, '127.0.0.1', ok));
    const { port } = dynamodb.address() as AddressInfo;
    const event = {
      rawPath: `/v1/checkpoints/${checkpoint.id}/poster.pdf`,
      pathParameters: { id: checkpoint.id },
      queryStringParameters: { copies: '2' },
      headers: {},
      requestContext: {
        authorizer: {
          jwt: { claims: { sub: 'probe', 'custom:role': 'admin', 'custom:unit': 'quang-ninh' } },
        },
      },
    };
    const script = [
      `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});`,
      `const res = await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 10000 });`,
      'process.stdout.write(JSON.stringify(res));',
    ].join('\n');
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          ...OUTSIDE_LAMBDA_ENV,
          ...RUNTIME_ENV,
          [ENV.dynamodbEndpoint]: `http://127.0.0.1:${port}`,
          AWS_REGION: 'ap-southeast-1',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        maxBuffer: 10 * 1024 * 1024,
      });
      const res = JSON.parse(stdout);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.isBase64Encoded).toBe(true);
      const pdf = Buffer.from(res.body, 'base64');
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.toString('latin1').match(/\/Type \/Page\b/g)).toHaveLength(2);
      // The embedded subsets of the bundled Be Vietnam Pro, regular and bold.
      expect(pdf.toString('latin1')).toMatch(/\/FontName \/[A-Z]{6}\+BeVietnamPro-Regular/);
      expect(pdf.toString('latin1')).toMatch(/\/FontName \/[A-Z]{6}\+BeVietnamPro-Bold/);
      expect(targets).toEqual(['DynamoDB_20120810.GetItem']);
    } finally {
      dynamodb.close();
    }
  }, 180_000);
});

describe('the weekly report bundles', () => {
  it.each(['run-weekly-report', 'weekly-run-unit'] as const)(
    'ship %s with exactly the chart rasteriser and fonts beside the bundle',
    (name) => {
      const asset = dirname(bundle(name));
      expect(RUNTIME_FILES[name]).toEqual(Object.values(CHART_RUNTIME_FILES));
      expect(filesUnder(asset).sort()).toEqual(
        [
          'index.mjs',
          'index.mjs.map',
          ...Object.values(CHART_RUNTIME_FILES).map((f) => `node_modules/${f}`),
        ].sort(),
      );
    },
    180_000,
  );

  it('renders the chart as a PNG in a Lambda bundle built like the weekly report, with its run-time files', async () => {
    // A handler that only draws a chart stands in for the weekly report's entry (the real one needs DynamoDB and S3),
    // bundled with its settings and RUNTIME_FILES. It lives in cdk.out/ (git- and lint-ignored) because CDK bundles
    // only entries under the project root.
    mkdirSync(join(REPO_ROOT, 'cdk.out'), { recursive: true });
    const dir = mkdtempSync(join(REPO_ROOT, 'cdk.out', 'chart-probe-'));
    try {
      const entry = join(dir, 'chart-probe.ts');
      const chartModule = relative(dir, join(REPO_ROOT, 'src', 'render', 'chart.ts'));
      writeFileSync(
        entry,
        [
          `import { type DailyChart, renderChartPng } from '${chartModule}';`,
          'export const handler = async (event: { chart: DailyChart }) =>',
          "  (await renderChartPng(event.chart, { width: 800, scale: 1 })).toString('base64');",
        ].join('\n'),
      );
      const file = bundle('run-weekly-report', {
        ...FUNCTIONS['run-weekly-report'],
        entry: relative(REPO_ROOT, entry),
      });
      // Outside the repository, so Node cannot fall back to the repository's node_modules: the wasm and fonts the
      // bundle loads are the ones copied beside it.
      expect(file.startsWith(REPO_ROOT)).toBe(false);
      expect(filesUnder(dirname(file))).toContain(`node_modules/${CHART_RUNTIME_FILES.wasm}`);
      const chart = {
        title: 'Số lượt vào/ra theo ngày',
        days: [
          '2022-01-06',
          '2022-01-07',
          '2022-01-08',
          '2022-01-09',
          '2022-01-10',
          '2022-01-11',
          '2022-01-12',
        ],
        series: [
          { name: 'Thị trấn Quảng Hà', values: [9120, 9870, 8010, 7215, 9440, 9630, 9450] },
          { name: 'Xã Quảng Đức', values: [510, 640, 380, 290, 700, 720, 660] },
        ],
      };
      const script = [
        `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});`,
        `process.stdout.write(await handler({ chart: ${JSON.stringify(chart)} }));`,
      ].join('\n');
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dirname(file),
        env: { ...OUTSIDE_LAMBDA_ENV, ...RUNTIME_ENV, AWS_REGION: 'ap-southeast-1' },
        maxBuffer: 10 * 1024 * 1024,
      });
      const png = PNG.sync.read(Buffer.from(stdout, 'base64'));
      expect([png.width, png.height]).toEqual([800, 450]);
      const pixels = (hex: string) => {
        const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
        let n = 0;
        for (let i = 0; i < png.data.length; i += 4) {
          if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) n++;
        }
        return n;
      };
      // The two units' lines (the chart's first two colours) and text in the title's ink.
      expect(pixels('#1f77b4')).toBeGreaterThan(300);
      expect(pixels('#ff7f0e')).toBeGreaterThan(300);
      expect(pixels('#1f2937')).toBeGreaterThan(300);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
