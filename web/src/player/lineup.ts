/**
 * What to play for a Source (`program.ts`): the entries the rotation goes
 * through, and the message an interrupt may show instead. Pure: the caller
 * passes the time and the random source.
 *
 * - default: the assets whose own schedules are active, in play order
 *   (shuffled as a whole when `shuffle_playlist` is on), as before programs;
 * - schedule: the items of the winning playlists, each shuffled on its own
 *   when the playlist says so, merged item by item (`merge`); an item's
 *   `duration` overrides its asset's; an item whose asset is missing, still
 *   processing or not active by its own schedule is skipped (its turn in the
 *   merge passes, the others keep theirs);
 * - interrupt: its asset, looping, whatever the asset's own schedule says (as
 *   `asset&<id>` shows one), or its message.
 */

import { merge, type Source } from "./program.js";
import { isActive } from "./schedule.js";
import type { Random } from "./rotation.js";
import type { Asset, Playlist, ProgramInterruptJson, ProgramJson } from "./types.js";

/** One thing to play: an asset as this source plays it, and where it comes from (proof of play). */
export interface Entry extends Asset {
  /** Unique in its lineup and the same in the next one: the rotation's identity. */
  key: string;
  playlist_id: string | null;
  schedule_id: string | null;
  interrupt_id: string | null;
}

/** An interrupt's message as the screen shows it. */
export interface MessageView {
  /** The text's lines, blank ones dropped; shown as text, never as markup. */
  paragraphs: string[];
  /** `#rrggbb`. */
  background: string;
  color: string;
  /** Type size in vmin: big, smaller the longer the text. */
  fontVmin: number;
}

export interface Lineup {
  /** What plays, in playlist order, only what can play now. */
  entries: Entry[];
  /** Whether each cycle is shuffled. */
  shuffle: boolean;
  /**
   * The order of a new shuffled cycle of `playable` (a subset of `entries`)
   * when the playlists shuffle on their own; null: shuffled as a whole. Avoids
   * starting with `avoidFirst` (the key just shown) when it can.
   */
  arrange: ((playable: readonly Entry[], avoidFirst: string | null) => Entry[]) | null;
  /** An interrupt's message, shown instead of any entry. */
  message: MessageView | null;
}

const NOTHING: Lineup = Object.freeze({ entries: [], shuffle: false, arrange: null, message: null }) as Lineup;

/** `asset` outside any playlist (the default playlist, a jump). */
export function plain(asset: Asset): Entry {
  return { ...asset, key: asset.asset_id, playlist_id: null, schedule_id: null, interrupt_id: null };
}

/** Whether `asset` can play now by its own schedule (the default playlist's rule). */
export function playable(asset: Asset, nowMs: number, timeZone: string): boolean {
  return !asset.is_processing && isActive(asset.schedule, nowMs, timeZone);
}

/** A positive whole number of seconds, or null. */
function seconds(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 1 ? Math.floor(value) : null;
}

