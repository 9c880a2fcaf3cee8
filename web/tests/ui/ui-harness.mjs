// Shared pieces of the admin UI tests: the player tests' server and browser,
// plus a page on the admin app, screenshots at phone and desktop sizes, and
// assets made through the API.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch, png, Server, sleep } from "../browser/harness.mjs";

export { launch, png, Server, sleep };

const here = dirname(fileURLToPath(import.meta.url));
export const SHOTS = join(here, "..", "artifacts", "ui");
mkdirSync(SHOTS, { recursive: true });

export async function openApp(browser, server, path = "/", { width = 1280, height = 800, colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") page.errors.push(`console: ${m.text()}`);
  });
  await page.goto(server.base + path);
  return { context, page };
}

/** Saves the current page at 1280×800 and 360×740 as `<name>-desktop.png` / `<name>-phone.png`. */
export async function shots(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  await sleep(150);
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: false });
  await page.setViewportSize({ width: 360, height: 740 });
  await sleep(150);
  await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: false });
  if (size) await page.setViewportSize(size);
}

const DAY = 86_400_000;

/** A web-page asset made through the API (JSON POST). */
export function urlAsset(server, name, extra = {}) {
  return server.api("POST", "/api/v2/assets", {
    name,
    uri: `https://example.com/${encodeURIComponent(name)}`,
    mimetype: "webpage",
    start_date: new Date(Date.now() - DAY).toISOString(),
    end_date: new Date(Date.now() + 30 * DAY).toISOString(),
    duration: 10,
    is_enabled: true,
    skip_asset_check: true,
    ...extra,
  });
}

export async function waitUntil(fn, timeoutMs = 10_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Names of the rows in a list (`#active-list` or `#inactive-list`). */
export function rowNames(page, list) {
  return page.$$eval(`${list} [data-testid=asset-row] .name`, (els) => els.map((e) => e.textContent));
}
