// Typed calls to the Signate/Anthias API. Every failure is an ApiError carrying
// the server's field messages, so forms can show them next to their fields.

/**
 * An asset as the pages use it: Anthias v2's fields. In cloud mode the assets come from API v3
 * and are mapped onto these (assetV3.ts).
 */
export interface Asset {
  asset_id: string;
  name: string;
  uri: string;
  start_date: string | null;
  end_date: string | null;
  duration: number;
  mimetype: string;
  is_enabled: boolean;
  nocache: boolean;
  play_order: number;
  skip_asset_check: boolean;
  is_active: boolean;
  is_processing: boolean;
  play_days: number[];
  play_time_from: string | null;
  play_time_to: string | null;
  metadata: Record<string, unknown>;
  /** Bytes of a stored file: API v3 says; a device's v2 does not (the edit dialog asks /media). */
  file_size?: number | null;
  // v2 only: API v3 has no such fields, so cloud mode's assets lack them and the edit form
  // leaves their controls out there.
  skip_ssl_verify?: boolean;
  refresh_interval_s?: number;
  custom_headers?: Record<string, string>;
}

/** A change to an asset: the same words in v2 and v3, but for the v2-only ones (v3 refuses those). */
export type AssetPatch = Partial<
  Pick<
    Asset,
    | "name" | "start_date" | "end_date" | "duration" | "is_enabled" | "nocache" | "play_order"
    | "skip_asset_check" | "skip_ssl_verify" | "play_days" | "play_time_from" | "play_time_to"
    | "refresh_interval_s" | "custom_headers"
  >
>;

export interface AssetCreate extends AssetPatch {
  name: string;
  uri: string;
  mimetype: string;
  /** v2: the extension `file_asset` answered with an uploaded file's `uri`. */
  ext?: string;
  /** v3 only (v2 takes none): the client's metadata, e.g. an upload's original `file_name`. */
  metadata?: Record<string, unknown>;
}

export interface DeviceSettings {
  player_name: string;
  audio_output: string;
  default_duration: number;
  default_streaming_duration: number;
  date_format: string;
  timezone: string;
  auth_backend: "" | "auth_basic";
  show_splash: boolean;
  default_assets: boolean;
  shuffle_playlist: boolean;
  use_24_hour_clock: boolean;
  debug_logging: boolean;
  prefer_dark_mode: boolean;
  verify_ssl: boolean;
  screen_rotation: number;
  username: string;
  display_power_schedule_enabled: boolean;
  display_power_on_time: string;
  display_power_off_time: string;
  display_power_days: string;
}

export type SettingsPatch = Partial<DeviceSettings> & {
  password?: string;
  password_2?: string;
  current_password?: string;
};

export interface Info {
  loadavg: number;
  free_space: string;
  display_power: string | null;
  anthias_version: string;
  device_model: string;
  /** The machine's uptime (since boot). */
  uptime: { days: number; hours: number };
  /** Signate's own uptime (since it last started); absent from servers that predate it. */
  signate_uptime?: { days: number; hours: number };
  /** Which device commands are configured; without one its action cannot run here. */
  commands?: { reboot: boolean; shutdown: boolean; display_power: boolean; audio_output: boolean };
  memory: { total: number; used: number; free: number; available: number };
  ip_addresses: string[];
  mac_address: string;
  time?: { iso: string; timezone: string; offset: string };
}

export interface Session {
  auth_required: boolean;
  authenticated: boolean;
  username: string;
}

export interface Uploaded {
  uri: string;
  ext: string;
  upload_id?: string;
}

/**
 * What a refusal about a plan limit (403 `limit_exceeded`) says besides its message: which
 * limit (`max_devices`, …), the tenant's plan now, and the cheapest plan that lifts it (absent:
 * no plan does, or the server does not sell plans).
 */
export interface PlanLimit {
  limit: string;
  plan: string;
  upgrade_plan: string | null;
}

/** One error type for every failed call: HTTP status, a sentence, and per-field messages. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
    /** API v3's machine-readable `error.code` (`invalid`, `conflict`, …); "" otherwise. */
    readonly code: string = "",
    /** Set on a refusal about a plan limit that names the limit (see `PlanLimit`). */
    readonly planLimit: PlanLimit | null = null,
  ) {
    super(message);
  }
}

/** The plan-limit words of an error body (v3's `error` object, or a legacy body's top level). */
function planLimitOf(o: Record<string, unknown>): PlanLimit | null {
  const text = (v: unknown) => (typeof v === "string" && v ? v : null);
  const limit = text(o.limit);
  if (!limit) return null;
  return { limit, plan: text(o.plan) ?? "", upgrade_plan: text(o.upgrade_plan) };
}

/** Called on any 401 so the app can show the login page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/**
 * Cloud mode's credentials: every call then carries `Authorization: Bearer <access token>`,
 * and a 401 gets one renewal and one retry. Device mode has none (the session cookie does).
 */
export interface Bearer {
  /** The access token to send (renewed first when it has run out); null when signed out. */
  token(): Promise<string | null>;
  /** After a 401 for `used`: true when there is a newer token to retry with. */
  renew(used: string): Promise<boolean>;
}
let bearer: Bearer | null = null;
export function setBearer(b: Bearer | null): void {
  bearer = b;
}

function flatten(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(flatten).join(" ");
  if (v && typeof v === "object") return Object.values(v).map(flatten).join(" ");
  return String(v);
}

