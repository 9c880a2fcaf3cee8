// Why an item is or is not on the screen now, in words: the Schedule page's "Playing" list holds
// only what really plays. Pure (unit-tested in node). The schedule rule itself is the player's
// port of the server's (src/domain/schedule.rs), reused rather than written twice; this module
// only names which part of it says no, and adds what the rule does not see (a failed download,
// a job still running, a page that cannot be framed).
import type { Asset } from "./api.js";
import { localTime, parseInstant, parseTime, windowMatches } from "../player/schedule.js";

/** What the server found when it last checked a web page (`page_check` on v2/v3 assets). */
export interface PageCheck {
  status: "ok" | "not_frameable" | "unreachable";
  reason?: string | null;
  checked_at?: string | null;
}

export type Reason =
  | "playing"
  | "disabled"
  | "processing"
  | "failed"
  | "no_dates"
  | "not_started"
  | "ended"
  | "not_today"
  | "outside_hours"
  | "not_frameable"
  | "unreachable";

export interface PlayStatus {
  reason: Reason;
  /** A few words for the row's chip. */
  text: string;
  /** The longer sentence: why, and what to do. */
  detail: string;
  tone: "ok" | "warn" | "bad" | "info";
}

/** The page check an asset carries; null when absent or unreadable (unknown: assume it shows). */
export function pageCheckOf(a: Asset): PageCheck | null {
  const pc = (a as Asset & { page_check?: unknown }).page_check;
  if (!pc || typeof pc !== "object") return null;
  const status = (pc as { status?: unknown }).status;
  if (status !== "ok" && status !== "not_frameable" && status !== "unreachable") return null;
  return pc as PageCheck;
}

/** A failed job's reason (a download without yt-dlp, a video that would not convert); "" when none. */
export function failureOf(a: Asset): string {
  const m = a.metadata?.error_message;
  return typeof m === "string" ? m : "";
}

/**
 * Which reason applies at `now` for a screen in `timeZone` (IANA; "" = UTC), checked in the order
 * a person would fix them: switched off, then broken, then the calendar, then the daily window.
 */
export function reasonAt(a: Asset, now: number, timeZone: string): Reason {
  if (!a.is_enabled) return "disabled";
  if (failureOf(a)) return "failed";
  if (a.is_processing) return "processing";
  const check = pageCheckOf(a);
  if (check?.status === "not_frameable") return "not_frameable";
  if (check?.status === "unreachable") return "unreachable";
  const start = parseInstant(a.start_date);
  const end = parseInstant(a.end_date);
  if (start === null || end === null) return "no_dates";
  // The server's rule is strict at both ends: start < now < end.
  if (!(start < now)) return "not_started";
  if (!(now < end)) return "ended";
  const window = { play_days: a.play_days, from: a.play_time_from, to: a.play_time_to };
  const t = localTime(now, timeZone);
  if (!windowMatches(window, t)) {
    // The hours would match on a listed day: today is the wrong day; otherwise the wrong hour.
    const anyDay = windowMatches({ ...window, play_days: [1, 2, 3, 4, 5, 6, 7] }, t);
    return anyDay ? "not_today" : "outside_hours";
  }
  return "playing";
}

/** Whether the item is in the screen's rotation now. */
export function isPlayingNow(a: Asset, now: number, timeZone: string): boolean {
  return reasonAt(a, now, timeZone) === "playing";
}

/** Formatting the status needs: dates and times in the device's style. */
export interface Words {
  day: (iso: string) => string;
  time: (hhmm: string) => string;
}

const DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** The status of an item at `now`, with the words the page shows. */
export function playStatus(a: Asset, now: number, timeZone: string, w: Words): PlayStatus {
  const reason = reasonAt(a, now, timeZone);
  const hours =
    parseTime(a.play_time_from) !== null && parseTime(a.play_time_to) !== null
      ? `${w.time(a.play_time_from as string)}–${w.time(a.play_time_to as string)}`
      : "";
  switch (reason) {
    case "playing":
      return { reason, text: "Playing", detail: "In the screen's rotation now.", tone: "ok" };
    case "disabled":
      return { reason, text: "Switched off", detail: "Turn it on with its switch to put it on the screen.", tone: "info" };
    case "failed":
      return { reason, text: "Failed", detail: `It cannot play: ${failureOf(a)}`, tone: "bad" };
    case "processing":
      return { reason, text: "Processing…", detail: "It plays once it is ready (downloading or converting).", tone: "warn" };
    case "no_dates":
      return { reason, text: "No dates", detail: "Set when it starts and ends so it can play.", tone: "warn" };
    case "not_started":
      return { reason, text: `Starts ${w.day(a.start_date as string)}`, detail: "It plays from its start date.", tone: "info" };
    case "ended":
      return { reason, text: `Ended ${w.day(a.end_date as string)}`, detail: "Its end date has passed: edit it to play it again.", tone: "bad" };
    case "not_today": {
      const days = (a.play_days ?? []).map((d) => DAY_NAMES[d - 1]).join(" ");
      return { reason, text: "Not today", detail: `It plays only on ${days}${hours ? `, ${hours}` : ""}.`, tone: "info" };
    }
    case "outside_hours":
      return { reason, text: `Outside its hours (${hours})`, detail: `It plays only between ${hours} (the screen's time).`, tone: "info" };
    case "not_frameable":
      return {
        reason,
        text: "Cannot be shown",
        detail:
          "This site does not allow being shown inside another page, so screens skip it. It plays on a screen running the Signate kiosk extension; otherwise choose another page.",
        tone: "bad",
      };
    case "unreachable":
      return {
        reason,
        text: "Cannot be reached",
        detail: `The page could not be reached${pageCheckOf(a)?.reason ? ` (${pageCheckOf(a)?.reason})` : ""}, so screens skip it. Check the address.`,
        tone: "bad",
      };
  }
}
