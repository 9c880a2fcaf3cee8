// Pure helpers: how assets are described to people, and guesses from URLs.
import type { Asset } from "./api";

export const DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

export function humanDuration(seconds: number, mimetype = ""): string {
  if (seconds === 0 && mimetype.includes("video")) return "Full length";
  if (seconds === 0) return "Default";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (s || !parts.length) parts.push(`${s} s`);
  return parts.join(" ");
}

export type Kind = "image" | "video" | "webpage" | "streaming" | "youtube_asset";

export function kindOf(mimetype: string): Kind {
  if (mimetype.includes("youtube")) return "youtube_asset";
  if (mimetype.includes("image")) return "image";
  if (mimetype.includes("video")) return "video";
  if (mimetype.includes("streaming")) return "streaming";
  return "webpage";
}

export const KIND_LABEL: Record<Kind, string> = {
  image: "Image",
  video: "Video",
  webpage: "Web page",
  streaming: "Live stream",
  youtube_asset: "YouTube",
};


/** Guesses the asset type from a URL the way the brief describes. */
export function guessKind(url: string): Kind {
  const u = url.trim().toLowerCase();
  let path = u;
  let host = "";
  try {
    const p = new URL(u);
    path = p.pathname;
    host = p.hostname;
  } catch {
    // not a full URL: guess from the text
  }
  if (/(^|\.)(youtube\.com|youtu\.be)$/.test(host) || /youtube\.com|youtu\.be/.test(u)) return "youtube_asset";
  if (u.startsWith("rtsp://") || u.startsWith("rtmp://") || /\.(m3u8|mpd)$/.test(path)) return "streaming";
  if (/\.(jpe?g|png|gif|webp|svg)$/.test(path)) return "image";
  if (/\.(mp4|webm|mov|mkv)$/.test(path)) return "video";
  return "webpage";
}

export function nameFromUrl(url: string): string {
  try {
    const p = new URL(url.trim());
    const last = p.pathname.split("/").filter(Boolean).pop();
    return last ? decodeURIComponent(last) : p.hostname;
  } catch {
    return url.trim();
  }
}

export interface Chip {
  text: string;
  tone: "ok" | "warn" | "bad" | "info";
  title?: string;
}

// Building an Intl formatter is slow; a list of 500 assets needs one, not a thousand.
const timeFormats = new Map<boolean, Intl.DateTimeFormat>();
function timeFormat(h24: boolean): Intl.DateTimeFormat {
  let f = timeFormats.get(h24);
  if (!f) {
    f = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", hour12: !h24 });
    timeFormats.set(h24, f);
  }
  return f;
}

/**
 * The end date the web app gives an item that should not end: far enough never to arrive, as
 * Anthias' own "forever" does (the API keeps its own defaults for other clients).
 */
export const NO_END = "9999-12-31T00:00:00.000Z";

/** Whether an end date means "no end": none at all, or one in the far future (year 9000 on). */
export function isNoEnd(iso: string | null): boolean {
  if (!iso) return false;
  const t = Date.parse(iso);
  return !Number.isNaN(t) && new Date(t).getUTCFullYear() >= 9000;
}

/** The time of day in the device's clock style (12 or 24 hours): the one format the app uses. */
export function formatTime(d: Date, h24: boolean): string {
  return timeFormat(h24).format(d);
}

/**
 * "08:00" or "08:00:00" (a play window's time of day) in the device's clock style: "08:00" on a
 * 24-hour clock (the end of a day stays "24:00"), "8:00 AM" on a 12-hour one.
 */
