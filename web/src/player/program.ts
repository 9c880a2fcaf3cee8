/**
 * What a screen plays at a moment (docs/programming.md), the same as the
 * server's `domain::program` (`src/domain/program.rs`), so the screen keeps
 * following schedules and interrupts while the server is away. Both are tested
 * with the shared vectors `tests/vectors/program.json`.
 *
 * At `t` a screen plays:
 * 1. the newest (by `created_at`, then id) active interrupt aimed at it; else
 * 2. the playlists of the active schedules aimed at it with the highest
 *    priority, several at that priority merged item by item, ordered by
 *    `created_at` then id; else
 * 3. the default playlist.
 *
 * A schedule is active when enabled, `start <= t < end` (open ends) and `t`
 * in the tenant's time zone is inside its weekly window (the asset rule's
 * window, `schedule.ts`). An interrupt is active from `created_at` until
 * `until` (exclusive) or `ended_at`.
 *
 * Instants are compared to the microsecond, as the server stores them; ids as
 * Rust compares strings (by code point). No I/O: the clock and the zone are
 * passed in.
 */

import { type LocalTime, localTime, parseInstant, windowMatches } from "./schedule.js";
import type {
  ProgramInterruptJson,
  ProgramJson,
  ProgramPlaylistJson,
  ProgramScheduleJson,
  TargetsJson,
} from "./types.js";

/** The screen the rule is asked about (`id: null`: a player that is no paired screen, which only `all` reaches). */
export interface ScreenRef {
  id: string | null;
  group_id: string | null;
}

/** What plays. */
export type Source =
  | { source: "interrupt"; interrupt_id: string }
  /** The schedules that won (same priority) and their playlists, in merge order. */
  | { source: "schedule"; schedule_ids: string[]; playlist_ids: string[] }
  | { source: "default" };

export const DEFAULT_SOURCE: Source = Object.freeze({ source: "default" });

/** The priority of a schedule that does not say (the API's default). */
const PRIORITY_DEFAULT = 50;

/**
 * Whether `targets` aim at `screen`: `all`, its id, or its group's id.
 * Absent targets: the playlist's program, which holds only what is aimed at
 * this screen.
 */
export function aimsAt(targets: TargetsJson | null | undefined, screen: ScreenRef): boolean {
  if (targets === undefined || targets === null) return true;
  if (targets.all === true) return true;
  const has = (list: unknown, id: string | null) => id !== null && Array.isArray(list) && list.includes(id);
  return has(targets.screen_ids, screen.id) || has(targets.group_ids, screen.group_id);
}

/**
 * A UTC instant in microseconds since the epoch (exact in a double until the
 * year 2255), or null when unreadable. Digits past the microsecond are
 * dropped, as the server's database does.
 */
export function instantMicros(text: unknown): number | null {
  if (typeof text !== "string") return null;
  const ms = parseInstant(text);
  if (ms === null) return null;
  const fraction = /[T\s]\d{1,2}:\d{1,2}(?::\d{1,2})?[.,](\d+)/.exec(text)?.[1] ?? "";
  const below = fraction.length > 3 ? Number(fraction.slice(3, 6).padEnd(3, "0")) : 0;
  return ms * 1000 + below;
}

/** Compares two ids as Rust compares strings: by code point (UTF-8 byte order). */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  if (i < a.length) return 1;
  return j < b.length ? -1 : 0;
}

/** Open end (null) or a readable instant; anything else makes the schedule inactive. */
function bound(text: string | null | undefined): number | null | undefined {
  if (text === null || text === undefined) return null;
  return instantMicros(text) ?? undefined;
}

/**
 * Whether `schedule` plays at `nowUs` (microseconds) for whomever it aims at;
 * `local` gives the tenant's local time of that moment.
 */
export function scheduleActive(schedule: ProgramScheduleJson, nowUs: number, local: () => LocalTime): boolean {
  if (schedule.is_enabled === false) return false;
  const start = bound(schedule.start);
  const end = bound(schedule.end);
  if (start === undefined || end === undefined) return false;
  if (start !== null && !(start <= nowUs)) return false;
  if (end !== null && !(nowUs < end)) return false;
  return windowMatches(schedule, local());
}

/** Whether `interrupt` shows at `nowUs` (microseconds). */
export function interruptActive(interrupt: ProgramInterruptJson, nowUs: number): boolean {
  const created = instantMicros(interrupt.created_at);
  const until = bound(interrupt.until);
  const ended = bound(interrupt.ended_at);
  if (created === null || until === undefined || ended === undefined) return false;
  return created <= nowUs && (until === null || nowUs < until) && (ended === null || nowUs < ended);
}

