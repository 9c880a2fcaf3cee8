// Keeps the server's event stream (GET /api/events) open, in both modes. EventSource retries
// a dropped connection by itself, but gives up for good on an answer that is not a stream (a
// 401 once the cloud's media cookie has run out, a proxy's 502): then it is reopened here,
// after renewing the credentials, with backoff. While the stream is down the data is re-read
// every 30 s, so the page never goes stale without anyone knowing.

/** The part of EventSource used here. */
export interface Source {
  readonly readyState: number;
  /** Named events arrive as MessageEvents (their `data`: the JSON the server sent). */
  addEventListener(type: string, fn: (e?: Event) => void): void;
  close(): void;
}

export interface LiveDeps {
  /** Opens the stream; by default `new EventSource("/api/events")`. */
  connect?: () => Source;
  /** Timers; tests pass their own clock. Each returns its cancel function. */
  later?: (fn: () => void, ms: number) => () => void;
  every?: (fn: () => void, ms: number) => () => void;
}

/** Re-read period while the stream is down. */
export const POLL_MS = 30_000;
/** `EventSource.CLOSED`: the browser will not retry. */
const CLOSED = 2;

/** Wait before the n-th reopening in a row (from 0): 1 s, 2 s, 4 s, … at most 30 s. */
export function backoff(n: number): number {
  return Math.min(30_000, 1000 * 2 ** n);
}

export class Live {
  private source: Source | null = null;
  private running = false;
  private failures = 0;
  private cancelRetry: () => void = () => {};
  private cancelPoll: (() => void) | null = null;
  /** Before reopening: fresh credentials (cloud: the media cookie). A device has none to renew. */
  renew: () => Promise<unknown> = async () => {};

  constructor(
    /**
     * Event name → handler, given the event (a MessageEvent for the server's named events;
     * `open`: connected again, events may have been missed).
     */
    private readonly on: Record<string, (e?: Event) => void>,
    /** Re-reads everything; runs every POLL_MS while the stream is down. */
    private readonly poll: () => void,
    private readonly deps: LiveDeps = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  stop(): void {
    this.running = false;
    this.source?.close();
    this.source = null;
    this.cancelRetry();
    this.cancelPoll?.();
    this.cancelPoll = null;
  }

  /** New credentials arrived: a stream that was given up on reopens now, not after its wait. */
  renewed(): void {
    if (!this.running || this.source) return;
    this.cancelRetry();
    this.open();
  }

  private open(): void {
    const s = (this.deps.connect ?? (() => new EventSource("/api/events")))();
    this.source = s;
    for (const [name, fn] of Object.entries(this.on)) s.addEventListener(name, fn);
    s.addEventListener("open", () => {
      this.failures = 0;
      this.cancelPoll?.();
      this.cancelPoll = null;
    });
    s.addEventListener("error", () => {
      if (s !== this.source) return;
      this.cancelPoll ??= (this.deps.every ?? every)(this.poll, POLL_MS);
      if (s.readyState !== CLOSED) return; // the browser retries by itself
      s.close();
      this.source = null;
      this.cancelRetry = (this.deps.later ?? later)(() => void this.reopen(), backoff(this.failures++));
    });
  }

  private async reopen(): Promise<void> {
    await this.renew().catch(() => {});
    if (this.running && !this.source) this.open();
  }
}

function later(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

function every(fn: () => void, ms: number): () => void {
  const t = setInterval(fn, ms);
  return () => clearInterval(t);
}
