// Pairing a cloud screen: the pure parts (resolution, address, when to refresh a code, backoff,
// Retry-After) and the pairing loop driven by a fake server and a clock moved by its sleeps.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  backoffMs,
  claimAddress,
  isCode,
  lifetimeMs,
  PAIR_URL,
  Pairing,
  type PairingView,
  parsePairCode,
  pollMs,
  refreshDelayMs,
  resolution,
  retryAfterMs,
  svgDataUrl,
} from "../../src/player/pairing.js";
import { needsPairing } from "../../src/player/server.js";

test("resolution is WxH in device pixels", () => {
  assert.equal(resolution(1280, 720, 1.5), "1920x1080");
  assert.equal(resolution(1920, 1080, 1), "1920x1080");
  assert.equal(resolution(1366, 768, NaN), "1366x768", "an unreadable ratio counts as 1");
  assert.equal(resolution(412, 915, 2.625), "1082x2402");
  assert.equal(resolution(0, 0, 1), "", "unknown");
  assert.equal(resolution(NaN, 720, 1), "");
});

test("the address shown is claim_url without its query", () => {
  assert.equal(claimAddress("https://acme.example.com/screens/add?code=K7Q2XM"), "https://acme.example.com/screens/add");
  assert.equal(claimAddress("https://acme.example.com/screens/add#x"), "https://acme.example.com/screens/add");
  assert.equal(claimAddress("https://acme.example.com/screens/add"), "https://acme.example.com/screens/add");
});

test("the QR code becomes a data: URL, escaped", () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><path d="M0 0h1v1H0z"/></svg>';
  const url = svgDataUrl(svg);
  assert.ok(url.startsWith("data:image/svg+xml;charset=utf-8,"));
  assert.ok(!url.includes("<") && !url.includes('"') && !url.includes("#"), url);
  assert.equal(decodeURIComponent(url.slice(url.indexOf(",") + 1)), svg);
  assert.equal(svgDataUrl("  "), "");
});

test("codes: 6 characters, no 0/O/1/I", () => {
  assert.ok(isCode("K7Q2XM"));
  assert.ok(!isCode("K7Q2X"));
  assert.ok(!isCode("K7Q2X0"));
  assert.ok(!isCode("KOQ2XM"));
  assert.ok(!isCode("K1Q2XM"));
  assert.ok(!isCode("KIQ2XM"));
  assert.ok(!isCode("k7q2xm"));
});

test("a code's life is read against the server's clock (Date header)", () => {
  const server = Date.parse("2026-12-07T10:00:00Z");
  const expires = "2026-12-07T10:10:00.000Z";
  const date = new Date(server).toUTCString();
  // A Pi that booted without a network clock thinks it is 2020: the Date header still gives 10 min.
  assert.equal(lifetimeMs(expires, date, Date.parse("2020-01-01T00:00:00Z")), 600_000);
  assert.equal(lifetimeMs(expires, null, server + 60_000), 540_000, "no Date: the local clock");
  assert.equal(lifetimeMs(expires, "garbage", server), 600_000);
  assert.equal(lifetimeMs("", date, server), 600_000, "unreadable expiry: the default life");
  assert.equal(lifetimeMs(expires, null, server + 3_600_000), 600_000, "already past by this clock: the default");
});

test("a new code 30 s before the old one expires (halfway for short lives)", () => {
  assert.equal(refreshDelayMs(600_000), 570_000);
  assert.equal(refreshDelayMs(40_000), 20_000);
  assert.equal(refreshDelayMs(60_000), 30_000);
});

test("backoff: 1 s doubling to 30 s, with up to 20 % jitter", () => {
  const top = () => 1;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffMs(n, top)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(backoffMs(1, () => 0), 800);
  for (let i = 0; i < 100; i++) {
    const ms = backoffMs(3);
    assert.ok(ms >= 3200 && ms <= 4000, String(ms));
  }
});

