// The Screens page's rules (docs/screens.md): the offline countdown, re-reads, live status
// events, search and filters, codes and tags; and the screens/groups calls' URLs and bodies.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../src/app/api.js";
import { Live, type Source } from "../../src/app/live.js";
import {
  CONFIRM_AFTER_MS,
  MIN_REREAD_MS,
  NO_FILTER,
  NO_GROUP,
  OFFLINE_AFTER_MS,
  ago,
  allTags,
  applyStatus,
  commandSummary,
  countByStatus,
  filterScreens,
  isCode,
  isFiltered,
  isStatusEvent,
  msUntilOffline,
  nextOffline,
  normalizeCode,
  parseTags,
  rereadIn,
  statusAt,
} from "../../src/app/screens.js";
import { type Screen, screensApi } from "../../src/app/screensApi.js";

const NOW = Date.parse("2026-12-07T10:00:00.000Z");
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();

function screen(p: Partial<Screen> = {}): Screen {
  return {
    id: "s1",
    name: "Lobby",
    group_id: null,
    tags: [],
    status: "online",
    last_seen_at: iso(10_000),
    ip: "203.0.113.7",
    resolution: "1920x1080",
    player_version: "1.0.0",
    now_playing: { asset_id: "a1", since: iso(5_000) },
    created_at: iso(86_400_000),
    updated_at: iso(86_400_000),
    ...p,
  };
}

// ----- the countdown -----

test("an online screen counts as offline 90 s after its last heartbeat, event or not", () => {
  assert.equal(statusAt(screen({ last_seen_at: iso(OFFLINE_AFTER_MS - 1) }), NOW), "online");
  assert.equal(statusAt(screen({ last_seen_at: iso(OFFLINE_AFTER_MS) }), NOW), "offline");
  assert.equal(statusAt(screen({ last_seen_at: iso(10 * 60_000) }), NOW), "offline");
  // the server's other statuses stand
  assert.equal(statusAt(screen({ status: "offline", last_seen_at: iso(1_000) }), NOW), "offline");
  assert.equal(statusAt(screen({ status: "never_seen", last_seen_at: null }), NOW), "never_seen");
  // online without a time (should not happen): nothing to count down from
  assert.equal(statusAt(screen({ last_seen_at: null }), NOW), "online");
  assert.equal(statusAt(screen({ last_seen_at: "garbage" }), NOW), "online");
});

test("the countdown runs on the server's clock (skew = server − browser)", () => {
  const s = screen({ last_seen_at: iso(40_000) });
  assert.equal(statusAt(s, NOW, 0), "online");
  // this browser's clock is 60 s behind the server's: the heartbeat is 100 s old
  assert.equal(statusAt(s, NOW, 60_000), "offline");
  // 5 minutes ahead: a fresh heartbeat still counts
  assert.equal(statusAt(screen({ last_seen_at: iso(-5 * 60_000 + 1_000) }), NOW, -5 * 60_000), "online");
});

test("time until offline, and the next screen to turn offline", () => {
  assert.equal(msUntilOffline(screen({ last_seen_at: iso(30_000) }), NOW), 60_000);
  assert.equal(msUntilOffline(screen({ status: "offline" }), NOW), null);
  assert.equal(msUntilOffline(screen({ last_seen_at: iso(OFFLINE_AFTER_MS) }), NOW), null, "already offline");
  const fleet = [
    screen({ id: "a", last_seen_at: iso(10_000) }),
    screen({ id: "b", last_seen_at: iso(70_000) }),
    screen({ id: "c", status: "never_seen", last_seen_at: null }),
    screen({ id: "d", last_seen_at: iso(200_000) }),
  ];
  assert.equal(nextOffline(fleet, NOW), 20_000);
  assert.equal(nextOffline([screen({ status: "offline" })], NOW), null);
  assert.equal(nextOffline([], NOW), null);
});

test("the fleet is re-read before an online screen's known heartbeat gets old, not too often", () => {
  const fleet = [screen({ id: "a", last_seen_at: iso(10_000) }), screen({ id: "b", last_seen_at: iso(20_000) })];
  // the older heartbeat (20 s) reaches CONFIRM_AFTER_MS in 40 s
  assert.equal(rereadIn(fleet, NOW, 0, NOW - 60_000), CONFIRM_AFTER_MS - 20_000);
  // overdue, but read 5 s ago: wait for the minimum interval
  const old = [screen({ last_seen_at: iso(80_000) })];
  assert.equal(rereadIn(old, NOW, 0, NOW - 5_000), MIN_REREAD_MS - 5_000);
  assert.equal(rereadIn(old, NOW, 0, NOW - 60_000), 0);
  // nothing online (or already counted offline): nothing to confirm
  assert.equal(rereadIn([screen({ status: "offline" }), screen({ status: "never_seen", last_seen_at: null })], NOW, 0, 0), null);
  assert.equal(rereadIn([screen({ last_seen_at: iso(OFFLINE_AFTER_MS + 1) })], NOW, 0, 0), null);
});

