/**
 * Pairing a cloud screen (docs/screens.md, "Pairing"): a screen without a
 * device token asks for a code (`POST /api/v3/screens/pair`), shows it with
 * the address to enter it at and a QR code of that address, and polls
 * `GET /api/v3/screens/pair/{secret}` until an admin claims it. The `200`
 * that says so also sets the `signate_screen` cookie, so the page only has to
 * reload to start playing.
 *
 * - a new code about 30 s before the old one expires, and at once on `410`;
 * - network trouble or a 5xx: the view stays, a quiet "connecting…" line
 *   shows, and the call is retried with backoff (1 s … 30 s) — never an
 *   error page;
 * - `429`: waits for `Retry-After`.
 *
 * The controller has no DOM of its own: `show` draws, `paired` reloads; its
 * clock, timers and `fetch` are passed in, so tests can drive it.
 */

export const PAIR_URL = "/api/v3/screens/pair";
/** What codes are made of (no 0/O/1/I). */
export const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/** A new code this long before the old one expires. */
export const REFRESH_MARGIN_MS = 30_000;
/** A code's life when its `expires_at` makes no sense here (10 minutes, as the server gives). */
export const DEFAULT_LIFETIME_MS = 600_000;
export const DEFAULT_POLL_MS = 2000;
export const MAX_BACKOFF_MS = 30_000;
/** A 429 without a readable `Retry-After`. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;
const MAX_RETRY_AFTER_MS = 600_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** What the pairing view shows. */
export interface PairingView {
  /** The code to enter; "" while there is none (first request, or the last one expired). */
  code: string;
  /** Where to enter it: `claim_url` without its query (the last one known; "" before the first code). */
  address: string;
  /** `qr_svg` as a `data:` URL for an `<img>`; "" for none. */
  qr: string;
  /** The server could not be reached lately: "connecting…". */
  connecting: boolean;
}

/** A code as `POST /api/v3/screens/pair` answers it (201). */
export interface PairCode {
  code: string;
  secret: string;
  expires_at: string;
  poll_seconds: number;
  claim_url: string;
  qr_svg: string;
}

/** `WxH` in device pixels (`screen.width × devicePixelRatio`), e.g. `1920x1080`; "" when unknown. */
export function resolution(width: number, height: number, ratio: number): string {
  const r = Number.isFinite(ratio) && ratio > 0 ? ratio : 1;
  const w = Math.round(width * r);
  const h = Math.round(height * r);
  return Number.isFinite(w) && Number.isFinite(h) && w > 0 && h > 0 ? `${w}x${h}` : "";
}

/** `claim_url` without its query string and fragment: what the screen tells people to go to. */
export function claimAddress(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}

/** An SVG document as a `data:` URL, for an `<img>` (never inserted as markup). */
export function svgDataUrl(svg: string): string {
  return svg.trim() === "" ? "" : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** Whether `code` could be a pairing code (6 characters from {@link CODE_ALPHABET}). */
export function isCode(code: string): boolean {
  return code.length === 6 && [...code].every((c) => CODE_ALPHABET.includes(c));
}

/**
 * How long a code lives from now (ms), read against the server's clock: the
 * answer's `Date` header, when there is one, says what time the server had
 * (a screen's own clock may be far off: a Pi without a network clock).
 * Unreadable or past: {@link DEFAULT_LIFETIME_MS} (a `410` still ends a code
 * that is really gone).
 */
export function lifetimeMs(expiresAt: string, serverDate: string | null, localNow: number): number {
  const expires = Date.parse(expiresAt);
  const server = serverDate ? Date.parse(serverDate) : NaN;
  const life = expires - (Number.isFinite(server) ? server : localNow);
  return Number.isFinite(life) && life > 0 ? life : DEFAULT_LIFETIME_MS;
}

/**
 * When to ask for a new code (ms from now) for a code living `lifetime` ms:
 * {@link REFRESH_MARGIN_MS} before it expires, or halfway for a short-lived one.
 */
export function refreshDelayMs(lifetime: number): number {
  return Math.max(lifetime - REFRESH_MARGIN_MS, lifetime / 2);
}

/** The wait before retry number `failures` (1, 2, …): 1 s, 2 s, 4 s … 30 s, less up to 20 % jitter. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + random() * 0.2));
}

/** `Retry-After` (seconds or an HTTP date) in ms, within 1 s … 10 min; unreadable: 30 s. */
export function retryAfterMs(header: string | null, localNow: number): number {
  const value = header?.trim() ?? "";
  let ms = NaN;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else if (value !== "") ms = Date.parse(value) - localNow;
  if (!Number.isFinite(ms)) return DEFAULT_RETRY_AFTER_MS;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(1000, ms));
}

/** The poll interval from `poll_seconds`, within 1 … 30 s. */
export function pollMs(pollSeconds: unknown): number {
  const s = Number(pollSeconds);
  if (typeof pollSeconds !== "number" || !Number.isFinite(s) || s <= 0) return DEFAULT_POLL_MS;
  return Math.min(30_000, Math.max(1000, s * 1000));
}

/** The 201 body, or null when it is not one. */
export function parsePairCode(value: unknown): PairCode | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.code !== "string" || v.code === "" || typeof v.secret !== "string" || v.secret === "") return null;
  return {
    code: v.code,
    secret: v.secret,
    expires_at: typeof v.expires_at === "string" ? v.expires_at : "",
    poll_seconds: typeof v.poll_seconds === "number" ? v.poll_seconds : DEFAULT_POLL_MS / 1000,
    claim_url: typeof v.claim_url === "string" ? v.claim_url : "",
    qr_svg: typeof v.qr_svg === "string" ? v.qr_svg : "",
  };
}

