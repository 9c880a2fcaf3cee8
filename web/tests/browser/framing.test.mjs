// Web pages that cannot be shown (issue 15): a page served with
// `X-Frame-Options: DENY` and a page on a closed port are skipped by a screen
// without the kiosk extension, with no grey "refused to connect" frame and no
// blank slot (pixels of screenshots sampled over the screen, compared with the
// error page Chromium really draws for that page), and proof of play has no
// record of them. With the kiosk extension (packaging/kiosk-extension, loaded
// with --load-extension in Chromium's new headless mode) the DENY page is
// shown, with the extra request header it needs.
//
// The server runs with allow_private_urls (a config file), so that its page
// check may fetch the local test server and tell the player its verdict.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { inflateSync } from "node:zlib";
import { chromium } from "playwright-core";
import { CHROMIUM, freePort, launch, openPlayer, screenshot, Server, sleep, waitFor } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const EXTENSION = join(here, "..", "..", "..", "packaging", "kiosk-extension");

const config = join(mkdtempSync(join(tmpdir(), "signate-framing-")), "signate.toml");
writeFileSync(config, "allow_private_urls = true\n");
process.env.SIGNATE_CONFIG = config;

const RED = [200, 60, 60];
const BLUE = [40, 70, 210];
const GREEN = [30, 190, 70];
const ORANGE = [240, 150, 20];
const hex = ([r, g, b]) => `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;

/**
 * Pages: `/deny` refuses frames, green with `X-Key: sesame` and orange
 * without; `/fine` is blue and frames fine.
 */
async function pages() {
  const srv = createServer((req, res) => {
    const page = (color) => `<!doctype html><html><body style="margin:0;background:${hex(color)}"></body></html>`;
    if (req.url.startsWith("/deny")) {
      res.writeHead(200, { "content-type": "text/html", "x-frame-options": "DENY" });
      res.end(page(req.headers["x-key"] === "sesame" ? GREEN : ORANGE));
    } else {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(page(BLUE));
    }
  });
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${srv.address().port}`, close: () => srv.close() };
}

function webPage(server, name, uri, extra = {}) {
  const day = 86_400_000;
  return server.api("POST", "/api/v2/assets", {
    name,
    uri,
    mimetype: "webpage",
    start_date: new Date(Date.now() - day).toISOString(),
    end_date: new Date(Date.now() + 365 * day).toISOString(),
    duration: 2,
    is_enabled: true,
    ...extra,
  });
}

/** Waits until the server's page check of `asset` says `status`. */
async function checked(server, asset, status) {
  const deadline = Date.now() + 30_000;
  let a;
  while (Date.now() < deadline) {
    a = await server.api("GET", `/api/v2/assets/${asset.asset_id}`);
    if (a.page_check?.status === status) return a;
    await sleep(200);
  }
  throw new Error(`page check of ${asset.name} never said ${status}: ${JSON.stringify(a?.page_check)}`);
}

// ----- pixels --------------------------------------------------------------

/** RGB of an 8-bit, non-interlaced PNG (RGB or RGBA), as Chromium's screenshots are. */
function decodePng(buf) {
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (at < buf.length) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString("ascii", at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, "bit depth");
      assert.equal(data[12], 0, "interlace");
      channels = { 2: 3, 6: 4 }[data[9]];
      assert.ok(channels, `colour type ${data[9]}`);
    } else if (type === "IDAT") idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [...out.subarray(y * stride + x * channels, y * stride + x * channels + 3)] };
}

/** The colours at nine points spread over the screen. */
async function samplePoints(page) {
  const png = decodePng(await page.screenshot());
  const points = [];
  for (const fy of [0.2, 0.5, 0.8]) for (const fx of [0.2, 0.5, 0.8]) points.push(png.pixel(Math.floor(png.width * fx), Math.floor(png.height * fy)));
  return points;
}

const near = (a, b, tol = 24) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

// ----- tests ---------------------------------------------------------------

