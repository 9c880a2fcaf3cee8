// Programming screens (issue 14, docs/programming.md) as an admin does it: two web pages made
// through the API, a playlist built on the Playlists page (add both, reorder by dragging and by
// the keyboard buttons, a duration of its own, the preview), a schedule made in the Calendar's
// dialog and its blocks (Monday to Friday), one block dragged an hour later (saved on drop),
// the playlist's delete refused while the schedule plays it (the server's message), an
// interrupt with a message started from the header and ended, and Reports with the CSV export.
// Needs PostgreSQL (SIGNATE_TEST_PG_URL), like cloud.test.mjs: see scripts/services.sh.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { address, CloudServer, signUp } from "./cloud-harness.mjs";
import { launch, openApp, shots, waitUntil } from "./ui-harness.mjs";

const PASSWORD = "flour-and-yeast-42";
const jsErrors = (page) => page.errors.filter((e) => e.startsWith("pageerror"));
/** A list answered as a bare array or as `{items}`. */
const items = (body) => (Array.isArray(body) ? body : body.items);
/** Matches a request, or a response to one, by method and path. */
const isCall = (method, path) => (r) => {
  const req = typeof r.request === "function" ? r.request() : r;
  return req.method() === method && new URL(req.url()).pathname === path;
};

async function signIn(page, email) {
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("header.top").getByText("Ada Baker").waitFor();
}

/** Drags from the middle of `box` by (dx, dy) in small steps, as a mouse does. */
async function drag(page, box, dx, dy, steps = 10) {
  const x = box.x + Math.min(box.width / 2, 30);
  const y = box.y + Math.min(box.height / 2, 12);
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) await page.mouse.move(x + (dx * i) / steps, y + (dy * i) / steps);
  await page.mouse.up();
}

