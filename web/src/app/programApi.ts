// Typed calls for programming screens (docs/programming.md, API v3): playlists, schedules,
// interrupts, a screen's timeline, and the reports. Errors arrive as ApiError with the server's
// message (400 naming the field, 409 a playlist a schedule plays). "./api.js": node runs this
// file in the unit tests and needs the extension (esbuild and tsc map it to api.ts).
import { call, callBlob } from "./api.js";

export interface PlaylistItem {
  asset_id: string;
  /** Seconds (1–86400) instead of the asset's own; null keeps the asset's. */
  duration: number | null;
}

export interface Playlist {
  id: string;
  name: string;
  shuffle: boolean;
  items: PlaylistItem[];
  created_at: string;
  updated_at: string;
}

export type PlaylistCreate = Pick<Playlist, "name"> & Partial<Pick<Playlist, "shuffle" | "items">>;
/** `items`, when given, replaces the list as a whole. */
export type PlaylistPatch = Partial<Pick<Playlist, "name" | "shuffle" | "items">>;

/** Whom a schedule or an interrupt is aimed at: every screen, or screens and groups. */
export interface Targets {
  all?: boolean;
  screen_ids?: string[];
  group_ids?: string[];
}

export interface Schedule {
  id: string;
  name: string;
  playlist_id: string;
  targets: Targets;
  start_date: string | null;
  end_date: string | null;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  play_days: number[];
  /** `HH:MM` or `HH:MM:SS` in the tenant's time zone; both or neither; overnight when from > to. */
  play_time_from: string | null;
  play_time_to: string | null;
  /** 0–100; the highest active one wins, equal ones play merged. */
  priority: number;
  is_enabled: boolean;
  created_at: string;
  updated_at: string;
}

export type ScheduleFields = Omit<Schedule, "id" | "created_at" | "updated_at">;
export type ScheduleCreate = Pick<Schedule, "name" | "playlist_id"> & Partial<ScheduleFields>;
export type SchedulePatch = Partial<ScheduleFields>;

export interface InterruptMessage {
  /** 1–500 characters. */
  text: string;
  /** `#rgb` or `#rrggbb`. */
  background: string;
  color: string;
}

export interface Interrupt {
  id: string;
  targets: Targets;
  asset_id: string | null;
  message: InterruptMessage | null;
  until: string | null;
  created_at: string;
  ended_at: string | null;
}

/** An asset or a message (one of them), for some screens, optionally until a moment. */
export type InterruptStart = { targets: Targets; until?: string | null } & ({ asset_id: string } | { message: InterruptMessage });

export type TimelineSource = "schedule" | "default" | "interrupt";

export interface TimelineSegment {
  start: string;
  end: string;
  source: TimelineSource;
  schedule_ids: string[];
  playlist_ids: string[];
  interrupt_id: string | null;
}

export type GroupBy = "asset" | "screen" | "day" | "schedule";

export interface PlaysRow {
  key: string;
  label: string;
  plays: number;
  seconds: number;
}

export interface PlaysReport {
  from: string;
  to: string;
  group_by: GroupBy;
  rows: PlaysRow[];
}

export interface UptimeRow {
  screen_id: string;
  name: string;
  day: string;
  online_seconds: number;
  uptime_percent: number;
}

/** A page of a list: a bare array, `{items}`, or `{items, next_cursor}` (followed to the end). */
type Listed<T> = T[] | { items: T[]; next_cursor?: string | null };

async function listAll<T>(path: string): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const r: Listed<T> = await call<Listed<T>>("GET", cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    if (Array.isArray(r)) return r;
    all.push(...r.items);
    cursor = r.next_cursor ?? null;
    if (!cursor) break;
  }
  return all;
}

const id = (s: string) => encodeURIComponent(s);
const range = (from: string, to: string, extra: Record<string, string> = {}) => new URLSearchParams({ from, to, ...extra }).toString();

