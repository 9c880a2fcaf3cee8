// The Reports page's maths: round scales, bars, the days of a range with zeros, top rows,
// uptime grids, words for durations, the CSV file's name and the range sent to the API.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  MAX_REPORT_DAYS,
  band,
  csvFilename,
  daysBetween,
  heatLevel,
  labelEvery,
  niceScale,
  perDay,
  reportRange,
  scale,
  spoken,
  top,
  uptimeGrid,
} from "../../src/app/charts.js";

test("round scales", () => {
  assert.deepEqual(niceScale(0), { max: 1, ticks: [0, 1] });
  assert.deepEqual(niceScale(3), { max: 3, ticks: [0, 1, 2, 3] }, "counts: whole steps");
  assert.deepEqual(niceScale(97), { max: 100, ticks: [0, 25, 50, 75, 100] });
  assert.deepEqual(niceScale(1234), { max: 1500, ticks: [0, 500, 1000, 1500] });
  assert.deepEqual(niceScale(10), { max: 10, ticks: [0, 2.5, 5, 7.5, 10] });
  assert.deepEqual(niceScale(NaN), { max: 1, ticks: [0, 1] });
  assert.equal(scale(50, 100, 200), 100);
  assert.equal(scale(-5, 100, 200), 0);
  assert.equal(scale(5, 0, 200), 0);
});

test("bars across a width", () => {
  assert.deepEqual(band(0, 4, 400), { x: 10, w: 80 });
  assert.deepEqual(band(3, 4, 400, 0), { x: 300, w: 100 });
  assert.equal(labelEvery(30, 6), 5);
  assert.equal(labelEvery(5, 10), 1);
});

test("the days of a range, with the days without plays as zeros", () => {
  const days = daysBetween("2026-11-29", "2026-12-02");
  assert.deepEqual(days, ["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"]);
  assert.deepEqual(daysBetween("2026-12-02", "2026-11-29"), []);
  assert.deepEqual(daysBetween("x", "2026-11-29"), []);
  const rows = [
    { key: "2026-11-30", label: "30 Nov", plays: 12, seconds: 120 },
    { key: "2026-12-02T00:00:00+01:00", label: "2 Dec", plays: 3, seconds: 30 },
  ];
  assert.deepEqual(perDay(rows, days), [
    { day: "2026-11-29", plays: 0, seconds: 0 },
    { day: "2026-11-30", plays: 12, seconds: 120 },
    { day: "2026-12-01", plays: 0, seconds: 0 },
    { day: "2026-12-02", plays: 3, seconds: 30 },
  ]);
});

test("top rows", () => {
  const rows = [
    { key: "a", label: "Lunch", plays: 5, seconds: 50 },
    { key: "b", label: "Breakfast", plays: 9, seconds: 90 },
    { key: "c", label: "Dinner", plays: 5, seconds: 80 },
    { key: "d", label: "Apples", plays: 5, seconds: 80 },
  ];
  assert.deepEqual(top(rows, 3).map((r) => r.key), ["b", "d", "c"]);
  assert.equal(rows[0]?.key, "a", "the input stays as it was");
});

test("uptime as screens × days", () => {
  const days = ["2026-12-01", "2026-12-02"];
  const grid = uptimeGrid(
    [
      { screen_id: "s2", name: "Window", day: "2026-12-02", online_seconds: 43200, uptime_percent: 50 },
      { screen_id: "s1", name: "Lobby", day: "2026-12-01", online_seconds: 86400, uptime_percent: 100 },
      { screen_id: "s1", name: "Lobby", day: "2026-12-02", online_seconds: 0, uptime_percent: 0 },
    ],
    days,
  );
  assert.deepEqual(grid, [
    { id: "s1", name: "Lobby", cells: [100, 0] },
    { id: "s2", name: "Window", cells: [null, 50] },
  ]);
  assert.deepEqual([heatLevel(null), heatLevel(0), heatLevel(12), heatLevel(75), heatLevel(95), heatLevel(100)], [null, 0, 1, 2, 3, 4]);
});

test("durations in words", () => {
  assert.equal(spoken(45), "45 s");
  assert.equal(spoken(720), "12 min");
  assert.equal(spoken(3 * 3600 + 1200), "3 h 20 min");
  assert.equal(spoken(7200), "2 h");
  assert.equal(spoken(52 * 3600), "2 d 4 h");
});

test("the CSV file's name", () => {
  assert.equal(csvFilename("asset", "2026-11-08", "2026-12-07"), "signate-plays-by-asset-2026-11-08-to-2026-12-07.csv");
  assert.equal(csvFilename("../day", "2026/11/08", ""), "signate-plays-by-day-2026-11-08-to-x.csv");
});

test("the range sent to the API: the tenant's days, both included", () => {
  assert.deepEqual(reportRange("2026-11-08", "2026-12-07"), { from: "2026-11-08", to: "2026-12-07" });
  assert.deepEqual(reportRange("2026-12-07", "2026-12-07"), { from: "2026-12-07", to: "2026-12-07" });
  assert.ok("error" in reportRange("2026-12-07", "2026-12-06"));
  assert.ok("error" in reportRange("", "2026-12-06"));
  assert.ok("error" in reportRange("2026-02-30", "2026-03-06"));
  assert.ok("error" in reportRange("2025-12-05", "2026-12-06"), `more than ${MAX_REPORT_DAYS} days`);
  assert.ok(!("error" in reportRange("2025-12-07", "2026-12-07")), "366 days is fine");
});
