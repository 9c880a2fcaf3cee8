// The playlist editor's rules, and the programming calls' URLs, methods and bodies as
// docs/programming.md has them (playlists, schedules, interrupts, timeline, reports, CSV).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../src/app/api.js";
import {
  bare,
  moveItem,
  newItem,
  parseDuration,
  previewSteps,
  sameItems,
  slotAt,
  totalSeconds,
  withKeys,
} from "../../src/app/playlist.js";
import { describeTargets, fieldOf, programApi, targetsBody } from "../../src/app/programApi.js";

test("items keep keys of their own: an asset may be there twice", () => {
  const items = withKeys([
    { asset_id: "a", duration: null },
    { asset_id: "a", duration: 15 },
  ]);
  assert.notEqual(items[0]?.key, items[1]?.key);
  assert.notEqual(newItem("b").key, newItem("b").key);
  assert.deepEqual(bare(items), [
    { asset_id: "a", duration: null },
    { asset_id: "a", duration: 15 },
  ]);
});

test("moving an item", () => {
  assert.deepEqual(moveItem(["a", "b", "c"], 0, 2), ["b", "c", "a"]);
  assert.deepEqual(moveItem(["a", "b", "c"], 2, 0), ["c", "a", "b"]);
  assert.deepEqual(moveItem(["a", "b", "c"], 1, 1), ["a", "b", "c"]);
  const list = ["a", "b"];
  assert.equal(moveItem(list, 1, 2), list, "out of range: unchanged");
  assert.equal(moveItem(list, -1, 0), list);
});

test("the duration field", () => {
  assert.deepEqual(parseDuration(""), { value: null });
  assert.deepEqual(parseDuration(" 15 "), { value: 15 });
  assert.ok("error" in parseDuration("0"));
  assert.ok("error" in parseDuration("86401"));
  assert.ok("error" in parseDuration("1.5"));
  assert.ok("error" in parseDuration("ten"));
  assert.deepEqual(parseDuration("86400"), { value: 86400 });
});

test("lengths, changes and the preview", () => {
  const own: Record<string, number> = { a: 10, v: 0 };
  const items = [
    { asset_id: "a", duration: null },
    { asset_id: "a", duration: 5 },
    { asset_id: "v", duration: null },
  ];
  assert.deepEqual(totalSeconds(items, (id) => own[id]), { seconds: 15, open: true });
  assert.deepEqual(totalSeconds(items.slice(0, 2), (id) => own[id]), { seconds: 15, open: false });
  assert.deepEqual(previewSteps(items, (id) => own[id], 8), [
    { index: 0, seconds: 10, own: true },
    { index: 1, seconds: 5, own: true },
    { index: 2, seconds: 8, own: false },
  ]);
  assert.equal(sameItems(items, items.map((i) => ({ ...i }))), true);
  assert.equal(sameItems(items, [items[1], items[0], items[2]] as typeof items), false);
  assert.equal(sameItems(items, items.map((i) => ({ ...i, duration: 7 }))), false);
});

test("where a dragged row lands", () => {
  const tops = [100, 150, 200, 250];
  assert.equal(slotAt(90, tops), 0);
  assert.equal(slotAt(160, tops), 1);
  assert.equal(slotAt(249, tops), 2);
  assert.equal(slotAt(900, tops), 3);
});

test("targets: bodies, descriptions, error fields", () => {
  assert.deepEqual(targetsBody(true, ["s1"], []), { all: true });
  assert.deepEqual(targetsBody(false, ["s1"], ["g1"]), { screen_ids: ["s1"], group_ids: ["g1"] });
  const screen = (id: string) => ({ s1: "Lobby", s2: "Window" })[id];
  const group = (id: string) => ({ g1: "Shops" })[id];
  assert.equal(describeTargets({ all: true }, screen, group), "All screens");
  assert.equal(describeTargets({ screen_ids: ["s1", "s2"], group_ids: ["g1"] }, screen, group), "Lobby, Window, group Shops");
  assert.equal(describeTargets({ screen_ids: ["s1", "x"], group_ids: [] }, screen, group), "Lobby, 1 other screen");
  assert.equal(describeTargets({ screen_ids: [], group_ids: [] }, screen, group), "No screens");
  assert.equal(fieldOf("targets.screen_ids[0]"), "targets");
  assert.equal(fieldOf("items[2].asset_id"), "items");
  assert.equal(fieldOf("name"), "name");
});

interface Seen {
  method: string;
  url: string;
  body: unknown;
  accept: string | null;
}

