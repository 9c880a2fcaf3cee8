// The playlist editor's rules, pure (unit-tested): items with keys of their own (an asset may
// be in a playlist twice), moving one, the duration field, what a play lasts, where a dragged
// row lands, and the preview's steps.

export interface Item {
  asset_id: string;
  duration: number | null;
}

/** An item as the editor holds it: a key for rendering and dragging. */
export interface EditItem extends Item {
  key: string;
}

let seq = 0;

export function withKeys(items: Item[]): EditItem[] {
  return items.map((i) => ({ asset_id: i.asset_id, duration: i.duration ?? null, key: `i${++seq}` }));
}

export function newItem(assetId: string): EditItem {
  return { asset_id: assetId, duration: null, key: `i${++seq}` };
}

/** The items as the API takes them. */
export function bare(items: EditItem[]): Item[] {
  return items.map((i) => ({ asset_id: i.asset_id, duration: i.duration }));
}

/** The list with the item at `from` moved to `to` (unchanged when either is out of range). */
export function moveItem<T>(list: T[], from: number, to: number): T[] {
  if (from === to || from < 0 || to < 0 || from >= list.length || to >= list.length) return list;
  const copy = list.slice();
  const [m] = copy.splice(from, 1);
  copy.splice(to, 0, m as T);
  return copy;
}

/** Whether two item lists say the same (order, assets, durations). */
export function sameItems(a: Item[], b: Item[]): boolean {
  return a.length === b.length && a.every((x, i) => x.asset_id === b[i]?.asset_id && (x.duration ?? null) === (b[i]?.duration ?? null));
}

export const MAX_ITEM_SECONDS = 86_400;

/** The duration field: empty = the asset's own (null); else whole seconds 1–86400. */
export function parseDuration(text: string): { value: number | null } | { error: string } {
  const t = text.trim();
  if (!t) return { value: null };
  if (!/^\d+$/.test(t)) return { error: "Whole seconds, or empty for the content's own." };
  const n = Number(t);
  if (n < 1 || n > MAX_ITEM_SECONDS) return { error: `From 1 to ${MAX_ITEM_SECONDS} seconds.` };
  return { value: n };
}

/** How long an item plays: its own duration, else the asset's (0: the asset decides, e.g. a video). */
export function itemSeconds(item: Item, assetDuration: number | undefined): number {
  return item.duration ?? assetDuration ?? 0;
}

/** The playlist's length in seconds, and whether some item's length is up to the content (a video). */
export function totalSeconds(items: Item[], durationOf: (assetId: string) => number | undefined): { seconds: number; open: boolean } {
  let seconds = 0;
  let open = false;
  for (const i of items) {
    const s = itemSeconds(i, durationOf(i.asset_id));
    if (s > 0) seconds += s;
    else open = true;
  }
  return { seconds, open };
}

/**
 * Where a dragged row lands: the slot under the pointer, from the slots' tops (page pixels,
 * ascending) taken when the drag began.
 */
export function slotAt(y: number, tops: number[]): number {
  let slot = 0;
  for (let i = 0; i < tops.length; i++) if (y >= (tops[i] as number)) slot = i;
  return slot;
}

/** The preview's steps: each item with the seconds it shows for (`fallback` when the content decides). */
export function previewSteps(items: Item[], durationOf: (assetId: string) => number | undefined, fallback = 10): { index: number; seconds: number; own: boolean }[] {
  return items.map((item, index) => {
    const s = itemSeconds(item, durationOf(item.asset_id));
    return { index, seconds: s > 0 ? s : fallback, own: s > 0 };
  });
}
