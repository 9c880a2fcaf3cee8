// Cloud mode as a new customer uses it: sign up, add content, invite a viewer who joins from
// the e-mail, an API key shown once, sign-out, a wrong password, and a password reset. Then
// content through API v3 with changes made elsewhere showing up live (the event stream, also
// reopened after a server restart), and reordering.
// Needs PostgreSQL (SIGNATE_TEST_PG_URL) and MailDev (SIGNATE_TEST_MAILDEV_URL): see
// scripts/services.sh.
import assert from "node:assert/strict";
import { test } from "node:test";
import { address, CloudServer, linkIn, mailTo, signUp } from "./cloud-harness.mjs";
import { launch, openApp, png, rowNames, shots, sleep, waitUntil } from "./ui-harness.mjs";

const PASSWORD = "flour-and-yeast-42";
const jsErrors = (page) => page.errors.filter((e) => e.startsWith("pageerror"));

test("cloud: sign up, add content, invite a viewer, API key, sign out, wrong password, reset", async () => {
  const server = await CloudServer.start();
  let browser;
  try {
    browser = await launch();
    const adminEmail = address("ada");
    const viewerEmail = address("vic");
    const slug = `bakery-${Date.now().toString(36)}`;

    // ----- sign up -----
    const { page, context } = await openApp(browser, server, "/");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByRole("heading", { name: "Create an account" }).waitFor();
    await page.getByLabel("Your name").fill("Ada Baker");
    await page.getByLabel("E-mail").fill(adminEmail);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Organisation").fill("Bäckerei Müller");
    assert.equal(await page.getByLabel("Short name").inputValue(), "backerei-muller", "slug suggested from the name");
    // the server's field error lands next to its field
    await page.getByLabel("Short name").fill("admin");
    await page.getByLabel("Organisation").fill("Bäckerei Müller & Co");
    assert.equal(await page.getByLabel("Short name").inputValue(), "admin", "an edited slug is kept");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.locator(".field.invalid", { hasText: "Short name" }).getByText(/reserved/).waitFor();
    await shots(page, "cloud-signup");
    await page.getByLabel("Short name").fill(slug);
    await page.getByRole("button", { name: "Create account" }).click();
    const header = page.locator("header.top");
    await header.getByText("Bäckerei Müller & Co").waitFor();
    await header.getByText("Ada Baker").waitFor();
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor();
    assert.equal(await page.evaluate(() => location.pathname), "/");
    for (const nav of ["Schedule", "Add", "Team", "API keys", "Settings"]) await page.getByRole("navigation").getByRole("link", { name: nav, exact: true }).waitFor();
    assert.equal(await page.getByRole("link", { name: "System", exact: true }).count(), 0, "no device system page in the cloud");
    // the access token stays in memory; only the refresh token is stored
    const stored = await page.evaluate(() => ({ ...localStorage }));
    assert.match(stored["signate.refresh_token"] ?? "", /^sgr_/);
    assert.ok(!Object.values(stored).some((v) => String(v).startsWith("eyJ")), "no access token in localStorage");

    // ----- confirm the address from the e-mail -----
    await page.getByText("Please confirm your e-mail address").waitFor();
    const verify = await mailTo(adminEmail, /Confirm your e-mail/);
    await page.goto(linkIn(verify, "/verify-email"));
    await page.getByText("Your e-mail address is confirmed.").waitFor();
    await page.getByRole("link", { name: "Go to your schedule" }).click();
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor();
    assert.equal(await page.getByText("Please confirm your e-mail address").count(), 0);

    // ----- add a URL asset through the existing add page -----
    await page.getByRole("link", { name: "Add your first content" }).click();
    await page.getByLabel("Address (URL)").fill("https://example.com/lunch");
    await page.getByLabel("Name (optional)").fill("Lunch menu");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.waitForURL(`${server.base}/`);
    await page.locator("#active-list .name", { hasText: "Lunch menu" }).waitFor();
    await page.getByRole("switch", { name: "Show Lunch menu on the screen" }).waitFor();

    // ----- an expired access token: one refresh, the request retried, still signed in -----
    // Another client's change makes the page re-read the list (the event stream says so); the
    // server calls its token expired once.
    const [loggedIn, other] = await server.call("POST", "/api/v3/auth/login", null, { email: adminEmail, password: PASSWORD });
    assert.equal(loggedIn, 200);
    const refreshes = [];
    page.on("request", (r) => r.url().endsWith("/api/v3/auth/refresh") && refreshes.push(r.url()));
    const listed = [];
    page.on("response", (r) => new URL(r.url()).pathname === "/api/v3/assets" && r.request().method() === "GET" && listed.push(r.status()));
    let cut = false;
    const list = (url) => url.pathname === "/api/v3/assets";
    await page.route(list, (route) => {
      if (cut || route.request().method() !== "GET") return route.continue();
      cut = true;
      return route.fulfill({ status: 401, contentType: "application/json", body: '{"error":{"code":"unauthorized","message":"The access token has expired."}}' });
    });
    const [made] = await server.call("POST", "/api/v3/assets", other.access_token, {
      name: "Breakfast menu",
      uri: "https://example.com/breakfast",
      mimetype: "webpage",
      skip_asset_check: true,
    });
    assert.equal(made, 201);
    await page.locator("#inactive-list .name", { hasText: "Breakfast menu" }).waitFor({ timeout: 5_000 });
    assert.ok(cut && listed.at(-1) === 200, `the list was retried after a 401: ${listed}`);
    assert.equal(refreshes.length, 1, "one refresh for the 401");
    await page.unroute(list);
    await header.getByText("Ada Baker").waitFor();
    // a reload resumes the sign-in from the stored refresh token
    await page.reload();
    await page.locator("#active-list .name", { hasText: "Lunch menu" }).waitFor();
    assert.equal(refreshes.length, 2);

    // ----- invite a viewer -----
    await page.getByRole("navigation").getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { name: "Team", exact: true }).waitFor();
    await page.locator("[data-testid=member]", { hasText: adminEmail }).waitFor();
    await page.getByLabel("E-mail address").fill(viewerEmail);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page.getByText(`Invitation sent to ${viewerEmail}`).waitFor();
    await page.locator("[data-testid=invitation]", { hasText: viewerEmail }).getByText("Viewer").waitFor();
    await shots(page, "cloud-team");
    // A mistaken invitation is withdrawn from the page.
    const mistake = `mistake-${viewerEmail}`;
    await page.getByLabel("E-mail address").fill(mistake);
    await page.getByRole("button", { name: "Send invitation" }).click();
    const wrong = page.locator("[data-testid=invitation]", { hasText: mistake });
    await wrong.waitFor();
    await wrong.getByRole("button", { name: "Cancel invitation" }).click();
    await page.getByText(`The invitation to ${mistake} was cancelled`).waitFor();
    await wrong.waitFor({ state: "detached" });
    assert.equal(await page.locator("[data-testid=invitation]", { hasText: viewerEmail }).count(), 1);

    const invite = await mailTo(viewerEmail, /invited/);
    const link = linkIn(invite, "/accept-invite");
    assert.ok(link.startsWith(`${server.base}/accept-invite?token=`), link);

    // ----- the viewer accepts in a fresh browser -----
    const viewer = await openApp(browser, server, link.slice(server.base.length));
    const vp = viewer.page;
    await vp.getByRole("heading", { name: "Join your team on Signate" }).waitFor();
    await vp.getByLabel("Your name (optional)").fill("Vic Viewer");
    await vp.getByLabel("Password").fill("rye-bread-and-jam-7");
    await vp.getByRole("button", { name: "Accept the invitation" }).click();
    await vp.locator("#active-list .name", { hasText: "Lunch menu" }).waitFor();
    assert.equal(await vp.evaluate(() => location.pathname + location.search), "/", "the token left the address bar");
    await vp.locator("header.top").getByText("Vic Viewer").waitFor();
    await vp.locator("header.top").getByText("Bäckerei Müller & Co").waitFor();
    await shots(vp, "cloud-viewer");
    // a viewer sees the content and nothing to change it with
    assert.equal(await vp.getByRole("link", { name: /Add/ }).count(), 0, "no Add link");
    assert.equal(await vp.getByRole("switch").count(), 0, "no on/off switches");
    assert.equal(await vp.getByRole("checkbox").count(), 0, "no selection for bulk edit/delete");
    assert.equal(await vp.getByRole("button", { name: "Lunch menu", exact: true }).count(), 0, "the name does not open the editor");
    assert.equal(await vp.getByRole("button", { name: /Move Lunch menu/ }).count(), 0, "no reordering");
    assert.equal(await vp.getByRole("button", { name: /Delete|Edit|Next|Previous/ }).count(), 0);
    for (const nav of ["Team", "API keys", "System"]) assert.equal(await vp.getByRole("link", { name: nav, exact: true }).count(), 0, `no ${nav} for a viewer`);
    await vp.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
    await vp.getByLabel("Organisation name").waitFor();
    assert.equal(await vp.getByLabel("Organisation name").isDisabled(), true);
    assert.equal(await vp.getByRole("button", { name: /Save|Restart|Shut down|backup/i }).count(), 0);
    assert.deepEqual(jsErrors(vp), []);
    await viewer.context.close();
    // the admin sees the new member (the page reads the team when opened)
    await page.getByRole("navigation").getByRole("link", { name: "Schedule" }).click();
    await page.getByRole("navigation").getByRole("link", { name: "Team" }).click();
    await page.locator("[data-testid=member]", { hasText: viewerEmail }).waitFor();

    // ----- an API key, its secret shown once -----
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    await page.getByRole("navigation").getByRole("link", { name: "API keys" }).click();
    await page.getByText("No keys yet").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Menu script");
    await page.getByLabel("Role", { exact: true }).selectOption("content_manager");
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog", { name: "API key “Menu script”" });
    await dialog.getByText("you will not see it again").waitFor();
    const secret = await dialog.locator("input[name=secret]").inputValue();
    assert.match(secret, /^sgk_/);
    await shots(page, "cloud-apikey");
    await dialog.getByRole("button", { name: "Copy" }).click();
    await page.getByText("Copied to the clipboard").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await dialog.getByRole("button", { name: "I have copied it" }).click();
    await dialog.waitFor({ state: "detached" });
    const row = page.locator("[data-testid=api-key]", { hasText: "Menu script" });
    await row.getByText("Content manager").waitFor();
    assert.ok(!(await page.content()).includes(secret), "the secret is gone from the page");
    const [ok, assets] = await server.call("GET", "/api/v2/assets", secret);
    assert.equal(ok, 200);
    assert.deepEqual(assets.map((a) => a.name).sort(), ["Breakfast menu", "Lunch menu"]);
    await row.getByRole("button", { name: "Revoke Menu script" }).click();
    await page.getByRole("dialog", { name: "Revoke this key?" }).getByRole("button", { name: "Revoke", exact: true }).click();
    await page.getByText("No keys yet").waitFor();
    assert.equal((await server.call("GET", "/api/v2/assets", secret))[0], 401);

    // ----- sign out -----
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem("signate.refresh_token")), null);
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    // ----- a wrong password -----
    await page.getByLabel("E-mail").fill(adminEmail);
    await page.getByLabel("Password").fill("not-my-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText(/incorrect/i).waitFor();
    await shots(page, "cloud-login-error");

    // ----- forgot the password: reset it from the e-mail, sign in with the new one -----
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByLabel("E-mail").fill(adminEmail);
    await page.getByRole("button", { name: "Send the link" }).click();
    await page.getByText("a link to choose a new password is on its way").waitFor();
    const reset = await mailTo(adminEmail, /Reset your Signate password/);
    await page.goto(linkIn(reset, "/reset-password"));
    await page.getByLabel("New password", { exact: true }).fill("sourdough-starter-9");
    await page.getByLabel("Repeat the new password").fill("sourdough-starter-9");
    await page.getByRole("button", { name: "Save the new password" }).click();
    await page.getByText("Your password has been changed.").waitFor();
    await page.getByLabel("E-mail").fill(adminEmail);
    await page.getByLabel("Password").fill("sourdough-starter-9");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#active-list .name", { hasText: "Lunch menu" }).waitFor();
    await sleep(100);
    assert.deepEqual(jsErrors(page), []);
  } finally {
    await browser?.close();
    await server.stop();
  }
});

