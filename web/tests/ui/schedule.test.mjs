// The schedule (home) page as a shop owner uses it: add, upload, reorder,
// toggle, edit, bulk changes, and changes made elsewhere showing up live.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openApp, png, rowNames, Server, shots, sleep, urlAsset, waitUntil } from "./ui-harness.mjs";

test("empty state, add a web page by URL, preview, previous/next", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    const { page } = await openApp(browser, server);
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor();
    await shots(page, "home-empty");
    await page.getByRole("link", { name: "Add your first content" }).click();
    await page.getByRole("heading", { name: "Add content" }).waitFor();
    await page.getByLabel("Address (URL)").fill("https://youtu.be/dQw4w9WgXcQ");
    assert.equal(await page.getByLabel("Type").inputValue(), "youtube_asset");
    await page.getByLabel("Address (URL)").fill("https://example.com/menu.png");
    assert.equal(await page.getByLabel("Type").inputValue(), "image");
    await page.getByLabel("Address (URL)").fill("rtsp://cam.local/stream");
    assert.equal(await page.getByLabel("Type").inputValue(), "streaming");
    await page.getByLabel("Address (URL)").fill("https://example.com/specials");
    assert.equal(await page.getByLabel("Type").inputValue(), "webpage");
    await page.getByLabel("Name (optional)").fill("Today's specials");
    await shots(page, "add");
    // a bad URL is explained next to the field
    await page.getByLabel("Address (URL)").fill("example");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByText("The address should start with").waitFor();
    await page.getByLabel("Address (URL)").fill("https://example.com/specials");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.waitForURL(`${server.base}/`);
    await page.locator("#active-list .name", { hasText: "Today's specials" }).waitFor();
    const [asset] = await server.api("GET", "/api/v2/assets");
    assert.equal(asset.mimetype, "webpage");
    assert.equal(asset.uri, "https://example.com/specials");
    assert.equal(asset.is_enabled, true);
    // No end by default: a screen must not go quiet a month after setup.
    assert.ok(Math.abs(Date.parse(asset.start_date) - Date.now()) < 120_000, asset.start_date);
    assert.equal(new Date(asset.end_date).getUTCFullYear(), 9999, asset.end_date);
    const row = page.locator("[data-testid=asset-row]", { hasText: "Today's specials" });
    await row.getByText("No end", { exact: true }).waitFor();
    assert.equal(await row.getByText(/^Ends /).count(), 0);

    await page.getByRole("button", { name: "Preview Today's specials" }).click();
    await page.locator("iframe.preview-frame").waitFor();
    await page.getByText("Some websites refuse").waitFor();
    await page.getByRole("button", { name: "Close" }).click();

    await page.getByRole("button", { name: "Next ▶" }).click();
    await page.getByText("Asked the screen to show the next item").waitFor();
    assert.deepEqual(page.errors.filter((e) => !e.includes("example.com")), []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("upload an image and a video with progress; chunked and retried", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ default_duration: 15 });
    const { page } = await openApp(browser, server, "/add");
    await page.getByRole("heading", { name: "Add content" }).waitFor();

    // A 17 MB file goes up in three 8 MB chunks; the second chunk's first try is cut.
    const ranges = [];
    let cut = false;
    await page.route("**/api/v2/file_asset", async (route) => {
      const h = route.request().headers();
      ranges.push(`${h["content-range"]} ${h["x-upload-id"]}`);
      if (!cut && h["content-range"]?.startsWith("bytes 8388608-")) {
        cut = true;
        return route.abort("connectionreset");
      }
      return route.continue();
    });
    const big = Buffer.alloc(17 * 1024 * 1024, 7);
    png([10, 120, 200]).copy(big);
    await page.locator("input[name=file_upload]").setInputFiles([
      { name: "blue.png", mimeType: "image/png", buffer: png([10, 120, 200]) },
      { name: "poster.png", mimeType: "image/png", buffer: big },
    ]);
    await waitUntil(async () => (await page.locator(".upload.done").count()) === 2, 30_000, "two uploads done");
    assert.ok(cut, "the second chunk was cut once");
    const bigRanges = ranges.filter((r) => r.endsWith(ranges.find((x) => x.startsWith("bytes 0-8388607"))?.split(" ")[2] ?? "-"));
    assert.deepEqual(
      bigRanges.map((r) => r.split(" ")[1]),
      ["0-8388607/17825792", "8388608-16777215/17825792", "8388608-16777215/17825792", "16777216-17825791/17825792"],
    );
    for (const r of ranges) assert.match(r.split(" ")[2], /^[0-9a-f]{32}$/);
    assert.equal(await page.locator(".upload.done progress").first().evaluate((p) => p.value), 1);

    // A WebM recorded from a canvas in the page, dropped on the file input.
    await page.evaluate(async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 160;
      canvas.height = 90;
      const g = canvas.getContext("2d");
      const rec = new MediaRecorder(canvas.captureStream(15), { mimeType: "video/webm" });
      const chunks = [];
      rec.ondataavailable = (e) => chunks.push(e.data);
      const done = new Promise((r) => (rec.onstop = r));
      const t0 = performance.now();
      const draw = () => {
        g.fillStyle = `hsl(${((performance.now() - t0) / 5) % 360} 70% 50%)`;
        g.fillRect(0, 0, 160, 90);
        if (rec.state === "recording") requestAnimationFrame(draw);
      };
      rec.start(200);
      draw();
      await new Promise((r) => setTimeout(r, 1200));
      rec.stop();
      await done;
      const dt = new DataTransfer();
      dt.items.add(new File(chunks, "clip.webm", { type: "video/webm" }));
      const input = document.querySelector("input[name=file_upload]");
      input.files = dt.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await waitUntil(async () => (await page.locator(".upload.done").count()) === 3, 30_000, "video upload done");
    await shots(page, "add-uploads");

    const assets = await server.api("GET", "/api/v2/assets");
    const byName = Object.fromEntries(assets.map((a) => [a.name, a]));
    assert.equal(byName.blue.mimetype, "image");
    assert.equal(byName.blue.duration, 15, "images get the default duration");
    assert.equal(byName.clip.mimetype, "video");
    assert.equal(byName.poster.is_enabled, true);

    await page.getByRole("link", { name: "Schedule", exact: true }).click();
    const blueRow = page.locator("[data-testid=asset-row]", { hasText: "blue" });
    await blueRow.locator("img.thumb").waitFor();
    assert.equal(await blueRow.locator("img.thumb").getAttribute("src"), `/media/${byName.blue.asset_id}`);
    await page.getByRole("button", { name: "Preview blue" }).click();
    await page.locator("dialog img.preview-media").waitFor();
    await page.keyboard.press("Escape");
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("reorder by dragging and by keyboard, toggle, edit a schedule, bulk disable", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    for (const [i, name] of ["Alpha", "Bravo", "Charlie", "Delta"].entries()) await urlAsset(server, name, { play_order: i });
    await urlAsset(server, "Expired", { play_order: 4, end_date: new Date(Date.now() - 3_600_000).toISOString(), start_date: new Date(Date.now() - 86_400_000 * 2).toISOString() });
    const { page } = await openApp(browser, server);
    await page.locator("#active-list [data-testid=asset-row]").nth(3).waitFor();
    // Switched on but past its end: not counted as playing.
    assert.deepEqual(await rowNames(page, "#active-list"), ["Alpha", "Bravo", "Charlie", "Delta"]);
    assert.equal(await page.getByRole("heading", { name: "Playing now (4)" }).count(), 1);
    await page.locator("#inactive-list [data-testid=asset-row]", { hasText: "Expired" }).getByText(/^Ended/).waitFor();

    // drag Alpha's handle below Charlie
    const handle = page.locator("[data-testid=asset-row]", { hasText: "Alpha" }).locator(".handle");
    const target = await page.locator("[data-testid=asset-row]", { hasText: "Charlie" }).boundingBox();
    const hb = await handle.boundingBox();
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(hb.x + hb.width / 2, hb.y + ((target.y + target.height * 0.8 - hb.y) * i) / 8);
    await page.mouse.up();
    const order = async () =>
      (await server.api("GET", "/api/v2/assets"))
        .filter((a) => a.is_enabled)
        .sort((a, b) => a.play_order - b.play_order)
        .map((a) => a.name);
    await waitUntil(async () => (await order()).join() === "Bravo,Charlie,Alpha,Delta,Expired", 5000, "drag order saved");
    assert.deepEqual(await rowNames(page, "#active-list"), ["Bravo", "Charlie", "Alpha", "Delta"]);

    // keyboard: focus Delta's "up" button and press Enter twice
    await page.getByRole("button", { name: "Move Delta up" }).focus();
    await page.keyboard.press("Enter");
    await waitUntil(async () => (await order()).join() === "Bravo,Charlie,Delta,Alpha,Expired", 5000, "keyboard order saved");
    await page.keyboard.press("Enter");
    await waitUntil(async () => (await order()).join() === "Bravo,Delta,Charlie,Alpha,Expired", 5000, "keyboard order saved twice");

    // toggle Bravo off: it moves to "Not playing"
    await page.getByRole("switch", { name: "Show Bravo on the screen" }).click();
    await page.locator("#inactive-list .name", { hasText: "Bravo" }).waitFor();
    await waitUntil(async () => !(await server.api("GET", "/api/v2/assets")).find((a) => a.name === "Bravo").is_enabled, 5000, "Bravo off");
    await shots(page, "home");

    // edit Charlie's schedule: weekdays and a daily window
    await page.locator("#active-list .name", { hasText: "Charlie" }).click();
    const dialog = page.locator("dialog");
    await dialog.getByLabel("Name").waitFor();
    await dialog.getByLabel("Sat").uncheck();
    await dialog.getByLabel("Sun").uncheck();
    await dialog.getByLabel("From").fill("09:00");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText("Fill in both times, or leave both empty.").waitFor();
    await dialog.getByLabel("Until").fill("17:30");
    await dialog.getByLabel("Show for (seconds)").fill("abc");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText("Whole seconds").waitFor();
    await shots(page, "edit-errors");
    await dialog.getByLabel("Show for (seconds)").fill("45");
    await dialog.getByLabel("Extra request headers").fill("X-Shop: 12\nAuthorization: Bearer abc");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    const charlie = page.locator("[data-testid=asset-row]", { hasText: "Charlie" });
    await charlie.getByText("Mon Tue Wed Thu Fri").waitFor();
    // The device's clock setting is 12-hour by default: one format throughout.
    await charlie.getByText("9:00 AM–5:30 PM").waitFor();
    await charlie.getByText("45 s").waitFor();
    const c = (await server.api("GET", "/api/v2/assets")).find((a) => a.name === "Charlie");
    assert.deepEqual(c.play_days, [1, 2, 3, 4, 5]);
    assert.equal(c.play_time_from, "09:00:00");
    assert.equal(c.duration, 45);
    assert.deepEqual(c.custom_headers, { "X-Shop": "12", Authorization: "Bearer abc" });

    // bulk: select Alpha and Delta, turn them off
    await page.getByLabel("Select Alpha").check();
    await page.getByLabel("Select Delta").check();
    await shots(page, "home-bulk");
    await page.getByRole("region", { name: "Selected items" }).getByRole("button", { name: "Turn off" }).click();
    await page.getByText("Turned off: 2 items").waitFor();
    const off = (await server.api("GET", "/api/v2/assets")).filter((a) => !a.is_enabled).map((a) => a.name).sort();
    assert.deepEqual(off, ["Alpha", "Bravo", "Delta"]);
    // Charlie plays on weekdays 9 to 5:30 only: where it is depends on when the test runs.
    assert.deepEqual((await rowNames(page, "#inactive-list")).filter((n) => n !== "Charlie").sort(), ["Alpha", "Bravo", "Delta", "Expired"]);

    // bulk edit duration of two items
    await page.getByLabel("Select Alpha").check();
    await page.getByLabel("Select Bravo").check();
    await page.getByRole("button", { name: "Edit…" }).click();
    await page.locator("dialog").getByLabel("Change how long each shows").check();
    await page.locator("dialog").getByLabel("Show for (seconds)").fill("33");
    await page.locator("dialog").getByRole("button", { name: "Apply" }).click();
    await page.getByText("Changed 2 items").waitFor();
    const durs = (await server.api("GET", "/api/v2/assets")).filter((a) => a.duration === 33).map((a) => a.name).sort();
    assert.deepEqual(durs, ["Alpha", "Bravo"]);

    // dark theme, remembered
    await page.getByRole("button", { name: "Use dark theme" }).click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    assert.equal(await page.evaluate(() => localStorage.getItem("signate.theme")), "dark");
    await page.reload();
    // Charlie, the one item left on, plays only on weekdays from 9 to 5:30, so outside those
    // hours no item is playing: wait for the list, whichever side its items are on.
    await page.locator("[data-testid=asset-row]").first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    await shots(page, "home-dark");
    assert.deepEqual(page.errors.filter((e) => !e.includes("example.com")), []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("changes made through the API appear without reloading", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    const { page } = await openApp(browser, server);
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor();
    const a = await urlAsset(server, "From the API");
    await page.locator("#active-list .name", { hasText: "From the API" }).waitFor({ timeout: 5000 });
    await server.api("PATCH", `/api/v2/assets/${a.asset_id}`, { is_enabled: false });
    await page.locator("#inactive-list .name", { hasText: "From the API" }).waitFor({ timeout: 5000 });
    await server.api("DELETE", `/api/v2/assets/${a.asset_id}`);
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor({ timeout: 5000 });
  } finally {
    await browser.close();
    await server.stop();
  }
});
