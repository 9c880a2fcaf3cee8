// The app's shared data: assets and device settings, refetched (debounced) when the server's
// event stream says they changed elsewhere. Pages with data of their own (Screens) hear the
// events they care about through onLiveEvent.
import { useEffect, useState } from "preact/hooks";
import { can, isCloud } from "./account";
import { api, type Asset, type DeviceSettings, type Session } from "./api";
import { assetApi } from "./assetApi";
import { Live } from "./live";

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
    set({ assets: await assetApi().list(), loadError: null });
  } catch (e) {
    set({ loadError: e instanceof Error ? e.message : String(e) });
  }
}

export async function loadSettings(): Promise<void> {
  // A cloud member without devices.view may not read them (and no page shows them).
  if (!can("devices.view")) return;
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

async function settingsChanged(): Promise<void> {
  if (isCloud()) return loadSettings();
  // A device's settings may have turned the password on: ask the session first, so no request
  // meets a 401 Basic challenge (browsers answer those with their own password box).
  await loginChange;
  const s = await api.session().catch(() => null);
  if (s) onSession(s);
  if (!s || !s.auth_required || s.authenticated) void loadSettings();
}

/**
 * What a page hears from the event stream: `screen_status` (with its JSON), `screens_changed`,
 * and `resync` (events may have been missed, or the stream is down: re-read everything).
 */
export type LiveKind = "screen_status" | "screens_changed" | "resync";
type LiveListener = (kind: LiveKind, data: unknown) => void;
const liveListeners = new Set<LiveListener>();

/** Listens to the event stream until the returned function is called (a page's unmount). */
export function onLiveEvent(fn: LiveListener): () => void {
  liveListeners.add(fn);
  return () => void liveListeners.delete(fn);
}

function tell(kind: LiveKind, e?: Event): void {
  let data: unknown = null;
  const raw = (e as MessageEvent | undefined)?.data;
  if (typeof raw === "string") {
    try {
      data = JSON.parse(raw);
    } catch {
      // not JSON: the listener re-reads instead
    }
  }
  for (const l of liveListeners) l(kind, data);
}

function resync(): void {
  debounced("assets", loadAssets);
  debounced("settings", loadSettings);
  tell("resync");
}

/**
 * Changes made elsewhere, from GET /api/events: a device's page reaches it with its session
 * cookie, the cloud's with the media cookie (EventSource cannot send the bearer token).
 */
export const live = new Live(
  {
    assets_changed: () => debounced("assets", loadAssets),
    settings_changed: () => debounced("settings", settingsChanged),
    screen_status: (e) => tell("screen_status", e),
    screens_changed: (e) => tell("screens_changed", e),
    // The server dropped events for this stream, or it reconnected: events may have been missed.
    resync,
    open: () => {
      if (state.assets) resync();
      else tell("resync");
    },
  },
  () => {
    if (document.visibilityState === "visible") resync();
  },
);

export function startLive(): void {
  live.start();
}

/** Closes the stream and drops pending refetches: after signing out they would meet a 401. */
export function stopLive(): void {
  live.stop();
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
