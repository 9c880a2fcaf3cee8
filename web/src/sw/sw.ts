/**
 * The player's service worker (`/player/sw.js`, scope `/player/`): keeps the
 * page, its scripts, the last playlist and the playlist's media on the device
 * so the screen keeps playing, and restarts, while the server is away.
 *
 * - page and scripts: network first (short timeout), cache as fallback;
 * - `/api/player/playlist`: network first (short timeout), else the last copy,
 *   marked `X-Signate-Cache: hit` so the page does not take its clock from it;
 * - `/media/…`: cache first; the page sends the playlist's media URLs after
 *   each fresh playlist, and the worker fetches what is missing and drops
 *   what is no longer listed. Range requests are answered from the cache.
 *
 * Only a good answer (2xx) replaces the kept playlist, and only a failure to
 * reach the server (network error, timeout, 5xx) is answered from it: a `401`
 * goes to the page as it is. A `401` with `Signate-Pairing: required` (a cloud
 * screen without a valid device token) also drops the kept playlist, and the
 * page's `{type: "forget"}` (sent when the screen is unpaired) drops the
 * playlist and the media, so a revoked screen cannot play on from the cache.
 *
 * A classic script, compiled on its own (WebWorker types).
 */

const sw = self as unknown as ServiceWorkerGlobalScope;
const SHELL_CACHE = "signate-shell-v1";
const DATA_CACHE = "signate-data-v1";
const MEDIA_CACHE = "signate-media-v1";
const NETWORK_TIMEOUT_MS = 3000;
const PLAYLIST_PATH = "/api/player/playlist";
const SCOPE = new URL(sw.registration.scope).pathname;

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      const listing = await fetch("files.json", { cache: "no-store" });
      const files = (await listing.json()) as string[];
      await cache.addAll(["./", ...files]);
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL_CACHE, DATA_CACHE, MEDIA_CACHE]);
      for (const name of await caches.keys()) if (!keep.has(name)) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (url.pathname === PLAYLIST_PATH) event.respondWith(playlist(request));
  // Live relays (`/media/<id>/live`) never end: they go straight to the network.
  else if (url.pathname.startsWith("/media/") && !url.pathname.endsWith("/live")) event.respondWith(media(request));
  else if (url.pathname.startsWith(SCOPE)) event.respondWith(shell(request));
});

sw.addEventListener("message", (event) => {
  const data = event.data as { type?: unknown; urls?: unknown } | null;
  if (data?.type === "forget") event.waitUntil(forget());
  else if (data?.type === "media" && Array.isArray(data.urls)) {
    const urls = data.urls.filter(
      (u): u is string => typeof u === "string" && u.startsWith("/media/") && !new URL(u, location.href).pathname.endsWith("/live"),
    );
    event.waitUntil(syncMedia(urls));
  }
});

/** Network with a time limit; rejects on timeout, network error or a 5xx. */
async function network(request: Request): Promise<Response> {
  const response = await fetch(request, { signal: AbortSignal.timeout(NETWORK_TIMEOUT_MS) });
  if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
  return response;
}

async function shell(request: Request): Promise<Response> {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await network(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached =
      (await cache.match(request, { ignoreSearch: true })) ??
      (request.mode === "navigate" ? await cache.match("./") : undefined);
    if (cached) return cached;
    throw error;
  }
}

async function playlist(request: Request): Promise<Response> {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await network(request);
    if (response.ok) await cache.put(PLAYLIST_PATH, response.clone());
    else if (response.status === 401 && response.headers.get("Signate-Pairing")?.trim().toLowerCase() === "required") {
      await cache.delete(PLAYLIST_PATH);
    }
    return response;
  } catch (error) {
    const cached = await cache.match(PLAYLIST_PATH);
    if (!cached) throw error;
    const headers = new Headers(cached.headers);
    headers.set("X-Signate-Cache", "hit");
    return new Response(cached.body, { status: 200, headers });
  }
}

async function media(request: Request): Promise<Response> {
  const cache = await caches.open(MEDIA_CACHE);
  const cached = await cache.match(request.url);
  if (!cached) return fetch(request);
  const range = request.headers.get("Range");
  return range ? slice(cached, range) : cached;
}

/** A 206 answer for `range` (`bytes=a-b`, `bytes=a-`, `bytes=-n`) cut from a cached whole file. */
async function slice(whole: Response, range: string): Promise<Response> {
  const blob = await whole.blob();
  const size = blob.size;
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  let start = 0;
  let end = size - 1;
  if (match && (match[1] !== "" || match[2] !== "")) {
    if (match[1] === "") start = Math.max(0, size - Number(match[2]));
    else {
      start = Number(match[1]);
      if (match[2] !== "") end = Math.min(end, Number(match[2]));
    }
  }
  if (!match || start >= size || start > end) {
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  }
  const headers = new Headers(whole.headers);
  headers.set("Content-Range", `bytes ${start}-${end}/${size}`);
  headers.set("Content-Length", String(end - start + 1));
  return new Response(blob.slice(start, end + 1), { status: 206, statusText: "Partial Content", headers });
}

let syncing: Promise<void> = Promise.resolve();

/** Drops the kept playlist and every cached media file (the screen was unpaired). */
function forget(): Promise<void> {
  syncing = syncing.catch(() => undefined).then(async () => {
    await caches.delete(DATA_CACHE);
    await caches.delete(MEDIA_CACHE);
  });
  return syncing;
}

/** Makes the media cache hold exactly `paths`, one download at a time. */
function syncMedia(paths: string[]): Promise<void> {
  syncing = syncing.then(async () => {
    const cache = await caches.open(MEDIA_CACHE);
    const wanted = new Set(paths.map((p) => new URL(p, location.origin).href));
    for (const request of await cache.keys()) if (!wanted.has(request.url)) await cache.delete(request);
    for (const url of wanted) {
      if (await cache.match(url)) continue;
      try {
        const response = await fetch(url, { cache: "no-store" });
        if (response.status === 200) await cache.put(url, response);
      } catch {
        // Offline or gone: tried again with the next playlist.
      }
    }
  });
  return syncing;
}