// ----- live events -----

test("a screen_status event changes that screen only", () => {
  const fleet = [screen({ id: "a", status: "never_seen", last_seen_at: null }), screen({ id: "b" })];
  const seen = iso(0);
  const next = applyStatus(fleet, { type: "screen_status", tenant_id: "t", screen_id: "a", status: "online", last_seen_at: seen }) as Screen[];
  assert.ok(next);
  assert.equal(next[0]!.status, "online");
  assert.equal(next[0]!.last_seen_at, seen);
  assert.equal(next[1], fleet[1], "the others are the same objects");
  assert.equal(fleet[0]!.status, "never_seen", "the old list is not changed");
  // offline without a time keeps the last one known
  const off = applyStatus(next, { screen_id: "a", status: "offline" });
  assert.equal(off?.[0]!.status, "offline");
  assert.equal(off?.[0]!.last_seen_at, seen);
  // a screen the page does not have: re-read
  assert.equal(applyStatus(fleet, { screen_id: "zzz", status: "online" }), null);
});

test("status events are recognised by their shape", () => {
  assert.equal(isStatusEvent({ type: "screen_status", tenant_id: "t", screen_id: "a", status: "online", last_seen_at: iso(0) }), true);
  assert.equal(isStatusEvent({ screen_id: "a", status: "never_seen" }), false);
  assert.equal(isStatusEvent({ status: "online" }), false);
  assert.equal(isStatusEvent(null), false);
  assert.equal(isStatusEvent("screen_status"), false);
});

test("the event stream hands the event (and its data) to the handler", () => {
  const handlers = new Map<string, (e?: Event) => void>();
  const source: Source = {
    readyState: 1,
    addEventListener: (type, fn) => void handlers.set(type, fn),
    close: () => {},
  };
  const got: unknown[] = [];
  const live = new Live({ screen_status: (e) => got.push((e as MessageEvent | undefined)?.data) }, () => {}, { connect: () => source });
  live.start();
  const data = JSON.stringify({ type: "screen_status", screen_id: "a", status: "online" });
  handlers.get("screen_status")!({ data } as unknown as Event);
  assert.deepEqual(got, [data]);
  live.stop();
});

// ----- search and filters -----

const fleet = [
  screen({ id: "1", name: "Window 10", group_id: "g1", tags: ["street"], last_seen_at: iso(5_000) }),
  screen({ id: "2", name: "Window 2", group_id: "g1", tags: ["street", "floor-0"], last_seen_at: iso(120_000) }),
  screen({ id: "3", name: "lobby", group_id: null, tags: ["floor-0"], status: "offline", last_seen_at: iso(86_400_000) }),
  screen({ id: "4", name: "Kitchen", group_id: "g2", tags: [], status: "never_seen", last_seen_at: null }),
];
const names = (l: Screen[]) => l.map((s) => s.name);

test("filters: name (any case), group, no group, tag, status as counted down; sorted by name", () => {
  assert.deepEqual(names(filterScreens(fleet, NO_FILTER, NOW)), ["Kitchen", "lobby", "Window 2", "Window 10"]);
  assert.deepEqual(names(filterScreens(fleet, { ...NO_FILTER, q: " WIN " }, NOW)), ["Window 2", "Window 10"]);
  assert.deepEqual(names(filterScreens(fleet, { ...NO_FILTER, q: "OBB" }, NOW)), ["lobby"]);
  assert.deepEqual(names(filterScreens(fleet, { ...NO_FILTER, group: "g1" }, NOW)), ["Window 2", "Window 10"]);
  assert.deepEqual(names(filterScreens(fleet, { ...NO_FILTER, group: NO_GROUP }, NOW)), ["lobby"]);
  assert.deepEqual(names(filterScreens(fleet, { ...NO_FILTER, tag: "floor-0" }, NOW)), ["lobby", "Window 2"]);
  // "Window 2" says online but its heartbeat is 120 s old
  assert.deepEqual(names(filterScreens(fleet, { ...NO_FILTER, status: "online" }, NOW)), ["Window 10"]);
  assert.deepEqual(names(filterScreens(fleet, { ...NO_FILTER, status: "offline" }, NOW)), ["lobby", "Window 2"]);
  assert.deepEqual(names(filterScreens(fleet, { ...NO_FILTER, status: "never_seen" }, NOW)), ["Kitchen"]);
  assert.deepEqual(names(filterScreens(fleet, { q: "window", group: "g1", tag: "floor-0", status: "offline" }, NOW)), ["Window 2"]);
  assert.deepEqual(filterScreens(fleet, { ...NO_FILTER, group: "g3" }, NOW), []);
  assert.equal(isFiltered(NO_FILTER), false);
  assert.equal(isFiltered({ ...NO_FILTER, q: "  " }), false);
  assert.equal(isFiltered({ ...NO_FILTER, tag: "x" }), true);
});

