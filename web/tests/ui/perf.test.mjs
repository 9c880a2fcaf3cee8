// The home page with 500 assets: rendered and interactive; the time it takes is printed as a
// figure (the target is under a second on this machine).
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openApp, Server, urlAsset } from "./ui-harness.mjs";

test("500 assets: navigation to a rendered, interactive list (time printed)", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    const jobs = [];
    for (let i = 0; i < 500; i++) {
      jobs.push(() => urlAsset(server, `Item ${String(i).padStart(3, "0")}`, { play_order: i, is_enabled: i % 5 !== 0, play_days: i % 3 ? [1, 2, 3, 4, 5, 6, 7] : [1, 3, 5] }));
    }
    const workers = Array.from({ length: 4 }, async () => {
      for (let j = jobs.shift(); j; j = jobs.shift()) await j();
    });
    await Promise.all(workers);
    const { page } = await openApp(browser, server, "/system");
    await page.getByText("Free disk space").waitFor();
    // warm: the assets are already loaded by the shell; now measure a full navigation (cold JS parse included)
    const t0 = Date.now();
    await page.goto(`${server.base}/`);
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=asset-row]").length === 500);
    const rendered = Date.now() - t0;
    // the same seen from inside the page: ms since its navigation started
    const inPage = Math.round(await page.evaluate(() => performance.now()));
    // interactive: a click on a switch is handled (optimistic update, then the server's answer)
    const t1 = Date.now();
    await page.getByRole("switch", { name: "Show Item 001 on the screen" }).click();
    await page.locator("#inactive-list .name", { hasText: "Item 001" }).waitFor();
    const toggled = Date.now() - t1;
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      return { domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
    });
    console.log(`500 assets: navigation → 500 rows rendered in ${rendered} ms (${inPage} ms after navigation start, in-page clock); a toggle shown in ${toggled} ms (${JSON.stringify(nav)})`);
    // Timings are printed as figures, not asserted: on a shared CI machine they measure the
    // machine as much as the app. What is asserted is that all 500 rows are there and work.
    assert.equal(await page.locator("[data-testid=asset-row]").count(), 500);
  } finally {
    await browser.close();
    await server.stop();
  }
});
