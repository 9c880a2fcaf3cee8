// The Screens page (issue 13) as an admin uses it, against docs/screens.md: a screen asks for a
// pairing code (as the player does), the admin enters it in "Add screen" (a wrong code first),
// the screen turns online on the open page without a reload, then rename, a group, search and
// filters, commands (one to an offline screen), the max_devices limit, the screen going away,
// removal; and a screen's QR code link (/screens/add?code=…) kept across signing in and up.
// Needs PostgreSQL (SIGNATE_TEST_PG_URL), like cloud.test.mjs: see scripts/services.sh.
import assert from "node:assert/strict";
import { test } from "node:test";
import { address, CloudServer, signUp } from "./cloud-harness.mjs";
import { launch, openApp, shots, waitUntil } from "./ui-harness.mjs";

const PASSWORD = "flour-and-yeast-42";
const CODE = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/;
const jsErrors = (page) => page.errors.filter((e) => e.startsWith("pageerror"));

/** What a screen does first: `POST /api/v3/screens/pair`, no credentials. */
async function pairing(server) {
  const [status, p] = await server.call("POST", "/api/v3/screens/pair", null, { resolution: "1920x1080", player_version: "ui-test" });
  assert.equal(status, 201, JSON.stringify(p));
  assert.match(p.code, CODE);
  assert.ok(p.claim_url.endsWith(`/screens/add?code=${p.code}`), p.claim_url);
  assert.match(p.qr_svg, /<svg/);
  return p;
}

/** Signs in through the page's form. */
async function signIn(page, email) {
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("header.top").getByText("Ada Baker").waitFor();
}

const card = (page, name) => page.locator("[data-testid=screen]", { hasText: name });
const cardNames = (page) => page.$$eval("[data-testid=screen] .screen-name", (els) => els.map((e) => e.textContent));

