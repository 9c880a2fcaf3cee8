// Issue 13 (docs/screens.md): a cloud screen pairs by a code. Without a device token the
// player shows the pairing view (code, address, QR code); an admin claims the code through
// the API; the page then plays the tenant's content and reports itself (heartbeat:
// resolution, version, what is on screen); fleet commands reach it; deleting the screen takes
// it back to the pairing view within seconds, with nothing of the old playlist kept.
// Needs the cloud build (SIGNATE_BIN built with `--features cloud`), PostgreSQL
// (SIGNATE_TEST_PG_URL) and MailDev for the sign-up mail: see scripts/services.sh.
import assert from "node:assert/strict";
import { test } from "node:test";
import { address, CloudServer, signUp } from "../ui/cloud-harness.mjs";
import { launch, screenshot, sleep, state, waitFor } from "./harness.mjs";

const CODE = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/;
const DAY = 86_400_000;

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
  page.evaluate(() => {
    const img = document.getElementById("pairing-qr");
    return {
      state: document.body.dataset.state ?? "",
      code: document.body.dataset.pairingCode ?? "",
      text: document.getElementById("pairing").innerText,
      hidden: document.getElementById("pairing").hidden,
      qr: { src: img.getAttribute("src") ?? "", hidden: img.hidden, width: img.naturalWidth },
    };
  });

/** Waits for the pairing view with a code on it. */
const pairingWithCode = (page, timeoutMs, what) =>
  until(
    async () => {
      const v = await pairingView(page);
      return v.state === "pairing" && CODE.test(v.code) && !v.hidden ? v : null;
    },
    timeoutMs,
    what,
  );

/** What the page keeps of a playlist: localStorage's copy, and the service worker's. */
const keptPlaylist = (page) =>
  page.evaluate(async () => ({
    local: localStorage.getItem("signate.playlist"),
    worker: (await caches.has("signate-data-v1"))
      ? Boolean(await (await caches.open("signate-data-v1")).match("/api/player/playlist"))
      : false,
  }));

