// Why an item is or is not on the screen now (src/app/playing.ts), and the words around it.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Asset } from "../../src/app/api.js";
import {
  NO_END,
  formatTimeOfDay,
  isNoEnd,
  isStoredFile,
  nameTooLong,
  orderAfterAdding,
  scheduleChips,
  storedFileText,
} from "../../src/app/format.js";
import { isPlayingNow, pageCheckOf, playStatus, reasonAt } from "../../src/app/playing.js";

const asset = (extra: Partial<Asset> & Record<string, unknown> = {}): Asset =>
  ({
    asset_id: "a1",
    name: "Menu",
    uri: "https://example.com/menu",
    start_date: "2026-01-01T00:00:00Z",
    end_date: "2027-01-01T00:00:00Z",
    duration: 10,
    mimetype: "webpage",
    is_enabled: true,
    nocache: false,
    play_order: 0,
    skip_asset_check: true,
    is_active: true,
    is_processing: false,
    play_days: [1, 2, 3, 4, 5, 6, 7],
    play_time_from: null,
    play_time_to: null,
    metadata: {},
    ...extra,
  }) as Asset;

// Wednesday 2026-06-03, 12:00 UTC (14:00 in Berlin).
const WED_NOON = Date.parse("2026-06-03T12:00:00Z");
const words = { day: (iso: string) => iso.slice(0, 10), time: (t: string) => t.slice(0, 5) };

test("an enabled item inside its dates and window plays", () => {
  assert.equal(reasonAt(asset(), WED_NOON, "UTC"), "playing");
  assert.equal(isPlayingNow(asset(), WED_NOON, "UTC"), true);
});

test("each reason it does not play, in the order a person fixes them", () => {
  assert.equal(reasonAt(asset({ is_enabled: false, metadata: { error_message: "x" } }), WED_NOON, "UTC"), "disabled");
  assert.equal(reasonAt(asset({ is_processing: true, metadata: { error_message: "yt-dlp is not installed" } }), WED_NOON, "UTC"), "failed");
  assert.equal(reasonAt(asset({ is_processing: true }), WED_NOON, "UTC"), "processing");
  assert.equal(reasonAt(asset({ end_date: null }), WED_NOON, "UTC"), "no_dates");
  assert.equal(reasonAt(asset({ start_date: "2026-07-01T00:00:00Z" }), WED_NOON, "UTC"), "not_started");
  assert.equal(reasonAt(asset({ end_date: "2026-06-01T00:00:00Z" }), WED_NOON, "UTC"), "ended");
  assert.equal(reasonAt(asset({ play_days: [1, 2] }), WED_NOON, "UTC"), "not_today");
  assert.equal(reasonAt(asset({ play_time_from: "08:00", play_time_to: "10:00" }), WED_NOON, "UTC"), "outside_hours");
});

test("the server's rule is strict at both ends", () => {
  assert.equal(reasonAt(asset({ start_date: "2026-06-03T12:00:00Z" }), WED_NOON, "UTC"), "not_started");
  assert.equal(reasonAt(asset({ end_date: "2026-06-03T12:00:00Z" }), WED_NOON, "UTC"), "ended");
});

test("the daily window is read in the screen's zone, overnight windows belong to the day they start", () => {
  const office = asset({ play_time_from: "13:00", play_time_to: "15:00" });
  assert.equal(reasonAt(office, WED_NOON, "UTC"), "outside_hours");
  assert.equal(reasonAt(office, WED_NOON, "Europe/Berlin"), "playing");
  // Tuesday night 22:00–06:00: Wednesday 03:00 plays, though Wednesday is not listed.
  const night = asset({ play_days: [2], play_time_from: "22:00", play_time_to: "06:00" });
  assert.equal(reasonAt(night, Date.parse("2026-06-03T03:00:00Z"), "UTC"), "playing");
  // Wednesday 23:00 is Wednesday's night, not Tuesday's: the wrong day, not the wrong hour.
  assert.equal(reasonAt(night, Date.parse("2026-06-03T23:00:00Z"), "UTC"), "not_today");
});

