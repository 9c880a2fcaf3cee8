const PLAYLIST_URL = "/api/player/playlist";
const LAST_KEY = "signate.playlist";
export const UNPAIRED = "unpaired";
export function needsPairing(response) {
    return response.status === 401 && response.headers.get("Signate-Pairing")?.trim().toLowerCase() === "required";
}
export async function fetchPlaylist(store) {
    const sentAt = Date.now();
    try {
        const response = await fetch(PLAYLIST_URL, {
            cache: "no-store",
            headers: { Accept: "application/json" },
            signal: AbortSignal.timeout(10_000),
        });
        if (needsPairing(response)) {
            forgetPlaylist(store);
            return UNPAIRED;
        }
        if (!response.ok)
            throw new Error(`HTTP ${response.status}`);
        const text = await response.text();
        const playlist = parsePlaylist(text);
        if (!playlist)
            throw new Error("malformed playlist");
        const fresh = !response.headers.has("X-Signate-Cache");
        if (fresh) {
            try {
                store?.setItem(LAST_KEY, text);
            }
            catch {
            }
        }
        return { playlist, fresh, sentAt, receivedAt: Date.now() };
    }
    catch (error) {
        console.warn("[signate] playlist fetch failed:", error instanceof Error ? error.message : error);
        const saved = parsePlaylist(store?.getItem(LAST_KEY) ?? "");
        return saved ? { playlist: saved, fresh: false, sentAt, receivedAt: Date.now() } : null;
    }
}
export function forgetPlaylist(store) {
    try {
        store?.removeItem(LAST_KEY);
    }
    catch {
    }
}
function parsePlaylist(text) {
    try {
        const value = JSON.parse(text);
        if (typeof value !== "object" || value === null || !Array.isArray(value.assets))
            return null;
        if (typeof value.settings !== "object" || value.settings === null)
            return null;
        return value;
    }
    catch {
        return null;
    }
}
export async function postPlays(plays) {
    try {
        const response = await fetch("/api/player/plays", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ plays }),
            signal: AbortSignal.timeout(15_000),
        });
        if ([400, 413, 422].includes(response.status)) {
            console.warn(`[signate] plays refused: HTTP ${response.status}`);
            return true;
        }
        return response.ok;
    }
    catch {
        return false;
    }
}