async function withFetch(answer: (s: Seen) => { status: number; body?: unknown; text?: string; type?: string }, fn: (seen: Seen[]) => Promise<void>) {
  const seen: Seen[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = (async (url: string, init: RequestInit = {}) => {
    const h = (init.headers ?? {}) as Record<string, string>;
    const s = { method: init.method ?? "GET", url: String(url), body: typeof init.body === "string" ? JSON.parse(init.body) : init.body, accept: h.Accept ?? null };
    seen.push(s);
    const a = answer(s);
    const text = a.text ?? (a.body === undefined ? null : JSON.stringify(a.body));
    return new Response(text, { status: a.status, headers: { "Content-Type": a.type ?? "application/json" } });
  }) as typeof fetch;
  try {
    await fn(seen);
  } finally {
    globalThis.fetch = real;
  }
}

const playlist = { id: "p1", name: "Morning", shuffle: false, items: [], created_at: "x", updated_at: "x" };

test("playlist and schedule calls", async () => {
  let paged = false;
  await withFetch(
    (r) => {
      if (r.method === "DELETE") return { status: 204 };
      if (r.url === "/api/v3/playlists") return { status: 200, body: [playlist] };
      if (r.url.startsWith("/api/v3/schedules") && r.method === "GET") {
        if (!paged) {
          paged = true;
          return { status: 200, body: { items: [{ id: "a" }], next_cursor: "c 2" } };
        }
        return { status: 200, body: { items: [{ id: "b" }], next_cursor: null } };
      }
      return { status: r.method === "POST" ? 201 : 200, body: playlist };
    },
    async (seen) => {
      assert.deepEqual(await programApi.playlists(), [playlist]);
      await programApi.createPlaylist({ name: "Morning" });
      await programApi.updatePlaylist("p/1", { items: [{ asset_id: "a", duration: 15 }], shuffle: true });
      await programApi.removePlaylist("p1");
      assert.deepEqual((await programApi.schedules()).map((s) => s.id), ["a", "b"], "follows next_cursor");
      await programApi.createSchedule({ name: "Breakfast", playlist_id: "p1", targets: { all: true }, priority: 60 });
      await programApi.updateSchedule("s1", { play_time_from: "07:00", play_time_to: "11:30", play_days: [2] });
      await programApi.removeSchedule("s1");
      assert.deepEqual(
        seen.map((s) => [s.method, s.url, s.body]),
        [
          ["GET", "/api/v3/playlists", undefined],
          ["POST", "/api/v3/playlists", { name: "Morning" }],
          ["PATCH", "/api/v3/playlists/p%2F1", { items: [{ asset_id: "a", duration: 15 }], shuffle: true }],
          ["DELETE", "/api/v3/playlists/p1", undefined],
          ["GET", "/api/v3/schedules", undefined],
          ["GET", "/api/v3/schedules?cursor=c%202", undefined],
          ["POST", "/api/v3/schedules", { name: "Breakfast", playlist_id: "p1", targets: { all: true }, priority: 60 }],
          ["PATCH", "/api/v3/schedules/s1", { play_time_from: "07:00", play_time_to: "11:30", play_days: [2] }],
          ["DELETE", "/api/v3/schedules/s1", undefined],
        ],
      );
    },
  );
});

test("a playlist a schedule plays: the 409's message", async () => {
  await withFetch(
    () => ({ status: 409, body: { error: { code: "conflict", message: "Breakfast menu plays this playlist." } } }),
    async () => {
      const e = (await programApi.removePlaylist("p1").then(() => null, (x: unknown) => x)) as ApiError;
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 409);
      assert.equal(e.message, "Breakfast menu plays this playlist.");
    },
  );
});

test("interrupts, the timeline and the reports (CSV with Accept: text/csv)", async () => {
  await withFetch(
    (r) => {
      if (r.method === "DELETE") return { status: 204 };
      if (r.accept === "text/csv") return { status: 200, text: "key,label,plays,seconds\na,Lunch,3,30\n", type: "text/csv" };
      if (r.url.includes("/timeline")) return { status: 200, body: [{ start: "a", end: "b", source: "default", schedule_ids: [], playlist_ids: [], interrupt_id: null }] };
      if (r.url.includes("/analytics/screens")) return { status: 200, body: { rows: [{ screen_id: "s1" }] } };
      if (r.url.includes("/analytics/plays")) return { status: 200, body: { from: "f", to: "t", group_by: "asset", rows: [] } };
      return { status: r.method === "POST" ? 201 : 200, body: r.method === "GET" ? [] : { id: "i1" } };
    },
    async (seen) => {
      const msg = { text: "Fire drill", background: "#b00020", color: "#ffffff" };
      await programApi.startInterrupt({ targets: { all: true }, message: msg, until: null });
      await programApi.startInterrupt({ targets: { screen_ids: ["s1"], group_ids: [] }, asset_id: "a1" });
      await programApi.interrupts();
      await programApi.interrupts(true);
      await programApi.endInterrupt("i1");
      assert.equal((await programApi.timeline("s1", "2026-12-07T00:00:00.000Z", "2026-12-14T00:00:00.000Z")).length, 1);
      await programApi.plays("2026-11-08T00:00:00.000Z", "2026-12-08T00:00:00.000Z", "day");
      const csv = await programApi.playsCsv("2026-11-08T00:00:00.000Z", "2026-12-08T00:00:00.000Z", "asset");
      assert.equal(await csv.text(), "key,label,plays,seconds\na,Lunch,3,30\n");
      assert.deepEqual(await programApi.uptime("f", "t"), [{ screen_id: "s1" }]);
      const q = "from=2026-11-08T00%3A00%3A00.000Z&to=2026-12-08T00%3A00%3A00.000Z";
      assert.deepEqual(
        seen.map((s) => [s.method, s.url, s.body, s.accept]),
        [
          ["POST", "/api/v3/interrupts", { targets: { all: true }, message: msg, until: null }, null],
          ["POST", "/api/v3/interrupts", { targets: { screen_ids: ["s1"], group_ids: [] }, asset_id: "a1" }, null],
          ["GET", "/api/v3/interrupts", undefined, null],
          ["GET", "/api/v3/interrupts?all=true", undefined, null],
          ["DELETE", "/api/v3/interrupts/i1", undefined, null],
          ["GET", "/api/v3/screens/s1/timeline?from=2026-12-07T00%3A00%3A00.000Z&to=2026-12-14T00%3A00%3A00.000Z", undefined, null],
          ["GET", `/api/v3/analytics/plays?${q}&group_by=day`, undefined, null],
          ["GET", `/api/v3/analytics/plays?${q}&group_by=asset`, undefined, "text/csv"],
          ["GET", "/api/v3/analytics/screens?from=f&to=t", undefined, null],
        ],
      );
    },
  );
});
