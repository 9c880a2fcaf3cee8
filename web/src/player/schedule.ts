/**
 * The asset schedule rule, the same as the server's (`src/domain/schedule.rs`),
 * so the screen keeps following the schedule while the server is away.
 *
 * An asset is active at `now` when it is enabled, has both dates, lies
 * strictly between them (UTC instants), and the device-local wall-clock time
 * falls inside its play window: a set of ISO weekdays plus an optional
 * half-open time range `[from, to)`. A range with `from > to` runs overnight
 * and belongs to the day it starts on; `from == to` never matches; a range
 * with only one end set counts as no range at all.
 */

import type { PlayerSettings, ScheduleJson } from "./types.js";

/** Device-local wall-clock reading of an instant. */
export interface LocalTime {
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
  /** Microseconds since local midnight. */
  micros: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = {
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    };
    try {
      f = new Intl.DateTimeFormat("en-US", { ...options, timeZone });
    } catch {
      // An unknown zone must not stop playback: fall back to UTC, as a
      // server without a configured zone does.
      f = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local weekday and time of day of `epochMs` in `timeZone` (IANA name; "" = UTC). */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  const parts = formatter(timeZone || "UTC").formatToParts(new Date(epochMs));
  let isoWeekday = 1;
  let h = 0;
  let m = 0;
  let s = 0;
  for (const part of parts) {
    if (part.type === "weekday") isoWeekday = WEEKDAYS[part.value] ?? 1;
    else if (part.type === "hour") h = Number(part.value) % 24;
    else if (part.type === "minute") m = Number(part.value);
    else if (part.type === "second") s = Number(part.value);
  }
  // Zone offsets are whole seconds, so the sub-second part is the instant's.
  const ms = ((epochMs % 1000) + 1000) % 1000;
  return { isoWeekday, micros: ((h * 60 + m) * 60 + s) * 1_000_000 + ms * 1000 };
}

/**
 * Parses a time of day as the server writes it: `H:M`, `H:M:S` or `H:M:S.f`
 * (one or two digits per field, up to 12 fraction digits of which 6 count).
 * Returns microseconds since midnight, or null.
 */
export function parseTime(text: string | null | undefined): number | null {
  if (typeof text !== "string") return null;
  const match = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,12}))?)?$/.exec(text);
  if (!match) return null;
  const h = Number(match[1]);
  const m = Number(match[2]);
  const s = match[3] === undefined ? 0 : Number(match[3]);
  if (h > 23 || m > 59 || s > 59) return null;
  const fraction = match[4] === undefined ? 0 : Number(match[4].slice(0, 6).padEnd(6, "0"));
  return ((h * 60 + m) * 60 + s) * 1_000_000 + fraction;
}

/** Parses a UTC instant; a string without an offset is read as UTC, not local time. */
export function parseInstant(text: string | null | undefined): number | null {
  if (typeof text !== "string" || text === "") return null;
  const zoned = /(?:[zZ]|[+-]\d\d(?::?\d\d)?)$/.test(text) && /T|\s/.test(text);
  const ms = Date.parse(zoned ? text : `${text.replace(" ", "T")}Z`);
  return Number.isNaN(ms) ? null : ms;
}

function validDays(days: unknown): number[] {
  if (!Array.isArray(days)) return [1, 2, 3, 4, 5, 6, 7];
  const ok = days.filter((d): d is number => Number.isInteger(d) && d >= 1 && d <= 7);
  return ok.length === 0 || ok.length !== days.length ? [1, 2, 3, 4, 5, 6, 7] : ok;
}

/** The ISO weekday before `day` (Monday → Sunday). */
function previousDay(day: number): number {
  return day === 1 ? 7 : day - 1;
}

/** The weekly window part of a schedule: an asset's, or a program schedule's. */
export type WindowJson = Pick<ScheduleJson, "play_days" | "from" | "to">;

/** Whether local time `t` falls inside the weekly window of `schedule`. */
export function windowMatches(schedule: WindowJson, t: LocalTime): boolean {
  const days = validDays(schedule.play_days);
  const playsOn = (day: number) => days.includes(day);
  const from = parseTime(schedule.from);
  const to = parseTime(schedule.to);
  if (from === null || to === null) return playsOn(t.isoWeekday);
  if (from <= to) return playsOn(t.isoWeekday) && from <= t.micros && t.micros < to;
  if (t.micros >= from) return playsOn(t.isoWeekday);
  // The small hours belong to the night that started the day before.
  if (t.micros < to) return playsOn(previousDay(t.isoWeekday));
  return false;
}

/** Whether the window can exclude any moment (then the player must keep re-checking it). */
export function hasWindowFilter(schedule: WindowJson): boolean {
  const timed = parseTime(schedule.from) !== null && parseTime(schedule.to) !== null;
  return timed || validDays(schedule.play_days).length !== 7;
}

/** Whether the asset plays at all: enabled with both dates. */
export function isCandidate(schedule: ScheduleJson): boolean {
  return (
    schedule.is_enabled === true && parseInstant(schedule.start) !== null && parseInstant(schedule.end) !== null
  );
}

/** Whether an asset with `schedule` is on screen at `nowMs` on a device in `timeZone`. */
export function isActive(schedule: ScheduleJson, nowMs: number, timeZone: string): boolean {
  if (schedule.is_enabled !== true) return false;
  const start = parseInstant(schedule.start);
  const end = parseInstant(schedule.end);
  if (start === null || end === null || !(start < nowMs && nowMs < end)) return false;
  return windowMatches(schedule, localTime(nowMs, timeZone));
}

/**
 * Whether the display is on at `nowMs` under the display power schedule.
 * On-hours run `[on, off)` in device time on the listed days (Monday = 0);
 * `off < on` crosses midnight and belongs to the day it starts on. With the
 * schedule disabled, or unreadable times, or `on == off`, the display stays on:
 * a typo must not leave a screen dark.
 */
export function displayOn(settings: PlayerSettings, nowMs: number, timeZone: string): boolean {
  if (!settings.display_power_schedule_enabled) return true;
  const on = parseTime(settings.display_power_on_time);
  const off = parseTime(settings.display_power_off_time);
  if (on === null || off === null || on === off) return true;
  const listed = String(settings.display_power_days ?? "")
    .split(",")
    .map((d) => d.trim())
    .filter((d) => /^[0-6]$/.test(d))
    .map((d) => Number(d) + 1); // to ISO weekdays
  const days = listed.length === 0 ? [1, 2, 3, 4, 5, 6, 7] : listed;
  const t = localTime(nowMs, timeZone);
  if (on < off) return days.includes(t.isoWeekday) && on <= t.micros && t.micros < off;
  if (t.micros >= on) return days.includes(t.isoWeekday);
  if (t.micros < off) return days.includes(previousDay(t.isoWeekday));
  return false;
}