test("cloud: screens — add by code, live status, rename, group, filters, commands, limit, removal", async () => {
  const server = await CloudServer.start();
  let browser;
  try {
    browser = await launch();
    const email = address("ada");
    const token = await signUp(server, email, PASSWORD, "Deli");
    const { page } = await openApp(browser, server, "/");
    await signIn(page, email);

    // ----- the page, empty: how to pair -----
    await page.getByRole("navigation").getByRole("link", { name: "Screens", exact: true }).click();
    await page.getByRole("heading", { name: "Screens", exact: true }).waitFor();
    assert.equal(await page.evaluate(() => location.pathname), "/screens");
    const empty = page.locator(".empty");
    await empty.getByRole("heading", { name: "No screens yet" }).waitFor();
    await empty.getByText(`${server.base}/player/`).waitFor();
    await shots(page, "screens-empty");
    // a marker that a reload would lose: everything below happens without one
    await page.evaluate(() => {
      window.__noReload = true;
    });

    // ----- a screen shows a code; a wrong one first, then the right one -----
    const lobby = await pairing(server);
    await page.getByRole("button", { name: "+ Add screen" }).click();
    const add = page.getByRole("dialog", { name: "Add screen" });
    await add.getByLabel("Pairing code").fill(lobby.code === "ZZZZZZ" ? "YYYYYY" : "ZZZZZZ");
    await add.getByLabel("Name").fill("Lobby");
    const refused = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v3/screens" && r.request().method() === "POST");
    await add.getByRole("button", { name: "Add screen", exact: true }).click();
    assert.equal((await refused).status(), 404, "an unknown code answers 404");
    await add.locator(".error").first().waitFor();
    // typed the way people type it: lower case, with a dash
    await add.getByLabel("Pairing code").fill(`${lobby.code.slice(0, 3).toLowerCase()}-${lobby.code.slice(3).toLowerCase()}`);
    await add.getByLabel("Tags").fill("floor-1, entrance");
    const claimed = page.waitForRequest((r) => new URL(r.url()).pathname === "/api/v3/screens" && r.method() === "POST");
    await add.getByRole("button", { name: "Add screen", exact: true }).click();
    assert.deepEqual((await claimed).postDataJSON(), { code: lobby.code, name: "Lobby", group_id: null, tags: ["floor-1", "entrance"] });
    await page.getByText("“Lobby” added").waitFor();
    await add.waitFor({ state: "detached" });
    await card(page, "Lobby").getByText("Never connected").waitFor();
    assert.equal(await card(page, "Lobby").getAttribute("data-status"), "never_seen");
    await card(page, "Lobby").getByText("#floor-1").waitFor();
    let [, fleet] = await server.call("GET", "/api/v3/screens", token);
    assert.equal(fleet.length, 1);
    const lobbyId = fleet[0].id;
    assert.deepEqual([fleet[0].name, fleet[0].status, fleet[0].tags], ["Lobby", "never_seen", ["floor-1", "entrance"]]);

    // ----- the screen learns its token (and the cookie), once -----
    const screenCtx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const polled = await screenCtx.request.get(`${server.base}/api/v3/screens/pair/${lobby.secret}`);
    assert.equal(polled.status(), 200);
    const paired = await polled.json();
    assert.equal(paired.status, "paired");
    assert.match(paired.device_token, /^sgd_/);
    assert.equal(paired.screen.id, lobbyId);
    assert.equal((await screenCtx.request.get(`${server.base}/api/v3/screens/pair/${lobby.secret}`)).status(), 410, "only once");
    assert.ok((await screenCtx.cookies(server.base)).some((c) => c.name === "signate_screen" && c.httpOnly), "the signate_screen cookie");

    // ----- the player connects: the dot turns green on the open page (event stream) -----
    const player = await screenCtx.newPage();
    await player.goto(`${server.base}/player/`);
    await waitUntil(async () => (await card(page, "Lobby").getAttribute("data-status")) === "online", 15_000, "Lobby online on the page");
    await card(page, "Lobby").getByText("Online", { exact: true }).waitFor();

    // ----- a command -----
    await page.getByRole("button", { name: "Send a command to Lobby" }).click();
    const cmd = page.getByRole("dialog", { name: "Command “Lobby”" });
    const sent = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v3/screens/${lobbyId}/commands`);
    await cmd.getByRole("button", { name: "Next ▶" }).click();
    const sentR = await sent;
    assert.equal(sentR.status(), 202);
    assert.deepEqual(sentR.request().postDataJSON(), { command: "next" });
    assert.deepEqual((await sentR.json()).sent_to, [lobbyId]);
    await cmd.getByText("“Next” sent to Lobby.").waitFor();
    await cmd.getByRole("button", { name: "Done" }).click();
    await cmd.waitFor({ state: "detached" });

    // ----- rename -----
    await page.getByRole("button", { name: "Edit Lobby" }).click();
    const edit = page.getByRole("dialog", { name: "Edit “Lobby”" });
    await edit.getByLabel("Name").fill("Front desk");
    const patched = page.waitForRequest((r) => r.method() === "PATCH");
    await edit.getByRole("button", { name: "Save" }).click();
    assert.deepEqual((await patched).postDataJSON(), { name: "Front desk" });
    await page.getByText("“Front desk” saved").waitFor();
    await card(page, "Front desk").waitFor();
    assert.equal((await server.call("GET", `/api/v3/screens/${lobbyId}`, token))[1].name, "Front desk");

    // ----- a group, and the screen moved into it -----
    await page.getByLabel("New group").fill("Ground floor");
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByText("Group “Ground floor” created").waitFor();
    const groupRow = page.locator("[data-testid=group]", { hasText: "Ground floor" });
    await groupRow.getByText("0 screens, 0 online").waitFor();
    const [, groups] = await server.call("GET", "/api/v3/groups", token);
    const ground = (Array.isArray(groups) ? groups : groups.items).find((g) => g.name === "Ground floor");
    assert.ok(ground, JSON.stringify(groups));
    await page.getByRole("button", { name: "Edit Front desk" }).click();
    const move = page.getByRole("dialog", { name: "Edit “Front desk”" });
    await move.getByLabel("Group", { exact: true }).selectOption({ label: "Ground floor" });
    const moved = page.waitForRequest((r) => r.method() === "PATCH");
    await move.getByRole("button", { name: "Save" }).click();
    assert.deepEqual((await moved).postDataJSON(), { group_id: ground.id });
    await card(page, "Front desk").locator(".chip", { hasText: "Ground floor" }).waitFor();
    await groupRow.getByText("1 screen, 1 online").waitFor();
    assert.equal((await server.call("GET", `/api/v3/screens/${lobbyId}`, token))[1].group_id, ground.id);

    // ----- a second screen from its QR code's link (signed in): the dialog opens with the code -----
    const kitchen = await pairing(server);
    await page.goto(`${server.base}/screens/add?code=${kitchen.code}`);
    const add2 = page.getByRole("dialog", { name: "Add screen" });
    await add2.waitFor();
    assert.equal(await add2.getByLabel("Pairing code").inputValue(), kitchen.code);
    await add2.getByLabel("Name").fill("Kitchen");
    await add2.getByRole("button", { name: "Add screen", exact: true }).click();
    await card(page, "Kitchen").waitFor();
    await page.waitForURL(`${server.base}/screens`);
    await page.evaluate(() => {
      window.__noReload = true; // the goto above was a load; from here on none
    });

    // ----- search and filters -----
    assert.deepEqual(await cardNames(page), ["Front desk", "Kitchen"]);
    await page.getByLabel("Search screens by name").fill("KIT");
    await waitUntil(async () => (await cardNames(page)).join() === "Kitchen", 5_000, "search");
    await page.getByLabel("Search screens by name").fill("");
    await page.getByLabel("Filter by group").selectOption({ label: "Ground floor" });
    await waitUntil(async () => (await cardNames(page)).join() === "Front desk", 5_000, "group filter");
    await page.getByLabel("Filter by group").selectOption({ label: "No group" });
    await waitUntil(async () => (await cardNames(page)).join() === "Kitchen", 5_000, "no group");
    await page.getByLabel("Filter by group").selectOption({ label: "All groups" });
    await page.getByLabel("Filter by tag").selectOption({ label: "#entrance" });
    await waitUntil(async () => (await cardNames(page)).join() === "Front desk", 5_000, "tag filter");
    await page.getByLabel("Filter by tag").selectOption({ label: "All tags" });
    await page.getByLabel("Filter by status").selectOption({ label: "Never connected" });
    await waitUntil(async () => (await cardNames(page)).join() === "Kitchen", 5_000, "status filter");
    await page.getByLabel("Filter by status").selectOption({ label: "Online" });
    await waitUntil(async () => (await cardNames(page)).join() === "Front desk", 5_000, "online filter");
    await page.getByLabel("Filter by status").selectOption({ label: "Any status" });
    await waitUntil(async () => (await cardNames(page)).length === 2, 5_000, "no filter");

    // ----- a command to a screen that is not connected: the server's 409, as it says it -----
    await page.getByRole("button", { name: "Send a command to Kitchen" }).click();
    const cmd2 = page.getByRole("dialog", { name: "Command “Kitchen”" });
    await cmd2.getByText("This screen is offline").waitFor();
    const offline = page.waitForResponse((r) => /\/api\/v3\/screens\/[^/]+\/commands$/.test(new URL(r.url()).pathname));
    await cmd2.getByRole("button", { name: "Next ▶" }).click();
    const offlineR = await offline;
    assert.equal(offlineR.status(), 409);
    const said = (await offlineR.json()).error.message;
    await cmd2.getByText(`Not sent: ${said}`).waitFor();
    await cmd2.getByRole("button", { name: "Done" }).click();

    // ----- a group command -----
    await page.getByRole("button", { name: "Send a command to group Ground floor" }).click();
    const gcmd = page.getByRole("dialog", { name: "Command group “Ground floor”" });
    await gcmd.getByRole("button", { name: "Blank", exact: true }).click();
    await gcmd.getByText("“Blank” sent to 1 screen in Ground floor.").waitFor();
    await gcmd.getByRole("button", { name: "Unblank", exact: true }).click();
    await gcmd.getByText("“Unblank” sent to 1 screen in Ground floor.").waitFor();
    await gcmd.getByRole("button", { name: "Done" }).click();

    // ----- screens added elsewhere appear live; past max_devices (5) the server's 403 -----
    for (const name of ["Spare 1", "Spare 2", "Spare 3"]) {
      const p = await pairing(server);
      const [status, body] = await server.call("POST", "/api/v3/screens", token, { code: p.code, name, group_id: null, tags: [] });
      assert.equal(status, 201, JSON.stringify(body));
    }
    await waitUntil(async () => (await cardNames(page)).length === 5, 10_000, "screens added through the API on the page");
    const sixth = await pairing(server);
    await page.getByRole("button", { name: "+ Add screen" }).click();
    const add3 = page.getByRole("dialog", { name: "Add screen" });
    await add3.getByLabel("Pairing code").fill(sixth.code);
    await add3.getByLabel("Name").fill("One too many");
    const limited = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v3/screens" && r.request().method() === "POST");
    await add3.getByRole("button", { name: "Add screen", exact: true }).click();
    const limitedR = await limited;
    assert.equal(limitedR.status(), 403);
    const limitBody = await limitedR.json();
    assert.equal(limitBody.error.code, "limit_exceeded");
    assert.match(limitBody.error.message, /max_devices/);
    await add3.getByText(limitBody.error.message).waitFor();
    await add3.getByRole("button", { name: "Cancel" }).click();
    await add3.waitFor({ state: "detached" });

    // ----- a phone: the cards fit 375 px -----
    await page.setViewportSize({ width: 375, height: 740 });
    await card(page, "Front desk").getByRole("button", { name: "Remove Front desk" }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at 375 px (${overflow} px too wide)`);
    await shots(page, "screens");
    await page.setViewportSize({ width: 1280, height: 800 });

    // ----- the player goes away: the dot turns offline on its own -----
    await player.close();
    await waitUntil(async () => (await card(page, "Front desk").getAttribute("data-status")) === "offline", 20_000, "Front desk offline");

    // ----- remove: the token stops working -----
    await page.getByRole("button", { name: "Remove Front desk" }).click();
    await page.getByRole("dialog", { name: "Remove “Front desk”?" }).getByRole("button", { name: "Remove", exact: true }).click();
    await page.getByText("“Front desk” removed").waitFor();
    await card(page, "Front desk").waitFor({ state: "detached" });
    [, fleet] = await server.call("GET", "/api/v3/screens", token);
    assert.deepEqual(fleet.map((s) => s.name).sort(), ["Kitchen", "Spare 1", "Spare 2", "Spare 3"]);
    assert.equal((await server.call("GET", "/api/player/playlist", paired.device_token))[0], 401, "the removed screen's token is refused");
    await groupRow.getByText("0 screens, 0 online").waitFor();

    // ----- delete the group -----
    await page.getByRole("button", { name: "Delete group Ground floor" }).click();
    await page.getByRole("dialog", { name: "Delete group “Ground floor”?" }).getByRole("button", { name: "Delete group" }).click();
    await page.getByText("Group “Ground floor” deleted").waitFor();
    await groupRow.waitFor({ state: "detached" });

    assert.equal(await page.evaluate(() => window.__noReload), true, "no reload");
    assert.deepEqual(jsErrors(page), []);
    await screenCtx.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
});

