// Issue 14 (docs/programming.md), the player's side: a paired cloud screen follows its
// program. Before a schedule's daily window the default playlist plays; from its first second
// the schedule's playlist does; with the server killed the screen still cuts at the next
// boundary (a second schedule's window), from the program it kept, across a page reload too;
// an interrupt's message shows within a second or two of `POST /api/v3/interrupts` and goes
// away on `DELETE`; proof of play names the schedules.
// Needs the cloud build (SIGNATE_BIN built with `--features cloud`), PostgreSQL
// (SIGNATE_TEST_PG_URL) and MailDev for the sign-up mail: see scripts/services.sh.
// Takes two to three minutes: the windows are whole minutes of the tenant's clock.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { address, CloudServer, signUp } from "../ui/cloud-harness.mjs";
import { launch, screenshot, sleep } from "./harness.mjs";

const CODE = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/;
const DAY = 86_400_000;
const MINUTE = 60_000;
/**
 * How late a cut or a pushed message may show (the rule runs each second; the page must load).
 * Generous on purpose: a busy 2-core CI machine is not a measurement; it still tells a push or
 * a boundary apart from a poll (30 s). Timings are printed for the record.
 */
const CUT_MS = 4000;

/** Polls `check` (errors count as "not yet": the page may be reloading) until it answers truthy. */
async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

/** What the pairing view shows. */
const pairingView = (page) =>
  page.evaluate(() => ({
    state: document.body.dataset.state ?? "",
    code: document.body.dataset.pairingCode ?? "",
    hidden: document.getElementById("pairing").hidden,
  }));

/** What the screen says it plays. */
const view = (page) =>
  page.evaluate(() => ({
    state: document.body.dataset.state ?? "",
    current: document.body.dataset.current ?? "",
    source: document.body.dataset.source ?? "",
    interrupt: document.body.dataset.interrupt ?? "",
  }));

/** Waits until `predicate(view)` holds (polling every 50 ms); answers the view and when it held. */
async function viewUntil(page, predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await view(page);
      if (predicate(last)) return { ...last, at: Date.now() };
    } catch (error) {
      if (!/context was destroyed|navigat/i.test(String(error))) throw error;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; last view ${JSON.stringify(last)}`);
}

/** Samples the view for `ms`; answers every sample. */
async function sample(page, ms) {
  const out = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    out.push(await view(page));
    await sleep(100);
  }
  return out;
}

/** `HH:MM` of instant `ms` in `timeZone`. */
function wallClock(ms, timeZone) {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(ms));
  const get = (type) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${get("hour")}:${get("minute")}`;
}