function priorityOf(schedule: ProgramScheduleJson): number {
  const p = schedule.priority;
  return typeof p === "number" && Number.isFinite(p) ? p : PRIORITY_DEFAULT;
}

/** The rule: what `screen` plays at `t` (ms since the epoch) with the tenant in `timeZone`. */
export function at(
  t: number,
  timeZone: string,
  screen: ScreenRef,
  schedules: readonly ProgramScheduleJson[],
  interrupts: readonly ProgramInterruptJson[],
): Source {
  const nowUs = Math.floor(t) * 1000;
  let newest: { id: string; created: number } | null = null;
  for (const i of interrupts) {
    if (!aimsAt(i.targets, screen) || !interruptActive(i, nowUs)) continue;
    const created = instantMicros(i.created_at)!;
    // Rust's max_by: on a tie the later one wins.
    if (newest === null || created > newest.created || (created === newest.created && compareIds(i.id, newest.id) >= 0)) {
      newest = { id: i.id, created };
    }
  }
  if (newest !== null) return { source: "interrupt", interrupt_id: newest.id };

  let local: LocalTime | null = null;
  const localNow = () => (local ??= localTime(t, timeZone));
  const active: { s: ProgramScheduleJson; created: number }[] = [];
  for (const s of schedules) {
    if (!aimsAt(s.targets, screen)) continue;
    const created = instantMicros(s.created_at);
    if (created === null || !scheduleActive(s, nowUs, localNow)) continue;
    active.push({ s, created });
  }
  if (active.length === 0) return DEFAULT_SOURCE;
  const top = Math.max(...active.map((a) => priorityOf(a.s)));
  const winners = active
    .filter((a) => priorityOf(a.s) === top)
    .sort((a, b) => (a.created !== b.created ? (a.created < b.created ? -1 : 1) : compareIds(a.s.id, b.s.id)));
  return {
    source: "schedule",
    schedule_ids: winners.map((w) => w.s.id),
    playlist_ids: winners.map((w) => w.s.playlist_id),
  };
}

/** Several playlists played as one: item by item in turn (`[a,b,c]`, `[x,y]` → `a,x,b,y,c`). */
export function merge<T>(lists: readonly (readonly T[])[]): T[] {
  const longest = Math.max(0, ...lists.map((l) => l.length));
  const out: T[] = [];
  for (let i = 0; i < longest; i++) {
    for (const list of lists) if (i < list.length) out.push(list[i]!);
  }
  return out;
}

/** A string that is equal for equal sources (cheap to compare every second). */
export function sourceKey(source: Source): string {
  switch (source.source) {
    case "interrupt":
      return `interrupt\u0000${source.interrupt_id}`;
    case "schedule":
      return `schedule\u0000${source.schedule_ids.join("\u0001")}\u0000${source.playlist_ids.join("\u0001")}`;
    default:
      return "default";
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The playlist's `program` made safe to read: null when absent or not an
 * object (an older server, device mode); otherwise malformed entries dropped,
 * so a bad row cannot stop playback.
 */
export function readProgram(value: unknown): ProgramJson | null {
  if (!isObject(value)) return null;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const schedules = (Array.isArray(value.schedules) ? value.schedules : []).filter(
    (s): s is ProgramScheduleJson => isObject(s) && typeof s.id === "string" && typeof s.playlist_id === "string",
  );
  const interrupts = (Array.isArray(value.interrupts) ? value.interrupts : []).filter(
    (i): i is ProgramInterruptJson => isObject(i) && typeof i.id === "string",
  );
  // No prototype: a playlist id such as "constructor" finds nothing it should not.
  const playlists = Object.create(null) as Record<string, ProgramPlaylistJson>;
  if (isObject(value.playlists)) {
    for (const [id, p] of Object.entries(value.playlists)) {
      if (!isObject(p)) continue;
      const items = (Array.isArray(p.items) ? p.items : []).filter(
        (item): item is { asset_id: string; duration: number | null } => isObject(item) && typeof item.asset_id === "string",
      );
      playlists[id] = { name: str(p.name) ?? "", shuffle: p.shuffle === true, items };
    }
  }
  return { screen_id: str(value.screen_id), group_id: str(value.group_id), schedules, playlists, interrupts };
}
