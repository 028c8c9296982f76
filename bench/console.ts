/**
 * (i) The staff console's page weight: the JavaScript and CSS that its first screen loads (every script and
 * stylesheet index.html names), gzipped at level 9 as a CDN serves them. Built fresh by vite into a temporary
 * folder, so the figure is this checkout's, whatever console/dist holds. Runnable alone:
 * `node --import tsx bench/console.ts` prints one JSON line. The budget is 150 KB of gzipped JavaScript.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../src/local/repo.ts';

export const CONSOLE_JS_BUDGET_BYTES = 150 * 1024;

export interface ConsoleWeight {
  /** What index.html loads, by file (path under /console/), raw and gzipped bytes. */
  files: { path: string; bytes: number; gzipBytes: number }[];
  jsGzipBytes: number;
  cssGzipBytes: number;
  htmlGzipBytes: number;
}

export async function benchConsole(): Promise<ConsoleWeight> {
  const outDir = mkdtempSync(join(tmpdir(), 'vaora-console-bench-'));
  try {
    const { build } = await import('vite');
    await build({
      configFile: join(REPO_ROOT, 'console', 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    });
    const html = readFileSync(join(outDir, 'index.html'));
    const named = [...html.toString('utf8').matchAll(/(?:src|href)="\/console\/([^"]+\.(?:js|css))"/g)].map(
      (m) => m[1]!,
    );
    const files = [...new Set(named)].map((path) => {
      const body = readFileSync(join(outDir, path));
      return { path, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
    });
    const sum = (ext: string) =>
      files.filter((f) => f.path.endsWith(ext)).reduce((total, f) => total + f.gzipBytes, 0);
    return {
      files,
      jsGzipBytes: sum('.js'),
      cssGzipBytes: sum('.css'),
      htmlGzipBytes: gzipSync(html, { level: 9 }).length,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchConsole()));
}
