/**
 * `npm run build:pages`: builds the pages people scan from pages/src with vite (pages/vite.config.ts), each entry on
 * its own, and writes them into src/render/built-pages.js (git-ignored; its types are the committed
 * src/render/built-pages.d.ts), which the server-side renderer imports. So the Lambda bundle (esbuild, lib/), the
 * local gateway and the tests all take the pages from one module, and no build output is committed.
 *
 * Each page's script and style are inlined into the page, and its Content-Security-Policy pins them by their SHA-256,
 * computed here from the very text that is inlined.
 */
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Rolldown } from 'vite';
import { BUILT_PAGES } from '../src/local/pages.ts';
import { REPO_ROOT } from '../src/local/repo.ts';

const CONFIG = join(REPO_ROOT, 'pages', 'vite.config.ts');

/** A Content-Security-Policy source that allows exactly this inline text. */
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** One entry of pages/src built alone: its script (an IIFE with all it imports) and the CSS it imports. */
async function buildEntry(entry: string): Promise<{ script: string; style: string }> {
  const { build } = await import('vite');
  const out = (await build({
    configFile: CONFIG,
    build: {
      lib: {
        entry: join(REPO_ROOT, 'pages', 'src', entry),
        formats: ['iife'],
        name: 'vaora',
        fileName: 'page',
      },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const files = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output);
  const chunks = files.filter((f): f is Rolldown.OutputChunk => f.type === 'chunk');
  const styles = files.filter(
    (f): f is Rolldown.OutputAsset => f.type === 'asset' && f.fileName.endsWith('.css'),
  );
  if (chunks.length !== 1 || chunks[0]!.imports.length > 0 || chunks[0]!.dynamicImports.length > 0) {
    throw new Error(`${entry} must build to one self-contained script: ${files.map((f) => f.fileName)}`);
  }
  const others = files.filter((f) => f.type === 'asset' && !f.fileName.endsWith('.css'));
  if (others.length > 0)
    throw new Error(`${entry} built files a page cannot inline: ${others.map((f) => f.fileName)}`);
  const script = chunks[0]!.code.trim();
  const style = styles.map((s) => String(s.source).trim()).join('');
  // Inlined as is: a closing tag inside would end the element early.
  if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error(`${entry} holds a closing tag`);
  return { script, style };
}

export async function buildPages(): Promise<void> {
  const [checkin, gate, worker] = [
    await buildEntry('checkin.ts'),
    await buildEntry('gate.ts'),
    await buildEntry('sw.ts'),
  ];
  const page = (p: { script: string; style: string }) =>
    JSON.stringify({ ...p, scriptHash: sha256(p.script), styleHash: sha256(p.style) });
  const module = [
    '// Built by pages/build.ts from pages/src (npm run build:pages). Do not edit: it is git-ignored and rebuilt.',
    `export const CHECKIN_PAGE = ${page(checkin)};`,
    `export const GATE_PAGE = ${page(gate)};`,
    `export const SERVICE_WORKER = ${JSON.stringify(worker.script)};`,
    '',
  ].join('\n');
  // Written whole and then renamed: a reader never sees half a module, whoever else builds at the same time.
  const partial = `${BUILT_PAGES}.${process.pid}.tmp`;
  writeFileSync(partial, module);
  renameSync(partial, BUILT_PAGES);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildPages();
}
