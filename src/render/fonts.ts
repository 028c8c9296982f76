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

/** The font files' bytes. Throws, naming the file, when one is missing (a bundle built without them). */
export function loadPosterFonts(): Record<PosterFont, Buffer> {
  const resolveFrom = createRequire(import.meta.url);
  const load = (specifier: string) => {
    try {
      return readFileSync(resolveFrom.resolve(specifier));
    } catch (error) {
      throw new Error(`The poster font ${specifier} cannot be read: ${(error as Error).message}`);
    }
  };
  return { regular: load(POSTER_FONT_FILES.regular), bold: load(POSTER_FONT_FILES.bold) };
}