test("cloud: a screen's QR code link is kept across signing in, and across signing up", async () => {
  const server = await CloudServer.start();
  let browser;
  try {
    browser = await launch();
    const email = address("ada");
    await signUp(server, email, PASSWORD, "Deli");

    // signed out: sign in first, then the dialog with the code
    const one = await pairing(server);
    const { page, context } = await openApp(browser, server, `/screens/add?code=${one.code}`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signIn(page, email);
    const add = page.getByRole("dialog", { name: "Add screen" });
    await add.waitFor();
    assert.equal(await add.getByLabel("Pairing code").inputValue(), one.code);
    await add.getByLabel("Name").fill("Window");
    await add.getByRole("button", { name: "Add screen", exact: true }).click();
    await card(page, "Window").waitFor();
    assert.equal(await page.evaluate(() => location.pathname + location.search), "/screens");
    assert.deepEqual(jsErrors(page), []);
    await context.close();

    // signed out, no account yet: "Create an account" leaves the address; it comes back after
    const two = await pairing(server);
    const fresh = await openApp(browser, server, `/screens/add?code=${two.code}`);
    const p = fresh.page;
    await p.getByRole("link", { name: "Create an account" }).click();
    await p.getByLabel("Your name").fill("Ada Baker");
    await p.getByLabel("E-mail").fill(address("new"));
    await p.getByLabel("Password").fill(PASSWORD);
    await p.getByLabel("Organisation").fill(`Cafe ${Date.now().toString(36)}`);
    await p.getByRole("button", { name: "Create account" }).click();
    const add2 = p.getByRole("dialog", { name: "Add screen" });
    await add2.waitFor();
    assert.equal(await add2.getByLabel("Pairing code").inputValue(), two.code);
    await add2.getByLabel("Name").fill("Counter");
    await add2.getByRole("button", { name: "Add screen", exact: true }).click();
    await card(p, "Counter").waitFor();
    assert.deepEqual(jsErrors(p), []);
    await fresh.context.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
});
