// The app's shared data: assets and device settings, refetched (debounced)
// when the server's event stream says they changed elsewhere (device mode), or polled
// (cloud mode: EventSource cannot send the bearer token).
import { useEffect, useState } from "preact/hooks";
import { api, type Asset, type DeviceSettings, type Session } from "./api";

interface State {
  assets: Asset[] | null;
  settings: DeviceSettings | null;
  loadError: string | null;
}

let state: State = { assets: null, settings: null, loadError: null };
const listeners = new Set<(s: State) => void>();

function set(patch: Partial<State>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l(state);
}

export function useStore(): State {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => listeners.delete(setS);
  }, []);
  return s;
}

export async function loadAssets(): Promise<void> {
  try {
    set({ assets: await api.assets(), loadError: null });
  } catch (e) {
    set({ loadError: e instanceof Error ? e.message : String(e) });
  }
}

export async function loadSettings(): Promise<void> {
  try {
    set({ settings: await api.settings() });
  } catch {
    // the settings page shows its own error
  }
}

/** Applies a local change at once (optimistic) before the server confirms. */
export function replaceAsset(a: Asset): void {
  if (!state.assets) return;
  set({ assets: state.assets.map((x) => (x.asset_id === a.asset_id ? a : x)) });
}

export function setAssets(assets: Asset[]): void {
  set({ assets });
}

export function setSettings(settings: DeviceSettings): void {
  set({ settings });
}

const timers: Record<string, ReturnType<typeof setTimeout>> = {};
function debounced(key: string, fn: () => void, ms = 300): void {
  clearTimeout(timers[key]);
  timers[key] = setTimeout(fn, ms);
}

let source: EventSource | null = null;
let onSession: (s: Session) => void = () => {};
let loginChange: Promise<unknown> = Promise.resolve();

/** Holds session checks until this change of the login (save + sign in) has finished. */
export function changingLogin<T>(p: Promise<T>): Promise<T> {
  loginChange = p.catch(() => {});
  return p;
}

/** Told the session whenever settings change (the password may have been turned on or off). */
export function setSessionHandler(fn: (s: Session) => void): void {
  onSession = fn;
}

/** Opens GET /api/events; EventSource reconnects by itself (server sends retry). */
export function startLive(): void {
  if (source) return;
  source = new EventSource("/api/events");
  source.addEventListener("assets_changed", () => debounced("assets", loadAssets));
  // Settings may have turned the password on: ask the session first, so no request
  // meets a 401 Basic challenge (browsers answer those with their own password box).
  source.addEventListener("settings_changed", () =>
    debounced("settings", async () => {
      await loginChange;
      const s = await api.session().catch(() => null);
      if (s) onSession(s);
      if (!s || !s.auth_required || s.authenticated) void loadSettings();
    }),
  );
  source.addEventListener("resync", () => {
    debounced("assets", loadAssets);
    debounced("settings", loadSettings);
  });
  // A reconnect may have missed events: refetch everything.
  source.addEventListener("open", () => {
    if (state.assets) debounced("assets", loadAssets);
  });
}

let poll: ReturnType<typeof setInterval> | null = null;

/** Re-reads the asset list every `ms` while the page is visible; unchanged lists are not re-rendered. */
export function startPolling(ms = 5000): void {
  if (poll) return;
  poll = setInterval(async () => {
    if (document.visibilityState !== "visible") return;
    const fresh = await api.assets().catch(() => null);
    if (!poll || !fresh) return;
    const old = state.assets;
    if (old && JSON.stringify(old) === JSON.stringify(fresh)) return;
    set({ assets: fresh, loadError: null });
  }, ms);
}

/** Closes the stream and drops pending refetches: after signing out they would meet a 401. */
export function stopLive(): void {
  source?.close();
  source = null;
  if (poll) clearInterval(poll);
  poll = null;
  for (const key of Object.keys(timers)) clearTimeout(timers[key]);
}

/** Forgets everything loaded (signing out; the next account must not see it). */
export function resetStore(): void {
  stopLive();
  set({ assets: null, settings: null, loadError: null });
}

/** Re-reads the session (after the login changed) and reopens the event stream. */
export async function refreshSession(): Promise<void> {
  const s = await api.session().catch(() => null);
  if (!s) return;
  onSession(s);
  stopLive();
  if (!s.auth_required || s.authenticated) startLive();
}
