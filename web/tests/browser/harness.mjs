// Shared pieces of the browser tests: a Signate server per test on a free port
// with a fresh data dir, headless Chromium on the player page, the Anthias API
// calls the tests make, and solid-colour PNGs made here (no downloads).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(here, "..", "artifacts");

export const BIN = process.env.SIGNATE_BIN;
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
if (!BIN) throw new Error("set SIGNATE_BIN to the signate binary");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A signate process; `restart()` starts it again on the same port and data dir. */
export class Server {
  static async start() {
    const s = new Server(await freePort(), mkdtempSync(join(tmpdir(), "signate-player-")));
    await s.launch();
    return s;
  }

  constructor(port, dataDir) {
    this.port = port;
    this.dataDir = dataDir;
    this.base = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.log = "";
  }

  async launch() {
    const proc = spawn(BIN, ["serve", "--listen", `127.0.0.1:${this.port}`, "--data-dir", this.dataDir], {
      env: { ...process.env, SIGNATE_LOG: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    const keep = (chunk) => {
      this.log = (this.log + chunk).slice(-20_000);
    };
    proc.stdout.on("data", keep);
    proc.stderr.on("data", keep);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`signate exited ${proc.exitCode}:\n${this.log}`);
      try {
        const r = await fetch(`${this.base}/healthz`);
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`signate did not answer /healthz in 30 s:\n${this.log}`);
  }

  /** SIGKILL, as a power cut or a crash would. */
  async kill() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await gone;
  }

  async restart() {
    await this.kill();
    await this.launch();
  }

  async stop() {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async api(method, path, body) {
    const init = { method, headers: {} };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    const r = await fetch(this.base + path, init);
    const text = await r.text();
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  settings(values) {
    return this.api("PATCH", "/api/v2/device_settings", values);
  }

  control(command) {
    return fetch(`${this.base}/api/v2/assets/control/${command}`).then((r) => {
      if (r.status !== 200) throw new Error(`control ${command}: ${r.status}`);
    });
  }

  /** Uploads a PNG and creates an image asset from it; returns the asset (v2 shape). */
  async imageAsset({ name, color, duration = 2, playOrder = 0, enabled = true, size = [160, 90], ...extra }) {
    const form = new FormData();
    form.append("file_upload", new Blob([png(color, ...size)], { type: "image/png" }), `${name}.png`);
    const up = await this.api("POST", "/api/v2/file_asset", form);
    const day = 86_400_000;
    return this.api("POST", "/api/v2/assets", {
      name,
      uri: up.uri,
      ext: up.ext,
      mimetype: "image",
      start_date: new Date(Date.now() - day).toISOString(),
      end_date: new Date(Date.now() + 365 * day).toISOString(),
      duration,
      is_enabled: enabled,
      skip_asset_check: true,
      play_order: playOrder,
      ...extra,
    });
  }

  plays(limit = 1000) {
    return this.api("GET", `/api/player/plays?limit=${limit}`);
  }
}

// ----- PNG -------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A solid `[r, g, b]` PNG, 160×90 by default (16:9, so letterboxing shows on other screens). */
export function png([r, g, b], width = 160, height = 90) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// ----- browser ---------------------------------------------------------------

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** A fresh context (own service worker and storage) with the player open. */
export async function openPlayer(browser, server, { width = 1280, height = 720 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.consoleLog = [];
  page.on("console", (m) => page.consoleLog.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => page.consoleLog.push(`pageerror: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) page.consoleLog.push(`http ${r.status()}: ${r.url()}`);
  });
  await page.goto(`${server.base}/player/`);
  return { context, page };
}

export const state = (page) =>
  page.evaluate(() => ({ state: document.body.dataset.state ?? "", current: document.body.dataset.current ?? "" }));

/** Waits until `predicate(state)` holds, polling every 50 ms. */
export async function waitFor(page, predicate, timeoutMs = 10_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await state(page);
    } catch (error) {
      // The page reloaded itself (a paired screen, a reload command): ask the new one.
      if (!/context was destroyed|navigat/i.test(String(error))) throw error;
      await sleep(50);
      continue;
    }
    if (predicate(last)) return last;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; last state ${JSON.stringify(last)}`);
}

/**
 * Samples the screen inside the page every `everyMs` (no round trips): state,
 * current asset, and whether a shown layer holds a decoded picture.
 */
export async function startSampling(page, everyMs = 100) {
  await page.evaluate((every) => {
    const w = window;
    w.__samples = [];
    clearInterval(w.__sampler);
    w.__sampler = setInterval(() => {
      const layers = [...document.querySelectorAll("#stage .layer.shown")];
      const visible = layers.some((l) => {
        const img = l.querySelector("img");
        const video = l.querySelector("video");
        if (img) return img.complete && img.naturalWidth > 0;
        if (video) return video.readyState >= 2;
        return l.querySelector("iframe") !== null;
      });
      w.__samples.push({
        t: Math.round(performance.now()),
        state: document.body.dataset.state ?? "",
        current: document.body.dataset.current ?? "",
        visible,
      });
    }, every);
  }, everyMs);
}

export async function stopSampling(page) {
  return page.evaluate(() => {
    clearInterval(window.__sampler);
    return window.__samples;
  });
}

/** The sequence of distinct consecutive values of `current` (empty ones dropped). */
export function runs(samples) {
  const out = [];
  for (const s of samples) {
    if (s.current && out[out.length - 1] !== s.current) out.push(s.current);
  }
  return out;
}

export function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return page.screenshot({ path: join(ARTIFACTS, name) });
}

export function saveText(name, text) {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), text);
}
