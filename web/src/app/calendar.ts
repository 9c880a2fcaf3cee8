// The week calendar's rules, pure (unit-tested): wall-clock time in the tenant's zone, the
// blocks a schedule draws in a week (its days and daily window; an overnight window belongs to
// the day it starts and runs on into the next column), side-by-side lanes, conflicts under
// docs/programming.md's rule (a higher priority overrides; equal priorities play merged), the
// timeline's shading, and the drag maths (snap to 15 minutes, move, resize, days shifted).
//
// Time in a week is "week minutes": wall-clock minutes since Monday 00:00 of the shown week in
// the tenant's zone (0 … 10080). A day is 1440 of them, DST or not: the calendar draws the
// wall clock, as the rule reads it.

export const DAY_MIN = 1440;
export const WEEK_MIN = 7 * DAY_MIN;
export const DAY_MS = 86_400_000;
export const SNAP_MIN = 15;

// ----- wall-clock time in a zone -----

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = {
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    };
    try {
      f = new Intl.DateTimeFormat("en-US", { ...options, timeZone });
    } catch {
      // An unknown zone: UTC, as the server without one.
      f = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
    }
    formats.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this browser knows. */
export function knownZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The wall clock at `ms` in `timeZone` ("" = UTC) as minutes since 1970-01-01 00:00 of that clock. */
export function wallMinutes(ms: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of format(timeZone || "UTC").formatToParts(new Date(ms))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  const day = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1) / DAY_MS;
  const ms0 = ((ms % 60_000) + 60_000) % 60_000;
  return day * DAY_MIN + ((p.hour ?? 0) % 24) * 60 + (p.minute ?? 0) + ((p.second ?? 0) * 1000 + (ms0 % 1000)) / 60_000;
}

/** The local day (days since 1970-01-01 on the zone's calendar) of `ms`. */
export function localDay(ms: number, timeZone: string): number {
  return Math.floor(wallMinutes(ms, timeZone) / DAY_MIN);
}

/**
 * The instant when the wall clock in `timeZone` reads `wall` (minutes since 1970-01-01 00:00).
 * In a DST gap the answer is the instant the clock jumps past it; of a repeated hour, the first.
 */
export function instantOf(wall: number, timeZone: string): number {
  let t = wall * 60_000;
  for (let i = 0; i < 3; i++) {
    const diff = wallMinutes(t, timeZone) - wall;
    if (Math.abs(diff) < 1e-6) break;
    t -= diff * 60_000;
  }
  // Of a repeated hour, prefer the earlier instant.
  const earlier = t - 3_600_000;
  if (Math.abs(wallMinutes(earlier, timeZone) - wall) < 1e-6) return earlier;
  return t;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local day. 1970-01-01 was a Thursday. */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The Monday of the week of a local day. */
export function mondayOf(day: number): number {
  return day - (isoWeekday(day) - 1);
}

/** `YYYY-MM-DD` of a local day, and back (null if unreadable). */
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function parseDay(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) || dayString(ms / DAY_MS) !== text ? null : ms / DAY_MS;
}

// ----- times of day -----

/** `HH:MM` or `HH:MM:SS` (as the API writes them) → minutes since midnight; null if unreadable. */
export function parseHm(text: string | null | undefined): number | null {
  if (typeof text !== "string") return null;
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23 || min > 59 || s > 59) return null;
  return h * 60 + min + s / 60;
}

const mod = (n: number, m: number) => ((n % m) + m) % m;

/** Minutes since midnight → `HH:MM` (whole minutes, within the day). */
export function hm(minutes: number): string {
  const t = mod(Math.round(minutes), DAY_MIN);
  return `${String(Math.floor(t / 60)).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`;
}

/** The end of a span within a day: `HH:MM`, midnight at the end as 24:00. */
export function hmEnd(minutes: number): string {
  return Math.round(minutes) >= DAY_MIN ? "24:00" : hm(minutes);
}

// ----- blocks -----

/** What the calendar needs of a schedule (`Schedule` has it all). */
export interface CalSchedule {
  id: string;
  play_days: number[];
  play_time_from: string | null;
  play_time_to: string | null;
  priority: number;
  is_enabled: boolean;
  start_date: string | null;
  end_date: string | null;
}

