/**
 * Which asset comes next: the active assets in play order (or shuffled, a new
 * order each cycle), a position that survives playlist edits, previous/next,
 * and one-off jumps (`asset&<id>`). Pure: the caller passes the active list.
 */

import type { Asset } from "./types.js";

export type Random = () => number;

export class Rotation {
  private order: Asset[] = [];
  /** Index in `order` of the asset on screen; when that one left the list or a jump is on screen, of the one before. */
  private pos = -1;
  /** What is on screen is not `order[pos]` (it was removed, or it is a jump). */
  private detached = false;
  private currentId: string | null = null;
  private shuffle = false;
  /** The next cycle's shuffled order, drawn early so peekNext() can tell what comes. */
  private upcoming: Asset[] | null = null;

  constructor(private readonly random: Random = Math.random) {}

  /**
   * Takes the active assets (in play order). Keeps the position of the asset
   * on screen; with shuffle on, keeps the current cycle's order for the assets
   * that stay and inserts new ones at random places after the current one.
   */
  update(active: Asset[], shuffle: boolean): void {
    const oldOrder = this.order;
    const anchor = this.pos >= 0 ? (oldOrder[this.pos]?.asset_id ?? null) : null;
    let order: Asset[];
    if (shuffle && this.shuffle) {
      const byId = new Map(active.map((a) => [a.asset_id, a]));
      order = [];
      for (const a of oldOrder) {
        const fresh = byId.get(a.asset_id);
        if (fresh) {
          order.push(fresh);
          byId.delete(a.asset_id);
        }
      }
      for (const a of byId.values()) {
        const lo = anchor === null ? 0 : order.findIndex((o) => o.asset_id === anchor) + 1;
        order.splice(lo + Math.floor(this.random() * (order.length - lo + 1)), 0, a);
      }
    } else {
      order = shuffle ? this.shuffled(active, this.currentId) : active.slice();
    }
    this.order = order;
    this.shuffle = shuffle;
    this.upcoming = null;
    if (anchor === null) {
      this.pos = -1;
      return;
    }
    const here = order.findIndex((a) => a.asset_id === anchor);
    if (here >= 0) {
      this.pos = here;
      return;
    }
    // The asset the position pointed at left the list: go on with the one
    // that followed it, and "previous" means the nearest one before it.
    let before = -1;
    for (let i = this.pos - 1; i >= 0 && before < 0; i--) {
      const id = oldOrder[i]?.asset_id;
      before = order.findIndex((a) => a.asset_id === id);
    }
    this.pos = before;
    this.detached = true;
  }

  /** The active assets in the order they will play this cycle. */
  get items(): readonly Asset[] {
    return this.order;
  }

  /** What `next()` would return, without moving. */
  peekNext(): Asset | null {
    const n = this.order.length;
    if (n === 0) return null;
    if (this.pos + 1 < n) return this.order[this.pos + 1] ?? null;
    return this.nextCycle()[0] ?? null;
  }

  /** What `previous()` would return, without moving. */
  peekPrevious(): Asset | null {
    const n = this.order.length;
    if (n === 0) return null;
    const idx = this.detached ? this.pos : this.pos - 1;
    return this.order[((idx % n) + n) % n] ?? null;
  }

  /** Moves to the next asset; at the end of a shuffled cycle, shuffles again. */
  next(): Asset | null {
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
  previous(): Asset | null {
    const n = this.order.length;
    if (n === 0) return this.none();
    const idx = this.detached ? this.pos : this.pos - 1;
    return this.land(((idx % n) + n) % n);
  }

  /**
   * Records that `asset` is on screen outside the rotation (a jump); the
   * rotation then goes on from where it was.
   */
  showExtra(asset: Asset): void {
    this.currentId = asset.asset_id;
    this.detached = true;
    // pos stays: next() continues after the asset shown before the jump.
  }

  /** The asset the rotation last handed out or was told is on screen. */
  get current(): string | null {
    return this.currentId;
  }

  private land(idx: number): Asset | null {
    this.pos = idx;
    this.detached = false;
    const asset = this.order[idx] ?? null;
    this.currentId = asset ? asset.asset_id : null;
    return asset;
  }

  private none(): null {
    this.pos = -1;
    this.detached = false;
    this.currentId = null;
    return null;
  }

  private nextCycle(): Asset[] {
    if (!this.shuffle) return this.order;
    this.upcoming ??= this.shuffled(this.order, this.order[this.pos]?.asset_id ?? this.currentId);
    return this.upcoming;
  }

  /** Fisher–Yates; avoids starting the cycle with the asset just shown. */
  private shuffled(items: readonly Asset[], avoidFirst: string | null): Asset[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    if (out.length > 1 && out[0]!.asset_id === avoidFirst) {
      const j = 1 + Math.floor(this.random() * (out.length - 1));
      [out[0], out[j]] = [out[j]!, out[0]!];
    }
    return out;
  }
}
