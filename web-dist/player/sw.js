"use strict";
const sw = self;
const SHELL_CACHE = "signate-shell-v1";
const DATA_CACHE = "signate-data-v1";
const MEDIA_CACHE = "signate-media-v1";
const NETWORK_TIMEOUT_MS = 3000;
const PLAYLIST_PATH = "/api/player/playlist";
const SCOPE = new URL(sw.registration.scope).pathname;
sw.addEventListener("install", (event) => {
    event.waitUntil((async () => {
        const cache = await caches.open(SHELL_CACHE);
        const listing = await fetch("files.json", { cache: "no-store" });
        const files = (await listing.json());
        await cache.addAll(["./", ...files]);
        await sw.skipWaiting();
    })());
});
sw.addEventListener("activate", (event) => {
    event.waitUntil((async () => {
        const keep = new Set([SHELL_CACHE, DATA_CACHE, MEDIA_CACHE]);
        for (const name of await caches.keys())
            if (!keep.has(name))
                await caches.delete(name);
        await sw.clients.claim();
    })());
});
sw.addEventListener("fetch", (event) => {
    const request = event.request;
    if (request.method !== "GET")
        return;
    const url = new URL(request.url);
    if (url.origin !== location.origin)
        return;
    if (url.pathname === PLAYLIST_PATH)
        event.respondWith(playlist(request));
    else if (url.pathname.startsWith("/media/") && !url.pathname.endsWith("/live"))
        event.respondWith(media(request));
    else if (url.pathname.startsWith(SCOPE))
        event.respondWith(shell(request));
});
sw.addEventListener("message", (event) => {
    const data = event.data;
    if (data?.type === "forget")
        event.waitUntil(forget());
    else if (data?.type === "media" && Array.isArray(data.urls)) {
        const urls = data.urls.filter((u) => typeof u === "string" && u.startsWith("/media/") && !new URL(u, location.href).pathname.endsWith("/live"));
        event.waitUntil(syncMedia(urls));
    }
});
async function network(request) {
    const response = await fetch(request, { signal: AbortSignal.timeout(NETWORK_TIMEOUT_MS) });
    if (response.status >= 500)
        throw new Error(`HTTP ${response.status}`);
    return response;
}
async function shell(request) {
    const cache = await caches.open(SHELL_CACHE);
    try {
        const response = await network(request);
        if (response.ok)
            await cache.put(request, response.clone());
        return response;
    }
    catch (error) {
        const cached = (await cache.match(request, { ignoreSearch: true })) ??
            (request.mode === "navigate" ? await cache.match("./") : undefined);
        if (cached)
            return cached;
        throw error;
    }
}
async function playlist(request) {
    const cache = await caches.open(DATA_CACHE);
    try {
        const response = await network(request);
        if (response.ok)
            await cache.put(PLAYLIST_PATH, response.clone());
        else if (response.status === 401 && response.headers.get("Signate-Pairing")?.trim().toLowerCase() === "required") {
            await cache.delete(PLAYLIST_PATH);
        }
        return response;
    }
    catch (error) {
        const cached = await cache.match(PLAYLIST_PATH);
        if (!cached)
            throw error;
        const headers = new Headers(cached.headers);
        headers.set("X-Signate-Cache", "hit");
        return new Response(cached.body, { status: 200, headers });
    }
}
async function media(request) {
    const cache = await caches.open(MEDIA_CACHE);
    const cached = await cache.match(request.url);
    if (!cached)
        return fetch(request);
    const range = request.headers.get("Range");
    return range ? slice(cached, range) : cached;
}
async function slice(whole, range) {
    const blob = await whole.blob();
    const size = blob.size;
    const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start = 0;
    let end = size - 1;
    if (match && (match[1] !== "" || match[2] !== "")) {
        if (match[1] === "")
            start = Math.max(0, size - Number(match[2]));
        else {
            start = Number(match[1]);
            if (match[2] !== "")
                end = Math.min(end, Number(match[2]));
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
let syncing = Promise.resolve();
function forget() {
    syncing = syncing.catch(() => undefined).then(async () => {
        await caches.delete(DATA_CACHE);
        await caches.delete(MEDIA_CACHE);
    });
    return syncing;
}
function syncMedia(paths) {
    syncing = syncing.then(async () => {
        const cache = await caches.open(MEDIA_CACHE);
        const wanted = new Set(paths.map((p) => new URL(p, location.origin).href));
        for (const request of await cache.keys())
            if (!wanted.has(request.url))
                await cache.delete(request);
        for (const url of wanted) {
            if (await cache.match(url))
                continue;
            try {
                const response = await fetch(url, { cache: "no-store" });
                if (response.status === 200)
                    await cache.put(url, response);
            }
            catch {
            }
        }
    });
    return syncing;
}
