import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.ts';

/** What `npm run build:pages` (pages/build.ts) writes: the pages people scan, which the renderer inlines. */
export const BUILT_PAGES = join(REPO_ROOT, 'src', 'render', 'built-pages.js');

/** What the built pages are made from: pages/ (sources, config, build script) and the server modules they import. */
const SOURCES = [
  join(REPO_ROOT, 'pages'),
  join(REPO_ROOT, 'src', 'core', 'limits.ts'),
  join(REPO_ROOT, 'src', 'routes.ts'),
  join(REPO_ROOT, 'src', 'openapi', 'api.d.ts'),
];

const newest = (path: string): number =>
  statSync(path).isDirectory()
    ? Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))))
    : statSync(path).mtimeMs;

/** Built, and after every change to what they are built from (an edit, a checkout, a merge). */
export function pagesBuilt(): boolean {
  return existsSync(BUILT_PAGES) && statSync(BUILT_PAGES).mtimeMs >= Math.max(...SOURCES.map(newest));
}

let building: Promise<void> | undefined;

/**
 * The built pages, built now if this checkout has not built them since their sources last changed (`npm start` and
 * `npm test` build them first; this covers `npx vaora start`, a test file run on its own, and the OpenAPI generator,
 * which loads every handler).
 */
export function ensurePagesBuilt(): Promise<void> {
  if (pagesBuilt()) return Promise.resolve();
  building ??= import('../../pages/build.ts').then(({ buildPages }) => buildPages());
  return building;
}

/**
 * The same, blocking, for the CDK app (lib/vaora-function.ts), whose constructors cannot wait: the build runs in a
 * child process, as `npm run build:pages` does.
 */
export function ensurePagesBuiltSync(): void {
  if (pagesBuilt()) return;
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'pages', 'build.ts')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
