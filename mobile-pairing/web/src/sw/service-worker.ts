// The phone app's service worker: it makes the app installable and lets it open offline, by caching the
// app shell (HTML, scripts, styles, icons) — and nothing else. It never caches an API response: those
// are outside its scope (/phone/) and carry ciphertext and tokens that must not outlive the session.

/** Written in by the build (vite.config.mts): the shell's files, relative to the scope, and a version. */
const SHELL: { version: string; files: string[] } = JSON.parse('__SYMC_SHELL_MANIFEST__');

// The DOM library has no service-worker types; these are the few members used here.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const worker = self as unknown as WorkerScope;
const CACHE_PREFIX = 'symc-phone-shell-';
const CACHE = `${CACHE_PREFIX}${SHELL.version}`;
const scopeUrl = new URL(worker.registration.scope);
const shellUrls = new Set(SHELL.files.map((file) => new URL(file, scopeUrl).href));
const indexUrl = new URL('./', scopeUrl).href;

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([...shellUrls]);
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scopeUrl.origin || !url.pathname.startsWith(scopeUrl.pathname)) return;

  if (request.mode === 'navigate') {
    // The page itself: the network first (so an update shows at once), the cached shell when offline.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(indexUrl, { cacheName: CACHE })) ?? Response.error()),
    );
    return;
  }
  url.search = '';
  url.hash = '';
  if (!shellUrls.has(url.href)) return;
  // Hashed assets never change under one name: the cache first.
  event.respondWith((async () => (await caches.match(url.href, { cacheName: CACHE })) ?? fetch(request))());
});
