// (1) images play in play_order and loop; (2) disabled assets, assets outside
// their daily window or days, and broken ones are never shown.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openPlayer, runs, screenshot, Server, sleep, startSampling, stopSampling, waitFor } from "./harness.mjs";

test("images play in play_order and loop", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false });
    const a = await server.imageAsset({ name: "red", color: [220, 40, 40], duration: 1, playOrder: 0 });
    // 4:3 on a 16:9 screen: letterboxed, not stretched or cropped.
    const b = await server.imageAsset({ name: "green", color: [40, 180, 60], duration: 1, playOrder: 1, size: [120, 90] });
    const c = await server.imageAsset({ name: "blue", color: [40, 80, 220], duration: 2, playOrder: 2 });
    const { page } = await openPlayer(browser, server);
    await waitFor(page, (s) => s.current === a.asset_id, 10_000, "the first asset");
    await startSampling(page, 100);
    await sleep(9_000);
    const samples = await stopSampling(page);
    const seq = runs(samples);
    const cycle = [a.asset_id, b.asset_id, c.asset_id];
    // Starts on red (already showing), then follows the cycle.
    for (let i = 0; i < seq.length; i++) assert.equal(seq[i], cycle[i % 3], `position ${i} of ${seq.join(",")}`);
    assert.ok(seq.length >= 6, `at least two full cycles in 9 s, got ${seq.length} items`);
    assert.ok(samples.every((s) => s.state === "playing" && s.visible), "always playing with a visible layer");
    // Each showing lasts its duration (±400 ms of sampling and switching).
    const lengths = [];
    let start = samples[0];
    for (const s of samples.slice(1)) {
      if (s.current !== start.current) {
        lengths.push({ id: start.current, ms: s.t - start.t });
        start = s;
      }
    }
    for (const { id, ms } of lengths.slice(1)) {
      const want = id === c.asset_id ? 2000 : 1000;
      assert.ok(Math.abs(ms - want) <= 400, `${id} showed ${ms} ms, want ${want}`);
    }
    await waitFor(page, (s) => s.current === b.asset_id, 5000, "green");
    await sleep(400); // past the crossfade
    await screenshot(page, "playing.png");
    const errors = page.consoleLog.filter((l) => l.startsWith("pageerror") || l.startsWith("error"));
    assert.deepEqual(errors, [], page.consoleLog.join("\n"));
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("disabled, out-of-window, other-day and broken assets are never shown", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false });
    // The server's zone is UTC unless set; pick a window that excludes now.
    const hour = new Date().getUTCHours();
    const from = `${String((hour + 2) % 24).padStart(2, "0")}:00`;
    const to = `${String((hour + 3) % 24).padStart(2, "0")}:00`;
    const today = ((new Date().getUTCDay() + 6) % 7) + 1; // ISO weekday
    const tomorrow = (today % 7) + 1; // in case the test runs across midnight
    const otherDays = [1, 2, 3, 4, 5, 6, 7].filter((d) => d !== today && d !== tomorrow);
    const ok1 = await server.imageAsset({ name: "ok-1", color: [200, 200, 200], duration: 1, playOrder: 0 });
    const disabled = await server.imageAsset({ name: "disabled", color: [255, 0, 0], duration: 1, playOrder: 1, enabled: false });
    const windowed = await server.imageAsset({
      name: "windowed",
      color: [255, 0, 255],
      duration: 1,
      playOrder: 2,
      play_time_from: from,
      play_time_to: to,
    });
    const otherDay = await server.imageAsset({ name: "other-day", color: [0, 255, 255], duration: 1, playOrder: 3, play_days: otherDays });
    const day = 86_400_000;
    const broken = await server.api("POST", "/api/v2/assets", {
      name: "broken",
      uri: `${server.base}/no/such/image.png`,
      mimetype: "image",
      start_date: new Date(Date.now() - day).toISOString(),
      end_date: new Date(Date.now() + day).toISOString(),
      duration: 1,
      is_enabled: true,
      skip_asset_check: true,
      play_order: 4,
    });
    const ok2 = await server.imageAsset({ name: "ok-2", color: [120, 120, 120], duration: 1, playOrder: 5 });

    const { page } = await openPlayer(browser, server);
    await waitFor(page, (s) => s.state === "playing", 10_000, "playing");
    await startSampling(page, 50);
    await sleep(6_000);
    const samples = await stopSampling(page);
    const shown = new Set(samples.map((s) => s.current));
    for (const never of [disabled, windowed, otherDay, broken]) {
      assert.ok(!shown.has(never.asset_id), `${never.name} was shown`);
    }
    assert.ok(shown.has(ok1.asset_id) && shown.has(ok2.asset_id), `the active ones play: ${[...shown]}`);
    assert.ok(samples.every((s) => s.state === "playing" && s.visible), "the broken one never blanks the screen");
    const playlist = await page.evaluate(() => window.__signate.playlist());
    assert.deepEqual(playlist, [ok1.asset_id, broken.asset_id, ok2.asset_id]);
    assert.ok((await page.evaluate(() => window.__signate.failures())) >= 1, "the broken image was reported");
  } finally {
    await browser.close();
    await server.stop();
  }
});