/** The daily window in minutes; null: all day; "never": a window that never matches (from = to, or unreadable). */
export function windowOf(s: Pick<CalSchedule, "play_time_from" | "play_time_to">): { from: number; to: number } | null | "never" {
  if (s.play_time_from === null && s.play_time_to === null) return null;
  const from = parseHm(s.play_time_from);
  const to = parseHm(s.play_time_to);
  if (from === null || to === null || from === to) return "never";
  return { from, to };
}

/** One play of a schedule in the week: [start, end) in week minutes, anchored on the day it starts (-1: the Sunday before). */
export interface Occurrence {
  scheduleId: string;
  day: number;
  start: number;
  end: number;
  /** Before clipping to the week and the dates: where the play starts and how long it is. */
  from: number;
  duration: number;
  allDay: boolean;
}

const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];

/** The weekdays a schedule plays on (none listed, or a bad list: every day, as the server reads it). */
export function daysOf(s: Pick<CalSchedule, "play_days">): number[] {
  const d = Array.isArray(s.play_days) ? s.play_days.filter((x) => Number.isInteger(x) && x >= 1 && x <= 7) : [];
  return d.length ? [...new Set(d)].sort((a, b) => a - b) : ALL_DAYS;
}

/**
 * The plays of `s` in the week starting on local day `monday`, clipped to the week and to its
 * dates (converted to the zone's wall clock).
 */
export function occurrences(s: CalSchedule, monday: number, timeZone: string): Occurrence[] {
  const w = windowOf(s);
  if (w === "never") return [];
  const weekStart = monday * DAY_MIN;
  const startMs = s.start_date ? Date.parse(s.start_date) : NaN;
  const endMs = s.end_date ? Date.parse(s.end_date) : NaN;
  const lo = Math.max(0, Number.isNaN(startMs) ? -Infinity : wallMinutes(startMs, timeZone) - weekStart);
  const hi = Math.min(WEEK_MIN, Number.isNaN(endMs) ? Infinity : wallMinutes(endMs, timeZone) - weekStart);
  const days = daysOf(s);
  const out: Occurrence[] = [];
  for (let day = -1; day < 7; day++) {
    if (!days.includes(mod(day, 7) + 1)) continue;
    const from = w ? w.from : 0;
    const duration = w ? (w.to > w.from ? w.to - w.from : w.to + DAY_MIN - w.from) : DAY_MIN;
    const start = Math.max(lo, day * DAY_MIN + from);
    const end = Math.min(hi, day * DAY_MIN + from + duration);
    if (end > start) out.push({ scheduleId: s.id, day, start, end, from, duration, allDay: w === null });
  }
  return out;
}

/** How schedule `b`'s screens relate to schedule `a`'s: it reaches all of them, some, or none. */
export type Reach = "all" | "some" | "none";

/** What a block is shown as, beyond its schedule. */
export interface Conflict {
  /** Higher-priority plays (of schedules reaching its screens) cover it all, part of it, or none. */
  overridden: "fully" | "partly" | "no";
  /** Schedules of the same priority it overlaps with (they play merged there). */
  mergedWith: string[];
  /** Schedules of a higher priority that override some of it. */
  overriddenBy: string[];
}

interface Span {
  start: number;
  end: number;
}

