// (5) the screen keeps playing while the server is gone (SIGKILL), even across
// a page reload, and takes live commands again once it is back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openPlayer, runs, Server, sleep, startSampling, stopSampling, waitFor } from "./harness.mjs";

const connected = (page) => page.evaluate(() => window.__signate.connected());

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("keeps playing while the server is killed, and obeys commands once it is back", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false });
    const a = await server.imageAsset({ name: "a", color: [200, 60, 60], duration: 1, playOrder: 0 });
    const b = await server.imageAsset({ name: "b", color: [60, 200, 60], duration: 1, playOrder: 1 });
    const { page } = await openPlayer(browser, server);
    await waitFor(page, (s) => s.state === "playing", 10_000, "playing");
    // The service worker has cached the shell and both images.
    await until(
      () =>
        page.evaluate(async () => {
          if (!navigator.serviceWorker.controller) return false;
          const media = await (await caches.open("signate-media-v1")).keys();
          return media.length === 2;
        }),
      15_000,
      "the media cache",
    );

    await server.kill();
    await startSampling(page, 100);
    await sleep(4000);
    let samples = await stopSampling(page);
    assert.ok(samples.every((s) => s.state === "playing" && s.visible), "plays on while the server is down");
    const seq = runs(samples);
    assert.ok(seq.length >= 3, `keeps alternating: ${seq}`);
    assert.ok(seq.includes(a.asset_id) && seq.includes(b.asset_id));

    // A restart of the page (a kiosk crash, a power blip) with the server still down.
    await page.reload();
    await waitFor(page, (s) => s.state === "playing", 15_000, "playing from the cache after a reload");
    await startSampling(page, 100);
    await sleep(2500);
    samples = await stopSampling(page);
    assert.ok(samples.every((s) => s.state === "playing" && s.visible), "plays from the cache after a reload");
    assert.ok(runs(samples).length >= 2, "and still rotates");

    await server.launch();
    await until(() => connected(page), 10_000, "the WebSocket to reconnect");
    const before = (await page.evaluate(() => document.body.dataset.current)) ?? "";
    await sleep(100);
    const t0 = Date.now();
    await server.control("blank");
    await waitFor(page, (s) => s.state === "blank", 1500, "blank after the restart");
    await server.control("unblank");
    await waitFor(page, (s) => s.state === "playing", 1500, "unblank after the restart");
    assert.ok(Date.now() - t0 < 2000);
    assert.ok(before === a.asset_id || before === b.asset_id);
  } finally {
    await browser.close();
    await server.stop();
  }
});
