// Settings, backup and restore, reboot, system info.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { launch, openApp, Server, shots, urlAsset, waitUntil } from "./ui-harness.mjs";

test("change settings and see them through the API; a change elsewhere shows up", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    const { page } = await openApp(browser, server, "/settings");
    await page.getByLabel("Screen name").waitFor();
    await shots(page, "settings");
    await page.getByLabel("Screen name").fill("Bakery window");
    await page.getByLabel("Default time per item (seconds)").fill("25");
    await page.getByLabel("Screen rotation").selectOption("90");
    await page.getByLabel("Date format").selectOption("dd.mm.yyyy");
    await page.getByLabel("Time zone").fill("Europe/Berlin");
    await page.getByRole("switch", { name: "Play in random order" }).check();
    await page.getByRole("switch", { name: "Use a weekly on/off schedule" }).check();
    await page.getByLabel("Turn on at").fill("07:30");
    await page.getByLabel("Sun").uncheck();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved").waitFor();
    const s = await server.api("GET", "/api/v2/device_settings");
    assert.equal(s.player_name, "Bakery window");
    assert.equal(s.default_duration, 25);
    assert.equal(s.screen_rotation, 90);
    assert.equal(s.date_format, "dd.mm.yyyy");
    assert.equal(s.timezone, "Europe/Berlin");
    assert.equal(s.shuffle_playlist, true);
    assert.equal(s.display_power_schedule_enabled, true);
    assert.equal(s.display_power_on_time, "07:30");
    assert.equal(s.display_power_days, "0,1,2,3,4,5");

    // a server-side field error lands next to its field
    await page.getByLabel("Time zone").fill("Mars/Phobos");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.locator(".field.invalid", { hasText: "Time zone" }).waitFor();

    // password rules are checked before sending
    await page.getByLabel("Time zone").fill("Europe/Berlin");
    await page.getByLabel("Who can open this page").selectOption("auth_basic");
    await page.getByLabel("User name", { exact: true }).fill("owner");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("At least 8 characters.").waitFor();
    await page.getByLabel("Who can open this page").selectOption("");

    // changed through the API: the form follows
    await server.settings({ player_name: "Changed elsewhere" });
    await waitUntil(async () => (await page.getByLabel("Screen name").inputValue()) === "Changed elsewhere", 5000, "live settings");

    // system page
    await page.getByRole("link", { name: "System" }).click();
    await page.getByText("Free disk space").waitFor();
    await page.getByText("Europe/Berlin").waitFor();
    await shots(page, "system");
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("download a backup, restore it; reboot says plainly it is not set up", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await urlAsset(server, "Keep me");
    const { page } = await openApp(browser, server, "/settings");
    await page.getByRole("button", { name: "Download a backup" }).waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download a backup" }).click()]);
    const file = await download.path();
    const bytes = readFileSync(file);
    assert.ok(bytes.length > 100 && bytes[0] === 0x1f && bytes[1] === 0x8b, "a gzip file");
    assert.match(download.suggestedFilename(), /\.tar\.gz$/);

    for (const a of await server.api("GET", "/api/v2/assets")) await server.api("DELETE", `/api/v2/assets/${a.asset_id}`);
    assert.equal((await server.api("GET", "/api/v2/assets")).length, 0);

    await page.locator("input[name=backup_upload]").setInputFiles({ name: download.suggestedFilename(), mimeType: "application/gzip", buffer: bytes });
    await page.getByText("Restored.").waitFor({ timeout: 20_000 });
    assert.equal(await page.locator(".restore progress").evaluate((p) => p.value), 1);
    await shots(page, "settings-restored");
    assert.deepEqual((await server.api("GET", "/api/v2/assets")).map((a) => a.name), ["Keep me"]);

    await page.locator("input[name=backup_upload]").setInputFiles({ name: "junk.tar.gz", mimeType: "application/gzip", buffer: Buffer.from("not a backup") });
    await page.getByText("Restore failed").waitFor({ timeout: 10_000 });

    await page.getByRole("button", { name: "Restart device" }).click();
    await page.getByRole("dialog", { name: "Restart the device?" }).waitFor();
    await shots(page, "reboot-confirm");
    await page.getByRole("button", { name: "Restart", exact: true }).click();
    await page.getByText("This device cannot restart from here").waitFor();
  } finally {
    await browser.close();
    await server.stop();
  }
});
