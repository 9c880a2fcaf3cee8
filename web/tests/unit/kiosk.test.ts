import assert from "node:assert/strict";
import { test } from "node:test";
import { probeFailure, webPagePlan } from "../../src/player/kiosk.js";
import type { Asset, PageCheckJson } from "../../src/player/types.js";

const page = (check: PageCheckJson["status"] | null, headers: Record<string, string> = {}): Asset => ({
  asset_id: "w",
  name: "w",
  mimetype: "webpage",
  url: "https://news.example.com/",
  duration: 10,
  nocache: false,
  refresh_interval_s: 0,
  headers,
  play_order: 0,
  is_processing: false,
  schedule: { is_enabled: true, start: null, end: null, play_days: [1, 2, 3, 4, 5, 6, 7], from: null, to: null },
  page_check: check === null ? null : { status: check, reason: `because ${check}`, checked_at: "2026-12-07T10:00:00Z" },
});

test("a page that refuses frames is skipped without the extension and loaded with it", () => {
  const plan = webPagePlan(page("not_frameable"), false);
  assert.ok("skip" in plan && plan.skip.includes("because not_frameable") && plan.skip.includes("kiosk extension"), JSON.stringify(plan));
  assert.deepEqual(webPagePlan(page("not_frameable"), true), { load: true, headers: "none" });
});

test("the server's unreachable verdict skips the page, extension or not", () => {
  for (const kiosk of [false, true]) {
    const plan = webPagePlan(page("unreachable"), kiosk);
    assert.ok("skip" in plan && plan.skip.startsWith("unreachable"), JSON.stringify(plan));
  }
});

test("unchecked and ok pages load; headers go through the extension when it runs", () => {
  for (const check of [null, "ok"] as const) {
    assert.deepEqual(webPagePlan(page(check), false), { load: true, headers: "none" });
    assert.deepEqual(webPagePlan(page(check, { "X-Key": "1" }), true), { load: true, headers: "extension" });
    assert.deepEqual(webPagePlan(page(check, { "X-Key": "1" }), false), { load: true, headers: "unsendable" });
  }
  // An older server sends no page_check at all.
  const { page_check: _, ...old } = page(null);
  assert.deepEqual(webPagePlan(old, false), { load: true, headers: "none" });
});

test("a failed probe skips the page unless the server reached it and the screen is online", () => {
  assert.equal(probeFailure(page("ok"), true), null);
  assert.equal(probeFailure(page("not_frameable"), true), null);
  assert.match(probeFailure(page("ok"), false) ?? "", /offline/);
  assert.match(probeFailure(page(null), true) ?? "", /unreachable from this screen/);
  assert.match(probeFailure(page(null), false) ?? "", /offline/);
});
