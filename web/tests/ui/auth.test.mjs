// Password protection: turn it on in Settings, sign out, sign in, wrong password.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openApp, Server, shots, urlAsset } from "./ui-harness.mjs";

test("turning on a password leads to the login page; signing in and out works", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await urlAsset(server, "Secret menu");
    const { page, context } = await openApp(browser, server, "/settings");
    await page.getByLabel("Who can open this page").selectOption("auth_basic");
    await page.getByLabel("User name", { exact: true }).fill("owner");
    await page.getByLabel("Password", { exact: true }).fill("croissant-42");
    await page.getByLabel("Repeat password").fill("croissant-42");
    await page.getByRole("button", { name: "Save settings" }).click();
    // This browser stays signed in; the Sign out button appears.
    await page.getByText("Password protection is on;").waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    await page.getByLabel("User name").fill("owner");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.getByRole("alert").innerText(), /invalid|incorrect|wrong/i);
    await shots(page, "login");

    await page.getByLabel("Password").fill("croissant-42");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await page.goto(`${server.base}/`);
    await page.locator("#active-list .name", { hasText: "Secret menu" }).waitFor();
    // writes with the cookie work (fetch sends the page's Origin)
    await page.getByRole("switch", { name: "Show Secret menu on the screen" }).click();
    await page.locator("#inactive-list .name", { hasText: "Secret menu" }).waitFor();

    // another tab without the cookie gets the login page
    const other = await browser.newContext();
    const p2 = await other.newPage();
    await p2.goto(`${server.base}/system`);
    await p2.getByRole("heading", { name: "Sign in" }).waitFor();
    await other.close();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const r = await context.request.get(`${server.base}/api/v2/assets`);
    assert.equal(r.status(), 401);
  } finally {
    await browser.close();
    await server.stop();
  }
});
