import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { displayOn, hasWindowFilter, isActive, localTime, parseInstant, parseTime } from "../../src/player/schedule.js";
import type { PlayerSettings, ScheduleJson } from "../../src/player/types.js";

interface Vector {
  name: string;
  timezone: string;
  now: string;
  schedule: ScheduleJson;
  active: boolean;
}

const vectors = JSON.parse(
  readFileSync(new URL("../../../../tests/vectors/schedule.json", import.meta.url), "utf8"),
) as Vector[];

test("the shared vectors are there", () => {
  assert.ok(vectors.length > 20, `only ${vectors.length} vectors`);
});

for (const v of vectors) {
  test(`shared vector: ${v.name}`, () => {
    const now = parseInstant(v.now);
    assert.notEqual(now, null);
    assert.equal(isActive(v.schedule, now!, v.timezone), v.active);
  });
}

const h = (hh: number, mm: number, ss = 0, us = 0) => ((hh * 60 + mm) * 60 + ss) * 1_000_000 + us;

test("parseTime accepts the server's forms", () => {
  const cases: [string, number][] = [
    ["08:00", h(8, 0)],
    ["00:00", 0],
    ["8:5", h(8, 5)],
    ["23:59", h(23, 59)],
    ["08:00:30", h(8, 0, 30)],
    ["8:5:3", h(8, 5, 3)],
    ["08:00:00.5", h(8, 0, 0, 500_000)],
    ["08:00:00,25", h(8, 0, 0, 250_000)],
    ["08:00:00.000001", h(8, 0, 0, 1)],
    ["08:00:00.1234569", h(8, 0, 0, 123_456)],
    ["08:00:00.123456789012", h(8, 0, 0, 123_456)],
  ];
  for (const [text, expected] of cases) assert.equal(parseTime(text), expected, text);
});

test("parseTime rejects everything else", () => {
  const cases = [
    "", "08", "0800", "08:", ":00", "08:00:", "08:00:00.", "08:00:00.1234567890123", "08:00:00.12a",
    "08:00:00:00", "24:00", "23:60", "23:59:60", "123:00", "08:000", "-1:00", "+8:00", " 08:00",
    "08:00 ", "08:00:00Z", "08:00:00+01:00", "08h00", "０８:00",
  ];
  for (const text of cases) assert.equal(parseTime(text), null, JSON.stringify(text));
  assert.equal(parseTime(null), null);
});

test("parseInstant reads offsets and takes naive times as UTC", () => {
  assert.equal(parseInstant("2027-01-04T08:00:00Z"), Date.UTC(2027, 0, 4, 8));
  assert.equal(parseInstant("2027-01-04T08:00:00"), Date.UTC(2027, 0, 4, 8));
  assert.equal(parseInstant("2027-01-04T08:00:00.250+00:00"), Date.UTC(2027, 0, 4, 8, 0, 0, 250));
  assert.equal(parseInstant("2027-01-04T09:00:00+01:00"), Date.UTC(2027, 0, 4, 8));
  assert.equal(parseInstant("garbage"), null);
  assert.equal(parseInstant(null), null);
});

test("localTime follows the zone, including summer time", () => {
  assert.deepEqual(localTime(Date.UTC(2027, 0, 4, 23, 30), "Europe/Berlin"), { isoWeekday: 2, micros: h(0, 30) });
  assert.deepEqual(localTime(Date.UTC(2027, 6, 5, 7, 30, 5, 250), "Europe/Berlin"), {
    isoWeekday: 1,
    micros: h(9, 30, 5, 250_000),
  });
  assert.deepEqual(localTime(Date.UTC(2027, 0, 3, 12), ""), { isoWeekday: 7, micros: h(12, 0) });
  // An unknown zone falls back to UTC rather than stopping playback.
  assert.deepEqual(localTime(Date.UTC(2027, 0, 3, 12), "Mars/Phobos"), { isoWeekday: 7, micros: h(12, 0) });
});

test("hasWindowFilter: both times or fewer than seven days", () => {
  const base: ScheduleJson = { is_enabled: true, start: null, end: null, play_days: [1, 2, 3, 4, 5, 6, 7], from: null, to: null };
  assert.equal(hasWindowFilter(base), false);
  assert.equal(hasWindowFilter({ ...base, from: "08:00:00" }), false);
  assert.equal(hasWindowFilter({ ...base, from: "08:00:00", to: "09:00:00" }), true);
  assert.equal(hasWindowFilter({ ...base, play_days: [1] }), true);
});

const power = (on: string, off: string, days = "0,1,2,3,4,5,6", enabled = true): PlayerSettings => ({
  player_name: "",
  shuffle_playlist: false,
  show_splash: false,
  screen_rotation: 0,
  audio_output: "hdmi",
  default_duration: 10,
  verify_ssl: true,
  display_power_schedule_enabled: enabled,
  display_power_on_time: on,
  display_power_off_time: off,
  display_power_days: days,
});

test("display power: same-day on-hours, half-open", () => {
  const s = power("08:00", "18:00");
  assert.equal(displayOn(s, Date.UTC(2027, 0, 4, 7, 59, 59), "UTC"), false);
  assert.equal(displayOn(s, Date.UTC(2027, 0, 4, 8), "UTC"), true);
  assert.equal(displayOn(s, Date.UTC(2027, 0, 4, 17, 59, 59), "UTC"), true);
  assert.equal(displayOn(s, Date.UTC(2027, 0, 4, 18), "UTC"), false);
  // 07:30 UTC is 08:30 in Berlin.
  assert.equal(displayOn(s, Date.UTC(2027, 0, 4, 7, 30), "Europe/Berlin"), true);
});

test("display power: disabled, or on == off, keeps the screen on", () => {
  assert.equal(displayOn(power("08:00", "18:00", "0", false), Date.UTC(2027, 0, 4, 3), "UTC"), true);
  assert.equal(displayOn(power("08:00", "08:00"), Date.UTC(2027, 0, 4, 3), "UTC"), true);
  assert.equal(displayOn(power("bad", "18:00"), Date.UTC(2027, 0, 4, 3), "UTC"), true);
});

test("display power: days are Monday = 0 and name the day an on-period begins", () => {
  // 2027-01-04 is a Monday.
  const weekdays = power("08:00", "18:00", "0,1,2,3,4");
  assert.equal(displayOn(weekdays, Date.UTC(2027, 0, 4, 12), "UTC"), true);
  assert.equal(displayOn(weekdays, Date.UTC(2027, 0, 9, 12), "UTC"), false); // Saturday
  const night = power("22:00", "06:00", "0"); // Monday night only
  assert.equal(displayOn(night, Date.UTC(2027, 0, 4, 23), "UTC"), true);
  assert.equal(displayOn(night, Date.UTC(2027, 0, 5, 5, 59), "UTC"), true); // Tuesday small hours
  assert.equal(displayOn(night, Date.UTC(2027, 0, 5, 6), "UTC"), false);
  assert.equal(displayOn(night, Date.UTC(2027, 0, 4, 3), "UTC"), false); // Sunday's night
  assert.equal(displayOn(night, Date.UTC(2027, 0, 4, 12), "UTC"), false);
});
