import { ensurePagesBuilt } from '../src/local/pages.ts';

/**
 * functions/checkin-page.ts imports the pages built from pages/src (src/render/built-pages.js, git-ignored): `npm test`
 * builds them first; a test file run on its own in a fresh checkout builds them here, once, before any worker starts.
 */
export default async function setup() {
  await ensurePagesBuilt();
}
