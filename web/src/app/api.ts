// Typed calls to the Signate/Anthias API. Every failure is an ApiError carrying
// the server's field messages, so forms can show them next to their fields.

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
  skip_ssl_verify: boolean;
  is_active: boolean;
  is_processing: boolean;
  play_days: number[];
  play_time_from: string | null;
  play_time_to: string | null;
  is_reachable: boolean;
  last_reachability_check: string | null;
  metadata: Record<string, unknown>;
  refresh_interval_s: number;
  custom_headers: Record<string, string>;
}

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
  ext?: string;
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
  uptime: { days: number; hours: number };
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

/** One error type for every failed call: HTTP status, a sentence, and per-field messages. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Called on any 401 so the app can show the login page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
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
    if (typeof o.detail === "string") return new ApiError(status, o.detail);
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

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: {}, credentials: "same-origin" };
  if (body instanceof FormData || body instanceof URLSearchParams) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  let r: Response;
  try {
    r = await fetch(path, init);
  } catch {
    throw toError(0, "");
  }
  const text = await r.text();
  if (r.status === 401 && !path.startsWith("/api/auth/login")) onUnauthorized();
  if (!r.ok) throw toError(r.status, text);
  return (text ? JSON.parse(text) : null) as T;
}

export const api = {
  session: () => call<Session>("GET", "/api/auth/session"),
  login: (username: string, password: string) => call<unknown>("POST", "/api/auth/login", { username, password }),
  logout: () => call<unknown>("POST", "/api/auth/logout"),

  assets: () => call<Asset[]>("GET", "/api/v2/assets"),
  asset: (id: string) => call<Asset>("GET", `/api/v2/assets/${encodeURIComponent(id)}`),
  createAsset: (a: AssetCreate) => call<Asset>("POST", "/api/v2/assets", a),
  updateAsset: (id: string, p: AssetPatch) => call<Asset>("PATCH", `/api/v2/assets/${encodeURIComponent(id)}`, p),
  deleteAsset: (id: string) => call<null>("DELETE", `/api/v2/assets/${encodeURIComponent(id)}`),
  order: (ids: string[]) => call<unknown>("POST", "/api/v2/assets/order", new URLSearchParams({ ids: ids.join(",") })),
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

/** POST a form with upload progress (fetch has none). */
export function postWithProgress<T>(
  path: string,
  form: FormData,
  onProgress: (sent: number, total: number) => void,
  headers: Record<string, string> = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total);
    xhr.onload = () => {
      if (xhr.status === 401) onUnauthorized();
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve((xhr.responseText ? JSON.parse(xhr.responseText) : null) as T);
        } catch {
          resolve(null as T);
        }
      } else reject(toError(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(toError(0, ""));
    xhr.send(form);
  });
}
