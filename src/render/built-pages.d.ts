/**
 * The pages people scan, as pages/build.ts built them from pages/src (`npm run build:pages`) into built-pages.js,
 * which is git-ignored: `npm test` and `npm start` build it; the local gateway, the tests and the CDK bundling build it
 * when it is missing or older than its sources (src/local/pages.ts).
 */

/** A page's inline script and style, each with the Content-Security-Policy source that allows it ('sha256-…'). */
export interface BuiltPage {
  script: string;
  style: string;
  scriptHash: string;
  styleHash: string;
}

/** /c/<code> and /c. */
export declare const CHECKIN_PAGE: BuiltPage;
/** /g/<code>. */
export declare const GATE_PAGE: BuiltPage;
/** /sw.js. */
export declare const SERVICE_WORKER: string;
