/**
 * The service worker at `/sw.js`, registered by the check-in page for `/c/` and by the gate page for `/g/`
 * (two registrations of one script; neither covers the API). It keeps a copy of each page visited, so a phone
 * or gate tablet that opened a page once opens it again where the gate has no signal; the page then keeps
 * check-ins on the device until they can be sent.
 *
 * Network first (a rotated or closed checkpoint shows at once), the copy when the network fails, or when it has
 * not answered in 4 s and a copy exists (one bar of signal). A code never visited still opens, from the last page
 * of the same kind: the page reads its code from the address, not from its HTML.
 */
export const SERVICE_WORKER = `'use strict';
var CACHE = 'vaora-pages-v1';

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET' || request.mode !== 'navigate') return;
  var kind = /^\\/(c|g)\\/[^/]+$/.exec(new URL(request.url).pathname);
  if (!kind) return;
  event.respondWith(page(event, request.url.split('#')[0], '/' + kind[1] + '/_shell'));
});

function page(event, url, shell) {
  return caches.open(CACHE).then(function (cache) {
    function copy() { return cache.match(url, { ignoreSearch: true }).then(function (hit) { return hit || cache.match(shell); }); }
    var network = fetch(url, { credentials: 'same-origin' }).then(function (res) {
      if (res.ok) event.waitUntil(Promise.all([cache.put(url, res.clone()), cache.put(shell, res.clone())]));
      return res;
    });
    return new Promise(function (resolve) {
      var answered = false;
      function answer(res) { if (res && !answered) { answered = true; resolve(res); } }
      network.then(answer, function () { copy().then(function (hit) { answer(hit || Response.error()); }); });
      setTimeout(function () { copy().then(answer); }, 4000);
    });
  });
}
`;
