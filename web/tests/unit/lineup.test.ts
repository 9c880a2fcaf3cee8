import assert from "node:assert/strict";
import { test } from "node:test";
import { type Entry, hexColour, lineup, messageView, shuffled } from "../../src/player/lineup.js";
import { PlayLog, type PlayRecord } from "../../src/player/plays.js";
import { DEFAULT_SOURCE, type Source } from "../../src/player/program.js";
import { Rotation } from "../../src/player/rotation.js";
import type { Asset, Playlist, ProgramJson, ScheduleJson } from "../../src/player/types.js";

const NOW = Date.UTC(2026, 11, 7, 12); // a Monday, noon UTC
const DAY = 86_400_000;
const always: ScheduleJson = {
  is_enabled: true,
  start: new Date(NOW - DAY).toISOString(),
  end: new Date(NOW + DAY).toISOString(),
  play_days: [1, 2, 3, 4, 5, 6, 7],
  from: null,
  to: null,
};

const asset = (id: string, order: number, extra: Partial<Asset> = {}): Asset => ({
  asset_id: id,
  name: id,
  mimetype: "image",
  url: `/media/${id}?v=1`,
  duration: 10,
  nocache: false,
  refresh_interval_s: 0,
  headers: {},
  play_order: order,
  is_processing: false,
  schedule: always,
  ...extra,
});

