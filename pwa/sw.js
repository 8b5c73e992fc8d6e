// Waypoint's service worker. The server replaces __V__ with the content version and fills in
// ASSETS, so each deploy gets its own shell cache. A new worker waits until the page asks it to
// take over (SKIP_WAITING), so a screen never switches versions under someone's fingers.
const VERSION = "__V__";
const SHELL = `waypoint-shell-${VERSION}`;
const DATA = "waypoint-data"; // public JSON kept for offline: guides, instruments, crisis lines
const ASSETS = [
  /*__ASSETS__*/
];
const PAGES = { "/": `/v/${VERSION}/index.html`, "/shared": `/v/${VERSION}/shared.html` };
// Install-time icons are fetched by the browser when it needs them, not pre-cached.
const LAZY = /\/icons\/(icon-512|maskable)/;

// Public data the app needs offline even if those screens were never opened.
const WARM = ["/api/crisis", "/api/instruments"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([
      caches.open(SHELL).then((cache) => cache.addAll(ASSETS.filter((url) => !LAZY.test(url)))),
      caches
        .open(DATA)
        .then((cache) => cache.addAll(WARM))
        .catch(() => {}),
    ]),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("waypoint-shell-") && name !== SHELL) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

// Public API reads worth keeping for offline use. Everything else under /api goes to the network.
function isKeptData(url) {
  return (
    url.pathname === "/api/crisis" ||
    url.pathname === "/api/instruments" ||
    (url.pathname.startsWith("/api/guides") && !url.pathname.startsWith("/api/guides/search"))
  );
}

async function networkFirst(request) {
  const cache = await caches.open(DATA);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && new URL(request.url).pathname.startsWith(`/v/${VERSION}/`)) {
    const cache = await caches.open(SHELL);
    await cache.put(request, response.clone());
  }
  return response;
}

async function page(pathname, request) {
  const cached = await caches.match(PAGES[pathname]);
  if (cached) return cached;
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGES[url.pathname]) {
    event.respondWith(page(url.pathname, request));
  } else if (url.pathname.startsWith("/v/")) {
    event.respondWith(cacheFirst(request));
  } else if (isKeptData(url)) {
    event.respondWith(networkFirst(request));
  }
});

// --- Reminders (issue 14): show a push, and open the right screen when it is tapped. ---------
// The payload is {kind, title, body, url}: never journal text (the server sends nothing else).
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const title = data.title || "Waypoint";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "A reminder from Waypoint",
      tag: data.kind || "reminder", // a newer reminder of the same kind replaces the older one
      icon: `/v/${VERSION}/icons/icon-192.png`,
      data: { url: typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/#/today" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/#/today", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (new URL(client.url).origin === self.location.origin && "focus" in client) {
          await client.focus();
          return client.navigate ? client.navigate(url) : undefined;
        }
      }
      return self.clients.openWindow(url);
    })(),
  );
});