test("tags in use and counts by status", () => {
  assert.deepEqual(allTags(fleet), ["floor-0", "street"]);
  assert.deepEqual(countByStatus(fleet, NOW), { online: 1, offline: 2, never_seen: 1 });
});

// ----- codes, tags, sentences -----

test("pairing codes as typed", () => {
  assert.equal(normalizeCode(" k7q-2xm "), "K7Q2XM");
  assert.equal(normalizeCode("k7q 2xm"), "K7Q2XM");
  assert.equal(isCode("K7Q2XM"), true);
  assert.equal(isCode("K7Q2X"), false);
  assert.equal(isCode("K7Q2XMM"), false);
  assert.equal(isCode("K0Q2XM"), false, "no zero");
  assert.equal(isCode("KOQ2XM"), false, "no O");
  assert.equal(isCode("K1Q2XM"), false, "no one");
  assert.equal(isCode("KIQ2XM"), false, "no I");
});

test("tags typed with commas", () => {
  assert.deepEqual(parseTags(" floor-1, lobby ,, floor-1,"), ["floor-1", "lobby"]);
  assert.deepEqual(parseTags(""), []);
});

test("last seen, in words", () => {
  assert.equal(ago(null, NOW), "never");
  assert.equal(ago(iso(59_000), NOW), "just now");
  assert.equal(ago(iso(-5_000), NOW), "just now", "a clock a little behind the server's");
  assert.equal(ago(iso(5 * 60_000), NOW), "5 min ago");
  assert.equal(ago(iso(3 * 3_600_000), NOW), "3 h ago");
  assert.equal(ago(iso(3 * 86_400_000), NOW), "3 days ago");
  assert.equal(ago(iso(30_000), NOW, 60_000), "1 min ago", "on the server's clock");
});

test("what a command reached", () => {
  assert.equal(commandSummary({ command: "next", sent_to: ["a"], offline: [] }, "Lobby"), "“Next” sent to Lobby.");
  assert.equal(
    commandSummary({ command: "blank", sent_to: ["a", "b"], offline: [{ id: "c", name: "Bar" }] }, "Windows", true),
    "“Blank” sent to 2 screens in Windows. Offline, not sent: Bar.",
  );
  assert.equal(commandSummary({ command: "unblank", sent_to: ["a"], offline: [] }, "Windows", true), "“Unblank” sent to 1 screen in Windows.");
  assert.equal(commandSummary({ command: "reload", sent_to: [], offline: [] }, "Empty"), "“Reload” reached no screen.");
});

// ----- the API calls -----

interface Seen {
  method: string;
  url: string;
  body: unknown;
}