/** Turns `{"field":["msg"]}`, `{"detail":"…"}` or `{"error":"…"}` into an ApiError. */
export function toError(status: number, text: string): ApiError {
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    // API v3: {"error": {"code", "message", "field"?}}
    if (o.error && typeof o.error === "object" && !Array.isArray(o.error)) {
      const e = o.error as Record<string, unknown>;
      const msg = typeof e.message === "string" && e.message ? e.message : `Request failed (${status})`;
      const fields = typeof e.field === "string" && e.field ? { [e.field]: msg } : {};
      return new ApiError(status, msg, fields, typeof e.code === "string" ? e.code : "", planLimitOf(e));
    }
    // Legacy refusals: {"detail"}, a limit's as {"error": "limit_exceeded", "detail", …}.
    if (typeof o.detail === "string") return new ApiError(status, o.detail, {}, typeof o.error === "string" ? o.error : "", planLimitOf(o));
    if (typeof o.error === "string") return new ApiError(status, o.error || `Server error (${status})`);
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) fields[k] = flatten(v);
    const entries = Object.entries(fields);
    // One field: its message says enough; several: name them.
    const msg =
      entries.length === 1
        ? (entries[0] as [string, string])[1]
        : entries.map(([k, v]) => (k === "non_field_errors" ? v : `${k}: ${v}`)).join(" ");
    return new ApiError(status, msg || `Request failed (${status})`, fields);
  }
  if (typeof body === "string") return new ApiError(status, body);
  if (status === 0) return new ApiError(0, "Cannot reach the device. Check the connection.");
  return new ApiError(status, `Request failed (${status})`);
}

/** Options of a call: `open` ones (sign-in, sign-up, e-mail links) carry no credentials. */
export interface CallOptions {
  open?: boolean;
  /** What to ask for (`Accept`), e.g. `text/csv`; JSON by default. */
  accept?: string;
}

/**
 * Sends a request; with a bearer, renews the token and retries once on a 401. Returns the
 * response whatever its status (network failures throw an ApiError with status 0).
 */
async function send(method: string, path: string, body: unknown, opts: CallOptions): Promise<Response> {
  const auth = opts.open ? null : bearer;
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = opts.accept ? { Accept: opts.accept } : {};
    const init: RequestInit = { method, headers, credentials: "same-origin" };
    if (body instanceof FormData || body instanceof URLSearchParams) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    const token = auth ? await auth.token() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    let r: Response;
    try {
      r = await fetch(path, init);
    } catch {
      throw toError(0, "");
    }
    if (r.status === 401 && auth && token && attempt === 0 && (await auth.renew(token))) continue;
    if (r.status === 401 && !opts.open && !path.startsWith("/api/auth/login")) onUnauthorized();
    return r;
  }
}

export async function call<T>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  const r = await send(method, path, body, opts);
  const text = await r.text();
  if (!r.ok) throw toError(r.status, text);
  return (text ? JSON.parse(text) : null) as T;
}

/** `call` for a file (e.g. a CSV export, `opts.accept: "text/csv"`): the body as a Blob. */
export async function callBlob(method: string, path: string, opts: CallOptions = {}): Promise<Blob> {
  const r = await send(method, path, undefined, opts);
  if (!r.ok) throw toError(r.status, await r.text());
  return r.blob();
}

/** `call`, also answering the server's clock from the `Date` header (ms; null without one). */
export async function callDated<T>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<{ body: T; date: number | null }> {
  const r = await send(method, path, body, opts);
  const text = await r.text();
  if (!r.ok) throw toError(r.status, text);
  const date = Date.parse(r.headers.get("Date") ?? "");
  return { body: (text ? JSON.parse(text) : null) as T, date: Number.isNaN(date) ? null : date };
}

/** Every call but the assets' (assetApi.ts: v2 on a device, v3 in the cloud). */
export const api = {
  session: () => call<Session>("GET", "/api/auth/session"),
  login: (username: string, password: string) => call<unknown>("POST", "/api/auth/login", { username, password }),
  logout: () => call<unknown>("POST", "/api/auth/logout"),

  control: (cmd: "previous" | "next") => call<unknown>("GET", `/api/v2/assets/control/${cmd}`),

  settings: () => call<DeviceSettings>("GET", "/api/v2/device_settings"),
  /** Answers `{"message"}`, not the settings: read them back with `settings()`. */
  updateSettings: (p: SettingsPatch) => call<{ message: string }>("PATCH", "/api/v2/device_settings", p),
  info: () => call<Info>("GET", "/api/v2/info"),
  backup: () => call<string>("POST", "/api/v2/backup"),
  reboot: () => call<unknown>("POST", "/api/v2/reboot"),
  shutdown: () => call<unknown>("POST", "/api/v2/shutdown"),
};

export const backupUrl = (name: string) =>
  `/static_with_mime/${encodeURIComponent(name)}?mime=application/x-tgz`;

/** POST a form with upload progress (fetch has none); with a bearer, one retry after a 401. */
export async function postWithProgress<T>(
  path: string,
  form: FormData,
  onProgress: (sent: number, total: number) => void,
  headers: Record<string, string> = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const token = bearer ? await bearer.token() : null;
    const all = token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
    const xhr = await new Promise<XMLHttpRequest>((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open("POST", path);
      for (const [k, v] of Object.entries(all)) x.setRequestHeader(k, v);
      x.upload.onprogress = (e) => onProgress(e.loaded, e.total);
      x.onload = () => resolve(x);
      x.onerror = () => reject(toError(0, ""));
      x.send(form);
    });
    if (xhr.status === 401 && bearer && token && attempt === 0 && (await bearer.renew(token))) continue;
    if (xhr.status === 401) onUnauthorized();
    if (xhr.status < 200 || xhr.status >= 300) throw toError(xhr.status, xhr.responseText);
    try {
      return (xhr.responseText ? JSON.parse(xhr.responseText) : null) as T;
    } catch {
      return null as T;
    }
  }
}