test("Retry-After: seconds or a date, within 1 s … 10 min", () => {
  const now = Date.parse("2026-12-07T10:00:00Z");
  assert.equal(retryAfterMs("7", now), 7000);
  assert.equal(retryAfterMs(" 120 ", now), 120_000);
  assert.equal(retryAfterMs("0", now), 1000);
  assert.equal(retryAfterMs("86400", now), 600_000);
  assert.equal(retryAfterMs(new Date(now + 45_000).toUTCString(), now), 45_000);
  assert.equal(retryAfterMs("soon", now), 30_000);
  assert.equal(retryAfterMs(null, now), 30_000);
});

test("poll interval from poll_seconds, within 1 … 30 s", () => {
  assert.equal(pollMs(2), 2000);
  assert.equal(pollMs(0.1), 1000);
  assert.equal(pollMs(100), 30_000);
  assert.equal(pollMs("2"), 2000);
  assert.equal(pollMs(0), 2000);
  assert.equal(pollMs(undefined), 2000);
});

test("the 201 body is checked", () => {
  assert.equal(parsePairCode(null), null);
  assert.equal(parsePairCode({ code: "K7Q2XM" }), null, "no secret");
  assert.equal(parsePairCode({ code: "", secret: "s" }), null);
  assert.deepEqual(parsePairCode({ code: "K7Q2XM", secret: "s" }), {
    code: "K7Q2XM",
    secret: "s",
    expires_at: "",
    poll_seconds: 2,
    claim_url: "",
    qr_svg: "",
  });
});

test("401 with Signate-Pairing: required means pairing; other 401s do not", () => {
  const r = (status: number, headers: Record<string, string>) => ({ status, headers: new Headers(headers) });
  assert.ok(needsPairing(r(401, { "Signate-Pairing": "required" })));
  assert.ok(needsPairing(r(401, { "signate-pairing": "Required" })));
  assert.ok(!needsPairing(r(401, { "WWW-Authenticate": "Basic" })), "device mode's password prompt");
  assert.ok(!needsPairing(r(403, { "Signate-Pairing": "required" })));
  assert.ok(!needsPairing(r(200, {})));
});

// ----- the pairing loop ------------------------------------------------------

const START = Date.parse("2026-12-07T10:00:00Z");
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>';

type Handler = (call: { method: string; url: string; body: unknown; at: number; n: number }) => Response | Error;

interface Call {
  method: string;
  url: string;
  body: unknown;
  at: number;
}

/**
 * Runs the pairing loop against `handler` until it pairs, or `limit` requests were made (then
 * it is stopped). Time moves only by the loop's own sleeps.
 */
