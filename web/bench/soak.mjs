// Long-run memory check of the player (not part of the test suite): a 2-second playlist (two
// 1-second images) plays in headless Chromium for SOAK_MINUTES (default 60); the JS heap after a
// forced garbage collection, DOM nodes and listeners are printed at the start and every
// SAMPLE_MINUTES (default 5).
// Usage: SIGNATE_BIN=…/signate node bench/soak.mjs
import { launch, openPlayer, Server, sleep, waitFor } from "../tests/browser/harness.mjs";

const minutes = Number(process.env.SOAK_MINUTES || 60);
const every = Number(process.env.SAMPLE_MINUTES || 5);
const server = await Server.start();
const browser = await launch();
try {
  await server.settings({ show_splash: false });
  const a = await server.imageAsset({ name: "a", color: [200, 60, 60], duration: 1, playOrder: 0 });
  await server.imageAsset({ name: "b", color: [60, 200, 60], duration: 1, playOrder: 1 });
  const { page } = await openPlayer(browser, server);
  await waitFor(page, (s) => s.current === a.asset_id, 10_000, "first item");
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const sample = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    await sleep(300);
    const { metrics } = await cdp.send("Performance.getMetrics");
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    const plays = (await server.plays(1))?.plays?.length ?? 0;
    return { heapMB: (m.JSHeapUsedSize / 1048576).toFixed(2), nodes: m.Nodes, listeners: m.JSEventListeners, plays };
  };
  const start = Date.now();
  console.log(`t=0 min`, JSON.stringify(await sample()));
  while (Date.now() - start < minutes * 60_000) {
    await sleep(Math.min(every * 60_000, minutes * 60_000 - (Date.now() - start)));
    const t = ((Date.now() - start) / 60_000).toFixed(1);
    console.log(`t=${t} min`, JSON.stringify(await sample()), "state", await page.evaluate(() => document.body.dataset.state));
  }
  const total = (await server.api("GET", "/api/player/plays?limit=1000")).plays.length;
  console.log(`proof-of-play records (last 1000 max): ${total}`);
} finally {
  await browser.close();
  await server.stop();
}
