/**
 * Proof of play: one record per showing, batched to the server and kept in
 * localStorage while it is away (the oldest dropped beyond a cap). A record
 * names what made the asset play (docs/programming.md): the playlist and the
 * schedule (null for the default playlist), or the interrupt (else null). An
 * interrupt's message shows no asset and is not recorded.
 */

export interface PlayRecord {
  asset_id: string;
  /** UTC ISO 8601. */
  started_at: string;
  duration_ms: number;
  /** Absent in records kept by an older player. */
  playlist_id?: string | null;
  schedule_id?: string | null;
  interrupt_id?: string | null;
}

const KEY = "signate.plays";
const BATCH = 500;

export class PlayLog {
  private queue: PlayRecord[] = [];
  private flushing = false;

  constructor(
    private readonly store: Storage | null,
    private readonly cap = 10_000,
  ) {
    try {
      const saved: unknown = JSON.parse(store?.getItem(KEY) ?? "[]");
      if (Array.isArray(saved)) this.queue = saved.filter(isRecord).slice(-cap);
    } catch {
      this.queue = [];
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  add(record: PlayRecord): void {
    this.queue.push(record);
    if (this.queue.length > this.cap) this.queue.splice(0, this.queue.length - this.cap);
    this.save();
  }

  /** Drops every record (the screen was unpaired: its showings can no longer be reported). */
  clear(): void {
    this.queue = [];
    this.save();
  }

  /**
   * Sends the backlog in batches with `post`, which resolves true once the
   * server took a batch. Stops at the first failure; never runs twice at once.
   */
  async flush(post: (batch: PlayRecord[]) => Promise<boolean>): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH);
        if (!(await post(batch))) return;
        // Records may have been added (or dropped by the cap) meanwhile:
        // remove exactly the ones sent.
        const sent = new Set(batch);
        this.queue = this.queue.filter((r) => !sent.has(r));
        this.save();
      }
    } finally {
      this.flushing = false;
    }
  }

  private save(): void {
    try {
      this.store?.setItem(KEY, JSON.stringify(this.queue));
    } catch {
      // Quota exceeded: keep the records in memory.
    }
  }
}

function isRecord(value: unknown): value is PlayRecord {
  const r = value as PlayRecord;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.asset_id === "string" &&
    typeof r.started_at === "string" &&
    typeof r.duration_ms === "number" &&
    [r.playlist_id, r.schedule_id, r.interrupt_id].every((v) => v === undefined || v === null || typeof v === "string")
  );
}
