import { loadRuntimeFiles } from './fonts.ts';

/**
 * What the report chart reads at run time besides its code, as package specifiers (all pinned in package.json):
 * - resvg's WebAssembly module, the SVG rasteriser. WebAssembly rather than a native addon (@resvg/resvg-js,
 *   canvas): the functions run on arm64 and are bundled on x64, and a .wasm file is the same on both.
 * - Be Vietnam Pro, the posters' typeface, as TrueType. resvg reads TrueType/OpenType only: given the posters'
 *   WOFF files it draws no text at all, silently. Lambda has no system fonts, so these are the only fonts
 *   the chart knows, for drawing (resvg) and for measuring text while laying it out (fontkit).
 *
 * Found the way Node finds a package file, from this module: in the repository that is node_modules; in a Lambda
 * bundle lib/vaora-function.ts (RUNTIME_FILES) copies exactly these files to the same relative place beside the
 * bundle, as for the poster fonts (src/render/fonts.ts).
 */
export const CHART_RUNTIME_FILES = {
  wasm: '@resvg/resvg-wasm/index_bg.wasm',
  regular: '@expo-google-fonts/be-vietnam-pro/400Regular/BeVietnamPro_400Regular.ttf',
  bold: '@expo-google-fonts/be-vietnam-pro/700Bold/BeVietnamPro_700Bold.ttf',
} as const;

export type ChartAsset = keyof typeof CHART_RUNTIME_FILES;

/** The files' bytes. Throws, naming the file, when one is missing (a bundle built without it). */
export function loadChartAssets(): Record<ChartAsset, Buffer> {
  return loadRuntimeFiles(CHART_RUNTIME_FILES, "The chart's run-time file");
}
