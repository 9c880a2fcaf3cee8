import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  aimsAt,
  at,
  compareIds,
  DEFAULT_SOURCE,
  instantMicros,
  merge,
  readProgram,
  type Source,
  sourceKey,
} from "../../src/player/program.js";
import { parseInstant } from "../../src/player/schedule.js";
import type { ProgramInterruptJson, ProgramScheduleJson } from "../../src/player/types.js";

interface RuleVector {
  name: string;
  timezone: string;
  at: string;
  screen: { id: string | null; group_id: string | null };
  schedules: ProgramScheduleJson[];
  interrupts: ProgramInterruptJson[];
  expect: { source: string; schedule_ids: string[]; playlist_ids: string[]; interrupt_id: string | null };
}

interface MergeVector {
  name: string;
  lists: string[][];
  expect: string[];
}

const vectors = JSON.parse(readFileSync(new URL("../../../../tests/vectors/program.json", import.meta.url), "utf8")) as {
  rule: RuleVector[];
  merge: MergeVector[];
};

/** A source in the vectors' shape. */
function shape(s: Source): RuleVector["expect"] {
  switch (s.source) {
    case "interrupt":
      return { source: "interrupt", schedule_ids: [], playlist_ids: [], interrupt_id: s.interrupt_id };
    case "schedule":
      return { source: "schedule", schedule_ids: s.schedule_ids, playlist_ids: s.playlist_ids, interrupt_id: null };
    default:
      return { source: "default", schedule_ids: [], playlist_ids: [], interrupt_id: null };
  }
}

test("the shared vectors are there", () => {
  assert.ok(vectors.rule.length > 30, `only ${vectors.rule.length} rule vectors`);
  assert.ok(vectors.merge.length >= 5, `only ${vectors.merge.length} merge vectors`);
});

for (const v of vectors.rule) {
  test(`shared rule vector: ${v.name}`, () => {
    const now = parseInstant(v.at);
    assert.notEqual(now, null);
    const screen = { id: v.screen.id ?? null, group_id: v.screen.group_id ?? null };
    const got = at(now!, v.timezone, screen, v.schedules, v.interrupts);
    assert.deepEqual(shape(got), {
      source: v.expect.source,
      schedule_ids: v.expect.schedule_ids ?? [],
      playlist_ids: v.expect.playlist_ids ?? [],
      interrupt_id: v.expect.interrupt_id ?? null,
    });
  });
}

for (const m of vectors.merge) {
  test(`shared merge vector: ${m.name}`, () => {
    assert.deepEqual(merge(m.lists), m.expect);
  });
}

// ----- beyond the vectors ----------------------------------------------------

const slot = (id: string, extra: Partial<ProgramScheduleJson> = {}): ProgramScheduleJson => ({
  id,
  playlist_id: `p-${id}`,
  start: null,
  end: null,
  play_days: [1, 2, 3, 4, 5, 6, 7],
  from: null,
  to: null,
  priority: 50,
  created_at: "2026-01-01T00:00:00Z",
  ...extra,
});
const NOON = Date.UTC(2026, 11, 7, 12);
const SCREEN = { id: "s1", group_id: "g1" };

test("the playlist's program has no targets: what it holds is aimed at this screen", () => {
  assert.equal(aimsAt(undefined, SCREEN), true);
  assert.equal(aimsAt(null, SCREEN), true);
  assert.equal(aimsAt({}, SCREEN), false);
  assert.equal(aimsAt({ screen_ids: ["s1"] }, { id: null, group_id: null }), false);
  assert.equal(aimsAt({ group_ids: ["g1"] }, { id: "s2", group_id: "g1" }), true);
  const s = at(NOON, "UTC", SCREEN, [slot("a")], []);
  assert.equal(s.source, "schedule");
});

test("created_at ties are broken to the microsecond, then by id", () => {
  const a = slot("b", { created_at: "2026-01-01T00:00:00.000002Z" });
  const b = slot("a", { created_at: "2026-01-01T00:00:00.000001Z" });
  assert.deepEqual(at(NOON, "UTC", SCREEN, [a, b], []), { source: "schedule", schedule_ids: ["a", "b"], playlist_ids: ["p-a", "p-b"] });
  const i = (id: string, created_at: string): ProgramInterruptJson => ({ id, asset_id: null, message: null, created_at, until: null });
  assert.deepEqual(at(NOON, "UTC", SCREEN, [], [i("z", "2026-12-07T11:00:00.000001Z"), i("y", "2026-12-07T11:00:00.000002Z")]), {
    source: "interrupt",
    interrupt_id: "y",
  });
  assert.deepEqual(at(NOON, "UTC", SCREEN, [], [i("z", "2026-12-07T11:00:00Z"), i("y", "2026-12-07T11:00:00Z")]), {
    source: "interrupt",
    interrupt_id: "z",
  });
});

