/**
 * The service worker at `/sw.js`, registered by the check-in page for `/c/` and by the gate page for `/g/` (two
 * registrations of one script; neither covers the API). It keeps a copy of each page visited, so a phone or gate
 * tablet that opened a page once opens it again where the gate has no signal; the page then keeps check-ins on
 * the device until they can be sent.
 *
 * Network first (a rotated or closed checkpoint shows at once), the copy when the network fails, or when it has
 * not answered in 4 s and a copy exists (one bar of signal). A code never visited still opens, from the last page
 * of the same kind: the page reads its code from the address, not from its HTML.
 */
import { PAGE_CACHE, PAGE_KINDS, type PageKind, shellOf } from './offline.ts';

declare const self: ServiceWorkerGlobalScope;

/** How long the network has before a kept copy answers instead. */
const PATIENCE_MS = 4000;

const PAGE = new RegExp(`^/(${PAGE_KINDS.join('|')})/[^/]+$`);

self.addEventListener('install', () => {
  self.skipWaiting();
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.mode !== 'navigate') return;
  const kind = PAGE.exec(new URL(request.url).pathname);
  if (!kind) return;
  event.respondWith(page(event, request.url.split('#')[0]!, shellOf(kind[1] as PageKind)));
});

function page(event: FetchEvent, url: string, shell: string): Promise<Response> {
  return caches.open(PAGE_CACHE).then((cache) => {
    const copy = () => cache.match(url, { ignoreSearch: true }).then((hit) => hit || cache.match(shell));
    const network = fetch(url, { credentials: 'same-origin' }).then((res) => {
      if (res.ok) event.waitUntil(Promise.all([cache.put(url, res.clone()), cache.put(shell, res.clone())]));
      return res;
    });
    return new Promise<Response>((resolve) => {
      let answered = false;
      const answer = (res: Response | undefined) => {
        if (res && !answered) {
          answered = true;
          resolve(res);
        }
      };
      network.then(answer, () => copy().then((hit) => answer(hit || Response.error())));
      setTimeout(() => copy().then(answer), PATIENCE_MS);
    });
  });
}
