/**
 * Every Lambda's bundle, built by esbuild with the CDK stack's settings (lib/vaora-function.ts ESBUILD_OPTIONS).
 * Prints one JSON line {function: bytes of index.mjs} for every function of src/routes.ts FUNCTIONS; bench/run.ts
 * section (d) quotes the same figures.
 *
 *   node --import tsx bench/bundles.ts                   # every function
 *   node --import tsx bench/bundles.ts --why get-unit    # what one bundle carries, by package, largest first
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { BUILT_BEFORE_BUNDLING, ESBUILD_OPTIONS, REPO_ROOT } from '../lib/vaora-function.ts';
import { ensurePagesBuilt } from '../src/local/pages.ts';
import { FUNCTIONS, type FunctionName } from '../src/routes.ts';

export interface Bundle {
  /** Bytes of the bundle's JavaScript (index.mjs), its source map left out. */
  bytes: number;
  metafile: Metafile;
}

/** One function's bundle, built in memory. */
export async function buildBundle(name: FunctionName): Promise<Bundle> {
  if (BUILT_BEFORE_BUNDLING.includes(name)) await ensurePagesBuilt();
  const out = await build({
    ...ESBUILD_OPTIONS,
    entryPoints: [join(REPO_ROOT, FUNCTIONS[name].entry)],
    absWorkingDir: REPO_ROOT,
    outfile: join(REPO_ROOT, 'cdk.out/bundle-probe', name, 'index.mjs'),
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const js = out.outputFiles.find((file) => file.path.endsWith('.mjs'))!;
  return { bytes: js.contents.byteLength, metafile: out.metafile };
}

/** The package an input of a metafile belongs to (`luxon`, `@aws-sdk/client-s3`), or `(vaora)` for our own code. */
export function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return '(vaora)';
  const [scope, name] = input.slice(at + 'node_modules/'.length).split('/');
  return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
}

/** Bytes each package adds to the bundle's output, largest first. */
export function packageBytes(metafile: Metafile): Record<string, number> {
  const bytes: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(input);
      bytes[pkg] = (bytes[pkg] ?? 0) + bytesInOutput;
    }
  }
  return Object.fromEntries(Object.entries(bytes).sort(([, a], [, b]) => b - a));
}

/** Every function's bundle size in bytes, in FUNCTIONS order. */
export async function bundleSizes(): Promise<Record<FunctionName, number>> {
  const sizes = {} as Record<FunctionName, number>;
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    sizes[name] = (await buildBundle(name)).bytes;
  }
  return sizes;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const why = process.argv.indexOf('--why');
  if (why > 0) {
    const { bytes, metafile } = await buildBundle(process.argv[why + 1] as FunctionName);
    console.log(JSON.stringify({ bytes, packages: packageBytes(metafile) }, null, 1));
  } else {
    console.log(JSON.stringify(await bundleSizes()));
  }
}