export function formatTimeOfDay(hhmm: string, h24: boolean): string {
  const m = /^(\d{1,2}):(\d{2})/.exec(hhmm);
  if (!m) return hhmm;
  const h = Number(m[1]);
  if (h24) return `${String(h).padStart(2, "0")}:${m[2]}`;
  const mins = m[2] as string;
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}:${mins} ${h % 24 < 12 ? "AM" : "PM"}`;
}

const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });

/**
 * A day in words, "3 Jan 2027", with its time in the device's clock style unless it is midnight:
 * unambiguous whatever the date format setting, for labels like "Ends …".
 */
export function formatDay(iso: string, h24: boolean): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const midnight = d.getHours() === 0 && d.getMinutes() === 0;
  return midnight ? dayFormat.format(d) : `${dayFormat.format(d)}, ${formatTime(d, h24)}`;
}

/** Formats a date with the device's date_format (mm/dd/yyyy etc.) */
export function formatDate(iso: string | null, fmt: string, h24: boolean): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const dd = String(d.getDate()).padStart(2, "0");
  const mm = String(d.getMonth() + 1).padStart(2, "0");
  const yyyy = String(d.getFullYear());
  const sep = fmt.includes("/") ? "/" : fmt.includes("-") ? "-" : ".";
  const date = fmt
    .split(sep)
    .map((p) => (p === "dd" ? dd : p === "mm" ? mm : yyyy))
    .join(sep);
  const time = timeFormat(h24).format(d);
  return `${date} ${time}`;
}

export function scheduleChips(a: Asset, now: number, fmt = "mm/dd/yyyy", h24 = false): Chip[] {
  const chips: Chip[] = [];
  const start = a.start_date ? Date.parse(a.start_date) : NaN;
  const end = a.end_date ? Date.parse(a.end_date) : NaN;
  const noEnd = isNoEnd(a.end_date);
  const range = `${formatDate(a.start_date, fmt, h24)} → ${noEnd ? "no end" : formatDate(a.end_date, fmt, h24)}`;
  if (Number.isNaN(start) || Number.isNaN(end)) chips.push({ text: "No dates", tone: "warn", title: "Set a start and end date so it can play" });
  else if (now >= end) chips.push({ text: `Ended ${formatDay(a.end_date as string, h24)}`, tone: "bad", title: range });
  else {
    if (now < start) chips.push({ text: `Starts ${formatDay(a.start_date as string, h24)}`, tone: "info", title: range });
    chips.push(noEnd ? { text: "No end", tone: "ok", title: range } : { text: `Ends ${formatDay(a.end_date as string, h24)}`, tone: "info", title: range });
  }
  const days = a.play_days ?? [1, 2, 3, 4, 5, 6, 7];
  if (days.length < 7) chips.push({ text: days.map((d) => DAY_NAMES[d - 1]).join(" "), tone: "info", title: "Plays only on these days" });
  if (a.play_time_from && a.play_time_to) {
    chips.push({
      text: `${formatTimeOfDay(a.play_time_from, h24)}–${formatTimeOfDay(a.play_time_to, h24)}`,
      tone: "info",
      title: a.play_time_from > a.play_time_to ? "Daily window, overnight" : "Daily window",
    });
  }
  return chips;
}

export function byOrder(a: Asset, b: Asset): number {
  return a.play_order - b.play_order || a.name.localeCompare(b.name);
}

/**
 * The ids in play order once `added` (in the order chosen) go after all the others: `sorted` is
 * every asset in its current order, the added ones wherever the server put them.
 */
export function orderAfterAdding(sorted: Pick<Asset, "asset_id">[], added: string[]): string[] {
  const fresh = new Set(added);
  return [...sorted.map((a) => a.asset_id).filter((id) => !fresh.has(id)), ...added];
}

/** Longest item name the server takes (`domain::asset::NAME_MAX`), in characters. */
export const ASSET_NAME_MAX = 255;
/** Longest screen, group, playlist or schedule name (`domain::screen::NAME_MAX`). */
export const NAME_MAX = 100;

/** What is wrong with a name that must fit `max` characters, before the server says it; null when fine. */
export function nameTooLong(name: string, max: number): string | null {
  const n = [...name.trim()].length;
  return n > max ? `At most ${max} characters (this one has ${n}).` : null;
}

/** ISO string → value for <input type="datetime-local"> in the browser's zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(v: string): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** `Name: Value` lines → object; returns an error message for a bad line. */
export function parseHeaders(text: string): { headers: Record<string, string>; error?: string } {
  const headers: Record<string, string> = {};
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const at = line.indexOf(":");
    const name = at > 0 ? line.slice(0, at).trim() : "";
    if (!name || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      return { headers, error: `Line ${i + 1}: write it as "Name: Value".` };
    }
    headers[name] = line.slice(at + 1).trim();
  }
  if (Object.keys(headers).length > 20) return { headers, error: "At most 20 headers." };
  return { headers };
}

export function formatHeaders(h: Record<string, string> | undefined): string {
  return Object.entries(h ?? {})
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
}

/** A tenant address (slug) suggested from an organisation's name: "Café Zürich" → "cafe-zurich". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 40)
    .replace(/^-+|-+$/g, "");
}

/** What the server accepts as a slug: 3–40 of a-z, 0-9 and inner hyphens. */
export function isSlug(s: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/.test(s);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** A day for lists (joined, expires, last used); "—" for none. */
export function shortDate(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" });
}

/** Whether `uri` is a file kept on the server (an upload or a download), not an address to fetch. */
export function isStoredFile(uri: string): boolean {
  return uri !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(uri);
}

/**
 * What the edit dialog says about a stored file, instead of its path on the server: the name it
 * was uploaded with when known (`metadata.file_name`), else its type, and its size when known.
 */
export function storedFileText(a: Pick<Asset, "uri" | "metadata">, size: number | null | undefined): string {
  const original = typeof a.metadata?.file_name === "string" ? (a.metadata.file_name as string) : "";
  const last = a.uri.split("/").pop() ?? "";
  const ext = /\.([a-z0-9]{1,5})$/i.exec(last)?.[1]?.toUpperCase() ?? "";
  const what = original || (ext ? `${ext} file` : "Stored file");
  return typeof size === "number" && size >= 0 ? `${what} · ${formatBytes(size)}` : what;
}