/** Fisher–Yates. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** What `source` plays at `nowMs`, from `playlist` and its (read) `program`. */
export function lineup(source: Source, playlist: Playlist, program: ProgramJson | null, nowMs: number, random: Random): Lineup {
  const tz = playlist.timezone;
  const assets = Array.isArray(playlist.assets) ? playlist.assets : [];
  if (source.source === "default") {
    const entries = assets
      .filter((a) => playable(a, nowMs, tz))
      .sort((a, b) => a.play_order - b.play_order)
      .map(plain);
    return { entries, shuffle: playlist.settings?.shuffle_playlist === true, arrange: null, message: null };
  }
  const byId = new Map(assets.map((a) => [a.asset_id, a]));
  if (source.source === "interrupt") {
    const interrupt = program?.interrupts.find((i) => i.id === source.interrupt_id);
    return interrupt ? interruptLineup(interrupt, byId) : NOTHING;
  }

  // A list per winning schedule, holding null where an item cannot play now.
  const lists = source.playlist_ids.map((playlistId, n) => {
    const scheduleId = source.schedule_ids[n] ?? null;
    const playlists = program?.playlists;
    const list = playlists && Object.prototype.hasOwnProperty.call(playlists, playlistId) ? playlists[playlistId] : undefined;
    const entries = (list?.items ?? []).map((item, i): Entry | null => {
      const asset = byId.get(item.asset_id);
      if (!asset || !playable(asset, nowMs, tz)) return null;
      return {
        ...asset,
        duration: seconds(item.duration) ?? asset.duration,
        key: JSON.stringify([scheduleId, playlistId, i]),
        playlist_id: playlistId,
        schedule_id: scheduleId,
        interrupt_id: null,
      };
    });
    return { entries, shuffle: list?.shuffle === true };
  });
  const present = (e: Entry | null): e is Entry => e !== null;
  const entries = merge(lists.map((l) => l.entries)).filter(present);
  const shuffle = lists.some((l) => l.shuffle);
  if (!shuffle) return { entries, shuffle, arrange: null, message: null };

  const arrange = (chosen: readonly Entry[], avoidFirst: string | null): Entry[] => {
    const keep = new Set(chosen.map((e) => e.key));
    const ok = (e: Entry | null): e is Entry => e !== null && keep.has(e.key);
    const orders = lists.map((l) => (l.shuffle ? shuffled(l.entries, random) : l.entries.slice()));
    // Not the one just shown first: swap it within its own (shuffled) playlist,
    // so the merge keeps taking turns.
    const n = orders.findIndex((o) => o.some(ok));
    const order = orders[n];
    if (avoidFirst !== null && order && lists[n]!.shuffle) {
      const first = order.findIndex(ok);
      if (order[first]!.key === avoidFirst) {
        const others = order.flatMap((e, i) => (i !== first && ok(e) ? [i] : []));
        if (others.length > 0) {
          const j = others[Math.floor(random() * others.length)]!;
          [order[first], order[j]] = [order[j]!, order[first]!];
        }
      }
    }
    return merge(orders).filter(ok);
  };
  return { entries, shuffle, arrange, message: null };
}

function interruptLineup(interrupt: ProgramInterruptJson, byId: Map<string, Asset>): Lineup {
  const asset = typeof interrupt.asset_id === "string" ? byId.get(interrupt.asset_id) : undefined;
  if (asset && !asset.is_processing) {
    const entry: Entry = {
      ...asset,
      key: JSON.stringify(["interrupt", interrupt.id, asset.asset_id]),
      playlist_id: null,
      schedule_id: null,
      interrupt_id: interrupt.id,
    };
    return { entries: [entry], shuffle: false, arrange: null, message: null };
  }
  const message = messageView(interrupt.message);
  return message ? { ...NOTHING, message } : NOTHING;
}

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#rgb`/`#rrggbb` as `#rrggbb` (lower case), or null. */
export function hexColour(value: unknown): string | null {
  if (typeof value !== "string" || !HEX.test(value)) return null;
  const v = value.toLowerCase();
  return v.length === 4 ? `#${v[1]}${v[1]}${v[2]}${v[2]}${v[3]}${v[3]}` : v;
}

/** Relative luminance (WCAG) of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/**
 * How an interrupt's message shows: its lines, its colours (white on black
 * when unreadable; a text colour equal to the background gives way to black
 * or white, whichever reads), and a type size that fits the text on the
 * screen. Null when there is no text.
 */
export function messageView(message: unknown): MessageView | null {
  if (typeof message !== "object" || message === null) return null;
  const m = message as Record<string, unknown>;
  if (typeof m.text !== "string") return null;
  const paragraphs = m.text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  if (paragraphs.length === 0) return null;
  const background = hexColour(m.background) ?? "#000000";
  let color = hexColour(m.color) ?? "#ffffff";
  if (color === background) color = luminance(background) > 0.18 ? "#000000" : "#ffffff";
  const length = paragraphs.reduce((n, p) => n + [...p].length, 0) + 20 * (paragraphs.length - 1);
  const fontVmin = length <= 24 ? 13 : length <= 60 ? 10 : length <= 120 ? 8 : length <= 250 ? 6 : 4.5;
  return { paragraphs, background, color, fontVmin };
}