export interface PairingDeps {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Resolves after `ms`, or early once `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  /** Sent with each request for a code. */
  describe: () => { resolution: string; player_version: string };
  show: (view: PairingView) => void;
  /** The code was claimed and the cookie set. */
  paired: () => void;
}

interface Current {
  code: PairCode;
  /** Local times (ms). */
  refreshAt: number;
  expiresAt: number;
  pollMs: number;
}

type Outcome =
  | { kind: "ok"; response: Response }
  | { kind: "busy"; waitMs: number }
  | { kind: "down" };

/**
 * The pairing loop: codes, polls, retries. `start` runs until paired or
 * `stop`. A code keeps being polled until it expires even while a new one
 * cannot be had (rate limited, server away), so a claim in its last seconds
 * still pairs the screen.
 */
export class Pairing {
  private readonly controller = new AbortController();
  private current: Current | null = null;
  /** Local times (ms): no new code asked for before `codeAt`, no poll before `pollAt`. */
  private codeAt = 0;
  private pollAt = 0;
  private failures = 0;
  private connecting = false;
  /** The last address shown: still worth showing while a new code is on its way. */
  private address = "";
  private shown = "";

  constructor(private readonly deps: PairingDeps) {}

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  stop(): void {
    this.controller.abort();
  }

  async start(): Promise<void> {
    const signal = this.controller.signal;
    this.render();
    while (!signal.aborted) {
      const now = this.deps.now();
      const c = this.current;
      const alive = c !== null && now < c.expiresAt;
      const codeDue = c === null || now >= c.refreshAt;
      if (codeDue && now >= this.codeAt) {
        await this.newCode();
        continue;
      }
      if (alive && now >= this.pollAt) {
        if (await this.poll(c)) return;
        continue;
      }
      // Nothing due: sleep until the next thing is (a new code, a poll, or the code's expiry).
      let at = codeDue ? this.codeAt : c.refreshAt;
      if (alive) at = Math.min(at, this.pollAt, c.expiresAt);
      await this.deps.sleep(Math.max(0, at - now), signal);
      this.render();
    }
  }

  /** Asks for a code. */
  private async newCode(): Promise<void> {
    const outcome = await this.call(PAIR_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(this.deps.describe()),
    });
    if (this.stopped) return;
    if (outcome.kind !== "ok") {
      this.codeAt = this.deps.now() + this.trouble(outcome);
      return;
    }
    const response = outcome.response;
    let code: PairCode | null = null;
    if (response.status === 201 || response.status === 200) code = parsePairCode(await response.json().catch(() => null));
    if (this.stopped) return;
    if (!code) {
      console.warn(`[signate] pairing: asking for a code answered HTTP ${response.status}`);
      this.codeAt = this.deps.now() + this.trouble(outcome);
      return;
    }
    const now = this.deps.now();
    const life = lifetimeMs(code.expires_at, response.headers.get("Date"), now);
    const poll = pollMs(code.poll_seconds);
    this.current = { code, refreshAt: now + refreshDelayMs(life), expiresAt: now + life, pollMs: poll };
    this.address = claimAddress(code.claim_url);
    this.codeAt = 0;
    this.pollAt = now + poll;
    this.fine();
  }

  /** Asks whether `current` was claimed; true once it was. */
  private async poll(current: Current): Promise<boolean> {
    const outcome = await this.call(`${PAIR_URL}/${encodeURIComponent(current.code.secret)}`, {
      method: "GET",
      headers: { Accept: "application/json" },
    });
    if (this.stopped) return true;
    const now = this.deps.now();
    if (outcome.kind !== "ok") {
      this.pollAt = now + this.trouble(outcome);
      return false;
    }
    const status = outcome.response.status;
    if (status === 200) {
      console.info("[signate] pairing: this screen was claimed");
      this.stop();
      this.deps.paired();
      return true;
    }
    if (status === 202) {
      this.pollAt = now + current.pollMs;
      this.fine();
      return false;
    }
    if (status === 410 || status === 404) {
      // Expired, or already used: a new code at once (unless asking is on hold).
      if (this.current === current) this.current = null;
      this.render();
      return false;
    }
    console.warn(`[signate] pairing: polling answered HTTP ${status}`);
    this.pollAt = now + this.trouble(outcome);
    return false;
  }

  /** A request; a 429 and the unreachable (network error, timeout, 5xx) sorted out. */
  private async call(url: string, init: RequestInit): Promise<Outcome> {
    let response: Response;
    try {
      response = await this.deps.fetch(url, { ...init, cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      console.warn("[signate] pairing:", error instanceof Error ? error.message : error);
      return { kind: "down" };
    }
    if (response.status === 429) return { kind: "busy", waitMs: retryAfterMs(response.headers.get("Retry-After"), this.deps.now()) };
    if (response.status >= 500) return { kind: "down" };
    return { kind: "ok", response };
  }

  private fine(): void {
    this.failures = 0;
    this.connecting = false;
    this.render();
  }

  /** Something went wrong: say "connecting…"; answers the wait (`Retry-After`, or the backoff). */
  private trouble(outcome: Outcome): number {
    this.failures++;
    this.connecting = true;
    this.render();
    return outcome.kind === "busy" ? outcome.waitMs : backoffMs(this.failures, this.deps.random);
  }

  private render(): void {
    const c = this.current;
    // A code past its expiry is no use to anyone: blank it until a new one comes.
    const live = c !== null && this.deps.now() < c.expiresAt;
    const view: PairingView = {
      code: live ? c.code.code : "",
      address: this.address,
      qr: live ? svgDataUrl(c.code.qr_svg) : "",
      connecting: this.connecting,
    };
    const key = JSON.stringify(view);
    if (key === this.shown) return;
    this.shown = key;
    this.deps.show(view);
  }
}
