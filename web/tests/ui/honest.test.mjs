// The admin says only what is true (issue 15): the Playing list holds what plays now and says
// why the rest does not (outside its hours, failed), what the screens report showing and whether
// they are online; the edit dialog names the file, not its server path; several files keep the
// order they were chosen in; the "Ends" field stays inside its dialog; a fresh device suggests a
// password. Real binary, real Chromium.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openApp, png, rowNames, Server, shots, urlAsset, waitUntil } from "./ui-harness.mjs";

const row = (page, name) => page.locator("[data-testid=asset-row]", { hasText: name });

test("Playing holds only what plays: an item outside its hours and a failed download wait below, with the reason", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ timezone: "UTC", use_24_hour_clock: true });
    await urlAsset(server, "Menu");
    // A daily window that opened two hours from now: switched on, not playing.
    const h = new Date().getUTCHours();
    const hh = (n) => `${String(n % 24).padStart(2, "0")}:00`;
    await urlAsset(server, "Evening offer", { play_time_from: hh(h + 2), play_time_to: hh(h + 3) });
    // A YouTube item on a machine without yt-dlp: its download fails, and says why.
    const yt = await urlAsset(server, "Promo video", { uri: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", mimetype: "youtube_asset", duration: 0 });
    await waitUntil(
      async () => {
        const a = (await server.api("GET", "/api/v2/assets")).find((x) => x.asset_id === yt.asset_id);
        return a && !a.is_processing && typeof a.metadata?.error_message === "string";
      },
      30_000,
      "the download to fail",
    );

    const { page } = await openApp(browser, server, "/", { width: 1920, height: 1080 });
    await page.getByRole("heading", { name: "Playing now (1)" }).waitFor();
    assert.deepEqual(await rowNames(page, "#active-list"), ["Menu"]);
    assert.deepEqual((await rowNames(page, "#inactive-list")).sort(), ["Evening offer", "Promo video"]);

    const evening = row(page, "Evening offer");
    assert.equal(await evening.getByTestId("why").innerText(), `Outside its hours (${hh(h + 2)}–${hh(h + 3)})`);
    const promo = row(page, "Promo video");
    assert.equal(await promo.getByTestId("why").innerText(), "Failed");
    assert.match(await promo.getByTestId("why-detail").innerText(), /yt-dlp/);
    await shots(page, "home-why-not-playing");
    assert.deepEqual(page.errors.filter((e) => !e.includes("example.com")), []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("several files keep the order chosen; the edit dialog shows the file's name and size, not its path; Ends fits its dialog", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await urlAsset(server, "Already there");
    const { page } = await openApp(browser, server, "/add");
    await page.getByRole("heading", { name: "Add content" }).waitFor();
    // The first chosen is the largest, so it finishes last.
    const files = [
      { name: "first.png", mimeType: "image/png", buffer: png([200, 30, 30], 1600, 1200) },
      { name: "second.png", mimeType: "image/png", buffer: png([30, 200, 30], 40, 30) },
      { name: "third.png", mimeType: "image/png", buffer: png([30, 30, 200], 80, 60) },
    ];
    await page.locator("input[name=file_upload]").setInputFiles(files);
    await waitUntil(async () => (await page.locator(".upload.done").count()) === 3, 30_000, "three uploads done");
    const order = async () =>
      (await server.api("GET", "/api/v2/assets"))
        .filter((a) => a.is_enabled)
        .sort((a, b) => a.play_order - b.play_order)
        .map((a) => a.name);
    await waitUntil(async () => (await order()).join() === "Already there,first,second,third", 10_000, "the chosen order saved");

    await page.getByRole("link", { name: "Schedule", exact: true }).click();
    await waitUntil(async () => (await rowNames(page, "#active-list")).join() === "Already there,first,second,third", 10_000, "the chosen order shown");

    // The edit dialog: the file's type and size, no path on the server.
    const first = (await server.api("GET", "/api/v2/assets")).find((a) => a.name === "first");
    assert.ok(first.uri.startsWith("/"), `a stored file: ${first.uri}`);
    await row(page, "first").locator("button.name").click();
    const dialog = page.getByRole("dialog", { name: "Edit “first”" });
    const file = dialog.getByTestId("asset-file");
    await waitUntil(async () => /KB|MB/.test(await file.innerText()), 5000, "the size");
    const said = await file.innerText();
    const bytes = files[0].buffer.length;
    const size = bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    assert.ok(said.startsWith("File: PNG file · "), said);
    assert.ok(said.endsWith(size) || said.includes(size.split(" ")[1]), `${said} vs ${size}`);
    assert.ok(!said.includes(first.uri) && !said.includes(server.dataDir), said);
    // A new item has no end: the box says so, and the date field waits for it to be unticked.
    assert.equal(await dialog.getByLabel("No end").isChecked(), true);
    assert.equal(await dialog.getByLabel("Ends").isDisabled(), true);

    // The Ends field inside its dialog, at 1920×1080 and at phone width.
    for (const [width, height] of [
      [1920, 1080],
      [390, 844],
    ]) {
      await page.setViewportSize({ width, height });
      await dialog.getByLabel("No end").uncheck();
      const box = await page.locator("dialog").boundingBox();
      for (const name of ["start_date", "end_date"]) {
        const input = await dialog.locator(`input[name=${name}]`).boundingBox();
        assert.ok(input.x >= box.x && input.x + input.width <= box.x + box.width + 0.5, `${name} inside the dialog at ${width} px: ${JSON.stringify({ input, box })}`);
      }
      await dialog.getByLabel("No end").check();
    }
    await shots(page, "edit-file");

    // Ending it: the row says when, in words.
    await page.setViewportSize({ width: 1280, height: 800 });
    await dialog.getByLabel("No end").uncheck();
    await dialog.getByLabel("Ends").fill("2031-01-03T00:00");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    await row(page, "first").getByText("Ends 3 Jan 2031", { exact: true }).waitFor();
    await row(page, "second").getByText("No end", { exact: true }).waitFor();
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("names longer than the server takes are refused before sending, with the limit", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await urlAsset(server, "Short");
    const { page } = await openApp(browser, server);
    await row(page, "Short").locator("button.name").click();
    const dialog = page.getByRole("dialog", { name: "Edit “Short”" });
    await dialog.getByLabel("Name").fill("x".repeat(300));
    let sent = false;
    page.on("request", (r) => {
      if (r.method() === "PATCH") sent = true;
    });
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText("At most 255 characters (this one has 300).").waitFor();
    assert.equal(sent, false, "nothing sent");
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("a fresh device suggests a password until one is set", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    const { page } = await openApp(browser, server);
    const notice = page.getByTestId("open-admin");
    await notice.waitFor();
    assert.match(await notice.innerText(), /Anyone on this network can open this page/);
    await notice.getByRole("link", { name: "Set a password in Settings" }).click();
    await page.getByRole("heading", { name: "Password protection" }).waitFor();
    await page.getByRole("link", { name: "Schedule", exact: true }).click();
    await notice.getByRole("button", { name: "Not now" }).click();
    await notice.waitFor({ state: "detached" });
    await page.reload();
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor();
    assert.equal(await page.getByTestId("open-admin").count(), 0, "dismissed stays dismissed");
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("what a paired screen shows, and the screen going offline, on the Schedule page", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.imageAsset({ name: "Blue", color: [20, 60, 200], duration: 30 });
    // A screen on the LAN pairs with the device, as the player does.
    const pair = await server.api("POST", "/api/v3/screens/pair", { resolution: "1920x1080", player_version: "ui-test" });
    await server.api("POST", "/api/v3/screens", { code: pair.code, name: "Window" });
    const screenCtx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const polled = await screenCtx.request.get(`${server.base}/api/v3/screens/pair/${pair.secret}`);
    assert.equal(polled.status(), 200);
    const player = await screenCtx.newPage();
    await player.goto(`${server.base}/player/`);

    const { page } = await openApp(browser, server);
    const screen = page.locator("[data-testid=screen-now]", { hasText: "Window" });
    await waitUntil(async () => (await screen.count()) === 1 && (await screen.getAttribute("data-status")) === "online", 20_000, "Window online");
    await waitUntil(async () => (await screen.innerText()).includes("showing “Blue”"), 20_000, "Window showing Blue");
    await shots(page, "home-on-screen");

    // The player goes away: the page says so without a reload.
    await player.close();
    await waitUntil(async () => (await screen.getAttribute("data-status")) === "offline", 30_000, "Window offline");
    assert.match(await screen.innerText(), /Offline/);
    assert.doesNotMatch(await screen.innerText(), /showing/);
    await screenCtx.close();
  } finally {
    await browser.close();
    await server.stop();
  }
});
