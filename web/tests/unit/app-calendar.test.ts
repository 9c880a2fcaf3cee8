// The Calendar page's rules (docs/programming.md): wall-clock weeks in the tenant's zone, the
// blocks of a schedule (overnight windows wrap into the next column, the Sunday before into
// Monday), lanes, conflicts (higher priority overrides, equal priorities merge), the timeline's
// shading, and the drag maths (15-minute snap, move across days, resize).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  type CalSchedule,
  DAY_MIN,
  WEEK_MIN,
  aimsAtGroup,
  aimsAtScreen,
  colourOf,
  conflicts,
  dayString,
  daysText,
  windowText,
  daysOf,
  dropPatch,
  hm,
  hmEnd,
  instantOf,
  isoWeekday,
  localDay,
  mondayOf,
  moveBy,
  occurrences,
  PALETTE,
  parseDay,
  parseHm,
  pieces,
  pxToMinutes,
  reachOf,
  reached,
  resizeBy,
  shades,
  shiftDays,
  snap,
  wallMinutes,
  windowOf,
} from "../../src/app/calendar.js";

const MONDAY = parseDay("2026-12-07") as number;

function sched(p: Partial<CalSchedule> = {}): CalSchedule {
  return {
    id: "s1",
    play_days: [1, 2, 3, 4, 5, 6, 7],
    play_time_from: "06:00",
    play_time_to: "10:30",
    priority: 50,
    is_enabled: true,
    start_date: null,
    end_date: null,
    ...p,
  };
}

test("wall clock in a zone, and back, across a DST change", () => {
  const t = Date.parse("2026-12-07T09:30:00Z");
  assert.equal(wallMinutes(t, "UTC") - MONDAY * DAY_MIN, 9 * 60 + 30);
  assert.equal(wallMinutes(t, "Europe/Berlin") - MONDAY * DAY_MIN, 10 * 60 + 30, "UTC+1 in winter");
  assert.equal(wallMinutes(t, "America/New_York") - MONDAY * DAY_MIN, 4 * 60 + 30);
  assert.equal(wallMinutes(t, "") - MONDAY * DAY_MIN, 9 * 60 + 30, "no zone: UTC");
  assert.equal(wallMinutes(t, "Not/AZone") - MONDAY * DAY_MIN, 9 * 60 + 30, "an unknown zone: UTC");
  assert.equal(localDay(Date.parse("2026-12-06T23:30:00Z"), "Europe/Berlin"), MONDAY, "already Monday in Berlin");
  assert.equal(new Date(instantOf(MONDAY * DAY_MIN, "Europe/Berlin")).toISOString(), "2026-12-06T23:00:00.000Z");
  assert.equal(new Date(instantOf(MONDAY * DAY_MIN + 600, "America/New_York")).toISOString(), "2026-12-07T15:00:00.000Z");
  // 2026-03-29: Berlin skips 02:00–03:00 and is UTC+2 afterwards
  const sunday = parseDay("2026-03-29") as number;
  assert.equal(new Date(instantOf(sunday * DAY_MIN + 60, "Europe/Berlin")).toISOString(), "2026-03-29T00:00:00.000Z");
  assert.equal(new Date(instantOf(sunday * DAY_MIN + 4 * 60, "Europe/Berlin")).toISOString(), "2026-03-29T02:00:00.000Z");
  const gap = instantOf(sunday * DAY_MIN + 150, "Europe/Berlin");
  assert.ok(Math.abs(wallMinutes(gap, "Europe/Berlin") - (sunday * DAY_MIN + 150)) <= 60, "02:30 does not exist: an instant next to it");
  // 2026-10-25: 02:00–03:00 happens twice; the first is taken
  const oct = parseDay("2026-10-25") as number;
  assert.equal(new Date(instantOf(oct * DAY_MIN + 150, "Europe/Berlin")).toISOString(), "2026-10-25T00:30:00.000Z");
});

