/**
 * Which asset comes next: the active assets in play order (or shuffled, a new
 * order each cycle), a position that survives playlist edits, previous/next,
 * and one-off jumps (`asset&<id>`). Pure: the caller passes the active list.
 *
 * Items are told apart by `keyOf` (the asset id by default; a playlist may
 * hold an asset twice, so the player keys its entries itself). A shuffled
 * cycle is the whole list shuffled, or the caller's `arrange` (playlists that
 * shuffle each on their own, then merge).
 */

import type { Asset } from "./types.js";

export type Random = () => number;

/** A new shuffled cycle of `items`, not starting with the key `avoidFirst` when it can. */
export type Arrange<T> = (items: readonly T[], avoidFirst: string | null) => T[];

export class Rotation<T extends { asset_id: string } = Asset> {
  private order: T[] = [];
  /** Index in `order` of the asset on screen; when that one left the list or a jump is on screen, of the one before. */
  private pos = -1;
  /** What is on screen is not `order[pos]` (it was removed, or it is a jump). */
  private detached = false;
  private currentId: string | null = null;
  private shuffle = false;
  /** The next cycle's shuffled order, drawn early so peekNext() can tell what comes. */
  private upcoming: T[] | null = null;
  /** The list as last given (in its own order), and how to shuffle it. */
  private base: T[] = [];
  private arrange: Arrange<T> | null = null;

  constructor(
    private readonly random: Random = Math.random,
    private readonly keyOf: (item: T) => string = (item) => item.asset_id,
  ) {}

  /**
   * Takes the active assets (in play order). Keeps the position of the asset
   * on screen; with shuffle on, keeps the current cycle's order for the assets
   * that stay and inserts new ones at random places after the current one.
   */
  update(active: T[], shuffle: boolean, arrange: Arrange<T> | null = null): void {
    const key = this.keyOf;
    const oldOrder = this.order;
    const anchor = this.pos >= 0 ? (oldOrder[this.pos] ? key(oldOrder[this.pos]!) : null) : null;
    this.base = active.slice();
    this.arrange = arrange;
    let order: T[];
    if (shuffle && this.shuffle) {
      const byId = new Map(active.map((a) => [key(a), a]));
      order = [];
      for (const a of oldOrder) {
        const fresh = byId.get(key(a));
        if (fresh) {
          order.push(fresh);
          byId.delete(key(a));
        }
      }
      for (const a of byId.values()) {
        const lo = anchor === null ? 0 : order.findIndex((o) => key(o) === anchor) + 1;
        order.splice(lo + Math.floor(this.random() * (order.length - lo + 1)), 0, a);
      }
    } else {
      order = shuffle ? this.cycle(active, this.currentId) : active.slice();
    }
    this.order = order;
    this.shuffle = shuffle;
    this.upcoming = null;
    if (anchor === null) {
      this.pos = -1;
      return;
    }
    const here = order.findIndex((a) => key(a) === anchor);
    if (here >= 0) {
      this.pos = here;
      return;
    }
    // The asset the position pointed at left the list: go on with the one
    // that followed it, and "previous" means the nearest one before it.
    let before = -1;
    for (let i = this.pos - 1; i >= 0 && before < 0; i--) {
      const old = oldOrder[i];
      const id = old ? key(old) : undefined;
      before = order.findIndex((a) => key(a) === id);
    }
    this.pos = before;
    this.detached = true;
  }

  /**
   * Forgets the list and the position: the next `update` starts a new one
   * (another source plays), and `next()` then gives its first item.
   */
  restart(): void {
    this.order = [];
    this.base = [];
    this.arrange = null;
    this.pos = -1;
    this.detached = false;
    this.currentId = null;
    this.shuffle = false;
    this.upcoming = null;
  }

  /** The active assets in the order they will play this cycle. */
  get items(): readonly T[] {
    return this.order;
  }

  /** What `next()` would return, without moving. */
  peekNext(): T | null {
    const n = this.order.length;
    if (n === 0) return null;
    if (this.pos + 1 < n) return this.order[this.pos + 1] ?? null;
    return this.nextCycle()[0] ?? null;
  }

  /** What `previous()` would return, without moving. */
  peekPrevious(): T | null {
    const n = this.order.length;
    if (n === 0) return null;
    const idx = this.detached ? this.pos : this.pos - 1;
    return this.order[((idx % n) + n) % n] ?? null;
  }

  /** Moves to the next asset; at the end of a shuffled cycle, shuffles again. */
  next(): T | null {
    const n = this.order.length;
    if (n === 0) return this.none();
    let idx = this.pos + 1;
    if (idx >= n) {
      idx = 0;
      this.order = this.nextCycle();
      this.upcoming = null;
    }
    return this.land(idx);
  }

  /** Moves back one asset. */
  previous(): T | null {
    const n = this.order.length;
    if (n === 0) return this.none();
    const idx = this.detached ? this.pos : this.pos - 1;
    return this.land(((idx % n) + n) % n);
  }

  /**
   * Records that `asset` is on screen outside the rotation (a jump); the
   * rotation then goes on from where it was.
   */
  showExtra(asset: T): void {
    this.currentId = this.keyOf(asset);
    this.detached = true;
    // pos stays: next() continues after the asset shown before the jump.
  }

  /** The asset the rotation last handed out or was told is on screen. */
  get current(): string | null {
    return this.currentId;
  }

  private land(idx: number): T | null {
    this.pos = idx;
    this.detached = false;
    const asset = this.order[idx] ?? null;
    this.currentId = asset ? this.keyOf(asset) : null;
    return asset;
  }

  private none(): null {
    this.pos = -1;
    this.detached = false;
    this.currentId = null;
    return null;
  }

  private nextCycle(): T[] {
    if (!this.shuffle) return this.order;
    const here = this.order[this.pos];
    this.upcoming ??= this.cycle(this.arrange ? this.base : this.order, here ? this.keyOf(here) : this.currentId);
    return this.upcoming;
  }

  /** A new shuffled cycle: the caller's arrangement, or the whole list shuffled. */
  private cycle(items: readonly T[], avoidFirst: string | null): T[] {
    return this.arrange ? this.arrange(items, avoidFirst) : this.shuffled(items, avoidFirst);
  }

  /** Fisher–Yates; avoids starting the cycle with the asset just shown. */
  private shuffled(items: readonly T[], avoidFirst: string | null): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    if (out.length > 1 && this.keyOf(out[0]!) === avoidFirst) {
      const j = 1 + Math.floor(this.random() * (out.length - 1));
      [out[0], out[j]] = [out[j]!, out[0]!];
    }
    return out;
  }
}
