/** The player's HTTP calls to the Signate server. */

import type { PlayRecord } from "./plays.js";
import type { Playlist } from "./types.js";

const PLAYLIST_URL = "/api/player/playlist";
const LAST_KEY = "signate.playlist";

/** A playlist and whether it is fresh from the server (its `server_time` is then usable). */
export interface Fetched {
  playlist: Playlist;
  fresh: boolean;
  sentAt: number;
  receivedAt: number;
}

/** The playlist's answer to a cloud screen that holds no (valid) device token. */
export const UNPAIRED = "unpaired";

/** Whether `response` says this screen must pair first: `401` with `Signate-Pairing: required`. */
export function needsPairing(response: Pick<Response, "status" | "headers">): boolean {
  return response.status === 401 && response.headers.get("Signate-Pairing")?.trim().toLowerCase() === "required";
}

/**
 * Fetches the playlist. The service worker answers from its cache when the
 * server is away (marked `X-Signate-Cache`); without a service worker (an
 * insecure origin) the last copy in localStorage stands in. A cloud screen
 * without a device token gets {@link UNPAIRED} (and never a saved copy).
 */
export async function fetchPlaylist(store: Storage | null): Promise<Fetched | typeof UNPAIRED | null> {
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
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const text = await response.text();
    const playlist = parsePlaylist(text);
    if (!playlist) throw new Error("malformed playlist");
    const fresh = !response.headers.has("X-Signate-Cache");
    if (fresh) {
      try {
        store?.setItem(LAST_KEY, text);
      } catch {
        // Quota: the service worker's copy still serves.
      }
    }
    return { playlist, fresh, sentAt, receivedAt: Date.now() };
  } catch (error) {
    console.warn("[signate] playlist fetch failed:", error instanceof Error ? error.message : error);
    const saved = parsePlaylist(store?.getItem(LAST_KEY) ?? "");
    return saved ? { playlist: saved, fresh: false, sentAt, receivedAt: Date.now() } : null;
  }
}

/** Drops the last playlist kept in localStorage (an unpaired screen must not play it). */
export function forgetPlaylist(store: Storage | null): void {
  try {
    store?.removeItem(LAST_KEY);
  } catch {
    // Storage unavailable: nothing kept either.
  }
}

function parsePlaylist(text: string): Playlist | null {
  try {
    const value = JSON.parse(text) as Playlist;
    if (typeof value !== "object" || value === null || !Array.isArray(value.assets)) return null;
    if (typeof value.settings !== "object" || value.settings === null) return null;
    return value;
  } catch {
    return null;
  }
}

/** Sends proof-of-play records; true when the server took them. */
export async function postPlays(plays: PlayRecord[]): Promise<boolean> {
  try {
    const response = await fetch("/api/player/plays", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ plays }),
      signal: AbortSignal.timeout(15_000),
    });
    // Records the server calls malformed will not get better by retrying: drop them.
    if ([400, 413, 422].includes(response.status)) {
      console.warn(`[signate] plays refused: HTTP ${response.status}`);
      return true;
    }
    return response.ok;
  } catch {
    return false;
  }
}
