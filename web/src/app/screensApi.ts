// Typed calls to API v3's screens and groups (docs/screens.md): the fleet, pairing by code,
// commands. Errors arrive as ApiError with the server's message (404 unknown code, 403
// limit_exceeded naming max_devices, 409 offline screen). "./api.js": node runs this file in the
// unit tests, and needs the extension (esbuild and tsc map it to api.ts).
import { call, callDated } from "./api.js";

export type ScreenStatus = "online" | "offline" | "never_seen";

export interface Screen {
  id: string;
  name: string;
  group_id: string | null;
  tags: string[];
  status: ScreenStatus;
  last_seen_at: string | null;
  ip: string | null;
  resolution: string | null;
  player_version: string | null;
  now_playing: { asset_id: string | null; since: string | null } | null;
  /** What the screen last said it cannot show and skips, with why (absent from older servers). */
  skipped?: { asset_id: string; reason: string }[];
  created_at: string;
  updated_at: string;
}

export interface Group {
  id: string;
  name: string;
  screen_count: number;
  created_at: string;
  updated_at: string;
}

export type Command = "next" | "previous" | "reload" | "blank" | "unblank" | "show";

export interface CommandResult {
  command: string;
  sent_to: string[];
  offline: { id: string; name: string }[];
}

export interface ScreenCreate {
  code: string;
  name: string;
  group_id: string | null;
  tags: string[];
}

export type ScreenPatch = Partial<Pick<Screen, "name" | "group_id" | "tags">>;

/** The server-side filters of `GET /api/v3/screens` (the page filters locally, scripts may not). */
export interface ScreenQuery {
  group_id?: string;
  tag?: string;
  status?: ScreenStatus;
  q?: string;
}

/** A list answered as a bare array (as docs/screens.md says) or as v3's usual `{items}`. */
function items<T>(r: T[] | { items: T[] }): T[] {
  return Array.isArray(r) ? r : r.items;
}

function query(q: ScreenQuery = {}): string {
  const p = new URLSearchParams();
  for (const k of ["group_id", "tag", "status", "q"] as const) {
    const v = q[k];
    if (v) p.set(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

const id = (s: string) => encodeURIComponent(s);
const commandBody = (command: Command, assetId?: string) => (command === "show" ? { command, asset_id: assetId } : { command });

export const screensApi = {
  /** The fleet, with the server's clock (the `Date` header) to count down to offline against. */
  list: (q?: ScreenQuery) =>
    callDated<Screen[] | { items: Screen[] }>("GET", `/api/v3/screens${query(q)}`).then((r) => ({ screens: items(r.body), serverTime: r.date })),
  get: (screenId: string) => call<Screen>("GET", `/api/v3/screens/${id(screenId)}`),
  /** Claims a pairing code: the screen showing it joins the tenant. */
  claim: (b: ScreenCreate) => call<Screen>("POST", "/api/v3/screens", b),
  update: (screenId: string, p: ScreenPatch) => call<Screen>("PATCH", `/api/v3/screens/${id(screenId)}`, p),
  remove: (screenId: string) => call<null>("DELETE", `/api/v3/screens/${id(screenId)}`),
  command: (screenId: string, command: Command, assetId?: string) =>
    call<CommandResult>("POST", `/api/v3/screens/${id(screenId)}/commands`, commandBody(command, assetId)),

  groups: () => call<Group[] | { items: Group[] }>("GET", "/api/v3/groups").then(items),
  createGroup: (name: string) => call<Group>("POST", "/api/v3/groups", { name }),
  renameGroup: (groupId: string, name: string) => call<Group>("PATCH", `/api/v3/groups/${id(groupId)}`, { name }),
  removeGroup: (groupId: string) => call<null>("DELETE", `/api/v3/groups/${id(groupId)}`),
  groupCommand: (groupId: string, command: Command, assetId?: string) =>
    call<CommandResult>("POST", `/api/v3/groups/${id(groupId)}/commands`, commandBody(command, assetId)),
};
