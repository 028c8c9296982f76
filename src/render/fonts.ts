import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The posters' typeface: Be Vietnam Pro, a Unicode font drawn for Vietnamese (PDF's 14 built-in fonts have no
 * glyph for ộ, ữ, đ…), from the npm package @fontsource/be-vietnam-pro, pinned. Its 4.x release ships one WOFF
 * per weight with every subset merged ("all": Latin, Latin Extended, Vietnamese), which fontkit (inside pdfkit)
 * reads; pdfkit embeds only the glyphs a document uses.
 *
 * The files are found the way Node finds a package file, from this module: in the repository (tsx, vitest) that
 * is node_modules; in a Lambda bundle lib/vaora-function.ts copies exactly these files to the same relative
 * place beside the bundle (`<asset>/node_modules/@fontsource/…`), so one code path serves both.
 */
export const POSTER_FONT_FILES = {
  regular: '@fontsource/be-vietnam-pro/files/be-vietnam-pro-all-400-normal.woff',
  bold: '@fontsource/be-vietnam-pro/files/be-vietnam-pro-all-700-normal.woff',
} as const;

export type PosterFont = keyof typeof POSTER_FONT_FILES;

/**
 * The bytes of files a function reads at run time, given as package specifiers (`{name: specifier}`). Throws,
 * naming the file and `what` it is, when one is missing (a bundle built without it).
 */
export function loadRuntimeFiles<K extends string>(
  files: Readonly<Record<K, string>>,
  what: string,
): Record<K, Buffer> {
  const resolveFrom = createRequire(import.meta.url);
  const load = (specifier: string) => {
    try {
      return readFileSync(resolveFrom.resolve(specifier));
    } catch (error) {
      throw new Error(`${what} ${specifier} cannot be read: ${(error as Error).message}`);
    }
  };
  return Object.fromEntries(
    Object.entries<string>(files).map(([name, specifier]) => [name, load(specifier)]),
  ) as Record<K, Buffer>;
}

/** The font files' bytes. Throws, naming the file, when one is missing (a bundle built without them). */
export function loadPosterFonts(): Record<PosterFont, Buffer> {
  return loadRuntimeFiles(POSTER_FONT_FILES, 'The poster font');
}
