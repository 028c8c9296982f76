/**
 * The check-in function's cold start under Node: its bundle (built as the CDK stack builds it) imported in a fresh
 * `node` process, N times; each time the milliseconds from before `await import(bundle)` to after it, measured
 * inside that process (the module's init: parsing, evaluating, building its clients, Powertools' Logger,
 * Metrics and Tracer). No network call is made at init. bench/run.ts section (o) measures this tree; the "before"
 * figure is main's code before Powertools, measured once from a checkout of it:
 *
 *   git worktree add /tmp/before <commit> && cp -al node_modules /tmp/before/node_modules
 *   node --import tsx bench/cold-start.ts --before /tmp/before    # both, interleaved; writes bench/cold-start.json
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { LAMBDA_PHONE_TEST_ENV, LAMBDA_TEST_ENV } from '../test/lambda-env.ts';

const FUNCTION = 'create-checkin';
export const COLD_START_RUNS = 20;

export interface ColdStart {
  /** The checkout the bundle was built from, and its commit. */
  commit: string;
  bundleBytes: number;
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

/** Builds `repoRoot`'s check-in bundle with that checkout's own esbuild settings, into a temporary folder. */
async function bundleOf(repoRoot: string, outDir: string): Promise<string> {
  const { ESBUILD_OPTIONS } = await import(pathToFileURL(join(repoRoot, 'lib/vaora-function.ts')).href);
  const { FUNCTIONS } = await import(pathToFileURL(join(repoRoot, 'src/routes.ts')).href);
  const outfile = join(outDir, FUNCTION, 'index.mjs');
  await build({
    ...ESBUILD_OPTIONS,
    entryPoints: [join(repoRoot, FUNCTIONS[FUNCTION].entry)],
    absWorkingDir: repoRoot,
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** One fresh process: how long `await import(bundle)` took in it. */
function initMs(bundle: string): number {
  const script = [
    'const t = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    'process.stdout.write(String(performance.now() - t));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      ...LAMBDA_TEST_ENV,
      ...LAMBDA_PHONE_TEST_ENV,
      AWS_REGION: 'ap-southeast-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: FUNCTION,
      POWERTOOLS_METRICS_NAMESPACE: 'vaora/bench',
      NODE_OPTIONS: '--enable-source-maps',
    },
    encoding: 'utf8',
  });
  return Number(out);
}

/** The check-in bundle of `repoRoot`, imported `runs` times, each in a new process. */
export async function coldStart(repoRoot: string, runs = COLD_START_RUNS): Promise<ColdStart> {
  const [only] = await coldStarts([repoRoot], runs);
  return only!;
}

/**
 * The check-in bundles of several checkouts, their imports interleaved (one of each, then again): a machine that
 * gets busier or quieter during the run weighs on every bundle alike, so their ratio holds.
 */
export async function coldStarts(repoRoots: string[], runs = COLD_START_RUNS): Promise<ColdStart[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'vaora-cold-start-'));
  try {
    const bundles: string[] = [];
    for (const [i, root] of repoRoots.entries()) bundles.push(await bundleOf(root, join(outDir, String(i))));
    for (const bundle of bundles) initMs(bundle); // the file system's first read of a bundle is not a cold start's
    const times = bundles.map(() => [] as number[]);
    for (let run = 0; run < runs; run++) {
      for (const [i, bundle] of bundles.entries()) times[i]!.push(initMs(bundle));
    }
    const round = (x: number) => Math.round(x * 10) / 10;
    return repoRoots.map((root, i) => {
      const ms = times[i]!.sort((a, b) => a - b);
      const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!;
      return {
        commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
        bundleBytes: statSync(bundles[i]!).size,
        runs,
        medianMs: round((ms[Math.floor((runs - 1) / 2)]! + ms[Math.ceil((runs - 1) / 2)]!) / 2),
        p90Ms: round(at(0.9)),
        minMs: round(ms[0]!),
        maxMs: round(ms[ms.length - 1]!),
      };
    });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export const COLD_START_FILE = join(import.meta.dirname, 'cold-start.json');

/** The stored "before" figure (main before Powertools), if measured. */
export function storedBefore(): ColdStart | undefined {
  try {
    return JSON.parse(readFileSync(COLD_START_FILE, 'utf8')).before;
  } catch {
    return undefined;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const at = process.argv.indexOf('--before');
  const beforeRoot = at > 0 ? process.argv[at + 1] : undefined;
  const here = join(import.meta.dirname, '..');
  // With a checkout of the code before, both are measured in this one run, interleaved.
  const [before, after] = beforeRoot
    ? await coldStarts([beforeRoot, here])
    : [storedBefore(), await coldStart(here)];
  const result = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    function: FUNCTION,
    note: 'ms to `await import()` the bundle in a fresh node process; before = main before Powertools',
    before,
    after,
  };
  writeFileSync(COLD_START_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}