async function run(handler: Handler, limit = 200) {
  let now = START;
  const calls: Call[] = [];
  const views: (PairingView & { at: number })[] = [];
  const sleeps: number[] = [];
  let paired = 0;
  const pairing: Pairing = new Pairing({
    fetch: async (url, init) => {
      const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
      const call = { method: init.method ?? "GET", url, body, at: now };
      calls.push(call);
      if (calls.length > limit) {
        pairing.stop();
        throw new Error("enough");
      }
      const answer = handler({ ...call, n: calls.length });
      if (answer instanceof Error) throw answer;
      return answer;
    },
    sleep: async (ms) => {
      assert.ok(ms >= 0 && Number.isFinite(ms), `sleep ${ms}`);
      sleeps.push(ms);
      now += ms;
    },
    now: () => now,
    random: () => 1,
    describe: () => ({ resolution: "1920x1080", player_version: "test" }),
    show: (view) => views.push({ ...view, at: now }),
    paired: () => paired++,
  });
  await pairing.start();
  return { calls, views, sleeps, paired: () => paired, now: () => now };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

let codes = 0;
/** A fresh code, living `lifeMs` from `at` by the server's clock. */
function code(at: number, lifeMs = 600_000, poll = 2): Response {
  codes++;
  const c = `K7Q2X${"ABCDEFGHJK"[codes % 10]}`;
  return json(
    201,
    {
      code: c,
      secret: `secret-${codes}`,
      expires_at: new Date(at + lifeMs).toISOString(),
      poll_seconds: poll,
      claim_url: `https://acme.example.com/screens/add?code=${c}`,
      qr_svg: SVG,
    },
    { Date: new Date(at).toUTCString() },
  );
}

const pending = () => json(202, { status: "pending" });
const posts = (calls: Call[]) => calls.filter((c) => c.method === "POST");
const polls = (calls: Call[]) => calls.filter((c) => c.method === "GET");

test("a code, polled every poll_seconds until claimed; then paired once", async () => {
  const r = await run(({ method, at, n }) => {
    if (method === "POST") return code(at);
    return n < 5 ? pending() : json(200, { status: "paired", device_token: "sgd_x", screen: { id: "s", name: "Lobby" } });
  });
  assert.equal(r.paired(), 1);
  assert.equal(posts(r.calls).length, 1);
  assert.deepEqual(posts(r.calls)[0]?.body, { resolution: "1920x1080", player_version: "test" });
  assert.equal(posts(r.calls)[0]?.url, PAIR_URL);
  const gets = polls(r.calls);
  assert.equal(gets.length, 4);
  assert.ok(gets.every((c) => /^\/api\/v3\/screens\/pair\/secret-\d+$/.test(c.url)), gets.map((c) => c.url).join());
  assert.deepEqual(gets.map((c) => c.at - START), [2000, 4000, 6000, 8000]);
  const shown = r.views.at(-1);
  assert.ok(shown && isCode(shown.code), JSON.stringify(shown));
  assert.equal(shown?.address, "https://acme.example.com/screens/add");
  assert.ok(shown?.qr.startsWith("data:image/svg+xml"));
  assert.equal(shown?.connecting, false);
});

test("410: a new code at once", async () => {
  const r = await run(({ method, at, n }) => {
    if (method === "POST") return code(at);
    if (n === 3) return json(410, { error: { code: "gone" } });
    return n > 6 ? json(200, { status: "paired" }) : pending();
  });
  assert.equal(r.paired(), 1);
  const p = posts(r.calls);
  assert.equal(p.length, 2);
  const gone = r.calls[2];
  assert.equal(p[1]?.at, gone?.at, "asked for a new code right after the 410");
  assert.notEqual(r.calls.at(-1)?.url, gone?.url, "polls the new secret");
  const shownCodes = [...new Set(r.views.map((v) => v.code).filter(Boolean))];
  assert.equal(shownCodes.length, 2, `both codes shown: ${shownCodes}`);
});

test("a new code 30 s before the old one expires, even by a wrong local clock", async () => {
  // The server's clock is an hour ahead of the screen's: its Date header says so.
  const skew = 3_600_000;
  const r = await run(({ method, at }) => (method === "POST" ? code(at + skew) : pending()), 300);
  const p = posts(r.calls);
  assert.equal(p.length, 2);
  const renewed = p[1]?.at ?? 0;
  assert.equal(renewed - START, 570_000);
  // The first code was polled until then, the new one after.
  const before = new Set(polls(r.calls).filter((c) => c.at <= renewed).map((c) => c.url));
  const after = new Set(polls(r.calls).filter((c) => c.at > renewed).map((c) => c.url));
  assert.equal(before.size, 1);
  assert.equal(after.size, 1);
  assert.notEqual([...before][0], [...after][0]);
  assert.ok(r.views.some((v) => v.at === renewed && v.code !== "" && v.code !== r.views[1]?.code), "the new code shown");
});

test("network errors: the code stays, 'connecting…' shows, retries back off; then all is well again", async () => {
  const r = await run(({ method, at, n }) => {
    if (method === "POST") return code(at);
    if (n >= 2 && n <= 5) return new TypeError("Failed to fetch");
    if (n === 6) return json(503, { error: "starting" });
    return n > 8 ? json(200, { status: "paired" }) : pending();
  });
  assert.equal(r.paired(), 1);
  // Polls at 2 s, then back off 1 s, 2 s, 4 s, 8 s, 16 s after each failure.
  const gaps = polls(r.calls)
    .map((c) => c.at - START)
    .map((t, i, all) => t - (all[i - 1] ?? 0));
  assert.deepEqual(gaps, [2000, 1000, 2000, 4000, 8000, 16000, 2000, 2000]);
  const during = r.views.filter((v) => v.connecting);
  assert.ok(during.length > 0, "connecting… shown");
  assert.ok(during.every((v) => isCode(v.code)), "the code stays on screen meanwhile");
  assert.equal(r.views.at(-1)?.connecting, false, "and goes away once the server answers");
});

test("the first request failing: connecting…, no code, retried", async () => {
  const r = await run(({ method, at, n }) => {
    if (method === "POST") return n <= 3 ? new TypeError("Failed to fetch") : code(at);
    return json(200, { status: "paired" });
  });
  assert.equal(r.paired(), 1);
  assert.deepEqual(
    posts(r.calls).map((c) => c.at - START),
    [0, 1000, 3000, 7000],
  );
  assert.deepEqual(r.views[0], { code: "", address: "", qr: "", connecting: false, at: START });
  assert.ok(r.views.some((v) => v.connecting && v.code === ""));
});

test("429: waits Retry-After", async () => {
  const r = await run(({ method, at, n }) => {
    if (method === "POST") return n === 1 ? json(429, { error: "slow down" }, { "Retry-After": "7" }) : code(at);
    return json(200, { status: "paired" });
  });
  assert.equal(r.paired(), 1);
  assert.deepEqual(posts(r.calls).map((c) => c.at - START), [0, 7000]);
});

test("a code that cannot be replaced is still polled until it expires, then blanked", async () => {
  // The first code lives 60 s (refresh at 30 s); every later request for a code is refused.
  const r = await run(({ method, at, n }) => {
    if (method === "POST") return n === 1 ? code(at, 60_000) : json(429, {}, { "Retry-After": "20" });
    return pending();
  }, 80);
  assert.equal(r.paired(), 0);
  const refreshFailedAt = posts(r.calls)[1]?.at ?? 0;
  assert.equal(refreshFailedAt - START, 30_000);
  const pollsAfter = polls(r.calls).filter((c) => c.at > refreshFailedAt);
  assert.ok(pollsAfter.length > 0, "kept polling the old code");
  assert.ok(pollsAfter.every((c) => c.at - START < 60_000), "until it expired");
  assert.deepEqual(
    posts(r.calls).slice(1, 4).map((c) => c.at - START),
    [30_000, 50_000, 70_000],
    "new codes asked for every Retry-After",
  );
  const blank = r.views.find((v) => v.code === "" && v.at - START >= 60_000);
  assert.ok(blank, "the expired code is taken off the screen");
  assert.equal(blank?.at, START + 60_000, "right when it expires");
  assert.equal(blank?.address, "https://acme.example.com/screens/add", "the address stays");
  assert.equal(blank?.qr, "", "and the QR code (of the old code) goes");
});

test("a claim in a code's last seconds still pairs, while a new code is refused", async () => {
  const r = await run(({ method, at }) => {
    if (method === "POST") return at === START ? code(at, 60_000) : json(429, {}, { "Retry-After": "20" });
    return at - START >= 45_000 ? json(200, { status: "paired" }) : pending();
  });
  assert.equal(r.paired(), 1);
});

test("stop ends the loop", async () => {
  let now = START;
  let calls = 0;
  const pairing: Pairing = new Pairing({
    fetch: async () => {
      calls++;
      if (calls === 3) pairing.stop();
      return calls === 1 ? code(START) : pending();
    },
    sleep: async (ms) => void (now += ms),
    now: () => now,
    random: () => 1,
    describe: () => ({ resolution: "", player_version: "t" }),
    show: () => undefined,
    paired: () => assert.ok(false, "not paired"),
  });
  await pairing.start();
  assert.equal(calls, 3);
  assert.ok(pairing.stopped);
});
