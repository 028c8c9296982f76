/**
 * What the pages and their service worker (./sw.ts) agree on: the cache that holds the pages' copies, and where a
 * copy for a code never visited is kept. No DOM here: the service worker imports it too.
 */

/** The cache of page copies. A new name drops every copy kept under the old one. */
export const PAGE_CACHE = 'vaora-pages-v1';

/** The pages the worker keeps copies of, by the first segment of their path: /c/<code> and /g/<code>. */
export const PAGE_KINDS = ['c', 'g'] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

/** The last page of a kind, served for a code never visited (the page reads its code from the address). */
export const shellOf = (kind: PageKind) => `/${kind}/_shell`;

/** Where the service worker is served (src/routes.ts: GET /sw.js). */
export const SERVICE_WORKER_PATH = '/sw.js';
