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
  const range = `${formatDate(a.start_date, fmt, h24)} → ${formatDate(a.end_date, fmt, h24)}`;
  if (Number.isNaN(start) || Number.isNaN(end)) chips.push({ text: "No dates", tone: "warn", title: "Set a start and end date so it can play" });
  else if (now < start) chips.push({ text: `Starts ${formatDate(a.start_date, fmt, h24)}`, tone: "info", title: range });
  else if (now >= end) chips.push({ text: `Ended ${formatDate(a.end_date, fmt, h24)}`, tone: "bad", title: range });
  else chips.push({ text: `Until ${formatDate(a.end_date, fmt, h24)}`, tone: "ok", title: range });
  const days = a.play_days ?? [1, 2, 3, 4, 5, 6, 7];
  if (days.length < 7) chips.push({ text: days.map((d) => DAY_NAMES[d - 1]).join(" "), tone: "info", title: "Plays only on these days" });
  if (a.play_time_from && a.play_time_to) {
    chips.push({
      text: `${a.play_time_from.slice(0, 5)}–${a.play_time_to.slice(0, 5)}`,
      tone: "info",
      title: a.play_time_from > a.play_time_to ? "Daily window, overnight" : "Daily window",
    });
  }
  return chips;
}

export function isActive(a: Asset): boolean {
  return a.is_enabled && !a.is_processing;
}

export function byOrder(a: Asset, b: Asset): number {
  return a.play_order - b.play_order || a.name.localeCompare(b.name);
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
