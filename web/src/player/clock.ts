/**
 * Server-corrected time. The Pi may boot without a network clock, so the
 * schedule runs on the server's time: the offset is taken from each fresh
 * playlist and kept across restarts.
 */

import { parseInstant } from "./schedule.js";

const KEY = "signate.clockOffset";

export class Clock {
  private offsetMs = 0;

  constructor(private readonly store: Storage | null) {
    const saved = Number(store?.getItem(KEY));
    if (Number.isFinite(saved)) this.offsetMs = saved;
  }

  /** Milliseconds since the epoch, by the server's clock. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  /**
   * Adopts the server's clock from `serverTime`, read by a request sent at
   * `sentAt` and answered at `receivedAt` (local ms): the server's reading is
   * taken to be from the middle of the round trip. Slow answers are ignored.
   */
  sync(serverTime: string, sentAt: number, receivedAt: number): void {
    const server = parseInstant(serverTime);
    if (server === null || receivedAt - sentAt > 5000) return;
    this.offsetMs = Math.round(server - (sentAt + receivedAt) / 2);
    try {
      this.store?.setItem(KEY, String(this.offsetMs));
    } catch {
      // Storage full or unavailable: the offset still works for this session.
    }
  }
}