test("a web page the server found it cannot frame or reach is not playing; unknown counts as fine", () => {
  assert.equal(reasonAt(asset({ page_check: { status: "not_frameable", reason: "X-Frame-Options: DENY", checked_at: null } }), WED_NOON, "UTC"), "not_frameable");
  assert.equal(reasonAt(asset({ page_check: { status: "unreachable", reason: "timed out" } }), WED_NOON, "UTC"), "unreachable");
  assert.equal(reasonAt(asset({ page_check: { status: "ok" } }), WED_NOON, "UTC"), "playing");
  assert.equal(reasonAt(asset({ page_check: null }), WED_NOON, "UTC"), "playing");
  assert.equal(pageCheckOf(asset({ page_check: { status: "weird" } })), null);
});

test("the words say why and what to do", () => {
  const frame = playStatus(asset({ page_check: { status: "not_frameable" } }), WED_NOON, "UTC", words);
  assert.match(frame.detail, /does not allow being shown inside another page/);
  assert.match(frame.detail, /kiosk extension/);
  assert.match(frame.detail, /choose another page/);
  const failed = playStatus(asset({ metadata: { error_message: "yt-dlp is not installed" } }), WED_NOON, "UTC", words);
  assert.equal(failed.text, "Failed");
  assert.match(failed.detail, /yt-dlp is not installed/);
  const hours = playStatus(asset({ play_time_from: "08:00:00", play_time_to: "10:00:00" }), WED_NOON, "UTC", words);
  assert.equal(hours.text, "Outside its hours (08:00–10:00)");
  assert.equal(playStatus(asset({ end_date: "2026-06-01T00:00:00Z" }), WED_NOON, "UTC", words).text, "Ended 2026-06-01");
});

test("no end: the far-future date the app writes, shown as such", () => {
  assert.equal(isNoEnd(NO_END), true);
  assert.equal(isNoEnd("2027-01-03T00:00:00Z"), false);
  assert.equal(isNoEnd(null), false);
  const chips = scheduleChips(asset({ end_date: NO_END }), WED_NOON).map((c) => c.text);
  assert.deepEqual(chips, ["No end"]);
  const ends = scheduleChips(asset({ end_date: new Date(2027, 0, 3).toISOString() }), WED_NOON).map((c) => c.text);
  assert.deepEqual(ends, ["Ends 3 Jan 2027"]);
  // The item still plays with no end.
  assert.equal(reasonAt(asset({ end_date: NO_END }), WED_NOON, "UTC"), "playing");
});

test("times of day follow the 12/24-hour setting", () => {
  assert.equal(formatTimeOfDay("08:05:00", true), "08:05");
  assert.equal(formatTimeOfDay("24:00", true), "24:00");
  assert.equal(formatTimeOfDay("00:30", false), "12:30 AM");
  assert.equal(formatTimeOfDay("12:00", false), "12:00 PM");
  assert.equal(formatTimeOfDay("18:45", false), "6:45 PM");
  const chips = scheduleChips(asset({ play_time_from: "18:00", play_time_to: "22:00" }), WED_NOON, "mm/dd/yyyy", false);
  assert.ok(chips.some((c) => c.text === "6:00 PM–10:00 PM"), JSON.stringify(chips));
});

test("a stored file is described by name or type and size, never by its path", () => {
  assert.equal(isStoredFile("/home/pi/signate/data/assets/3f2a.jpg"), true);
  assert.equal(isStoredFile("https://example.com/a.jpg"), false);
  assert.equal(isStoredFile("rtsp://cam/1"), false);
  const stored = { uri: "/home/pi/signate/data/assets/3f2a.jpg", metadata: {} };
  assert.equal(storedFileText(stored, 2048), "JPG file · 2.0 KB");
  assert.equal(storedFileText({ ...stored, metadata: { file_name: "beach.jpg" } }, 1536), "beach.jpg · 1.5 KB");
  assert.equal(storedFileText(stored, null), "JPG file");
  assert.ok(!/home|assets/.test(storedFileText(stored, 1)));
});

test("several files added together go last, in the order chosen", () => {
  const sorted = [{ asset_id: "new2" }, { asset_id: "old1" }, { asset_id: "new1" }, { asset_id: "old2" }];
  assert.deepEqual(orderAfterAdding(sorted, ["new1", "new2"]), ["old1", "old2", "new1", "new2"]);
});

test("names too long for the server are caught first, in characters", () => {
  assert.equal(nameTooLong("é".repeat(255), 255), null);
  assert.equal(nameTooLong("é".repeat(256), 255), "At most 255 characters (this one has 256).");
  assert.equal(nameTooLong(`  ${"a".repeat(100)}  `, 100), null);
});