/** A seeded generator, so shuffle tests are repeatable. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const noRandom = () => {
  throw new Error("random called");
};

function playlistOf(assets: Asset[], program: ProgramJson | null, shuffle = false): Playlist {
  return {
    server_time: new Date(NOW).toISOString(),
    timezone: "UTC",
    settings: {
      player_name: "",
      shuffle_playlist: shuffle,
      show_splash: false,
      screen_rotation: 0,
      audio_output: "hdmi",
      default_duration: 10,
      verify_ssl: true,
      display_power_schedule_enabled: false,
      display_power_on_time: "",
      display_power_off_time: "",
      display_power_days: "",
    },
    admin_urls: [],
    assets,
    program,
  };
}

const ASSETS = [
  asset("a", 0),
  asset("b", 1),
  asset("c", 2),
  asset("x", 3),
  asset("y", 4),
  asset("z", 5),
  // Not active now by its own schedule: not on Mondays.
  asset("off", 6, { schedule: { ...always, play_days: [2] } }),
  asset("busy", 7, { is_processing: true }),
  // Disabled: never in the default playlist, but an interrupt may show it.
  asset("alert", 8, { schedule: { ...always, is_enabled: false }, duration: 0, mimetype: "video" }),
];

const PROGRAM: ProgramJson = {
  screen_id: "s1",
  group_id: null,
  schedules: [],
  playlists: {
    morning: {
      name: "Morning",
      shuffle: false,
      items: [
        { asset_id: "a", duration: null },
        { asset_id: "b", duration: 15 },
        { asset_id: "c", duration: null },
      ],
    },
    extra: {
      name: "Extra",
      shuffle: false,
      items: [
        { asset_id: "x", duration: 3 },
        { asset_id: "y", duration: null },
      ],
    },
    gaps: {
      name: "Gaps",
      shuffle: false,
      items: [
        { asset_id: "a", duration: null },
        { asset_id: "off", duration: null },
        { asset_id: "gone", duration: null },
        { asset_id: "busy", duration: null },
        { asset_id: "c", duration: 0 },
        { asset_id: "a", duration: 7 },
      ],
    },
    mixed: {
      name: "Mixed",
      shuffle: true,
      items: ["a", "b", "c", "x", "y", "z"].map((asset_id) => ({ asset_id, duration: null })),
    },
    pair: {
      name: "Pair",
      shuffle: false,
      items: [
        { asset_id: "x", duration: null },
        { asset_id: "y", duration: null },
      ],
    },
  },
  interrupts: [
    { id: "i-asset", asset_id: "alert", message: null, created_at: "2026-12-07T11:00:00Z", until: null },
    {
      id: "i-msg",
      asset_id: null,
      message: { text: "Fire drill: leave by the stairs", background: "#b00020", color: "#fff" },
      created_at: "2026-12-07T11:00:00Z",
      until: null,
    },
    {
      id: "i-gone",
      asset_id: "gone",
      message: { text: "Stand by", background: "#000", color: "#ff0" },
      created_at: "2026-12-07T11:00:00Z",
      until: null,
    },
    { id: "i-empty", asset_id: "gone", message: null, created_at: "2026-12-07T11:00:00Z", until: null },
  ],
};

const schedules = (...pairs: [string, string][]): Source => ({
  source: "schedule",
  schedule_ids: pairs.map(([s]) => s),
  playlist_ids: pairs.map(([, p]) => p),
});
const ids = (entries: readonly Entry[]) => entries.map((e) => e.asset_id);

test("default: the assets whose own schedules are active, in play order, as before programs", () => {
  const l = lineup(DEFAULT_SOURCE, playlistOf([...ASSETS].reverse(), PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(ids(l.entries), ["a", "b", "c", "x", "y", "z"]);
  assert.deepEqual(
    l.entries.map((e) => [e.key, e.playlist_id, e.schedule_id, e.interrupt_id, e.duration]),
    ["a", "b", "c", "x", "y", "z"].map((id) => [id, null, null, null, 10]),
  );
  assert.equal(l.shuffle, false);
  assert.equal(l.arrange, null);
  assert.equal(l.message, null);
  assert.equal(lineup(DEFAULT_SOURCE, playlistOf(ASSETS, null, true), null, NOW, noRandom).shuffle, true);
  // Without a program (an older server) the default is all there is.
  assert.deepEqual(ids(lineup(DEFAULT_SOURCE, playlistOf(ASSETS, null), null, NOW, noRandom).entries), ["a", "b", "c", "x", "y", "z"]);
});

test("schedule: one playlist's items in order, each item's duration overriding the asset's", () => {
  const l = lineup(schedules(["s1", "morning"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(ids(l.entries), ["a", "b", "c"]);
  assert.deepEqual(l.entries.map((e) => e.duration), [10, 15, 10]);
  assert.deepEqual(
    l.entries.map((e) => [e.playlist_id, e.schedule_id, e.interrupt_id]),
    [
      ["morning", "s1", null],
      ["morning", "s1", null],
      ["morning", "s1", null],
    ],
  );
  assert.equal(l.shuffle, false);
  assert.equal(l.message, null);
});

test("schedule: several playlists merge item by item", () => {
  const l = lineup(schedules(["s1", "morning"], ["s2", "extra"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(ids(l.entries), ["a", "x", "b", "y", "c"]);
  assert.deepEqual(l.entries.map((e) => e.duration), [10, 3, 15, 10, 10]);
  assert.deepEqual(l.entries.map((e) => e.schedule_id), ["s1", "s2", "s1", "s2", "s1"]);
});

test("schedule: missing, processing and inactive assets are skipped; an asset may come twice", () => {
  const l = lineup(schedules(["s1", "gaps"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(ids(l.entries), ["a", "c", "a"]);
  // 0 is no duration: the asset's own stays.
  assert.deepEqual(l.entries.map((e) => e.duration), [10, 10, 7]);
  assert.equal(new Set(l.entries.map((e) => e.key)).size, 3, "every entry has its own key");
  // A skipped item's turn passes; the other playlist keeps its own turns.
  const merged = lineup(schedules(["s1", "gaps"], ["s2", "extra"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(ids(merged.entries), ["a", "x", "y", "c", "a"]);
  // The inactive asset comes back when its own schedule lets it (Tuesday).
  const tuesday = lineup(schedules(["s1", "gaps"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW + DAY / 2, noRandom);
  assert.deepEqual(ids(tuesday.entries), ["a", "off", "c", "a"]);
});

test("schedule: two schedules sharing a playlist play it twice, told apart", () => {
  const l = lineup(schedules(["s1", "pair"], ["s2", "pair"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(ids(l.entries), ["x", "x", "y", "y"]);
  assert.equal(new Set(l.entries.map((e) => e.key)).size, 4);
  // Keys stay the same from one build to the next (the rotation keeps its place).
  const again = lineup(schedules(["s1", "pair"], ["s2", "pair"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW + 1000, noRandom);
  assert.deepEqual(again.entries.map((e) => e.key), l.entries.map((e) => e.key));
});

test("schedule: an unknown playlist plays nothing", () => {
  const l = lineup(schedules(["s1", "nope"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(l.entries, []);
  assert.equal(l.message, null);
  const constructor = lineup(schedules(["s1", "constructor"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(constructor.entries, []);
});

test("shuffle: each shuffled playlist is shuffled on its own, then merged", () => {
  const source = schedules(["s1", "mixed"], ["s2", "pair"]);
  const l = lineup(source, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, seeded(3));
  assert.equal(l.shuffle, true);
  assert.ok(l.arrange);
  // The entries stay in playlist order; the rotation asks `arrange` for each cycle.
  assert.deepEqual(ids(l.entries), ["a", "x", "b", "y", "c", "x", "y", "z"]);
  const orders = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const cycle = l.arrange!(l.entries, null);
    const mixed = cycle.filter((e) => e.schedule_id === "s1");
    const pair = cycle.filter((e) => e.schedule_id === "s2");
    // The unshuffled playlist keeps its order and its turns (positions 1 and 3).
    assert.deepEqual(ids(pair), ["x", "y"]);
    assert.deepEqual([cycle[1]!.schedule_id, cycle[3]!.schedule_id], ["s2", "s2"]);
    assert.deepEqual(ids(mixed).sort(), ["a", "b", "c", "x", "y", "z"]);
    orders.add(ids(mixed).join(""));
  }
  assert.ok(orders.size > 5, `only ${orders.size} different orders`);
});

test("shuffle: the injected random decides the order", () => {
  const source = schedules(["s1", "mixed"]);
  const one = lineup(source, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, seeded(11));
  const two = lineup(source, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, seeded(11));
  assert.deepEqual(ids(one.arrange!(one.entries, null)), ids(two.arrange!(two.entries, null)));
  const other = lineup(source, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, seeded(12));
  assert.notDeepEqual(ids(one.arrange!(one.entries, null)), ids(other.arrange!(other.entries, null)));
  // A single shuffled playlist is a Fisher–Yates of its items.
  assert.deepEqual(ids(lineup(source, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, seeded(4)).arrange!(one.entries, null)), ids(shuffled(one.entries, seeded(4))));
});

test("shuffle: a cycle does not start with what was just shown, and keeps to the playable entries", () => {
  const source = schedules(["s1", "mixed"]);
  const l = lineup(source, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, seeded(5));
  for (let i = 0; i < 30; i++) {
    const first = l.arrange!(l.entries, l.entries[0]!.key)[0]!;
    assert.notEqual(first.key, l.entries[0]!.key);
  }
  const some = l.entries.filter((e) => ["b", "y"].includes(e.asset_id));
  assert.deepEqual(ids(l.arrange!(some, null)).sort(), ["b", "y"]);
});

test("the rotation plays a lineup by its keys: repeats, reshuffles per playlist, restarts at the first item", () => {
  const r = new Rotation<Entry>(seeded(9), (e) => e.key);
  const gaps = lineup(schedules(["s1", "gaps"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, seeded(9));
  r.update(gaps.entries, gaps.shuffle, gaps.arrange);
  const played = [r.next(), r.next(), r.next(), r.next()].map((e) => [e!.asset_id, e!.duration]);
  assert.deepEqual(played, [
    ["a", 10],
    ["c", 10],
    ["a", 7],
    ["a", 10],
  ]);
  // A refresh keeps the place, though the asset on screen comes twice.
  r.next();
  r.next(); // the second "a"
  r.update(gaps.entries, gaps.shuffle, gaps.arrange);
  assert.equal(r.next()?.duration, 10);

  const mixed = lineup(schedules(["s1", "mixed"], ["s2", "pair"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, seeded(9));
  r.restart();
  r.update(mixed.entries, mixed.shuffle, mixed.arrange);
  for (let c = 0; c < 4; c++) {
    const cycle: Entry[] = [];
    for (let i = 0; i < mixed.entries.length; i++) {
      const peek = r.peekNext();
      const got = r.next()!;
      assert.equal(got, peek);
      cycle.push(got);
      r.update(mixed.entries, mixed.shuffle, mixed.arrange); // refreshes must not reshuffle
    }
    assert.deepEqual(ids(cycle.filter((e) => e.schedule_id === "s2")), ["x", "y"], `cycle ${c}`);
    assert.equal(cycle[1]!.schedule_id, "s2");
    assert.deepEqual(cycle.map((e) => e.key).sort(), mixed.entries.map((e) => e.key).sort());
  }

  // Another source: restart, and the first item of the new one comes next.
  const morning = lineup(schedules(["s9", "morning"]), playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  r.restart();
  r.update(morning.entries, morning.shuffle, morning.arrange);
  assert.equal(r.next()?.key, morning.entries[0]!.key);
});

test("interrupt: its asset, looping, whatever the asset's own schedule says", () => {
  const l = lineup({ source: "interrupt", interrupt_id: "i-asset" }, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(ids(l.entries), ["alert"]);
  assert.deepEqual([l.entries[0]!.interrupt_id, l.entries[0]!.playlist_id, l.entries[0]!.schedule_id], ["i-asset", null, null]);
  assert.equal(l.message, null);
  const r = new Rotation<Entry>(noRandom, (e) => e.key);
  r.update(l.entries, l.shuffle, l.arrange);
  assert.deepEqual([r.next(), r.next(), r.next()].map((e) => e?.asset_id), ["alert", "alert", "alert"]);
});

test("interrupt: a message (also when its asset is missing); nothing when neither", () => {
  const msg = lineup({ source: "interrupt", interrupt_id: "i-msg" }, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(msg.entries, []);
  assert.deepEqual(msg.message, { paragraphs: ["Fire drill: leave by the stairs"], background: "#b00020", color: "#ffffff", fontVmin: 10 });
  const fallback = lineup({ source: "interrupt", interrupt_id: "i-gone" }, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual(fallback.message?.paragraphs, ["Stand by"]);
  const none = lineup({ source: "interrupt", interrupt_id: "i-empty" }, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual([none.entries, none.message], [[], null]);
  const unknown = lineup({ source: "interrupt", interrupt_id: "nope" }, playlistOf(ASSETS, PROGRAM), PROGRAM, NOW, noRandom);
  assert.deepEqual([unknown.entries, unknown.message], [[], null]);
});

test("messageView: text as lines, never markup", () => {
  const v = messageView({ text: "  <b>Closed</b> today \r\n\n\nBack at 9 &amp; 10\n ", background: "#000", color: "#fff" });
  assert.deepEqual(v?.paragraphs, ["<b>Closed</b> today", "Back at 9 &amp; 10"]);
  assert.equal(messageView({ text: " \n ", background: "#000", color: "#fff" }), null);
  assert.equal(messageView({ text: 42 }), null);
  assert.equal(messageView(null), null);
  assert.equal(messageView("text"), null);
});

test("messageView: colours are #rrggbb, readable, white on black by default", () => {
  const v = (background: unknown, color: unknown) => {
    const m = messageView({ text: "Hi", background, color })!;
    return [m.background, m.color];
  };
  assert.deepEqual(v("#B00020", "#FFF"), ["#b00020", "#ffffff"]);
  assert.deepEqual(v("red", "url(x)"), ["#000000", "#ffffff"]);
  assert.deepEqual(v("#fff;color:red", "#12345"), ["#000000", "#ffffff"]);
  assert.deepEqual(v(undefined, undefined), ["#000000", "#ffffff"]);
  // The same colour twice would be unreadable: black or white instead, whichever reads.
  assert.deepEqual(v("#ffff00", "#ff0"), ["#ffff00", "#000000"]);
  assert.deepEqual(v("#001", "#000011"), ["#000011", "#ffffff"]);
  assert.equal(hexColour("#abc"), "#aabbcc");
  assert.equal(hexColour("#abcd"), null);
});

test("messageView: big type, smaller the longer the text, still readable at 500 characters", () => {
  const size = (text: string) => messageView({ text, background: "#000", color: "#fff" })!.fontVmin;
  const sizes = [size("Closed"), size("x".repeat(50)), size("x".repeat(100)), size("x".repeat(200)), size("x".repeat(500))];
  assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
  assert.ok(sizes[0]! >= 10, `short text at ${sizes[0]}vmin`);
  assert.ok(sizes[4]! >= 4, `long text at ${sizes[4]}vmin`);
  assert.ok(size("a\nb\nc\nd\ne\nf") < size("abcdef"), "many lines make the type smaller");
});

test("proof of play keeps what made an asset play, and older records still load", async () => {
  const data = new Map<string, string>();
  const store = {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  } as unknown as Storage;
  const rec: PlayRecord = {
    asset_id: "a",
    started_at: new Date(NOW).toISOString(),
    duration_ms: 1000,
    playlist_id: "morning",
    schedule_id: "s1",
    interrupt_id: null,
  };
  const log = new PlayLog(store);
  log.add(rec);
  data.set("signate.plays", JSON.stringify([...JSON.parse(data.get("signate.plays")!), { asset_id: "b", started_at: rec.started_at, duration_ms: 5 }, { ...rec, schedule_id: 7 }]));
  const sent: PlayRecord[] = [];
  await new PlayLog(store).flush(async (batch) => {
    sent.push(...batch);
    return true;
  });
  assert.deepEqual(sent, [rec, { asset_id: "b", started_at: rec.started_at, duration_ms: 5 }]);
});
