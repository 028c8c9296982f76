import { PAGE_CACHE, type PageKind, SERVICE_WORKER_PATH, shellOf } from './offline.ts';

/**
 * Lets the page open again without a connection: the service worker keeps a copy of each page visited. The page
 * stores its own copy once (the visit that registered the worker was not yet served through it).
 */
export function offlineCopy(kind: PageKind): void {
  if (!('serviceWorker' in navigator) || !window.caches) return;
  navigator.serviceWorker
    .register(SERVICE_WORKER_PATH, { scope: `/${kind}/` })
    .then(() =>
      caches.open(PAGE_CACHE).then((cache) =>
        cache.match(location.pathname).then((hit) => {
          if (hit) return;
          return fetch(location.pathname).then((res) => {
            if (!res.ok) return;
            return Promise.all([cache.put(location.pathname, res.clone()), cache.put(shellOf(kind), res)]);
          });
        }),
      ),
    )
    .then(
      () => document.documentElement.setAttribute('data-offline', 'ready'),
      () => {},
    );
}