test("without the extension, a page refusing frames and an unreachable page are skipped: no grey frame, no blank slot, no play recorded", async () => {
  const web = await pages();
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false });
    const closed = `http://127.0.0.1:${await freePort()}/`;
    const red = await server.imageAsset({ name: "red", color: RED, duration: 2, playOrder: 0 });
    const deny = await webPage(server, "deny", `${web.base}/deny`, { play_order: 1 });
    const gone = await webPage(server, "gone", closed, { play_order: 2, skip_asset_check: true });
    const fine = await webPage(server, "fine", `${web.base}/fine`, { play_order: 3 });
    await checked(server, deny, "not_frameable");
    await checked(server, gone, "unreachable");
    await checked(server, fine, "ok");

    // What Chromium draws for the refused page in a frame, on this machine: the look that
    // must never reach the screen.
    const probe = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await probe.setContent(`<body style="margin:0"><iframe src="${web.base}/deny" style="border:0;width:100vw;height:100vh"></iframe></body>`);
    await sleep(1500);
    await probe.screenshot({ path: join(here, "..", "artifacts", "framing-refused-look.png") }).catch(() => {});
    const refused = await samplePoints(probe);
    await probe.close();
    for (const c of refused) {
      assert.ok(![RED, BLUE, ORANGE, GREEN].some((k) => near(c, k)), `the refused look ${c} is one of the test colours`);
    }

    const { page } = await openPlayer(browser, server);
    await waitFor(page, (s) => s.state === "playing", 10_000, "playing");
    // The first item fades in over the black stage (250 ms); from then on one picture covers
    // the other.
    await sleep(400);
    // Two cycles of red (2 s) and fine (2 s): sample the screen all along.
    const seen = new Set();
    const frames = [];
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const current = await page.evaluate(() => document.body.dataset.current ?? "");
      seen.add(current);
      const points = await samplePoints(page);
      frames.push({ current, points });
      const grey = points.filter((c, i) => near(c, refused[i], 6)).length;
      assert.ok(grey < 5, `the refused page's look is on screen (${current}): ${JSON.stringify(points)}`);
      // Never a blank slot: the picture is red, blue, or the fade between them.
      const centre = points[4];
      const blend = RED.map((r, i) => [Math.min(r, BLUE[i]) - 24, Math.max(r, BLUE[i]) + 24]);
      assert.ok(centre.every((v, i) => v >= blend[i][0] && v <= blend[i][1]), `centre ${centre} is neither red nor blue (${current})`);
    }
    await screenshot(page, "framing-skipped.png");
    assert.ok(!seen.has(deny.asset_id) && !seen.has(gone.asset_id), `shown: ${[...seen]}`);
    assert.ok(seen.has(red.asset_id) && seen.has(fine.asset_id), `shown: ${[...seen]}`);
    assert.ok(frames.some((f) => near(f.points[4], BLUE)), "the fine page was seen");
    const skipped = await page.evaluate(() => window.__signate.skipped());
    assert.match(skipped[deny.asset_id] ?? "", /refuses to be shown inside another page/);
    assert.match(skipped[gone.asset_id] ?? "", /unreachable/);
    assert.equal(await page.evaluate(() => window.__signate.kiosk()), false);

    // Proof of play: the shown ones, never the skipped ones.
    await page.evaluate(() => window.dispatchEvent(new Event("pagehide")));
    let plays = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      plays = (await server.plays()).plays;
      if (plays.some((p) => p.asset_id === fine.asset_id) && plays.some((p) => p.asset_id === red.asset_id)) break;
      await sleep(500);
    }
    const ids = new Set(plays.map((p) => p.asset_id));
    assert.ok(ids.has(red.asset_id) && ids.has(fine.asset_id), JSON.stringify(plays));
    assert.ok(!ids.has(deny.asset_id) && !ids.has(gone.asset_id), JSON.stringify(plays));
  } finally {
    await browser.close();
    await server.stop();
    web.close();
  }
});

test("only pages that cannot be shown: the standby view, not a grey frame", async () => {
  const web = await pages();
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false });
    const deny = await webPage(server, "deny", `${web.base}/deny`);
    await checked(server, deny, "not_frameable");
    const { page } = await openPlayer(browser, server);
    await waitFor(page, (s) => s.state === "standby", 10_000, "standby");
    await sleep(3000);
    const s = await page.evaluate(() => ({ state: document.body.dataset.state, current: document.body.dataset.current }));
    assert.deepEqual(s, { state: "standby", current: "" });
    assert.equal(await page.evaluate(() => document.querySelectorAll("#stage iframe").length), 0);
  } finally {
    await browser.close();
    await server.stop();
    web.close();
  }
});

test("with the kiosk extension the page refusing frames is shown, with its extra request header", async () => {
  const web = await pages();
  const server = await Server.start();
  const profile = mkdtempSync(join(tmpdir(), "signate-kiosk-profile-"));
  // Chromium's new headless mode loads unpacked extensions; Chrome-branded builds since 137
  // ignore --load-extension unless the feature below is disabled (the kiosk unit does the same).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 720 },
    ignoreDefaultArgs: ["--disable-extensions"],
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--autoplay-policy=no-user-gesture-required",
      `--disable-extensions-except=${EXTENSION}`,
      `--load-extension=${EXTENSION}`,
      "--disable-features=DisableLoadExtensionCommandLineSwitch",
    ],
  });
  try {
    await server.settings({ show_splash: false });
    const deny = await webPage(server, "deny", `${web.base}/deny`, { custom_headers: { "X-Key": "sesame" } });
    await checked(server, deny, "not_frameable");
    const page = await context.newPage();
    page.consoleLog = [];
    page.on("console", (m) => page.consoleLog.push(`${m.type()}: ${m.text()}`));
    await page.goto(`${server.base}/player/`);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.signateKiosk), "1", "the extension marked the page");
    await waitFor(page, (s) => s.state === "playing" && s.current === deny.asset_id, 15_000, "the refused page playing");
    await sleep(800);
    await screenshot(page, "framing-kiosk.png");
    const points = await samplePoints(page);
    assert.ok(
      points.every((c) => near(c, GREEN)),
      `expected the page's green (header sent, frame allowed): ${JSON.stringify(points)}\n${page.consoleLog.join("\n")}`,
    );
    // It counts as shown.
    await page.evaluate(() => window.dispatchEvent(new Event("pagehide")));
    let plays = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !plays.some((p) => p.asset_id === deny.asset_id)) {
      await sleep(500);
      plays = (await server.plays()).plays;
    }
    assert.ok(plays.some((p) => p.asset_id === deny.asset_id), JSON.stringify(plays));
  } finally {
    await context.close();
    await server.stop();
    web.close();
  }
});
