// Pure rules of the Screens page: when a screen counts as offline without anyone saying so,
// when to re-read the fleet, applying live status events, search and filters, pairing codes,
// tags, and the sentences the page shows. No DOM, no Preact: unit-tested in node.
import type { Command, CommandResult, Screen, ScreenStatus } from "./screensApi";

/** A screen is offline this long after its last heartbeat (`last_seen_at`), event or not. */
export const OFFLINE_AFTER_MS = 90_000;
/**
 * The event stream says when a screen connects or goes away, not every heartbeat, so an online
 * screen's `last_seen_at` grows old on the page while it is still fine. The page re-reads the
 * fleet once the newest online heartbeat it knows is this old, before the 90 s run out.
 */
export const CONFIRM_AFTER_MS = 60_000;
/** Never re-read more often than this for the countdown (a wrong clock must not loop). */
export const MIN_REREAD_MS = 15_000;

/** Pairing codes: 6 characters without 0/O/1/I. */
export const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

type Seen = Pick<Screen, "status" | "last_seen_at">;

function seenAt(s: Seen): number | null {
  if (!s.last_seen_at) return null;
  const t = Date.parse(s.last_seen_at);
  return Number.isNaN(t) ? null : t;
}

/**
 * The screen's status at `now` (this browser's clock; `skew` = server clock − browser clock):
 * what the server said, except that an online screen turns offline 90 s after `last_seen_at`.
 */
export function statusAt(s: Seen, now: number, skew = 0): ScreenStatus {
  if (s.status !== "online") return s.status;
  const seen = seenAt(s);
  if (seen === null) return "online";
  return now + skew - seen >= OFFLINE_AFTER_MS ? "offline" : "online";
}

/** Milliseconds until an online screen counts as offline (0: already); null when it is not online. */
export function msUntilOffline(s: Seen, now: number, skew = 0): number | null {
  if (statusAt(s, now, skew) !== "online") return null;
  const seen = seenAt(s);
  if (seen === null) return null;
  return Math.max(0, seen + OFFLINE_AFTER_MS - (now + skew));
}

/** Milliseconds until the first of `screens` turns offline by the countdown; null when none will. */
export function nextOffline(screens: readonly Seen[], now: number, skew = 0): number | null {
  let next: number | null = null;
  for (const s of screens) {
    const ms = msUntilOffline(s, now, skew);
    if (ms !== null && (next === null || ms < next)) next = ms;
  }
  return next;
}

/**
 * When to re-read the fleet to learn newer heartbeats: CONFIRM_AFTER_MS after the oldest online
 * screen's `last_seen_at`, but not sooner than MIN_REREAD_MS after the last read (`readAt`).
 * Null when no screen is online (nothing to confirm).
 */
export function rereadIn(screens: readonly Seen[], now: number, skew: number, readAt: number): number | null {
  let due: number | null = null;
  for (const s of screens) {
    if (statusAt(s, now, skew) !== "online") continue;
    const seen = seenAt(s);
    if (seen === null) continue;
    const ms = seen + CONFIRM_AFTER_MS - (now + skew);
    if (due === null || ms < due) due = ms;
  }
  if (due === null) return null;
  return Math.max(due, readAt + MIN_REREAD_MS - now, 0);
}

/** `event: screen_status` on `GET /api/events`. */
export interface StatusEvent {
  type?: string;
  tenant_id?: string;
  screen_id: string;
  status: "online" | "offline";
  last_seen_at?: string | null;
}

export function isStatusEvent(v: unknown): v is StatusEvent {
  if (!v || typeof v !== "object") return false;
  const o = v as Record<string, unknown>;
  return typeof o.screen_id === "string" && (o.status === "online" || o.status === "offline");
}

/**
 * The fleet after a status event; null when the event names a screen the page does not have
 * (added elsewhere: re-read the fleet).
 */
export function applyStatus(screens: readonly Screen[], e: StatusEvent): Screen[] | null {
  const i = screens.findIndex((s) => s.id === e.screen_id);
  if (i < 0) return null;
  const old = screens[i] as Screen;
  const next: Screen = { ...old, status: e.status, last_seen_at: e.last_seen_at ?? old.last_seen_at };
  const out = screens.slice();
  out[i] = next;
  return out;
}

/** The group filter's value for screens in no group. */
export const NO_GROUP = "-";

export interface Filter {
  /** Part of the name, any case. */
  q: string;
  /** "" every group, NO_GROUP none, else a group's id. */
  group: string;
  /** "" any tag, else one tag. */
  tag: string;
  /** "" any status. */
  status: "" | ScreenStatus;
}

export const NO_FILTER: Filter = { q: "", group: "", tag: "", status: "" };

export function isFiltered(f: Filter): boolean {
  return Boolean(f.q.trim() || f.group || f.tag || f.status);
}

/** The screens the filter lets through, by name; statuses as of `now`. */
export function filterScreens(screens: readonly Screen[], f: Filter, now: number, skew = 0): Screen[] {
  const q = f.q.trim().toLocaleLowerCase();
  return screens
    .filter(
      (s) =>
        (!q || s.name.toLocaleLowerCase().includes(q)) &&
        (!f.group || (f.group === NO_GROUP ? s.group_id === null : s.group_id === f.group)) &&
        (!f.tag || s.tags.includes(f.tag)) &&
        (!f.status || statusAt(s, now, skew) === f.status),
    )
    .sort(byName);
}

export function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: "base" });
}

/** Every tag in use, sorted. */
export function allTags(screens: readonly Screen[]): string[] {
  return [...new Set(screens.flatMap((s) => s.tags))].sort((a, b) => a.localeCompare(b));
}

/** How many screens are in each status at `now`. */
export function countByStatus(screens: readonly Screen[], now: number, skew = 0): Record<ScreenStatus, number> {
  const n: Record<ScreenStatus, number> = { online: 0, offline: 0, never_seen: 0 };
  for (const s of screens) n[statusAt(s, now, skew)]++;
  return n;
}

/** A code as typed ("k7q-2xm ") in the form the server knows ("K7Q2XM"). */
export function normalizeCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "");
}

export function isCode(code: string): boolean {
  return code.length === 6 && [...code].every((c) => CODE_ALPHABET.includes(c));
}

/** Tags typed as "floor-1, lobby": trimmed, without empties or repeats, in the order typed. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];
}

export const STATUS_LABEL: Record<ScreenStatus, string> = {
  online: "Online",
  offline: "Offline",
  never_seen: "Never connected",
};

/** "just now", "5 min ago", "3 h ago", "2 days ago"; "never" without a time. */
export function ago(iso: string | null, now: number, skew = 0): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.floor((now + skew - t) / 1000));
  if (s < 60) return "just now";
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

export const COMMAND_LABEL: Record<Command, string> = {
  next: "Next",
  previous: "Previous",
  reload: "Reload",
  blank: "Blank",
  unblank: "Unblank",
  show: "Show",
};

/**
 * What a command reached, in one sentence: "“Next” sent to Lobby.", "“Blank” sent to 2 screens
 * in Windows. Offline, not sent: Bar." (`group`: the target is a group).
 */
export function commandSummary(r: CommandResult, target: string, group = false): string {
  const label = COMMAND_LABEL[r.command as Command] ?? r.command;
  const n = r.sent_to.length;
  const to = group ? `${n} screen${n === 1 ? "" : "s"} in ${target}` : target;
  const head = n ? `“${label}” sent to ${to}.` : `“${label}” reached no screen.`;
  if (!r.offline.length) return head;
  return `${head} Offline, not sent: ${r.offline.map((s) => s.name).join(", ")}.`;
}
