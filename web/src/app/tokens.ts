// Cloud sign-in tokens: the access token lives in memory only, the refresh token in
// localStorage (so a reload stays signed in). A refresh token works once: the server answers a
// new pair, and a spent one presented again ends the whole sign-in. So refreshes never overlap:
// one at a time in this tab (a shared promise) and across tabs (a Web Lock, when the browser
// has them), each reading the newest refresh token from storage.
import type { TokenBody } from "./cloudApi";

export const REFRESH_KEY = "signate.refresh_token";
/** Refresh this long before the access token runs out. */
const EARLY_MS = 60_000;

type Store = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export interface KeeperDeps {
  /** POST /api/v3/auth/refresh; rejects with an error carrying the HTTP `status` (0: network). */
  refresh: (refreshToken: string) => Promise<TokenBody>;
  storage: Store;
  now?: () => number;
  /** Runs `fn` alone across tabs (navigator.locks); by default just runs it. */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Timer for the early refresh; tests pass one that never fires. */
  later?: (fn: () => void, ms: number) => () => void;
}

export class TokenKeeper {
  private access: string | null = null;
  private expiresAt = 0;
  private running: Promise<boolean> | null = null;
  private cancelTimer: () => void = () => {};
  private readonly now: () => number;
  /** After every new pair (sign-in or refresh). */
  onTokens: (b: TokenBody) => void = () => {};
  /** The sign-in is gone (refresh refused): say why. */
  onLost: (message: string) => void = () => {};

  constructor(private readonly deps: KeeperDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Whether a refresh token is stored (a sign-in to resume). */
  hasSession(): boolean {
    return Boolean(this.deps.storage.getItem(REFRESH_KEY));
  }

  /** Takes a new pair from sign-in, sign-up, an accepted invitation or a refresh. */
  start(b: TokenBody): void {
    this.access = b.access_token;
    this.expiresAt = this.now() + b.expires_in * 1000;
    this.deps.storage.setItem(REFRESH_KEY, b.refresh_token);
    this.cancelTimer();
    const later = this.deps.later ?? defaultLater;
    this.cancelTimer = later(() => void this.refresh(), Math.max(5_000, b.expires_in * 1000 - EARLY_MS));
    this.onTokens(b);
  }

  /** Forgets both tokens (sign-out). */
  clear(): void {
    this.access = null;
    this.expiresAt = 0;
    this.cancelTimer();
    this.deps.storage.removeItem(REFRESH_KEY);
  }

  /** Drops the in-memory token only: another tab signed out. */
  forget(): void {
    this.access = null;
    this.cancelTimer();
  }

  /** The access token to send, refreshed first when it has (nearly) run out. */
  async token(): Promise<string | null> {
    if (this.access && this.now() < this.expiresAt - 5_000) return this.access;
    if (!this.access && !this.running) return null;
    await this.refresh();
    return this.access;
  }

  /** After a 401 for `used`: retry at once if a newer token came meanwhile, else refresh. */
  async renew(used: string): Promise<boolean> {
    if (this.running) await this.running;
    if (this.access && this.access !== used) return true;
    return this.refresh();
  }

  /** Trades the stored refresh token for a new pair; concurrent callers share one trade. */
  refresh(): Promise<boolean> {
    if (!this.running) {
      const lock = this.deps.lock ?? ((fn) => fn());
      this.running = lock(() => this.trade()).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async trade(): Promise<boolean> {
    const stored = this.deps.storage.getItem(REFRESH_KEY);
    if (!stored) {
      this.access = null;
      this.onLost("You have been signed out. Sign in again.");
      return false;
    }
    try {
      this.start(await this.deps.refresh(stored));
      return true;
    } catch (e) {
      const status = (e as { status?: number }).status ?? 0;
      // The server did not answer (or failed): the token may still be good, keep it.
      if (status === 0 || status >= 500) return false;
      this.access = null;
      this.cancelTimer();
      // Another tab may have traded it a moment ago: only drop what is still ours.
      if (this.deps.storage.getItem(REFRESH_KEY) === stored) this.deps.storage.removeItem(REFRESH_KEY);
      this.onLost((e as Error).message || "Your sign-in has ended; sign in again.");
      return false;
    }
  }
}

function defaultLater(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

/** Runs `fn` holding the cross-tab refresh lock when the browser has Web Locks. */
export function webLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  return locks ? (locks.request("signate.refresh", fn) as Promise<T>) : fn();
}
