import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The staff console: built to console/dist, served under /console/ (the local gateway, or CloudFront in AWS).
 * No source maps in the bundle and no inline script or style, so the page runs under `script-src 'self'`.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    // A module preload polyfill is an inline script; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