test("days: weekdays, Mondays, strings", () => {
  assert.equal(isoWeekday(MONDAY), 1);
  assert.equal(isoWeekday(MONDAY + 6), 7);
  assert.equal(isoWeekday(0), 4, "1970-01-01 was a Thursday");
  assert.equal(mondayOf(MONDAY + 6), MONDAY);
  assert.equal(mondayOf(MONDAY), MONDAY);
  assert.equal(mondayOf(MONDAY - 1), MONDAY - 7);
  assert.equal(dayString(MONDAY), "2026-12-07");
  assert.equal(parseDay("2026-02-30"), null);
  assert.equal(parseDay("7.12.2026"), null);
});

test("times of day", () => {
  assert.equal(parseHm("06:00"), 360);
  assert.equal(parseHm("10:30:30"), 630.5);
  assert.equal(parseHm("6:05"), 365);
  assert.equal(parseHm("24:00"), null);
  assert.equal(parseHm(null), null);
  assert.equal(hm(630.4), "10:30");
  assert.equal(hm(1440 + 75), "01:15");
  assert.equal(hm(-15), "23:45");
  assert.equal(hmEnd(1440), "24:00");
  assert.equal(hmEnd(630), "10:30");
  assert.deepEqual(windowOf(sched()), { from: 360, to: 630 });
  assert.equal(windowOf(sched({ play_time_from: null, play_time_to: null })), null);
  assert.equal(windowOf(sched({ play_time_to: "06:00" })), "never", "equal ends never play");
  assert.deepEqual(daysOf(sched({ play_days: [] })), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(daysOf(sched({ play_days: [5, 1, 5, 9] })), [1, 5]);
});

test("a daily window: one block a day on its days", () => {
  const o = occurrences(sched({ play_days: [1, 3] }), MONDAY, "UTC");
  assert.deepEqual(
    o.map((x) => [x.day, x.start, x.end]),
    [
      [0, 360, 630],
      [2, 2 * DAY_MIN + 360, 2 * DAY_MIN + 630],
    ],
  );
  const p = pieces(o);
  assert.deepEqual(
    p.map((x) => [x.col, x.top, x.bottom, x.first, x.last, x.lane, x.lanes]),
    [
      [0, 360, 630, true, true, 0, 1],
      [2, 360, 630, true, true, 0, 1],
    ],
  );
});

test("no window: all day; equal ends: nothing", () => {
  const o = occurrences(sched({ play_days: [7], play_time_from: null, play_time_to: null }), MONDAY, "UTC");
  assert.deepEqual(o.map((x) => [x.day, x.start, x.end, x.allDay]), [[6, 6 * DAY_MIN, WEEK_MIN, true]]);
  assert.deepEqual(occurrences(sched({ play_time_to: "06:00" }), MONDAY, "UTC"), []);
});

test("overnight: the night belongs to the day it starts, and wraps into the next column", () => {
  // Friday and Sunday 22:00–06:00
  const s = sched({ play_days: [5, 7], play_time_from: "22:00", play_time_to: "06:00" });
  const o = occurrences(s, MONDAY, "UTC");
  assert.deepEqual(
    o.map((x) => [x.day, x.start, x.end]),
    [
      // the Sunday before: its small hours on this Monday
      [-1, 0, 360],
      [4, 4 * DAY_MIN + 1320, 5 * DAY_MIN + 360],
      // this Sunday's night runs past the week: cut at its end
      [6, 6 * DAY_MIN + 1320, WEEK_MIN],
    ],
  );
  const p = pieces(o);
  assert.deepEqual(
    p.map((x) => [x.col, x.top, x.bottom, x.first, x.last]),
    [
      [0, 0, 360, false, true],
      [4, 1320, 1440, true, false],
      [5, 0, 360, false, true],
      [6, 1320, 1440, true, false],
    ],
  );
});

test("dates clip the blocks (in the tenant's zone)", () => {
  // from Wednesday 08:00 Berlin (07:00 UTC) to Thursday 00:00 Berlin
  const s = sched({ start_date: "2026-12-09T07:00:00.000Z", end_date: "2026-12-09T23:00:00.000Z" });
  const o = occurrences(s, MONDAY, "Europe/Berlin");
  assert.deepEqual(o.map((x) => [x.day, x.start, x.end]), [[2, 2 * DAY_MIN + 480, 2 * DAY_MIN + 630]]);
  assert.deepEqual(occurrences(sched({ end_date: "2026-12-01T00:00:00.000Z" }), MONDAY, "UTC"), [], "ended before the week");
  assert.deepEqual(occurrences(sched({ start_date: "2026-12-20T00:00:00.000Z" }), MONDAY, "UTC"), [], "starts after it");
});

test("overlapping blocks share the column's width", () => {
  const a = sched({ id: "a", play_days: [1], play_time_from: "08:00", play_time_to: "12:00" });
  const b = sched({ id: "b", play_days: [1], play_time_from: "09:00", play_time_to: "10:00" });
  const c = sched({ id: "c", play_days: [1], play_time_from: "10:00", play_time_to: "11:00" });
  const d = sched({ id: "d", play_days: [1], play_time_from: "13:00", play_time_to: "14:00" });
  const p = pieces([a, b, c, d].flatMap((s) => occurrences(s, MONDAY, "UTC")));
  const at = (id: string) => p.find((x) => x.scheduleId === id);
  assert.deepEqual([at("a")?.lane, at("a")?.lanes], [0, 2]);
  assert.deepEqual([at("b")?.lane, at("b")?.lanes], [1, 2]);
  assert.deepEqual([at("c")?.lane, at("c")?.lanes], [1, 2], "c reuses b's lane once b has ended");
  assert.deepEqual([at("d")?.lane, at("d")?.lanes], [0, 1], "alone again");
});

test("conflicts: higher priority overrides, equal priorities merge, off ones do not count", () => {
  const list = [
    sched({ id: "low", priority: 10, play_time_from: "06:00", play_time_to: "12:00" }),
    sched({ id: "high", priority: 90, play_time_from: "05:00", play_time_to: "13:00" }),
    sched({ id: "mid", priority: 50, play_time_from: "11:00", play_time_to: "14:00" }),
    sched({ id: "twin", priority: 50, play_time_from: "13:30", play_time_to: "15:00" }),
    sched({ id: "off", priority: 100, play_time_from: "13:00", play_time_to: "16:00", is_enabled: false }),
  ].map((s) => ({ ...s, play_days: [1] }));
  const by = new Map(list.map((s) => [s.id, s]));
  const occ = list.flatMap((s) => occurrences(s, MONDAY, "UTC"));
  const c = conflicts(occ, by, () => "all");
  const of = (id: string) => c[occ.findIndex((o) => o.scheduleId === id)];
  assert.deepEqual(of("low"), { overridden: "fully", mergedWith: [], overriddenBy: ["high", "mid"] });
  assert.deepEqual(of("high"), { overridden: "no", mergedWith: [], overriddenBy: [] });
  assert.deepEqual(of("mid"), { overridden: "partly", mergedWith: ["twin"], overriddenBy: ["high"] });
  assert.deepEqual(of("twin"), { overridden: "no", mergedWith: ["mid"], overriddenBy: [] }, "the off one does not override it");
  assert.deepEqual(of("off"), { overridden: "no", mergedWith: [], overriddenBy: [] });
  // Other screens: no conflict at all; some of them: only partly.
  assert.equal(conflicts(occ, by, () => "none")[0]?.overridden, "no");
  assert.equal(conflicts(occ, by, () => "some")[0]?.overridden, "partly");
});

test("reach: which schedules meet on which screens", () => {
  const groupOf = new Map<string, string | null>([
    ["s1", "g1"],
    ["s2", "g1"],
    ["s3", null],
  ]);
  const all = reached({ all: true }, groupOf);
  const g1 = reached({ group_ids: ["g1"] }, groupOf);
  const s1 = reached({ screen_ids: ["s1"] }, groupOf);
  const s3 = reached({ screen_ids: ["s3"], group_ids: [] }, groupOf);
  assert.deepEqual([...g1.screens].sort(), ["s1", "s2"]);
  assert.equal(reachOf(s1, all), "all");
  assert.equal(reachOf(all, s1), "some");
  assert.equal(reachOf(s1, g1), "all", "the group holds s1");
  assert.equal(reachOf(g1, s1), "some");
  assert.equal(reachOf(s1, s3), "none");
  assert.equal(reachOf(all, reached({ screen_ids: [] }, groupOf)), "none");
  assert.equal(aimsAtScreen({ group_ids: ["g1"] }, "s2", "g1"), true);
  assert.equal(aimsAtScreen({ screen_ids: ["s1"] }, "s2", "g1"), false);
  assert.equal(aimsAtScreen({ all: true }, "s3", null), true);
  assert.equal(aimsAtGroup({ group_ids: ["g1"] }, "g1"), true);
  assert.equal(aimsAtGroup({ screen_ids: ["s1"] }, "g1"), false);
});

test("the timeline's shading, cut at midnights in the tenant's zone", () => {
  const seg = (start: string, end: string, source: "schedule" | "default" | "interrupt") => ({
    start,
    end,
    source,
    schedule_ids: source === "schedule" ? ["s1"] : [],
    playlist_ids: source === "schedule" ? ["p1"] : [],
    interrupt_id: source === "interrupt" ? "i1" : null,
  });
  const s = shades(
    [
      seg("2026-12-06T20:00:00.000Z", "2026-12-07T05:00:00.000Z", "default"),
      seg("2026-12-07T05:00:00.000Z", "2026-12-08T01:00:00.000Z", "schedule"),
      seg("2026-12-08T01:00:00.000Z", "2026-12-08T01:30:00.000Z", "interrupt"),
    ],
    MONDAY,
    "Europe/Berlin",
  );
  assert.deepEqual(
    s.map((x) => [x.col, x.top, x.bottom, x.source]),
    [
      [0, 0, 360, "default"],
      [0, 360, 1440, "schedule"],
      [1, 0, 120, "schedule"],
      [1, 120, 150, "interrupt"],
    ],
  );
  assert.deepEqual(s[1]?.playlistIds, ["p1"]);
});

test("drag maths: snap, move (across midnight and days), resize", () => {
  assert.equal(snap(7), 0);
  assert.equal(snap(8), 15);
  assert.equal(snap(-8), -15);
  assert.equal(pxToMinutes(20, 40), 30);
  const o = { day: 2, from: 360, duration: 270, allDay: false }; // Wednesday 06:00–10:30
  assert.equal(moveBy(o, 0, 5), null, "less than half a step: no change");
  assert.deepEqual(moveBy(o, 0, 55), { from: "07:00", to: "11:30", dayShift: 0 });
  assert.deepEqual(moveBy(o, 1, -20), { from: "05:45", to: "10:15", dayShift: 1 });
  assert.deepEqual(moveBy(o, 0, 17 * 60), { from: "23:00", to: "03:30", dayShift: 0 }, "becomes overnight");
  assert.deepEqual(moveBy(o, 0, 19 * 60), { from: "01:00", to: "05:30", dayShift: 1 }, "past midnight: the next day");
  assert.deepEqual(moveBy(o, 0, -7 * 60), { from: "23:00", to: "03:30", dayShift: -1 }, "before midnight: the day before");
  assert.deepEqual(moveBy({ ...o, from: 370 }, 0, 10), { from: "06:15", to: "10:45", dayShift: 0 }, "onto the grid");
  const allDay = { day: 0, from: 0, duration: DAY_MIN, allDay: true };
  assert.equal(moveBy(allDay, 0, 120), null, "all day: only across days");
  assert.deepEqual(moveBy(allDay, 2, 120), { from: null, to: null, dayShift: 2 });
  assert.deepEqual(resizeBy(o, 40), { from: "06:00", to: "11:15", dayShift: 0 });
  assert.deepEqual(resizeBy(o, -600), { from: "06:00", to: "06:15", dayShift: 0 }, "at least 15 minutes");
  assert.deepEqual(resizeBy(o, 1200), { from: "06:00", to: "05:45", dayShift: 0 }, "at most 23 h 45 (overnight)");
  assert.equal(resizeBy(o, 3), null);
  assert.deepEqual(resizeBy(allDay, -120), { from: "00:00", to: "22:00", dayShift: 0 }, "all day gets a window");
});

test("a drop's patch: times, and days shifted with wrap-around", () => {
  assert.deepEqual(shiftDays([1, 2, 3, 4, 5], 1), [2, 3, 4, 5, 6]);
  assert.deepEqual(shiftDays([6, 7], 1), [1, 7]);
  assert.deepEqual(shiftDays([1], -1), [7]);
  assert.deepEqual(shiftDays([1, 2], 14), [1, 2]);
  const s = sched({ play_days: [1, 5] });
  assert.deepEqual(dropPatch(s, { from: "07:00", to: "11:30", dayShift: 0 }), { play_time_from: "07:00", play_time_to: "11:30" });
  assert.deepEqual(dropPatch(s, { from: "07:00", to: "11:30", dayShift: 1 }), { play_time_from: "07:00", play_time_to: "11:30", play_days: [2, 6] });
  const day = sched({ play_days: [], play_time_from: null, play_time_to: null });
  assert.deepEqual(dropPatch(day, { from: null, to: null, dayShift: 2 }), { play_days: [3, 4, 5, 6, 7, 1, 2].sort() }, "every day shifted is every day");
});

test("playlist colours: by place, stable, cycling", () => {
  const ids = ["p1", "p2", "p3"];
  assert.equal(colourOf("p1", ids), PALETTE[0]);
  assert.equal(colourOf("p3", ids), PALETTE[2]);
  assert.equal(colourOf("zz", ids), colourOf("zz", ids), "an unknown one: always the same");
  const many = Array.from({ length: PALETTE.length + 1 }, (_, i) => `p${i}`);
  assert.equal(colourOf(`p${PALETTE.length}`, many), PALETTE[0]);
});

test("days and windows in words", () => {
  assert.equal(daysText([1, 2, 3, 4, 5, 6, 7]), "Every day");
  assert.equal(daysText([]), "Every day");
  assert.equal(daysText([1, 2, 3, 4, 5]), "Mon–Fri");
  assert.equal(daysText([6, 7]), "Sat, Sun");
  assert.equal(daysText([1, 3, 5]), "Mon, Wed, Fri");
  assert.equal(daysText([5, 6, 7, 1]), "Fri–Mon", "runs wrap over the week's end");
  assert.equal(daysText([1, 2, 4]), "Mon, Tue, Thu");
  assert.equal(windowText(sched()), "06:00–10:30");
  assert.equal(windowText(sched({ play_time_from: "22:00", play_time_to: "06:00:00" })), "22:00–06:00 overnight");
  assert.equal(windowText(sched({ play_time_from: null, play_time_to: null })), "all day");
});

// The shared vectors of the rule (tests/vectors/program.json, as src/domain/program.rs reads
// them): where the calendar draws a schedule's blocks is where the rule finds it active, DST
// changes and overnight windows included; the highest priority among the active ones is what
// the server plays (interrupts aside).
interface VecSchedule {
  id: string;
  targets: { all?: boolean; screen_ids?: string[]; group_ids?: string[] };
  is_enabled: boolean;
  start: string | null;
  end: string | null;
  play_days: number[];
  from: string | null;
  to: string | null;
  priority: number;
  created_at: string;
}
interface RuleVector {
  name: string;
  timezone: string;
  at: string;
  screen: { id: string; group_id: string | null } | null;
  schedules: VecSchedule[];
  expect: { source: string; schedule_ids: string[] };
}
const rule = (JSON.parse(readFileSync(new URL("../../../../tests/vectors/program.json", import.meta.url), "utf8")) as { rule: RuleVector[] }).rule;

test("the rule's shared vectors are there", () => {
  assert.ok(rule.length > 20, `only ${rule.length} vectors`);
});

for (const v of rule.filter((x) => x.expect.source !== "interrupt")) {
  test(`the calendar agrees with the rule: ${v.name}`, () => {
    const at = Date.parse(v.at);
    const monday = mondayOf(localDay(at, v.timezone));
    const now = wallMinutes(at, v.timezone) - monday * DAY_MIN;
    const active = v.schedules.filter((s) => {
      if (!s.is_enabled || !aimsAtScreen(s.targets, v.screen?.id ?? "", v.screen?.group_id ?? null)) return false;
      const cal = { id: s.id, play_days: s.play_days, play_time_from: s.from, play_time_to: s.to, priority: s.priority, is_enabled: true, start_date: s.start, end_date: s.end };
      return occurrences(cal, monday, v.timezone).some((o) => o.start <= now && now < o.end);
    });
    const top = Math.max(-1, ...active.map((s) => s.priority));
    const ids = active
      .filter((s) => s.priority === top)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
      .map((s) => s.id);
    assert.deepEqual(ids, v.expect.schedule_ids);
  });
}
