// Settings, backup and restore, reboot, system info.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
    // Both clocks, each named: Signate's own (just started) and the machine's.
    await page.getByText("Signate running for").waitFor();
    await page.getByText("Device on for").waitFor();
    const signateFor = await page.locator("dt", { hasText: "Signate running for" }).locator("xpath=following-sibling::dd[1]").innerText();
    assert.match(signateFor, /^\d+ min$/, signateFor);
    await shots(page, "system");
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("download a backup, restore it after saying it replaces everything; no restart button without a command", async () => {
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
    await urlAsset(server, "Added after the backup");

    // Picking the file only asks: cancelling leaves everything as it is.
    const pick = () => page.locator("input[name=backup_upload]").setInputFiles({ name: download.suggestedFilename(), mimeType: "application/gzip", buffer: bytes });
    await pick();
    const ask = page.getByRole("dialog", { name: "Replace everything with this backup?" });
    await ask.waitFor();
    assert.match(await ask.innerText(), /replaces all the content, schedule and settings/);
    await shots(page, "restore-confirm");
    await ask.getByRole("button", { name: "Cancel" }).click();
    await ask.waitFor({ state: "detached" });
    assert.equal(await page.locator(".restore").count(), 0, "nothing uploaded");
    assert.deepEqual((await server.api("GET", "/api/v2/assets")).map((a) => a.name), ["Added after the backup"]);

    await pick();
    await ask.getByRole("button", { name: "Replace everything" }).click();
    await page.getByText("Restored.").waitFor({ timeout: 20_000 });
    assert.equal(await page.locator(".restore progress").evaluate((p) => p.value), 1);
    await shots(page, "settings-restored");
    assert.deepEqual((await server.api("GET", "/api/v2/assets")).map((a) => a.name), ["Keep me"]);

    await page.locator("input[name=backup_upload]").setInputFiles({ name: "junk.tar.gz", mimeType: "application/gzip", buffer: Buffer.from("not a backup") });
    await ask.getByRole("button", { name: "Replace everything" }).click();
    await page.getByText("Restore failed").waitFor({ timeout: 10_000 });

    // No reboot_command or shutdown_command: no buttons, and the reason instead.
    await page.getByTestId("power-missing").waitFor();
    assert.match(await page.getByTestId("power-missing").innerText(), /not set up to restart .* or shut down/);
    assert.equal(await page.getByRole("button", { name: "Restart device" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Shut down device" }).count(), 0);
    // Nor a sound command: the setting says it changes nothing here.
    await page.getByText("has no sound command set up").waitFor();
    await page.getByTestId("display-power-missing").waitFor();
  } finally {
    await browser.close();
    await server.stop();
  }
});

test("restart is offered when the device has a reboot command, and runs it", async () => {
  const marker = mkdtempSync(join(tmpdir(), "signate-reboot-"));
  // The server reads SIGNATE_* at start; the spawned process keeps its copy.
  process.env.SIGNATE_REBOOT_COMMAND = `touch ${join(marker, "rebooted")}`;
  let server;
  try {
    server = await Server.start();
  } finally {
    delete process.env.SIGNATE_REBOOT_COMMAND;
  }
  const browser = await launch();
  try {
    const { page } = await openApp(browser, server, "/settings");
    await page.getByRole("button", { name: "Restart device" }).click();
    await page.getByRole("dialog", { name: "Restart the device?" }).waitFor();
    await shots(page, "reboot-confirm");
    await page.getByRole("button", { name: "Restart", exact: true }).click();
    await page.getByText("Restarting the device").waitFor();
    await waitUntil(() => existsSync(join(marker, "rebooted")), 5000, "the reboot command");
    // Shut down has no command: its button is left out, with the reason.
    assert.equal(await page.getByRole("button", { name: "Shut down device" }).count(), 0);
    assert.match(await page.getByTestId("power-missing").innerText(), /shut down \(shutdown_command\)/);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(marker, { recursive: true, force: true });
  }
});
