/* Alongside service worker. VERSION, PRECACHE and the modules it uses (static/js/store.js and
   outbox.js, as block scopes) are written in by the server (pwa/shell.py), so installing waits on no
   second round trip. It never holds the journal key: the outbox is sealed. */
__MODULES__
const { sendOutbox } = __outbox;

const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const SOURCES = __SOURCES__; // the text of store.js and outbox.js, whose code is written in above: cached without a fetch
const PREFIX = "alongside-";
const CACHE = `${PREFIX}precache-${VERSION}`;
const PRECACHED = new Set(PRECACHE.map((entry) => new URL(entry.url, self.location).href));
const OFFLINE_URL = new URL("/offline", self.location).href;

self.addEventListener("install", (event) => event.waitUntil(precache()));
self.addEventListener("activate", (event) => event.waitUntil(activate()));
self.addEventListener("fetch", onFetch);
self.addEventListener("message", onMessage);
self.addEventListener("sync", onSync);

/** The first 64 bits of a body's SHA-256, base64url (pwa/shell.py's sha_of). */
async function shaOf(body) {
  const part = new Uint8Array(await crypto.subtle.digest("SHA-256", body)).slice(0, 8);
  return btoa(String.fromCharCode(...part)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Cache every page and asset: what the browser already holds or this script carries (if it is this version's:
 * a page's body matches its sha, an asset's URL names its version) first, the rest in one request. */
async function precache() {
  const cache = await caches.open(CACHE);
  const missing = [];
  await Promise.all(PRECACHE.map(async ({ url, sha }, i) => {
    const held = url in SOURCES
      ? new Response(SOURCES[url], { headers: { "Content-Type": "application/javascript", "X-Content-Type-Options": "nosniff" } })
      : await fetch(new Request(url, { cache: "only-if-cached", mode: "same-origin" })).catch(() => null);
    if (held?.ok && (!sha || (await shaOf(await held.clone().arrayBuffer())) === sha)) await cache.put(url, held);
    else missing.push(i);
  }));
  if (!missing.length) return;
  const response = await fetch(`/precache?v=${VERSION}&only=${missing.join(",")}`, { cache: "no-store" });
  if (!response.ok) throw new Error(`precache: ${response.status}`);
  await Promise.all(unbundle(new Uint8Array(await response.arrayBuffer())).map(async ({ i, headers, body }) => {
    if (PRECACHE[i].sha && (await shaOf(body)) !== PRECACHE[i].sha) throw new Error(`precache: ${PRECACHE[i].url} does not match its hash`);
    await cache.put(PRECACHE[i].url, new Response(body, { headers }));
  }));
}

/** Split the install bundle: a line of JSON {i, headers, n, b64?} before each body's n bytes. */
function unbundle(bytes) {
  const text = new TextDecoder();
  const items = [];
  for (let at = 0; at < bytes.length;) {
    const end = bytes.indexOf(10, at);
    const head = JSON.parse(text.decode(bytes.subarray(at, end)));
    const data = bytes.slice(end + 1, (at = end + 1 + head.n));
    items.push({ ...head, body: head.b64 ? Uint8Array.from(atob(text.decode(data)), (c) => c.charCodeAt(0)) : data });
  }
  return items;
}

/** Delete only this app's caches that the current version does not use; return their names. */
async function deleteOutdatedCaches() {
  const names = await caches.keys();
  const stale = names.filter((name) => name.startsWith(`${PREFIX}precache-`) && name !== CACHE);
  await Promise.all(stale.map((name) => caches.delete(name)));
  return stale;
}

async function activate() {
  await deleteOutdatedCaches();
  await self.clients.claim();
}

function onMessage(event) {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data && event.data.type === "VERSION") event.ports[0]?.postMessage(VERSION);
  if (event.data && event.data.type === "SEND_OUTBOX") event.waitUntil(sendOutbox({ force: true }));
}

/** Background Sync: send what waits; a rejection asks the browser to retry later. */
function onSync(event) {
  if (event.tag !== "outbox") return;
  event.waitUntil(sendOutbox({ force: true }).then((waiting) => {
    if (waiting) throw new Error(`${waiting} summaries still waiting`);
  }));
}

function onFetch(event) {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  const key = url.origin + url.pathname;
  if (PRECACHED.has(key)) {
    event.respondWith(cacheFirst(key, request));
  } else if (request.mode === "navigate") {
    event.respondWith(networkWithOfflinePage(request));
  }
}

/** Serve a precached URL from the cache; fall back to the network if the cache lost it. */
async function cacheFirst(key, request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(key)) || fetch(request);
}

/** Pages we do not hold: the network, else the offline page. */
async function networkWithOfflinePage(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(CACHE);
    return (await cache.match(OFFLINE_URL)) || Response.error();
  }
}