/** Web pages that stay up while signate is killed: a coloured page per path. */
function pageServer() {
  const srv = createServer((req, res) => {
    const name = new URL(req.url, "http://x").pathname.slice(1) || "page";
    const colour = name === "a" ? "#c0392b" : "#27ae60";
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(`<!doctype html><body style="margin:0;height:100vh;background:${colour};color:#fff;font:20vmin sans-serif">${name}</body>`);
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

test("cloud: schedules cut in at their boundaries (also offline), an interrupt's message shows and goes", async () => {
  const server = await CloudServer.start();
  const pages = await pageServer();
  let browser;
  try {
    const token = await signUp(server, address("pro"), "flour-and-yeast-42", "Programs");
    const call = async (method, path, body, want) => {
      const [status, answer] = await server.call(method, path, token, body);
      if (want !== undefined) assert.equal(status, want, `${method} ${path}: ${status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const webPage = async (name) => {
      const asset = await call(
        "POST",
        "/api/v3/assets",
        {
          name,
          uri: `http://127.0.0.1:${pages.address().port}/${name}`,
          mimetype: "webpage",
          duration: 3,
          is_enabled: true,
          skip_asset_check: true,
          start_date: new Date(Date.now() - DAY).toISOString(),
          end_date: new Date(Date.now() + 30 * DAY).toISOString(),
        },
        201,
      );
      return asset.id;
    };
    const A = await webPage("a");
    const B = await webPage("b");
    const [settled] = await server.call("PATCH", "/api/v2/device_settings", token, { show_splash: false });
    assert.ok(settled < 300, `settings: ${settled}`);
    const onlyB = await call("POST", "/api/v3/playlists", { name: "Only B", shuffle: false, items: [{ asset_id: B, duration: 4 }] }, 201);
    const onlyA = await call("POST", "/api/v3/playlists", { name: "Only A", shuffle: false, items: [{ asset_id: A, duration: null }] }, 201);
    assert.deepEqual(onlyB.items, [{ asset_id: B, duration: 4 }]);

    // ----- a paired screen, playing the default playlist -----
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const log = [];
    page.on("console", (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => log.push(`pageerror: ${e.message}`));
    await page.goto(`${server.base}/player/`);
    const pairing = await until(
      async () => {
        const v = await pairingView(page);
        return v.state === "pairing" && CODE.test(v.code) && !v.hidden ? v : null;
      },
      10_000,
      "the pairing view with a code",
    );
    const screenRow = await call("POST", "/api/v3/screens", { code: pairing.code, name: "Lobby", group_id: null, tags: [] }, 201);
    await viewUntil(page, (v) => v.state === "playing" && [A, B].includes(v.current) && v.source === "default", 25_000, "the default playlist");
    await until(() => page.evaluate(() => window.__signate.connected()), 10_000, "the WebSocket");
    const timeZone = await page.evaluate(async () => (await (await fetch("/api/player/playlist")).json()).timezone || "UTC");

    // ----- two schedules for all screens: whole minutes of the tenant's clock, back to back -----
    const m1 = Math.ceil((Date.now() + 40_000) / MINUTE) * MINUTE;
    const m2 = m1 + MINUTE;
    const m3 = m2 + MINUTE;
    const schedule = (name, playlist, from, to) =>
      call(
        "POST",
        "/api/v3/schedules",
        {
          name,
          playlist_id: playlist.id,
          targets: { all: true },
          start_date: null,
          end_date: null,
          play_days: [1, 2, 3, 4, 5, 6, 7],
          play_time_from: wallClock(from, timeZone),
          play_time_to: wallClock(to, timeZone),
          priority: 50,
          is_enabled: true,
        },
        201,
      );
    const s1 = await schedule("First", onlyB, m1, m2);
    const s2 = await schedule("Second", onlyA, m2, m3);
    console.log(`program: ${timeZone}, windows ${wallClock(m1, timeZone)}–${wallClock(m2, timeZone)}–${wallClock(m3, timeZone)}`);

    // The screen gets the program (a reload message) and keeps it: localStorage and the service worker.
    const kept = await until(
      () =>
        page.evaluate(async () => {
          const local = JSON.parse(localStorage.getItem("signate.playlist") ?? "null");
          const cache = (await caches.has("signate-data-v1")) ? await caches.open("signate-data-v1") : null;
          const worker = cache ? await (await cache.match("/api/player/playlist"))?.json() : null;
          const ids = (p) => (p?.program?.schedules ?? []).map((s) => s.id).sort();
          const both = (p) => ids(p).length === 2;
          return both(local) && both(worker) ? { local: ids(local), worker: ids(worker), playlists: Object.keys(local.program.playlists).sort() } : null;
        }),
      15_000,
      "the program in the kept playlist",
    );
    assert.deepEqual(kept.local, [s1.id, s2.id].sort());
    assert.deepEqual(kept.worker, kept.local);
    assert.deepEqual(kept.playlists, [onlyA.id, onlyB.id].sort());

    // Before the boundary: the default playlist.
    assert.ok(Date.now() < m1 - 3000, "the schedules were made in time");
    const before = await sample(page, Math.min(8000, m1 - Date.now() - 1500));
    assert.ok(before.every((v) => v.source === "default" && v.state === "playing"), JSON.stringify(before.at(-1)));

    // At the boundary: only the first schedule's playlist.
    const first = await viewUntil(page, (v) => v.source === "schedule" && v.current === B, m1 - Date.now() + 10_000, "the first schedule");
    console.log(`program: the first schedule on screen ${first.at - m1} ms after its boundary`);
    assert.ok(first.at >= m1 - 300 && first.at - m1 < CUT_MS, `cut at ${first.at - m1} ms`);
    const during = await sample(page, 5000);
    assert.ok(during.every((v) => v.source === "schedule" && v.current === B), JSON.stringify(during.find((v) => v.current !== B)));
    await screenshot(page, "program-schedule.png");

    // ----- the server goes away; the screen cuts at the next boundary all the same -----
    await server.kill();
    // A restart of the page while the server is away: the kept program still applies.
    await page.reload();
    await viewUntil(page, (v) => v.state === "playing" && v.source === "schedule" && v.current === B, 20_000, "the first schedule after an offline reload");
    assert.ok(Date.now() < m2 - 2000, "still before the second boundary");
    const second = await viewUntil(page, (v) => v.source === "schedule" && v.current === A, m2 - Date.now() + 10_000, "the second schedule, offline");
    console.log(`program: the second schedule on screen ${second.at - m2} ms after its boundary (server down)`);
    assert.ok(second.at >= m2 - 300 && second.at - m2 < CUT_MS, `offline cut at ${second.at - m2} ms`);

    // ----- back up: an interrupt's message, then its end -----
    await server.launch();
    await until(() => page.evaluate(() => window.__signate.connected()), 15_000, "the WebSocket after the restart");
    assert.ok(Date.now() < m3 - 15_000, "time left in the second window");
    const text = "Fire drill: leave by the stairs <b>now</b>";
    const t0 = Date.now();
    const interrupt = await call("POST", "/api/v3/interrupts", { targets: { all: true }, message: { text, background: "#b00020", color: "#ffffff" } }, 201);
    const shown = await viewUntil(page, (v) => v.source === "interrupt" && v.interrupt === interrupt.id && v.state === "message", CUT_MS + 2000, "the interrupt's message");
    console.log(`program: the message on screen ${shown.at - t0} ms after POST /api/v3/interrupts`);
    assert.ok(shown.at - t0 < CUT_MS, `message after ${shown.at - t0} ms`);
    assert.equal(shown.current, "");
    const message = await page.evaluate(() => {
      const box = document.getElementById("message");
      const style = getComputedStyle(box);
      return {
        hidden: box.hidden,
        text: box.innerText.trim(),
        markup: document.getElementById("message-text").innerHTML,
        background: style.backgroundColor,
        color: style.color,
        fontPx: parseFloat(style.fontSize),
        fits: (() => {
          const inner = document.getElementById("message-text");
          return inner.scrollHeight <= inner.clientHeight + 1 && inner.scrollWidth <= inner.clientWidth + 1;
        })(),
      };
    });
    assert.equal(message.hidden, false);
    assert.equal(message.text, text);
    assert.ok(message.markup.includes("&lt;b&gt;"), "the text is text, not markup");
    assert.equal(message.background, "rgb(176, 0, 32)");
    assert.equal(message.color, "rgb(255, 255, 255)");
    assert.ok(message.fontPx >= 40, `big type: ${message.fontPx}px`);
    assert.ok(message.fits, "the text fits the screen");
    await screenshot(page, "program-interrupt.png");

    const t1 = Date.now();
    await call("DELETE", `/api/v3/interrupts/${interrupt.id}`, undefined, 204);
    const back = await viewUntil(page, (v) => v.source === "schedule" && v.current === A && v.state === "playing", CUT_MS + 2000, "back to the schedule");
    console.log(`program: back to the schedule ${back.at - t1} ms after DELETE`);
    assert.ok(back.at - t1 < CUT_MS, `back after ${back.at - t1} ms`);
    assert.equal(back.interrupt, "");
    assert.equal(await page.evaluate(() => document.getElementById("message").hidden), true);

    // ----- proof of play names the schedules -----
    // The tenant's last 30 days by default (`from`/`to` are days).
    const rows = await until(
      async () => {
        const [status, answer] = await server.call("GET", "/api/v3/analytics/plays?group_by=schedule", token);
        const keys = status === 200 ? answer.rows.map((r) => r.key) : [];
        if (keys.includes(s1.id) && keys.includes(s2.id)) return answer.rows;
        const [, recent] = await server.call("GET", "/api/player/plays?limit=5", token);
        throw new Error(`${status} ${JSON.stringify(answer)}; recent plays ${JSON.stringify(recent)}`);
      },
      25_000,
      "plays grouped by schedule",
    );
    console.log(`program: plays by schedule ${JSON.stringify(rows.map((r) => [r.label, r.plays]))}`);
    await until(
      async () => {
        const [status, row] = await server.call("GET", `/api/v3/screens/${screenRow.id}`, token);
        return status === 200 && row.now_playing?.asset_id === A;
      },
      10_000,
      "the screen reporting what the schedule plays",
    );
    assert.deepEqual(
      log.filter((l) => l.startsWith("pageerror")),
      [],
      "no page errors",
    );
  } finally {
    await browser?.close();
    pages.close();
    await server.stop();
  }
});