test("cloud: an unpaired screen shows a code; claimed, it plays and obeys; deleted, it is back at the code", async () => {
  const server = await CloudServer.start();
  let browser;
  try {
    const token = await signUp(server, address("pat"), "flour-and-yeast-42", "Kiosks");
    // Something to play that needs no network: the server's own /healthz as a web page, twice.
    const page1 = async (name) => {
      const [made, asset] = await server.call("POST", "/api/v3/assets", token, {
        name,
        uri: `${server.base}/healthz?${name}`,
        mimetype: "webpage",
        duration: 120,
        is_enabled: true,
        skip_asset_check: true,
        start_date: new Date(Date.now() - DAY).toISOString(),
        end_date: new Date(Date.now() + 30 * DAY).toISOString(),
      });
      assert.equal(made, 201, JSON.stringify(asset));
      return asset.id;
    };
    const ours = [await page1("health-a"), await page1("health-b")];
    const [settled, settings] = await server.call("PATCH", "/api/v2/device_settings", token, { show_splash: false });
    assert.ok(settled < 300, `settings: ${settled} ${JSON.stringify(settings)}`);

    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const log = [];
    page.on("console", (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => log.push(`pageerror: ${e.message}`));
    const asked = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/v3/screens/pair" && r.method() === "POST") asked.push(r.postDataJSON());
    });
    const playlistAnswers = [];
    page.on("response", (r) => {
      if (new URL(r.url()).pathname === "/api/player/playlist") playlistAnswers.push(r.status());
    });

    // ----- no token: the pairing view -----
    await page.goto(`${server.base}/player/`);
    const first = await pairingWithCode(page, 10_000, "the pairing view with a code");
    assert.ok(playlistAnswers.includes(401), `the playlist answered 401: ${playlistAnswers}`);
    assert.match(first.text, /Go to /);
    assert.ok(first.text.includes(first.code), "the code is on the view");
    assert.ok(!first.text.includes("?code="), "the address is shown without its query");
    assert.ok(!first.qr.hidden && first.qr.src.startsWith("data:image/svg+xml"), `QR code: ${first.qr.src.slice(0, 40)}`);
    await until(() => page.evaluate(() => document.getElementById("pairing-qr").naturalWidth > 0), 5000, "the QR code decoded");
    assert.equal(await page.evaluate(() => window.__signate.pairingCode()), first.code);
    const screenRes = await page.evaluate(() => `${Math.round(screen.width * devicePixelRatio)}x${Math.round(screen.height * devicePixelRatio)}`);
    assert.equal(asked[0]?.resolution, screenRes, `the code request says the resolution: ${JSON.stringify(asked)}`);
    assert.ok(typeof asked[0]?.player_version === "string" && asked[0].player_version !== "");
    await sleep(300);
    await screenshot(page, "pairing.png");
    // The code stays put while nobody claims it (it is polled, not replaced).
    await sleep(3000);
    assert.equal((await pairingView(page)).code, first.code);

    // ----- an admin claims it: the screen plays the tenant's content -----
    const [claimed, screenRow] = await server.call("POST", "/api/v3/screens", token, { code: first.code, name: "Lobby", group_id: null, tags: ["floor-1"] });
    assert.equal(claimed, 201, JSON.stringify(screenRow));
    const t0 = Date.now();
    await waitFor(page, (s) => ["splash", "playing", "standby"].includes(s.state), 15_000, "playback after the claim");
    const playing = await waitFor(page, (s) => s.state === "playing" && ours.includes(s.current), 25_000, "the tenant's asset on screen");
    console.log(`pairing: playing ${Date.now() - t0} ms after the claim`);
    assert.equal(await page.evaluate(() => document.body.dataset.pairingCode), undefined, "no pairing code outside pairing");
    const cookie = (await context.cookies()).find((c) => c.name === "signate_screen");
    assert.ok(cookie, "the signate_screen cookie was set");
    assert.equal(cookie.httpOnly, true);
    assert.ok(!(await page.evaluate(() => document.cookie)).includes("signate_screen"), "the page cannot read the token");
    assert.ok(
      !(await page.evaluate(() => Object.values({ ...localStorage }).some((v) => String(v).includes("sgd_")))),
      "no device token in localStorage",
    );

    // ----- the screen reports itself: heartbeat and now_playing -----
    const row = await until(
      async () => {
        const [status, s] = await server.call("GET", `/api/v3/screens/${screenRow.id}`, token);
        return status === 200 && s.status === "online" && s.resolution && s.player_version && s.now_playing?.asset_id === playing.current ? s : null;
      },
      10_000,
      "the screen online, with its heartbeat's details",
    );
    assert.equal(row.resolution, screenRes);
    assert.equal(row.player_version, asked[0].player_version);

    // ----- fleet commands -----
    await until(() => page.evaluate(() => window.__signate.connected()), 10_000, "the WebSocket");
    const command = async (body) => {
      const [status, answer] = await server.call("POST", `/api/v3/screens/${screenRow.id}/commands`, token, body);
      assert.equal(status, 202, `${JSON.stringify(body)}: ${status} ${JSON.stringify(answer)}`);
      assert.ok(answer.sent_to.includes(screenRow.id), JSON.stringify(answer));
    };
    await command({ command: "blank" });
    await waitFor(page, (s) => s.state === "blank" && s.current === "", 3000, "blank");
    await command({ command: "unblank" });
    await waitFor(page, (s) => s.state === "playing" && ours.includes(s.current), 3000, "unblank");
    const showing = (await state(page)).current;
    const other = ours.find((id) => id !== showing);
    await command({ command: "next" });
    await waitFor(page, (s) => s.state === "playing" && s.current === other, 3000, "next");
    await command({ command: "show", asset_id: showing });
    await waitFor(page, (s) => s.state === "playing" && s.current === showing, 3000, "show (asset&<id>)");
    // reload reloads the page itself (not just the playlist).
    await page.evaluate(() => {
      window.__beforeReload = true;
    });
    await command({ command: "reload" });
    await until(() => page.evaluate(() => window.__beforeReload !== true && document.body.dataset.state === "playing"), 15_000, "a reloaded page, playing");
    await until(() => page.evaluate(() => window.__signate.connected()), 10_000, "the WebSocket after the reload");

    // ----- removed: back at the pairing view within seconds, nothing of the playlist kept -----
    assert.ok((await keptPlaylist(page)).local, "a playlist was kept while paired");
    const [deleted] = await server.call("DELETE", `/api/v3/screens/${screenRow.id}`, token);
    assert.equal(deleted, 204);
    const t1 = Date.now();
    const again = await pairingWithCode(page, 5000, "the pairing view after DELETE");
    console.log(`pairing: back at the pairing view ${Date.now() - t1} ms after DELETE`);
    assert.notEqual(again.code, first.code, "a new code");
    assert.equal((await state(page)).current, "");
    await until(async () => {
      const kept = await keptPlaylist(page);
      return kept.local === null && kept.worker === false;
    }, 5000, "the kept playlist dropped (localStorage and the service worker)");
    const [gone] = await server.call("GET", `/api/v3/screens/${screenRow.id}`, token);
    assert.equal(gone, 404);

    // A reload does not bring the old content back: the revoked cookie answers 401.
    const before = playlistAnswers.length;
    await page.reload();
    const afterReload = await pairingWithCode(page, 10_000, "the pairing view after a reload");
    assert.ok(CODE.test(afterReload.code));
    assert.ok(playlistAnswers.slice(before).every((s) => s === 401), `playlist answers after the reload: ${playlistAnswers.slice(before)}`);
    await sleep(2000);
    assert.equal((await state(page)).state, "pairing", "still pairing");

    assert.deepEqual(
      log.filter((l) => l.startsWith("pageerror")),
      [],
      "no page errors",
    );
  } finally {
    await browser?.close();
    await server.stop();
  }
});