export const programApi = {
  playlists: () => listAll<Playlist>("/api/v3/playlists"),
  playlist: (playlistId: string) => call<Playlist>("GET", `/api/v3/playlists/${id(playlistId)}`),
  createPlaylist: (b: PlaylistCreate) => call<Playlist>("POST", "/api/v3/playlists", b),
  updatePlaylist: (playlistId: string, p: PlaylistPatch) => call<Playlist>("PATCH", `/api/v3/playlists/${id(playlistId)}`, p),
  /** 409 (naming the schedules) while a schedule plays it. */
  removePlaylist: (playlistId: string) => call<null>("DELETE", `/api/v3/playlists/${id(playlistId)}`),

  schedules: () => listAll<Schedule>("/api/v3/schedules"),
  createSchedule: (b: ScheduleCreate) => call<Schedule>("POST", "/api/v3/schedules", b),
  updateSchedule: (scheduleId: string, p: SchedulePatch) => call<Schedule>("PATCH", `/api/v3/schedules/${id(scheduleId)}`, p),
  removeSchedule: (scheduleId: string) => call<null>("DELETE", `/api/v3/schedules/${id(scheduleId)}`),

  /** What the screen plays between two instants (at most 31 days), equal neighbours merged. */
  timeline: (screenId: string, from: string, to: string) =>
    call<TimelineSegment[] | { items: TimelineSegment[] }>("GET", `/api/v3/screens/${id(screenId)}/timeline?${range(from, to)}`).then((r) =>
      Array.isArray(r) ? r : r.items,
    ),

  /** The active interrupts (`all`: the ended ones too). */
  interrupts: (all = false) => listAll<Interrupt>(all ? "/api/v3/interrupts?all=true" : "/api/v3/interrupts"),
  startInterrupt: (b: InterruptStart) => call<Interrupt>("POST", "/api/v3/interrupts", b),
  endInterrupt: (interruptId: string) => call<null>("DELETE", `/api/v3/interrupts/${id(interruptId)}`),

  /** `from` and `to`: the tenant's days (`YYYY-MM-DD`), both included. */
  plays: (from: string, to: string, groupBy: GroupBy) => call<PlaysReport>("GET", `/api/v3/analytics/plays?${range(from, to, { group_by: groupBy })}`),
  /** The same report as CSV (`key,label,plays,seconds`). */
  playsCsv: (from: string, to: string, groupBy: GroupBy) =>
    callBlob("GET", `/api/v3/analytics/plays?${range(from, to, { group_by: groupBy })}`, { accept: "text/csv" }),
  uptime: (from: string, to: string) =>
    call<{ rows: UptimeRow[] }>("GET", `/api/v3/analytics/screens?${range(from, to)}`).then((r) => r.rows),
};

/** Whether targets aim at every screen. */
export function aimsAtAll(t: Targets | null | undefined): boolean {
  return t?.all === true;
}

/** The targets as the API takes them: `{all:true}` or both lists. */
export function targetsBody(all: boolean, screenIds: string[], groupIds: string[]): Targets {
  return all ? { all: true } : { screen_ids: screenIds, group_ids: groupIds };
}

/** A short description: "All screens", "Lobby, Window, group Shops", "Lobby, 1 other screen". */
export function describeTargets(t: Targets, screenName: (id: string) => string | undefined, groupName: (id: string) => string | undefined): string {
  if (aimsAtAll(t)) return "All screens";
  const parts: string[] = [];
  let unknownScreens = 0;
  let unknownGroups = 0;
  for (const s of t.screen_ids ?? []) {
    const n = screenName(s);
    if (n) parts.push(n);
    else unknownScreens++;
  }
  for (const g of t.group_ids ?? []) {
    const n = groupName(g);
    if (n) parts.push(`group ${n}`);
    else unknownGroups++;
  }
  const shown = parts.length > 4 ? [...parts.slice(0, 3), `${parts.length - 3} more`] : parts;
  const other = parts.length ? "other " : "";
  if (unknownScreens) shown.push(`${unknownScreens} ${other}screen${unknownScreens === 1 ? "" : "s"}`);
  if (unknownGroups) shown.push(`${unknownGroups} ${other}group${unknownGroups === 1 ? "" : "s"}`);
  return shown.length ? shown.join(", ") : "No screens";
}

/** The API's field for a failure (`targets.screen_ids[0]` → `targets`), to put it next to its input. */
export function fieldOf(name: string): string {
  return name.split(/[.[]/)[0] ?? name;
}