test("instantMicros keeps the microseconds the server sends", () => {
  assert.equal(instantMicros("2026-12-07T12:00:00Z"), NOON * 1000);
  assert.equal(instantMicros("2026-12-07T12:00:00.123456Z"), NOON * 1000 + 123_456);
  assert.equal(instantMicros("2026-12-07T12:00:00.1234567Z"), NOON * 1000 + 123_456);
  assert.equal(instantMicros("2026-12-07T12:00:00.5Z"), NOON * 1000 + 500_000);
  assert.equal(instantMicros("2026-12-07T13:00:00.000001+01:00"), NOON * 1000 + 1);
  assert.equal(instantMicros("nope"), null);
  assert.equal(instantMicros(null), null);
});

test("ids compare as Rust compares strings (code points, not UTF-16 units)", () => {
  assert.equal(compareIds("a", "b"), -1);
  assert.equal(compareIds("b", "a"), 1);
  assert.equal(compareIds("a", "ab"), -1);
  assert.equal(compareIds("ab", "ab"), 0);
  // U+FF5E sorts before U+1F600 by code point, after it by UTF-16 unit.
  assert.equal(compareIds("\uff5e", "\u{1f600}"), -1);
});

test("unreadable dates make a schedule or an interrupt inactive rather than open", () => {
  assert.equal(at(NOON, "UTC", SCREEN, [slot("a", { start: "soon" })], []).source, "default");
  assert.equal(at(NOON, "UTC", SCREEN, [slot("a", { created_at: "" })], []).source, "default");
  const i: ProgramInterruptJson = { id: "i", asset_id: null, message: null, created_at: "2026-12-07T11:00:00Z", until: "later" };
  assert.equal(at(NOON, "UTC", SCREEN, [], [i]).source, "default");
});

test("a missing priority counts as the default 50", () => {
  const quiet = slot("q", { priority: undefined as unknown as number });
  const loud = slot("l", { priority: 51 });
  assert.deepEqual(at(NOON, "UTC", SCREEN, [quiet, slot("m", { priority: 50, created_at: "2026-02-01T00:00:00Z" })], []), {
    source: "schedule",
    schedule_ids: ["q", "m"],
    playlist_ids: ["p-q", "p-m"],
  });
  assert.equal((at(NOON, "UTC", SCREEN, [quiet, loud], []) as { schedule_ids: string[] }).schedule_ids[0], "l");
});

test("sourceKey tells sources apart", () => {
  const keys = [
    sourceKey(DEFAULT_SOURCE),
    sourceKey({ source: "interrupt", interrupt_id: "a" }),
    sourceKey({ source: "interrupt", interrupt_id: "b" }),
    sourceKey({ source: "schedule", schedule_ids: ["a"], playlist_ids: ["p"] }),
    sourceKey({ source: "schedule", schedule_ids: ["a"], playlist_ids: ["q"] }),
    sourceKey({ source: "schedule", schedule_ids: ["a", "b"], playlist_ids: ["p", "p"] }),
  ];
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(sourceKey({ source: "schedule", schedule_ids: ["a"], playlist_ids: ["p"] }), keys[3]);
});

test("readProgram: absent or junk is no program; bad rows are dropped", () => {
  assert.equal(readProgram(undefined), null);
  assert.equal(readProgram(null), null);
  assert.equal(readProgram([]), null);
  const p = readProgram({
    screen_id: "s1",
    group_id: 7,
    schedules: [slot("a"), { id: 1 }, null],
    playlists: { pa: { name: "A", shuffle: true, items: [{ asset_id: "x", duration: null }, { duration: 3 }] }, bad: 1 },
    interrupts: "no",
  });
  if (!p) throw new Error("no program");
  assert.equal(p.screen_id, "s1");
  assert.equal(p.group_id, null);
  assert.deepEqual(p.schedules.map((s) => s.id), ["a"]);
  assert.deepEqual(Object.keys(p.playlists), ["pa"]);
  assert.deepEqual(p.playlists.pa?.items, [{ asset_id: "x", duration: null }]);
  assert.equal(p.playlists.constructor, undefined);
  assert.deepEqual(p.interrupts, []);
});
