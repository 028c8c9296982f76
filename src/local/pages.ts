import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.ts';

/** What `npm run build:pages` (pages/build.ts) writes: the pages people scan, which the renderer inlines. */
export const BUILT_PAGES = join(REPO_ROOT, 'src', 'render', 'built-pages.js');

let building: Promise<void> | undefined;

/**
 * The built pages, built now if this checkout has never built them (`npm start` and `npm test` build them first;
 * this covers `npx vaora start`, a test file run on its own, and the OpenAPI generator, which loads every handler).
 */
export function ensurePagesBuilt(): Promise<void> {
  if (existsSync(BUILT_PAGES)) return Promise.resolve();
  building ??= import('../../pages/build.ts').then(({ buildPages }) => buildPages());
  return building;
}

/**
 * The same, blocking, for the CDK app (lib/vaora-function.ts), whose constructors cannot wait: the build runs in a
 * child process, as `npm run build:pages` does.
 */
export function ensurePagesBuiltSync(): void {
  if (existsSync(BUILT_PAGES)) return;
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'pages', 'build.ts')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