const DAY = 86_400_000;

/** Signs in through the page's form and waits for the schedule. */
async function signIn(page, email) {
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("header.top").getByText("Ada Baker").waitFor();
}

/** The asset requests a page makes ("GET /api/v3/assets", …; queries left out). */
function assetRequests(page) {
  const seen = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (/^\/api\/v[23]\/assets/.test(path)) seen.push(`${r.method()} ${path}`);
  });
  return seen;
}

test("cloud: content through API v3; changes made elsewhere appear without reloading, also after a restart", async () => {
  const server = await CloudServer.start();
  let browser;
  try {
    browser = await launch();
    const email = address("ada");
    const token = await signUp(server, email, PASSWORD, "Deli");
    const { page, context } = await openApp(browser, server, "/");
    const asked = assetRequests(page);
    const streams = [];
    page.on("response", (r) => new URL(r.url()).pathname === "/api/events" && streams.push(r.status()));
    await signIn(page, email);
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor();
    await waitUntil(() => streams.length === 1, 5_000, "the event stream");
    assert.deepEqual(streams, [200], "the event stream opens with the media cookie");

    // ----- another client's changes show up live (no reload) -----
    const t0 = Date.now();
    const dates = { start_date: new Date(Date.now() - DAY).toISOString(), end_date: new Date(Date.now() + 30 * DAY).toISOString() };
    const [created, soup] = await server.call("POST", "/api/v3/assets", token, {
      name: "Soup of the day",
      uri: "https://example.com/soup",
      mimetype: "webpage",
      is_enabled: true,
      skip_asset_check: true,
      ...dates,
    });
    assert.equal(created, 201);
    await page.locator("#active-list .name", { hasText: "Soup of the day" }).waitFor({ timeout: 5_000 });
    const seenIn = Date.now() - t0;
    assert.equal((await server.call("PATCH", `/api/v3/assets/${soup.id}`, token, { name: "Soup of the week", is_enabled: false }))[0], 200);
    await page.locator("#inactive-list .name", { hasText: "Soup of the week" }).waitFor({ timeout: 5_000 });
    assert.equal((await server.call("DELETE", `/api/v3/assets/${soup.id}`, token))[0], 204);
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor({ timeout: 5_000 });
    console.log(`cloud: a change made through the API was on the page in ${seenIn} ms`);
    // Nothing polls: an idle page asks for nothing (the old poll ran every 5 s).
    const before = asked.length;
    await sleep(6_000);
    assert.deepEqual(asked.slice(before), [], "no requests while nothing changes");

    // ----- the stream comes back after the server restarts, even without its cookie -----
    // The browser gives up on the refusal; the app renews the cookie and opens it again.
    await context.clearCookies();
    await server.restart();
    await waitUntil(() => streams.at(-1) === 200 && streams.length > 1, 20_000, "the stream reopened");
    const refused = streams.slice(1, -1);
    assert.ok(refused.length > 0 && refused.every((s) => s >= 400), `refused without the cookie, then open: ${streams}`);
    const [stewed, stew] = await server.call("POST", "/api/v3/assets", token, { name: "Stew", uri: "https://example.com/stew", mimetype: "webpage", skip_asset_check: true });
    assert.equal(stewed, 201);
    await page.locator("#inactive-list .name", { hasText: "Stew" }).waitFor({ timeout: 5_000 });
    assert.equal((await server.call("DELETE", `/api/v3/assets/${stew.id}`, token))[0], 204);
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor({ timeout: 5_000 });

    // ----- add, edit, switch off, upload and delete from the page -----
    await page.getByRole("link", { name: "Add your first content" }).click();
    await page.getByLabel("Address (URL)").fill("https://example.com/specials");
    await page.getByLabel("Name (optional)").fill("Specials");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.waitForURL(`${server.base}/`);
    await page.locator("#active-list .name", { hasText: "Specials" }).waitFor();
    const specials = (await server.call("GET", "/api/v3/assets", token))[1].items.find((a) => a.name === "Specials");
    assert.equal(specials.uri, "https://example.com/specials");

    await page.getByRole("button", { name: "Specials", exact: true }).click();
    const editor = page.getByRole("dialog", { name: "Edit “Specials”" });
    await editor.waitFor();
    // v3 has no reload interval, request headers or certificate switch: not offered
    assert.equal(await editor.getByLabel("Reload every (seconds)").count(), 0);
    assert.equal(await editor.getByLabel("Extra request headers").count(), 0);
    await editor.getByLabel("Name", { exact: true }).fill("Today's specials");
    await editor.getByLabel("Show for (seconds)").fill("25");
    await editor.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved", { exact: true }).waitFor();
    await editor.waitFor({ state: "detached" });
    const [, stored] = await server.call("GET", `/api/v3/assets/${specials.id}`, token);
    assert.equal(stored.name, "Today's specials");
    assert.equal(stored.duration, 25);
    // a name longer than the server takes is refused next to its field, before anything is sent
    // (the server's own refusal, v3's error.field, is read by toError: tests/unit/app-api.test.ts)
    await page.getByRole("button", { name: "Today's specials", exact: true }).click();
    const again = page.getByRole("dialog", { name: "Edit “Today's specials”" });
    await again.getByLabel("Name", { exact: true }).fill("x".repeat(256));
    let patched = false;
    const onRequest = (r) => {
      if (r.method() === "PATCH") patched = true;
    };
    page.on("request", onRequest);
    await again.getByRole("button", { name: "Save" }).click();
    await again.locator(".field.invalid", { hasText: "Name" }).getByText("At most 255 characters (this one has 256).").waitFor();
    page.off("request", onRequest);
    assert.equal(patched, false, "nothing sent");
    await again.getByRole("button", { name: "Cancel" }).click();
    await again.waitFor({ state: "detached" });

    await page.getByRole("switch", { name: "Show Today's specials on the screen" }).click();
    await page.locator("#inactive-list .name", { hasText: "Today's specials" }).waitFor();
    await waitUntil(async () => (await server.call("GET", `/api/v3/assets/${specials.id}`, token))[1].is_enabled === false, 5_000, "switched off on the server");

    await page.getByRole("navigation").getByRole("link", { name: "Add", exact: true }).click();
    await page.locator("input[name=file_upload]").setInputFiles([{ name: "bread.png", mimeType: "image/png", buffer: png([200, 150, 60]) }]);
    await page.locator(".upload.done").waitFor({ timeout: 30_000 });
    await page.getByRole("navigation").getByRole("link", { name: "Schedule" }).click();
    const bread = page.locator("[data-testid=asset-row]", { hasText: "bread" });
    await bread.waitFor();
    // the stored picture reaches the page through the media cookie
    await waitUntil(() => bread.locator("img.thumb").evaluate((img) => img.complete && img.naturalWidth === 160), 10_000, "the thumbnail loaded");
    const items = (await server.call("GET", "/api/v3/assets", token))[1].items;
    assert.deepEqual(items.map((a) => [a.name, a.mimetype]).sort(), [["Today's specials", "webpage"], ["bread", "image"]]);
    await shots(page, "cloud-schedule");

    await page.getByText("Select all").click();
    await page.locator(".bulkbar").getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog", { name: "Delete content" }).getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Nothing on your screen yet" }).waitFor();
    assert.deepEqual((await server.call("GET", "/api/v3/assets", token))[1].items, []);

    // Every asset call went to v3, making the uploaded file an asset too (file_asset itself is
    // the upload, not an asset call).
    const v2 = asked.filter((r) => r.includes("/api/v2/"));
    assert.deepEqual(v2, [], "no asset call through v2");
    for (const want of ["GET /api/v3/assets", "POST /api/v3/assets", `PATCH /api/v3/assets/${specials.id}`, `DELETE /api/v3/assets/${specials.id}`]) {
      assert.ok(asked.includes(want), `${want} in ${asked.join(", ")}`);
    }
    assert.deepEqual(jsErrors(page), []);
  } finally {
    await browser?.close();
    await server.stop();
  }
});