test("cloud: playlists, a schedule on the calendar, an interrupt, reports", async () => {
  const server = await CloudServer.start();
  let browser;
  try {
    browser = await launch();
    const email = address("ada");
    const token = await signUp(server, email, PASSWORD, "Deli");
    const made = {};
    for (const name of ["Lunch menu", "Breakfast menu"]) {
      const [status, a] = await server.call("POST", "/api/v3/assets", token, {
        name,
        uri: `https://example.com/${encodeURIComponent(name)}`,
        mimetype: "webpage",
        duration: 10,
        is_enabled: true,
        skip_asset_check: true,
      });
      assert.equal(status, 201, JSON.stringify(a));
      made[name] = a.id;
    }

    const { page } = await openApp(browser, server, "/");
    await signIn(page, email);
    const nav = (name) => page.getByRole("navigation").getByRole("link", { name, exact: true }).click();

    // ----- a playlist: add both, reorder, a duration -----
    await nav("Playlists");
    await page.getByRole("heading", { name: "Playlists", exact: true }).waitFor();
    assert.equal(await page.evaluate(() => location.pathname), "/playlists");
    await page.getByRole("heading", { name: "No playlists yet" }).waitFor();
    await shots(page, "playlists-empty");
    const created = page.waitForResponse(isCall("POST", "/api/v3/playlists"));
    await page.getByLabel("New playlist").fill("Morning");
    await page.getByRole("button", { name: "Create playlist" }).click();
    assert.equal((await created).status(), 201);
    await page.getByRole("heading", { name: "Edit playlist" }).waitFor();
    await page.getByText("This playlist is empty").waitFor();
    for (const name of ["Lunch menu", "Breakfast menu"]) {
      await page.getByLabel("Content to add").selectOption({ label: name });
      await page.getByRole("button", { name: "Add to playlist" }).click();
    }
    const rows = () => page.$$eval("[data-testid=playlist-item] .name", (els) => els.map((e) => e.textContent));
    assert.deepEqual(await rows(), ["Lunch menu", "Breakfast menu"]);
    // drag Breakfast menu's handle above Lunch menu
    const handle = page.locator("[data-testid=playlist-item]", { hasText: "Breakfast menu" }).locator(".handle");
    const first = await page.locator("[data-testid=playlist-item]").first().boundingBox();
    const hb = await handle.boundingBox();
    await drag(page, hb, 0, first.y + 4 - (hb.y + hb.height / 2));
    await waitUntil(async () => JSON.stringify(await rows()) === JSON.stringify(["Breakfast menu", "Lunch menu"]), 5_000, "dragged to the top");
    // and back down with the keyboard buttons, then up again
    await page.getByRole("button", { name: "Move Breakfast menu down" }).click();
    assert.deepEqual(await rows(), ["Lunch menu", "Breakfast menu"]);
    await page.getByRole("button", { name: "Move Breakfast menu up" }).click();
    assert.deepEqual(await rows(), ["Breakfast menu", "Lunch menu"]);
    await page.getByLabel("Seconds for Lunch menu").fill("15");
    // the preview plays the first item
    await page.locator("[data-testid=playlist-preview]").getByText("Breakfast menu").waitFor();
    const saved = page.waitForRequest(isCall("PATCH", `/api/v3/playlists/${(await (await created).json()).id}`));
    await page.getByRole("button", { name: "Save playlist" }).click();
    assert.deepEqual((await saved).postDataJSON(), {
      items: [
        { asset_id: made["Breakfast menu"], duration: null },
        { asset_id: made["Lunch menu"], duration: 15 },
      ],
    });
    await page.getByText("“Morning” saved").waitFor();
    await page.getByText("Unsaved changes").waitFor({ state: "detached" });
    let [, lists] = await server.call("GET", "/api/v3/playlists", token);
    const morning = items(lists).find((p) => p.name === "Morning");
    assert.deepEqual(
      morning.items.map((i) => [i.asset_id, i.duration]),
      [
        [made["Breakfast menu"], null],
        [made["Lunch menu"], 15],
      ],
    );
    assert.equal(morning.shuffle, false);
    await shots(page, "playlists-edit");

    // ----- a schedule in the calendar's dialog; its blocks -----
    await nav("Calendar");
    await page.getByRole("heading", { name: "Calendar", exact: true }).waitFor();
    await page.getByText("No schedules yet").waitFor();
    await page.getByRole("button", { name: "+ New schedule" }).click();
    const dialog = page.getByRole("dialog", { name: "New schedule" });
    await dialog.getByLabel("Name", { exact: true }).fill("Breakfast");
    await dialog.getByLabel("Playlist").selectOption({ label: "Morning" });
    for (const day of ["Sat", "Sun"]) await dialog.getByLabel(day, { exact: true }).uncheck();
    await dialog.getByLabel("From", { exact: true }).fill("07:00");
    await dialog.getByLabel("To", { exact: true }).fill("10:30");
    await dialog.getByLabel("Priority").fill("60");
    const posted = page.waitForResponse(isCall("POST", "/api/v3/schedules"));
    await dialog.getByRole("button", { name: "Create schedule" }).click();
    const post = await posted;
    assert.equal(post.status(), 201, await post.text());
    assert.deepEqual(post.request().postDataJSON(), {
      name: "Breakfast",
      playlist_id: morning.id,
      targets: { all: true },
      play_days: [1, 2, 3, 4, 5],
      play_time_from: "07:00",
      play_time_to: "10:30",
      priority: 60,
      is_enabled: true,
      start_date: null,
      end_date: null,
    });
    const schedule = await post.json();
    assert.equal(schedule.play_time_from.slice(0, 5), "07:00");
    await dialog.waitFor({ state: "detached" });
    const blocks = page.locator("[data-testid=schedule-block]", { hasText: "Breakfast" });
    await waitUntil(async () => (await blocks.count()) === 5, 5_000, "a block Monday to Friday");
    assert.deepEqual(await blocks.evaluateAll((els) => els.map((e) => Number(e.dataset.col)).sort()), [0, 1, 2, 3, 4]);
    await blocks.first().getByText("P60").waitFor();
    await page.locator("[data-testid=schedule]", { hasText: "Breakfast" }).getByText("Mon–Fri, 7:00 AM–10:30 AM").waitFor();
    await shots(page, "calendar");

    // Monday's block an hour later (40 px an hour), saved on drop.
    const monday = page.locator("[data-testid=schedule-block][data-col='0']", { hasText: "Breakfast" });
    await monday.scrollIntoViewIfNeeded();
    const moved = page.waitForResponse(isCall("PATCH", `/api/v3/schedules/${schedule.id}`));
    await drag(page, await monday.boundingBox(), 0, 40);
    const patch = await moved;
    assert.equal(patch.status(), 200, await patch.text());
    assert.deepEqual(patch.request().postDataJSON(), { play_time_from: "08:00", play_time_to: "11:30" });
    await page.locator("[data-testid=schedule]", { hasText: "Breakfast" }).getByText("Mon–Fri, 8:00 AM–11:30 AM").waitFor();
    const [, after] = await server.call("GET", `/api/v3/schedules/${schedule.id}`, token);
    assert.deepEqual([after.play_time_from.slice(0, 5), after.play_time_to.slice(0, 5), after.play_days], ["08:00", "11:30", [1, 2, 3, 4, 5]]);

    // ----- a playlist a schedule plays cannot go: the server's message -----
    await nav("Playlists");
    await page.getByRole("button", { name: "Delete playlist" }).click();
    const refused = page.waitForResponse(isCall("DELETE", `/api/v3/playlists/${morning.id}`));
    await page.getByRole("dialog", { name: "Delete “Morning”?" }).getByRole("button", { name: "Delete", exact: true }).click();
    const r409 = await refused;
    assert.equal(r409.status(), 409);
    const message = (await r409.json()).error.message;
    assert.ok(message, "a 409 with a message");
    await page.locator(".pl-main [role=alert]").getByText(message, { exact: false }).waitFor();
    [, lists] = await server.call("GET", "/api/v3/playlists", token);
    assert.equal(items(lists).length, 1, "still there");

    // ----- an interrupt with a message, then ended -----
    const banner = page.locator("[data-testid=interrupt-banner]");
    assert.equal(await banner.count(), 0);
    await page.locator("header.top").getByRole("button", { name: /Interrupt/ }).click();
    const box = page.getByRole("dialog", { name: "Interrupt screens" });
    await box.getByLabel("Message text").fill("Fire drill: leave by the stairs");
    await box.getByRole("button", { name: "Calm blue" }).click();
    const preview = box.locator(".int-preview");
    await preview.getByText("Fire drill: leave by the stairs").waitFor();
    assert.equal(await preview.evaluate((e) => getComputedStyle(e).backgroundColor), "rgb(11, 61, 145)", "the live preview's colours");
    const started = page.waitForResponse(isCall("POST", "/api/v3/interrupts"));
    await box.getByRole("button", { name: "Start interrupt" }).click();
    const start = await started;
    assert.equal(start.status(), 201, await start.text());
    assert.deepEqual(start.request().postDataJSON(), {
      targets: { all: true },
      until: null,
      message: { text: "Fire drill: leave by the stairs", background: "#0b3d91", color: "#ffffff" },
    });
    const interrupt = await start.json();
    assert.equal(interrupt.ended_at, null);
    await box.getByText("Interrupt started").waitFor();
    const active = box.locator("[data-testid=interrupt]", { hasText: "Fire drill" });
    await active.waitFor();
    await banner.getByText("Fire drill: leave by the stairs").waitFor();
    let [, running] = await server.call("GET", "/api/v3/interrupts", token);
    assert.deepEqual(items(running).map((i) => i.id), [interrupt.id]);
    await shots(page, "interrupt");
    const ended = page.waitForResponse(isCall("DELETE", `/api/v3/interrupts/${interrupt.id}`));
    await active.getByRole("button", { name: "End now" }).click();
    assert.equal((await ended).status(), 204);
    await box.getByText("Interrupt ended").waitFor();
    await active.waitFor({ state: "detached" });
    await banner.waitFor({ state: "detached" });
    [, running] = await server.call("GET", "/api/v3/interrupts", token);
    assert.deepEqual(items(running), []);
    await box.getByRole("button", { name: "Done" }).click();
    await box.waitFor({ state: "detached" });

    // ----- reports, and the CSV -----
    await nav("Reports");
    await page.getByRole("heading", { name: "Reports", exact: true }).waitFor();
    await page.getByRole("heading", { name: "Screen uptime per day" }).waitFor();
    // no screen has played anything yet
    await page.getByRole("heading", { name: "No plays in these days" }).waitFor();
    const from = await page.getByLabel("From").inputValue();
    const to = await page.getByLabel("To", { exact: true }).inputValue();
    assert.equal((Date.parse(to) - Date.parse(from)) / 86_400_000, 29, "the last 30 days");
    await shots(page, "reports");
    const csvRequest = page.waitForRequest((r) => new URL(r.url()).pathname === "/api/v3/analytics/plays" && r.headers().accept === "text/csv");
    const csvResponse = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v3/analytics/plays" && r.request().headers().accept === "text/csv");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const q = new URL((await csvRequest).url()).searchParams;
    assert.deepEqual([q.get("from"), q.get("to"), q.get("group_by")], [from, to, "asset"], "the tenant's days, both included");
    const res = await csvResponse;
    assert.equal(res.status(), 200);
    assert.match(res.headers()["content-type"] ?? "", /text\/csv/);
    const file = await download;
    assert.equal(file.suggestedFilename(), `signate-plays-by-asset-${from}-to-${to}.csv`);
    assert.match(readFileSync(await file.path(), "utf8"), /^key,label,plays,seconds/);

    assert.deepEqual(jsErrors(page), []);
  } finally {
    await browser?.close();
    await server.stop();
  }
});