/** The total length of the union of spans, within [start, end). */
function covered(spans: Span[], start: number, end: number): number {
  const parts = spans
    .map((s) => ({ start: Math.max(s.start, start), end: Math.min(s.end, end) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let at = start;
  for (const p of parts) {
    const from = Math.max(at, p.start);
    if (p.end > from) {
      total += p.end - from;
      at = p.end;
    }
  }
  return total;
}

/**
 * Conflicts of each occurrence (by index) with those of other enabled schedules: `reach(a, b)`
 * says how b's screens relate to a's (always "all" when the calendar shows one screen).
 * Higher priority wins where it reaches all of a's screens; reaching some, or overlapping
 * only partly, overrides "partly".
 */
export function conflicts(occ: Occurrence[], schedules: Map<string, CalSchedule>, reach: (a: string, b: string) => Reach): Conflict[] {
  return occ.map((o) => {
    const me = schedules.get(o.scheduleId);
    const result: Conflict = { overridden: "no", mergedWith: [], overriddenBy: [] };
    if (!me?.is_enabled) return result;
    const full: Span[] = [];
    let some = false;
    for (const q of occ) {
      if (q.scheduleId === o.scheduleId || q.end <= o.start || q.start >= o.end) continue;
      const other = schedules.get(q.scheduleId);
      if (!other?.is_enabled) continue;
      const r = reach(o.scheduleId, q.scheduleId);
      if (r === "none") continue;
      if (other.priority > me.priority) {
        if (!result.overriddenBy.includes(q.scheduleId)) result.overriddenBy.push(q.scheduleId);
        if (r === "all") full.push(q);
        some = true;
      } else if (other.priority === me.priority && !result.mergedWith.includes(q.scheduleId)) {
        result.mergedWith.push(q.scheduleId);
      }
    }
    if (full.length && covered(full, o.start, o.end) >= o.end - o.start - 1e-9) result.overridden = "fully";
    else if (some) result.overridden = "partly";
    return result;
  });
}

/** The screens a target list reaches, as sets (groups expanded with the known screens). */
export interface Reached {
  all: boolean;
  screens: Set<string>;
  groups: Set<string>;
}

export function reached(t: { all?: boolean; screen_ids?: string[]; group_ids?: string[] }, groupOf: Map<string, string | null>): Reached {
  const groups = new Set(t.group_ids ?? []);
  const screens = new Set(t.screen_ids ?? []);
  for (const [screen, group] of groupOf) if (group && groups.has(group)) screens.add(screen);
  return { all: t.all === true, screens, groups };
}

/** How `b` relates to `a`'s screens (see `Reach`). A group counts as a screen of its own (it may gain some). */
export function reachOf(a: Reached, b: Reached): Reach {
  if (b.all) return "all";
  if (a.all) return b.screens.size || b.groups.size ? "some" : "none";
  const coversScreens = [...a.screens].every((s) => b.screens.has(s));
  const coversGroups = [...a.groups].every((g) => b.groups.has(g));
  if ((a.screens.size || a.groups.size) && coversScreens && coversGroups) return "all";
  const meets = [...a.screens].some((s) => b.screens.has(s)) || [...a.groups].some((g) => b.groups.has(g));
  return meets ? "some" : "none";
}

/** Whether a schedule plays on a screen (in group `groupId`), or on a group. */
export function aimsAtScreen(t: { all?: boolean; screen_ids?: string[]; group_ids?: string[] }, screenId: string, groupId: string | null): boolean {
  return t.all === true || (t.screen_ids ?? []).includes(screenId) || (groupId !== null && (t.group_ids ?? []).includes(groupId));
}

export function aimsAtGroup(t: { all?: boolean; screen_ids?: string[]; group_ids?: string[] }, groupId: string): boolean {
  return t.all === true || (t.group_ids ?? []).includes(groupId);
}

/** A piece of an occurrence within one day column, with its place among its neighbours. */
export interface Piece {
  /** Index of the occurrence in the list given to `pieces`. */
  occ: number;
  scheduleId: string;
  /** Column, 0 = Monday. */
  col: number;
  /** Minutes since the column's midnight, [top, bottom). */
  top: number;
  bottom: number;
  /** Whether the play starts / ends in this piece (the end one gets the resize handle). */
  first: boolean;
  last: boolean;
  lane: number;
  lanes: number;
}

/** Cuts occurrences at midnights and lays each column's pieces out side by side where they overlap. */
export function pieces(occ: Occurrence[]): Piece[] {
  const out: Piece[] = [];
  occ.forEach((o, i) => {
    for (let col = Math.max(0, Math.floor(o.start / DAY_MIN)); col < 7 && col * DAY_MIN < o.end; col++) {
      const top = Math.max(o.start, col * DAY_MIN) - col * DAY_MIN;
      const bottom = Math.min(o.end, (col + 1) * DAY_MIN) - col * DAY_MIN;
      if (bottom <= top) continue;
      out.push({
        occ: i,
        scheduleId: o.scheduleId,
        col,
        top,
        bottom,
        first: o.start === o.day * DAY_MIN + o.from && col * DAY_MIN <= o.start,
        last: o.end === o.day * DAY_MIN + o.from + o.duration && o.end <= (col + 1) * DAY_MIN,
        lane: 0,
        lanes: 1,
      });
    }
  });
  for (let col = 0; col < 7; col++) layOut(out.filter((p) => p.col === col));
  return out;
}

/** Lanes in one column: clusters of overlapping pieces share the width, first free lane each. */
function layOut(col: Piece[]): void {
  col.sort((a, b) => a.top - b.top || b.bottom - a.bottom || a.scheduleId.localeCompare(b.scheduleId));
  let cluster: Piece[] = [];
  let ends: number[] = [];
  let clusterEnd = -1;
  const close = () => {
    for (const p of cluster) p.lanes = ends.length;
    cluster = [];
    ends = [];
  };
  for (const p of col) {
    if (p.top >= clusterEnd) close();
    let lane = ends.findIndex((e) => e <= p.top);
    if (lane < 0) {
      lane = ends.length;
      ends.push(p.bottom);
    } else ends[lane] = p.bottom;
    p.lane = lane;
    cluster.push(p);
    clusterEnd = Math.max(clusterEnd, p.bottom);
  }
  close();
}

// ----- the timeline's shading -----

export interface Shade {
  col: number;
  top: number;
  bottom: number;
  source: "schedule" | "default" | "interrupt";
  playlistIds: string[];
  scheduleIds: string[];
  interruptId: string | null;
}

/** A screen's timeline segments cut into the week's columns (week minutes from `monday`). */
export function shades(
  segments: { start: string; end: string; source: Shade["source"]; playlist_ids: string[]; schedule_ids: string[]; interrupt_id: string | null }[],
  monday: number,
  timeZone: string,
): Shade[] {
  const weekStart = monday * DAY_MIN;
  const out: Shade[] = [];
  for (const s of segments) {
    const a = Date.parse(s.start);
    const b = Date.parse(s.end);
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    const start = Math.max(0, wallMinutes(a, timeZone) - weekStart);
    const end = Math.min(WEEK_MIN, wallMinutes(b, timeZone) - weekStart);
    for (let col = Math.max(0, Math.floor(start / DAY_MIN)); col < 7 && col * DAY_MIN < end; col++) {
      const top = Math.max(start, col * DAY_MIN) - col * DAY_MIN;
      const bottom = Math.min(end, (col + 1) * DAY_MIN) - col * DAY_MIN;
      if (bottom > top) {
        out.push({ col, top, bottom, source: s.source, playlistIds: s.playlist_ids ?? [], scheduleIds: s.schedule_ids ?? [], interruptId: s.interrupt_id ?? null });
      }
    }
  }
  return out;
}

// ----- dragging -----

/** Rounds minutes to the nearest step (15 minutes). */
export function snap(minutes: number, step = SNAP_MIN): number {
  return Math.round(minutes / step) * step;
}

/** Pixels dragged → minutes, at `hourPx` pixels an hour. */
export function pxToMinutes(px: number, hourPx: number): number {
  return (px / hourPx) * 60;
}

/** What a drop changes: the window (null: all day, unchanged) and how many days the days move. */
export interface DragResult {
  from: string | null;
  to: string | null;
  dayShift: number;
}

/**
 * Moving an occurrence by `dDays` columns and `dMinutes`: the start snaps to 15 minutes, the
 * length stays; past midnight the day moves too. An all-day play only moves across days.
 * Null: nothing changes.
 */
export function moveBy(o: Pick<Occurrence, "day" | "from" | "duration" | "allDay">, dDays: number, dMinutes: number): DragResult | null {
  if (o.allDay) return dDays === 0 ? null : { from: null, to: null, dayShift: dDays };
  const at = o.day * DAY_MIN + o.from;
  const next = snap(at + dDays * DAY_MIN + dMinutes);
  if (next === at || (dDays === 0 && Math.abs(dMinutes) < SNAP_MIN / 2)) return null;
  const day = Math.floor(next / DAY_MIN);
  const from = mod(next, DAY_MIN);
  return { from: hm(from), to: hm(from + o.duration), dayShift: day - o.day };
}

/**
 * Resizing an occurrence's end by `dMinutes`: the end snaps to 15 minutes; the play lasts from
 * 15 minutes to 23 h 45 (a window of 24 h would have equal ends, which never plays). An all-day
 * play becomes 00:00 to the new end.
 */
export function resizeBy(o: Pick<Occurrence, "from" | "duration" | "allDay">, dMinutes: number): DragResult | null {
  if (Math.abs(dMinutes) < SNAP_MIN / 2) return null;
  const end = snap(o.from + o.duration + dMinutes);
  const duration = Math.min(DAY_MIN - SNAP_MIN, Math.max(SNAP_MIN, end - o.from));
  if (!o.allDay && duration === o.duration) return null;
  return { from: hm(o.from), to: hm(o.from + duration), dayShift: 0 };
}

/** ISO weekdays moved by `shift` days (Sunday + 1 = Monday), sorted. */
export function shiftDays(days: number[], shift: number): number[] {
  return [...new Set(days.map((d) => mod(d - 1 + shift, 7) + 1))].sort((a, b) => a - b);
}

/** The schedule fields a drop changes. */
export function dropPatch(s: Pick<CalSchedule, "play_days" | "play_time_from" | "play_time_to">, r: DragResult) {
  const patch: { play_time_from?: string | null; play_time_to?: string | null; play_days?: number[] } = {};
  if (r.from !== null || s.play_time_from !== null) {
    patch.play_time_from = r.from;
    patch.play_time_to = r.to;
  }
  if (r.dayShift !== 0) patch.play_days = shiftDays(daysOf(s), r.dayShift);
  return patch;
}

// ----- colours -----

/** Playlist colours: distinct, white text readable on each, in both themes. */
export const PALETTE = ["#1f6feb", "#1a7f37", "#bf3989", "#bc4c00", "#8250df", "#0e7490", "#9a6700", "#cf222e", "#4f46e5", "#57606a"];

/** A playlist's colour: by its place in the list (stable while the list is), cycling. */
export function colourOf(playlistId: string, playlistIds: string[]): string {
  const i = playlistIds.indexOf(playlistId);
  return PALETTE[mod(i < 0 ? hash(playlistId) : i, PALETTE.length)] as string;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

// ----- words -----

const DAY_SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Weekdays in words: "Every day", "Mon–Fri", "Sat, Sun", "Mon, Wed, Fri", "Fri–Mon". */
export function daysText(days: number[]): string {
  const d = daysOf({ play_days: days });
  if (d.length === 7) return "Every day";
  // Runs of consecutive days, Sunday running on into Monday.
  const on = new Set(d);
  const runs: number[][] = [];
  const start = [1, 2, 3, 4, 5, 6, 7].find((x) => on.has(x) && !on.has(x === 1 ? 7 : x - 1)) ?? 1;
  for (let i = 0; i < 7; i++) {
    const day = ((start - 1 + i) % 7) + 1;
    if (!on.has(day)) continue;
    const last = runs[runs.length - 1];
    const prev = day === 1 ? 7 : day - 1;
    if (last && last[last.length - 1] === prev) last.push(day);
    else runs.push([day]);
  }
  return runs
    .map((r) => {
      const name = (x: number) => DAY_SHORT[x - 1] as string;
      if (r.length >= 3) return `${name(r[0] as number)}–${name(r[r.length - 1] as number)}`;
      return r.map(name).join(", ");
    })
    .join(", ");
}

/** The daily window in words: "06:00–10:30", "22:00–06:00 overnight", "all day", "never (equal times)". */
export function windowText(s: Pick<CalSchedule, "play_time_from" | "play_time_to">, clock: (hhmm: string) => string = (t) => t): string {
  const w = windowOf(s);
  if (w === null) return "all day";
  if (w === "never") return "never (the two times are equal)";
  return `${clock(hm(w.from))}–${clock(hm(w.to))}${w.from > w.to ? " overnight" : ""}`;
}