// Needs POST /api/v3/assets/order ({"ids": [...]} → 204), which the server side of issue 11 adds.
test("cloud: reordering is saved through API v3", async () => {
  const server = await CloudServer.start();
  let browser;
  try {
    browser = await launch();
    const email = address("ada");
    const token = await signUp(server, email, PASSWORD, "Deli");
    const dates = { start_date: new Date(Date.now() - DAY).toISOString(), end_date: new Date(Date.now() + 30 * DAY).toISOString() };
    for (const [i, name] of ["Bagels", "Coffee", "Donuts"].entries()) {
      const body = { name, uri: `https://example.com/${name}`, mimetype: "webpage", play_order: i, is_enabled: true, skip_asset_check: true, ...dates };
      assert.equal((await server.call("POST", "/api/v3/assets", token, body))[0], 201);
    }
    const { page } = await openApp(browser, server, "/");
    await signIn(page, email);
    await waitUntil(async () => (await rowNames(page, "#active-list")).length === 3, 10_000, "three rows");
    assert.deepEqual(await rowNames(page, "#active-list"), ["Bagels", "Coffee", "Donuts"]);
    const saved = page.waitForRequest((r) => new URL(r.url()).pathname === "/api/v3/assets/order");
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v3/assets/order");
    await page.getByRole("button", { name: "Move Bagels down" }).click();
    const ids = Object.fromEntries((await server.call("GET", "/api/v3/assets", token))[1].items.map((a) => [a.name, a.id]));
    assert.deepEqual((await saved).postDataJSON(), { ids: [ids.Coffee, ids.Bagels, ids.Donuts] });
    assert.equal((await answered).status(), 204, "POST /api/v3/assets/order answers 204");
    await page.getByText("New order saved").waitFor();
    const order = (await server.call("GET", "/api/v3/assets?ordering=play_order", token))[1].items.map((a) => [a.name, a.play_order]);
    assert.deepEqual(order, [["Coffee", 0], ["Bagels", 1], ["Donuts", 2]]);
    await page.reload();
    await waitUntil(async () => (await rowNames(page, "#active-list")).length === 3, 10_000, "three rows after a reload");
    assert.deepEqual(await rowNames(page, "#active-list"), ["Coffee", "Bagels", "Donuts"]);
    assert.deepEqual(jsErrors(page), []);
  } finally {
    await browser?.close();
    await server.stop();
  }
});
