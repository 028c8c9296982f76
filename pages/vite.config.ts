import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The pages people scan (/c/, /g/) and their service worker: each entry of pages/src built on its own (pages/build.ts
 * gives the entry) into one classic script with everything it imports, and one stylesheet, which the server inlines
 * into the page it renders (src/render/page-shell.ts). Nothing is written to disk here and nothing is loaded from
 * elsewhere: no chunks, no module preload, no assets by URL.
 *
 * ES2017 for old Android WebViews and small, slow phones: the bundler lowers newer syntax (optional chaining, object
 * spread) for them.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: false,
  logLevel: 'warn',
  build: {
    write: false,
    target: 'es2017',
    cssTarget: 'chrome61',
    minify: true,
    cssMinify: true,
    sourcemap: false,
    reportCompressedSize: false,
    assetsInlineLimit: 0,
    modulePreload: false,
    copyPublicDir: false,
  },
});
