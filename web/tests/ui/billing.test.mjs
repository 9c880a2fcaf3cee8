// Billing (issue #17) as an admin sees it: a new organisation is on the free plan; the Billing
// page shows it, its use of each limit (2 screens of 2: at the limit), the plans with prices,
// "No invoices yet." and this month's usage; at the screen limit the Add screen dialog offers
// "Upgrade to Pro", which leads to Billing; with the Stripe stand-in (SIGNATE_TEST_STRIPE_URL),
// "Upgrade" opens Stripe's checkout, and without it the page says no payment provider is set up
// and offers no button. A phone shows it without sideways scrolling.
// Needs PostgreSQL (SIGNATE_TEST_PG_URL), like cloud.test.mjs: see scripts/services.sh.
import assert from "node:assert/strict";
import { test } from "node:test";
import { address, CloudServer, PLANS, STRIPE, signUp } from "./cloud-harness.mjs";
import { launch, openApp, shots } from "./ui-harness.mjs";

const PASSWORD = "flour-and-yeast-42";
const jsErrors = (page) => page.errors.filter((e) => e.startsWith("pageerror"));
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

/** A screen showing a pairing code, as a player asks for one. */
async function pairing(server) {
  const [status, p] = await server.call("POST", "/api/v3/screens/pair", null, { resolution: "1920x1080", player_version: "ui-test" });
  assert.equal(status, 201, JSON.stringify(p));
  return p;
}

test("cloud: the Billing page of a new organisation, and the way there from a limit", async () => {
  const server = await CloudServer.start({ billing: true });
  let browser;
  try {
    browser = await launch();
    const email = address("ada");
    const token = await signUp(server, email, PASSWORD, "Bakery");

    // The API first: what the page will be reading.
    const [plansStatus, plans] = await server.call("GET", "/api/v3/billing/plans", null);
    assert.equal(plansStatus, 200, JSON.stringify(plans));
    assert.deepEqual(
      plans.map((p) => [p.name, p.free, p.price]),
      [
        ["free", true, null],
        ["pro", false, { amount: 2900, currency: "eur", interval: "month" }],
      ],
      "cheapest first",
    );
    const [subStatus, sub] = await server.call("GET", "/api/v3/billing/subscription", token);
    assert.equal(subStatus, 200, JSON.stringify(sub));
    assert.equal(sub.plan, "free");
    assert.equal(sub.subscribed_plan, null);
    assert.equal(sub.status, "none");
    assert.equal(sub.has_customer, false);
    assert.equal(sub.billing_enabled, Boolean(STRIPE));
    assert.deepEqual(sub.limits, PLANS.free);

    // Two screens: the free plan's limit.
    for (const name of ["Window", "Counter"]) {
      const p = await pairing(server);
      const [status, body] = await server.call("POST", "/api/v3/screens", token, { code: p.code, name, group_id: null, tags: [] });
      assert.equal(status, 201, JSON.stringify(body));
    }

    const { page, context } = await openApp(browser, server, "/");
    await signIn(page, email);
    const nav = (name) => page.getByRole("navigation").getByRole("link", { name, exact: true }).click();

    // ----- the page -----
    await nav("Billing");
    await page.getByRole("heading", { name: "Billing", exact: true }).waitFor();
    assert.equal(await page.evaluate(() => location.pathname), "/billing");
    await page.locator("[data-testid=current-plan]").getByText("Free", { exact: true }).waitFor();
    const screens = page.locator("[data-testid=meter-devices]");
    await screens.getByText("2 of 2").waitFor();
    await screens.getByText("At the limit: new ones are refused.").waitFor();
    await page.locator("[data-testid=meter-users]").getByText(`1 of ${PLANS.free.max_users}`).waitFor();
    await page.locator("[data-testid=meter-storage]").getByText(/of 1 GB$/).waitFor();

    const cards = page.locator("[data-testid=plan]");
    assert.equal(await cards.count(), 2);
    const free = cards.filter({ has: page.getByRole("heading", { name: "Free", exact: true }) });
    const pro = cards.filter({ has: page.getByRole("heading", { name: "Pro", exact: true }) });
    await free.getByText("Current plan").waitFor();
    await free.getByText("2 screens").waitFor();
    await pro.getByText("€29.00 a month").waitFor();
    await pro.getByText("50 screens").waitFor();
    await pro.getByText("50 GB of storage").waitFor();
    await page.getByText("No invoices yet.").waitFor();
    await page.locator("[data-testid=usage-report]").getByText("(so far)").waitFor();
    assert.equal(await page.getByRole("button", { name: "Manage payment" }).count(), 0, "no portal before a first payment");
    if (STRIPE) {
      await pro.getByRole("button", { name: "Upgrade to Pro" }).waitFor();
      assert.equal(await page.locator("[data-testid=billing-off]").count(), 0);
    } else {
      await page.locator("[data-testid=billing-off]").getByText("no payment provider set up").waitFor();
      assert.equal(await page.locator("[data-testid=plan] button").count(), 0, "no button that cannot work");
    }

    // A phone: no sideways scrolling.
    await page.setViewportSize({ width: 360, height: 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at 360 px (${overflow} px too wide)`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await shots(page, "billing");

    // ----- the screen limit offers the plan that lifts it -----
    await nav("Screens");
    const third = await pairing(server);
    await page.getByRole("button", { name: "+ Add screen" }).click();
    const add = page.getByRole("dialog", { name: "Add screen" });
    await add.getByLabel("Pairing code").fill(third.code);
    await add.getByLabel("Name").fill("Kitchen");
    const refused = page.waitForResponse(isCall("POST", "/api/v3/screens"));
    await add.getByRole("button", { name: "Add screen", exact: true }).click();
    const r403 = await refused;
    assert.equal(r403.status(), 403);
    const limit = (await r403.json()).error;
    assert.equal(limit.code, "limit_exceeded");
    assert.deepEqual([limit.limit, limit.plan, limit.upgrade_plan], ["max_devices", "free", "pro"]);
    await add.getByText(limit.message).waitFor();
    await shots(page, "billing-limit");
    await add.getByRole("link", { name: "Upgrade to Pro" }).click();
    await page.getByRole("heading", { name: "Billing", exact: true }).waitFor();
    assert.equal(await page.evaluate(() => location.pathname), "/billing");

    // ----- with Stripe: Upgrade goes to its checkout -----
    if (STRIPE) {
      const checkout = page.waitForResponse(isCall("POST", "/api/v3/billing/checkout"));
      await page.locator("[data-testid=plan]").filter({ hasText: "€29.00 a month" }).getByRole("button", { name: "Upgrade to Pro" }).click();
      const res = await checkout;
      // The page leaves for Stripe at once, so the answer's body is gone: its status and where
      // the browser lands are what count.
      assert.equal(res.status(), 200);
      assert.deepEqual(res.request().postDataJSON(), { plan: "pro" });
      await page.waitForURL((u) => u.href.startsWith(`${STRIPE.url}/_standin/checkout/`));
      await page.getByText("Stripe stand-in").waitFor();
    }

    assert.deepEqual(jsErrors(page), []);
    await context.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
});
