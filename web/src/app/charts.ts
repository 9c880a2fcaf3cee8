// The reports' maths, pure (unit-tested): round axis scales, bar positions, the days of a
// range (with the days without plays as zeros), top rows, uptime as a grid, durations in
// words and the CSV file's name. The charts themselves are SVG drawn in pages/Reports.tsx.
import { dayString, parseDay } from "./calendar.js";

/** An axis from 0 to a round maximum with evenly spaced round ticks (1, 2, 2.5, 5 × 10ⁿ). */
export function niceScale(max: number, count = 4): { max: number; ticks: number[] } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, ticks: [0, 1] };
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  // Whole numbers only for counts: a step below 1 becomes 1.
  const st = step < 1 ? 1 : step;
  const top = Math.ceil(max / st) * st;
  const ticks: number[] = [];
  for (let v = 0; v <= top + st / 2; v += st) ticks.push(Math.round(v * 1e6) / 1e6);
  return { max: top, ticks };
}

/** Maps [0, domainMax] onto [0, size] (a flat 0 when the domain is empty). */
export function scale(value: number, domainMax: number, size: number): number {
  return domainMax > 0 ? (Math.max(0, value) / domainMax) * size : 0;
}

/** Bar `i` of `n` across `width`: its x and width, with `gap` (0–1) of each band left empty. */
export function band(i: number, n: number, width: number, gap = 0.2): { x: number; w: number } {
  const b = n > 0 ? width / n : width;
  return { x: i * b + (b * gap) / 2, w: b * (1 - gap) };
}

/** Every day from `from` to `to` (inclusive, `YYYY-MM-DD`); empty if backwards or unreadable. */
export function daysBetween(from: string, to: string): string[] {
  const a = parseDay(from);
  const b = parseDay(to);
  if (a === null || b === null || b < a) return [];
  const out: string[] = [];
  for (let d = a; d <= b; d++) out.push(dayString(d));
  return out;
}

/** A row's day: its key, or the start of it when the server sends a timestamp. */
export const dayKey = (key: string) => key.slice(0, 10);

/** Plays per day for each day of `days`, 0 for a day without a row. */
export function perDay<R extends { key: string; plays: number; seconds: number }>(rows: R[], days: string[]): { day: string; plays: number; seconds: number }[] {
  const by = new Map<string, { plays: number; seconds: number }>();
  for (const r of rows) {
    const d = dayKey(r.key);
    const had = by.get(d) ?? { plays: 0, seconds: 0 };
    by.set(d, { plays: had.plays + r.plays, seconds: had.seconds + r.seconds });
  }
  return days.map((day) => ({ day, ...(by.get(day) ?? { plays: 0, seconds: 0 }) }));
}

/** The `n` rows with the most plays (then the most seconds, then by label). */
export function top<R extends { label: string; plays: number; seconds: number }>(rows: R[], n: number): R[] {
  return rows
    .slice()
    .sort((a, b) => b.plays - a.plays || b.seconds - a.seconds || a.label.localeCompare(b.label))
    .slice(0, n);
}

/** Screens × days of uptime percentages (null: no heartbeat row for that day), screens by name. */
export function uptimeGrid<R extends { screen_id: string; name: string; day: string; uptime_percent: number }>(
  rows: R[],
  days: string[],
): { id: string; name: string; cells: (number | null)[] }[] {
  const screens = new Map<string, { name: string; by: Map<string, number> }>();
  for (const r of rows) {
    const s = screens.get(r.screen_id) ?? { name: r.name, by: new Map() };
    s.by.set(dayKey(r.day), r.uptime_percent);
    screens.set(r.screen_id, s);
  }
  return [...screens.entries()]
    .map(([id, s]) => ({ id, name: s.name, cells: days.map((d) => s.by.get(d) ?? null) }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** A heat level 0–4 for an uptime percentage (null: no data). */
export function heatLevel(percent: number | null): number | null {
  if (percent === null) return null;
  if (percent >= 99) return 4;
  if (percent >= 90) return 3;
  if (percent >= 50) return 2;
  if (percent > 0) return 1;
  return 0;
}

/** Seconds in words: "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function spoken(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return h % 24 ? `${Math.floor(h / 24)} d ${h % 24} h` : `${Math.floor(h / 24)} d`;
}

/** A count with thousands separators in the page's language. */
export function count(n: number): string {
  return n.toLocaleString();
}

/** A short day label for an axis: "7 Dec". */
export function shortDay(day: string): string {
  const d = parseDay(day);
  if (d === null) return day;
  return new Date(d * 86_400_000).toLocaleDateString([], { day: "numeric", month: "short", timeZone: "UTC" });
}

/** Which axis labels to show for `n` bars so about `max` fit: every k-th, and the last. */
export function labelEvery(n: number, max: number): number {
  return Math.max(1, Math.ceil(n / Math.max(1, max)));
}

/** The CSV file's name: `signate-plays-by-asset-2026-11-08-to-2026-12-07.csv` (safe characters only). */
export function csvFilename(groupBy: string, from: string, to: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "x";
  return `signate-plays-by-${safe(groupBy)}-${safe(from)}-to-${safe(to)}.csv`;
}

/** The most days a report covers (the server's limit). */
export const MAX_REPORT_DAYS = 366;

/**
 * A day range as the reports take it: the tenant's days `from` to `to`, both included
 * (`YYYY-MM-DD`, as the server reads them). An error when the range is not valid.
 */
export function reportRange(from: string, to: string): { from: string; to: string } | { error: string } {
  const a = parseDay(from);
  const b = parseDay(to);
  if (a === null || b === null) return { error: "Choose both days." };
  if (b < a) return { error: "The last day must not be before the first." };
  if (b - a + 1 > MAX_REPORT_DAYS) return { error: `At most ${MAX_REPORT_DAYS} days at a time.` };
  return { from: dayString(a), to: dayString(b) };
}
