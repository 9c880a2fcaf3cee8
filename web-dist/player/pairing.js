export const PAIR_URL = "/api/v3/screens/pair";
export const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const REFRESH_MARGIN_MS = 30_000;
export const DEFAULT_LIFETIME_MS = 600_000;
export const DEFAULT_POLL_MS = 2000;
export const MAX_BACKOFF_MS = 30_000;
export const DEFAULT_RETRY_AFTER_MS = 30_000;
const MAX_RETRY_AFTER_MS = 600_000;
const REQUEST_TIMEOUT_MS = 10_000;
export function resolution(width, height, ratio) {
    const r = Number.isFinite(ratio) && ratio > 0 ? ratio : 1;
    const w = Math.round(width * r);
    const h = Math.round(height * r);
    return Number.isFinite(w) && Number.isFinite(h) && w > 0 && h > 0 ? `${w}x${h}` : "";
}
export function claimAddress(url) {
    const cut = url.search(/[?#]/);
    return cut < 0 ? url : url.slice(0, cut);
}
export function svgDataUrl(svg) {
    return svg.trim() === "" ? "" : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
export function isCode(code) {
    return code.length === 6 && [...code].every((c) => CODE_ALPHABET.includes(c));
}
export function lifetimeMs(expiresAt, serverDate, localNow) {
    const expires = Date.parse(expiresAt);
    const server = serverDate ? Date.parse(serverDate) : NaN;
    const life = expires - (Number.isFinite(server) ? server : localNow);
    return Number.isFinite(life) && life > 0 ? life : DEFAULT_LIFETIME_MS;
}
export function refreshDelayMs(lifetime) {
    return Math.max(lifetime - REFRESH_MARGIN_MS, lifetime / 2);
}
export function backoffMs(failures, random = Math.random) {
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, failures - 1));
    return Math.round(base * (0.8 + random() * 0.2));
}
export function retryAfterMs(header, localNow) {
    const value = header?.trim() ?? "";
    let ms = NaN;
    if (/^\d+$/.test(value))
        ms = Number(value) * 1000;
    else if (value !== "")
        ms = Date.parse(value) - localNow;
    if (!Number.isFinite(ms))
        return DEFAULT_RETRY_AFTER_MS;
    return Math.min(MAX_RETRY_AFTER_MS, Math.max(1000, ms));
}
export function pollMs(pollSeconds) {
    const s = Number(pollSeconds);
    if (typeof pollSeconds !== "number" || !Number.isFinite(s) || s <= 0)
        return DEFAULT_POLL_MS;
    return Math.min(30_000, Math.max(1000, s * 1000));
}
export function parsePairCode(value) {
    if (typeof value !== "object" || value === null)
        return null;
    const v = value;
    if (typeof v.code !== "string" || v.code === "" || typeof v.secret !== "string" || v.secret === "")
        return null;
    return {
        code: v.code,
        secret: v.secret,
        expires_at: typeof v.expires_at === "string" ? v.expires_at : "",
        poll_seconds: typeof v.poll_seconds === "number" ? v.poll_seconds : DEFAULT_POLL_MS / 1000,
        claim_url: typeof v.claim_url === "string" ? v.claim_url : "",
        qr_svg: typeof v.qr_svg === "string" ? v.qr_svg : "",
    };
}
export class Pairing {
    deps;
    controller = new AbortController();
    current = null;
    codeAt = 0;
    pollAt = 0;
    failures = 0;
    connecting = false;
    address = "";
    shown = "";
    constructor(deps) {
        this.deps = deps;
    }
    get stopped() {
        return this.controller.signal.aborted;
    }
    stop() {
        this.controller.abort();
    }
    async start() {
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
                if (await this.poll(c))
                    return;
                continue;
            }
            let at = codeDue ? this.codeAt : c.refreshAt;
            if (alive)
                at = Math.min(at, this.pollAt, c.expiresAt);
            await this.deps.sleep(Math.max(0, at - now), signal);
            this.render();
        }
    }
    async newCode() {
        const outcome = await this.call(PAIR_URL, {
            method: "POST",
            headers: { "Content-Type": "application/json", Accept: "application/json" },
            body: JSON.stringify(this.deps.describe()),
        });
        if (this.stopped)
            return;
        if (outcome.kind !== "ok") {
            this.codeAt = this.deps.now() + this.trouble(outcome);
            return;
        }
        const response = outcome.response;
        let code = null;
        if (response.status === 201 || response.status === 200)
            code = parsePairCode(await response.json().catch(() => null));
        if (this.stopped)
            return;
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
    async poll(current) {
        const outcome = await this.call(`${PAIR_URL}/${encodeURIComponent(current.code.secret)}`, {
            method: "GET",
            headers: { Accept: "application/json" },
        });
        if (this.stopped)
            return true;
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
            if (this.current === current)
                this.current = null;
            this.render();
            return false;
        }
        console.warn(`[signate] pairing: polling answered HTTP ${status}`);
        this.pollAt = now + this.trouble(outcome);
        return false;
    }
    async call(url, init) {
        let response;
        try {
            response = await this.deps.fetch(url, { ...init, cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        }
        catch (error) {
            console.warn("[signate] pairing:", error instanceof Error ? error.message : error);
            return { kind: "down" };
        }
        if (response.status === 429)
            return { kind: "busy", waitMs: retryAfterMs(response.headers.get("Retry-After"), this.deps.now()) };
        if (response.status >= 500)
            return { kind: "down" };
        return { kind: "ok", response };
    }
    fine() {
        this.failures = 0;
        this.connecting = false;
        this.render();
    }
    trouble(outcome) {
        this.failures++;
        this.connecting = true;
        this.render();
        return outcome.kind === "busy" ? outcome.waitMs : backoffMs(this.failures, this.deps.random);
    }
    render() {
        const c = this.current;
        const live = c !== null && this.deps.now() < c.expiresAt;
        const view = {
            code: live ? c.code.code : "",
            address: this.address,
            qr: live ? svgDataUrl(c.code.qr_svg) : "",
            connecting: this.connecting,
        };
        const key = JSON.stringify(view);
        if (key === this.shown)
            return;
        this.shown = key;
        this.deps.show(view);
    }
}