/** Replaces fetch for one test: records each request, answers from `answer`. */
async function withFetch(answer: (s: Seen) => { status: number; body?: unknown; headers?: Record<string, string> }, fn: (seen: Seen[]) => Promise<void>) {
  const seen: Seen[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = (async (url: string, init: RequestInit = {}) => {
    const s = { method: init.method ?? "GET", url: String(url), body: typeof init.body === "string" ? JSON.parse(init.body) : init.body };
    seen.push(s);
    const a = answer(s);
    const text = a.body === undefined ? null : JSON.stringify(a.body);
    return new Response(text, { status: a.status, headers: { "Content-Type": "application/json", ...a.headers } });
  }) as typeof fetch;
  try {
    await fn(seen);
  } finally {
    globalThis.fetch = real;
  }
}

test("screens calls: URLs, methods and bodies as docs/screens.md has them", async () => {
  const s = screen();
  await withFetch(
    (r) => {
      if (r.method === "DELETE") return { status: 204 };
      if (r.url.endsWith("/commands")) return { status: 202, body: { command: (r.body as { command: string }).command, sent_to: ["s1"], offline: [] } };
      if (r.method === "GET" && r.url.startsWith("/api/v3/screens")) return { status: 200, body: [s], headers: { Date: "Mon, 07 Dec 2026 10:00:05 GMT" } };
      return { status: r.method === "POST" ? 201 : 200, body: s };
    },
    async (seen) => {
      const l = await screensApi.list();
      assert.deepEqual(l.screens, [s]);
      assert.equal(l.serverTime, NOW + 5_000, "the server's clock from the Date header");
      await screensApi.list({ group_id: "g 1", tag: "floor-1", status: "online", q: "lob by" });
      await screensApi.get("s/1");
      await screensApi.claim({ code: "K7Q2XM", name: "Lobby", group_id: null, tags: [] });
      await screensApi.update("s1", { group_id: null });
      await screensApi.remove("s1");
      await screensApi.command("s1", "next");
      await screensApi.command("s1", "show", "a1");
      assert.deepEqual(seen, [
        { method: "GET", url: "/api/v3/screens", body: undefined },
        { method: "GET", url: "/api/v3/screens?group_id=g+1&tag=floor-1&status=online&q=lob+by", body: undefined },
        { method: "GET", url: "/api/v3/screens/s%2F1", body: undefined },
        { method: "POST", url: "/api/v3/screens", body: { code: "K7Q2XM", name: "Lobby", group_id: null, tags: [] } },
        { method: "PATCH", url: "/api/v3/screens/s1", body: { group_id: null } },
        { method: "DELETE", url: "/api/v3/screens/s1", body: undefined },
        { method: "POST", url: "/api/v3/screens/s1/commands", body: { command: "next" } },
        { method: "POST", url: "/api/v3/screens/s1/commands", body: { command: "show", asset_id: "a1" } },
      ]);
    },
  );
});

test("groups calls; lists as a bare array or as {items}", async () => {
  const g = { id: "g1", name: "Windows", screen_count: 2, created_at: iso(0), updated_at: iso(0) };
  let wrapped = false;
  await withFetch(
    (r) => {
      if (r.method === "GET") return { status: 200, body: wrapped ? { items: [g] } : [g] };
      if (r.method === "DELETE") return { status: 204 };
      if (r.url.endsWith("/commands")) return { status: 202, body: { command: "blank", sent_to: ["s1"], offline: [{ id: "s2", name: "Bar" }] } };
      return { status: r.method === "POST" ? 201 : 200, body: g };
    },
    async (seen) => {
      assert.deepEqual(await screensApi.groups(), [g]);
      wrapped = true;
      assert.deepEqual(await screensApi.groups(), [g]);
      await screensApi.createGroup("Windows");
      await screensApi.renameGroup("g1", "Shop windows");
      await screensApi.removeGroup("g1");
      const r = await screensApi.groupCommand("g1", "blank");
      assert.deepEqual(r.offline, [{ id: "s2", name: "Bar" }]);
      assert.deepEqual(
        seen.map((s) => [s.method, s.url, s.body]),
        [
          ["GET", "/api/v3/groups", undefined],
          ["GET", "/api/v3/groups", undefined],
          ["POST", "/api/v3/groups", { name: "Windows" }],
          ["PATCH", "/api/v3/groups/g1", { name: "Shop windows" }],
          ["DELETE", "/api/v3/groups/g1", undefined],
          ["POST", "/api/v3/groups/g1/commands", { command: "blank" }],
        ],
      );
    },
  );
});

test("refusals arrive as the server's message: unknown code, max_devices, offline screen", async () => {
  const answers: Record<string, { status: number; body: unknown }> = {
    K7Q2XM: { status: 404, body: { error: { code: "not_found", message: "No screen is showing this code, or it has expired.", field: "code" } } },
    AAAAAA: { status: 403, body: { error: { code: "limit_exceeded", message: "This organisation may have 3 screens (max_devices)." } } },
  };
  await withFetch(
    (r) =>
      r.url.endsWith("/commands")
        ? { status: 409, body: { error: { code: "conflict", message: "Lobby is offline." } } }
        : (answers[(r.body as { code: string }).code] as { status: number; body: unknown }),
    async () => {
      const claim = (code: string) => screensApi.claim({ code, name: "x", group_id: null, tags: [] }).then(() => null, (e: unknown) => e);
      const unknown = (await claim("K7Q2XM")) as ApiError;
      assert.ok(unknown instanceof ApiError);
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.fields, { code: "No screen is showing this code, or it has expired." });
      const limit = (await claim("AAAAAA")) as ApiError;
      assert.ok(limit instanceof ApiError);
      assert.equal(limit.code, "limit_exceeded");
      assert.match(limit.message, /max_devices/);
      const offline = (await screensApi.command("s1", "next").then(() => null, (e: unknown) => e)) as ApiError;
      assert.ok(offline instanceof ApiError);
      assert.equal(offline.status, 409);
      assert.equal(offline.message, "Lobby is offline.");
    },
  );
});
