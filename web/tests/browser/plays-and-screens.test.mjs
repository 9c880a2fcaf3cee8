// (6) proof-of-play records reach the server; (7) the splash shows at start
// when show_splash is on; the standby screen shows when nothing is scheduled;
// the display power schedule blanks the screen; rotation turns the picture.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openPlayer, screenshot, Server, sleep, state, waitFor } from "./harness.mjs";

test("proof-of-play records arrive at the server", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false });
    const a = await server.imageAsset({ name: "a", color: [200, 60, 60], duration: 1, playOrder: 0 });
    const b = await server.imageAsset({ name: "b", color: [60, 200, 60], duration: 1, playOrder: 1 });
    const opened = Date.now();
    const { page } = await openPlayer(browser, server);
    await waitFor(page, (s) => s.state === "playing", 10_000, "playing");
    let plays = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      plays = (await server.plays()).plays;
      if (plays.some((p) => p.asset_id === a.asset_id) && plays.some((p) => p.asset_id === b.asset_id)) break;
      await sleep(500);
    }
    assert.ok(plays.length >= 2, `records: ${JSON.stringify(plays)}`);
    for (const p of plays) {
      assert.ok([a.asset_id, b.asset_id].includes(p.asset_id));
      const started = Date.parse(p.started_at);
      assert.ok(started >= opened - 2000 && started <= Date.now() + 2000, `started_at ${p.started_at}`);
      assert.ok(Math.abs(p.duration_ms - 1000) < 500, `duration ${p.duration_ms}`);
    }
    // Newest first, and no showing recorded twice.
    const starts = plays.map((p) => p.started_at);
    assert.equal(new Set(starts).size, starts.length);
    assert.equal(await page.evaluate(() => window.__signate.pendingPlays()) < 20, true);
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("splash at start when show_splash is on, then playback", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: true, player_name: "Lobby screen" });
    const a = await server.imageAsset({ name: "a", color: [200, 60, 60], duration: 5, playOrder: 0 });
    const { page } = await openPlayer(browser, server);
    const t0 = Date.now();
    await waitFor(page, (s) => s.state === "splash", 3000, "splash");
    const text = await page.evaluate(() => document.getElementById("splash").innerText);
    assert.match(text, /Signate/);
    assert.match(text, /Lobby screen/);
    assert.match(text, /http:\/\//);
    await sleep(300);
    await screenshot(page, "splash.png");
    await waitFor(page, (s) => s.state === "playing" && s.current === a.asset_id, 10_000, "playing after the splash");
    const splashMs = Date.now() - t0;
    assert.ok(splashMs >= 4000 && splashMs < 8000, `splash lasted ${splashMs} ms`);
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("standby with nothing scheduled; picks up a new asset; display power schedule blanks", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false, player_name: "Lobby screen" });
    const { page } = await openPlayer(browser, server);
    await waitFor(page, (s) => s.state === "standby", 5000, "standby");
    const text = await page.evaluate(() => document.getElementById("standby").innerText);
    assert.match(text, /Nothing scheduled right now/);
    assert.match(text, /Signate/);
    await screenshot(page, "standby.png");
    const a = await server.imageAsset({ name: "a", color: [230, 180, 40], duration: 5, playOrder: 0 });
    await waitFor(page, (s) => s.state === "playing" && s.current === a.asset_id, 3000, "playing the new asset");

    // On-hours that exclude now (device zone UTC): the screen goes black.
    const hour = new Date().getUTCHours();
    const hh = (h) => `${String(h % 24).padStart(2, "0")}:00`;
    await server.settings({
      display_power_schedule_enabled: true,
      display_power_on_time: hh(hour + 2),
      display_power_off_time: hh(hour + 3),
    });
    await waitFor(page, (s) => s.state === "blank" && s.current === "", 3000, "blank outside on-hours");
    await server.settings({ display_power_on_time: hh(hour + 22), display_power_off_time: hh(hour + 2) });
    await waitFor(page, (s) => s.state === "playing", 3000, "playing inside on-hours");

    await server.settings({ screen_rotation: 90 });
    await page.waitForFunction(() => document.body.dataset.rotation === "90", null, { timeout: 3000 });
    await sleep(300);
    await screenshot(page, "rotated-90.png");
    assert.equal((await state(page)).state, "playing");
  } finally {
    await browser.close();
    await server.stop();
  }
});
