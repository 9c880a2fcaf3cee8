// Web pages (iframe, nocache, refresh) and a steady-state check: after many
// item changes the page holds no more DOM nodes, listeners, frames or heap
// than after the first few.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openPlayer, runs, Server, sleep, startSampling, stopSampling, waitFor } from "./harness.mjs";

async function metrics(page, cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  await sleep(200);
  const { metrics } = await cdp.send("Performance.getMetrics");
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const layers = await page.evaluate(() => document.querySelectorAll("#stage .layer").length);
  return { nodes: m.Nodes, listeners: m.JSEventListeners, frames: m.Frames, heap: m.JSHeapUsedSize, layers };
}

test("web pages play and the player does not grow over many changes", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false });
    const a = await server.imageAsset({ name: "a", color: [200, 60, 60], duration: 1, playOrder: 0 });
    const b = await server.imageAsset({ name: "b", color: [60, 200, 60], duration: 1, playOrder: 1 });
    const day = 86_400_000;
    const web = await server.api("POST", "/api/v2/assets", {
      name: "page",
      uri: `${server.base}/player/files.json`,
      mimetype: "webpage",
      start_date: new Date(Date.now() - day).toISOString(),
      end_date: new Date(Date.now() + day).toISOString(),
      duration: 2,
      is_enabled: true,
      nocache: true,
      refresh_interval_s: 1,
      skip_asset_check: true,
      play_order: 2,
    });
    const { page } = await openPlayer(browser, server);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    await waitFor(page, (s) => s.current === web.asset_id, 15_000, "the web page");
    const src = await page.evaluate(() => document.querySelector("#stage .layer.shown iframe")?.src ?? "");
    assert.match(src, /files\.json\?_signate_nc=\d+/, "nocache adds a cache-busting parameter");
    await sleep(1100);
    const frames = await page.evaluate(() => document.querySelectorAll("#stage .layer.shown iframe").length);
    assert.ok(frames >= 1 && frames <= 2, "a refresh loads a second frame behind the first, never more");

    await sleep(6000);
    const early = await metrics(page, cdp);
    await startSampling(page, 100);
    await sleep(40_000);
    const samples = await stopSampling(page);
    const late = await metrics(page, cdp);
    console.log("metrics early:", JSON.stringify(early), "late:", JSON.stringify(late));
    const seq = runs(samples);
    assert.ok(seq.length >= 25, `about 40 s / 1.33 s per item, got ${seq.length}`);
    for (const id of [a.asset_id, b.asset_id, web.asset_id]) assert.ok(seq.includes(id));
    assert.ok(samples.every((s) => s.state === "playing" && s.visible), "never blank");
    // Item boundaries fall at different moments in the two readings, so allow
    // for one item's worth of elements and listeners.
    assert.ok(late.layers <= 3, `${late.layers} layers in the stage`);
    assert.ok(late.nodes <= early.nodes + 20, `DOM nodes ${early.nodes} → ${late.nodes}`);
    assert.ok(late.listeners <= early.listeners + 20, `listeners ${early.listeners} → ${late.listeners}`);
    assert.ok(late.frames <= early.frames + 2, `frames ${early.frames} → ${late.frames}`);
    assert.ok(late.heap <= early.heap + 1_500_000, `heap ${early.heap} → ${late.heap}`);
  } finally {
    await browser.close();
    await server.stop();
  }
});
