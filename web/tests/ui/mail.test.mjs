// Cloud mode on a server whose e-mail was never set up: no page claims a message went out.
// The admin is told, an invitation hands over its link to copy (and the link works), a member
// gets a reset link from the admin, forgot-password says nothing was sent, and the address
// confirmation banner does not say "we sent a link".
// Needs PostgreSQL (SIGNATE_TEST_PG_URL): see scripts/services.sh.
import assert from "node:assert/strict";
import { test } from "node:test";
import { address, CloudServer, signUp } from "./cloud-harness.mjs";
import { launch, openApp, shots } from "./ui-harness.mjs";

const PASSWORD = "flour-and-yeast-42";
const jsErrors = (page) => page.errors.filter((e) => e.startsWith("pageerror"));

test("cloud without SMTP: invitations and resets hand over links, nothing says sent", async () => {
  const server = await CloudServer.start({ mail: false });
  let browser;
  try {
    browser = await launch();
    const adminEmail = address("ada");
    const memberEmail = address("mo");
    await signUp(server, adminEmail, PASSWORD, "Bakery");

    const { page, context } = await openApp(browser, server, "/");
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    await page.getByLabel("E-mail").fill(adminEmail);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("header.top").getByText("Ada Baker").waitFor();
    // The confirmation banner tells the truth.
    await page.getByText("This server cannot send e-mail, so no confirmation link was sent.").waitFor();
    assert.equal(await page.getByText("we sent a link").count(), 0);

    // ----- the team page: a notice, and an invitation's link to copy -----
    await page.getByRole("navigation").getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { name: "Team", exact: true }).waitFor();
    await page.locator("[data-testid=mail-notice]").getByText("E-mail is not set up on this server").waitFor();
    await page.getByLabel("E-mail address").fill(memberEmail);
    await page.getByLabel("Role", { exact: true }).selectOption("content_manager");
    await page.getByRole("button", { name: "Invite and get the link" }).click();
    const dialog = page.getByRole("dialog", { name: `Invitation for ${memberEmail}` });
    await dialog.getByText("E-mail is not set up on this server, so no invitation was sent. Copy this link and send it yourself:").waitFor();
    const link = await dialog.locator("input[name=link]").inputValue();
    assert.ok(link.startsWith(`${server.base}/accept-invite?token=`), link);
    await dialog.getByRole("button", { name: "Copy link" }).click();
    await page.getByText("Link copied to the clipboard").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    assert.equal(await page.getByText(/Invitation sent/).count(), 0, "never claims it was sent");
    await shots(page, "cloud-nomail-invite");
    await dialog.getByRole("button", { name: "Done" }).click();
    await page.locator("[data-testid=invitation]", { hasText: memberEmail }).getByRole("button", { name: "New link" }).waitFor();

    // ----- the link works: the member joins -----
    const member = await openApp(browser, server, link.slice(server.base.length));
    const mp = member.page;
    await mp.getByRole("heading", { name: "Join your team on Signate" }).waitFor();
    await mp.getByLabel("Password").fill("rye-bread-and-jam-7");
    await mp.getByRole("button", { name: "Accept the invitation" }).click();
    await mp.locator("header.top").getByText("Bakery").waitFor();
    assert.deepEqual(jsErrors(mp), []);
    await member.context.close();

    // ----- a reset link for the member, from the admin -----
    await page.getByRole("navigation").getByRole("link", { name: "Schedule" }).click();
    await page.getByRole("navigation").getByRole("link", { name: "Team" }).click();
    const row = page.locator("[data-testid=member]", { hasText: memberEmail });
    await row.getByRole("button", { name: "Copy reset link" }).click();
    const reset = page.getByRole("dialog", { name: /Password reset link for/ });
    await reset.getByText("It works once, for 24 hours").waitFor();
    const resetLink = await reset.locator("input[name=link]").inputValue();
    assert.ok(resetLink.startsWith(`${server.base}/reset-password?token=`), resetLink);
    await reset.getByRole("button", { name: "Done" }).click();
    // The admin's own row has no such button.
    assert.equal(await page.locator("[data-testid=member]", { hasText: adminEmail }).getByRole("button", { name: "Copy reset link" }).count(), 0);
    // The organisation card says e-mail is not set up.
    await page.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
    await page.locator("[data-testid=mail-state]").getByText("Not set up on this server").waitFor();
    assert.deepEqual(jsErrors(page), []);

    // ----- the member uses the reset link -----
    const resetting = await openApp(browser, server, resetLink.slice(server.base.length));
    const rp = resetting.page;
    await rp.getByLabel("New password", { exact: true }).fill("pumpernickel-forever-9");
    await rp.getByLabel("Repeat the new password").fill("pumpernickel-forever-9");
    await rp.getByRole("button", { name: "Save the new password" }).click();
    await rp.getByText("Your password has been changed. Sign in with it.").waitFor();
    await resetting.context.close();
    const [ok] = await server.call("POST", "/api/v3/auth/login", null, { email: memberEmail, password: "pumpernickel-forever-9" });
    assert.equal(ok, 200, "the handed-over link set the password");

    // ----- forgot password, signed out: says nothing was sent -----
    const out = await openApp(browser, server, "/forgot-password");
    const op = out.page;
    await op.getByLabel("E-mail").fill(memberEmail);
    await op.getByRole("button", { name: "Send the link" }).click();
    await op.getByText("E-mail is not set up on this server, so no reset link was sent. Ask an admin of your organisation for one.").waitFor();
    assert.equal(await op.getByText(/on its way/).count(), 0);
    await shots(op, "cloud-nomail-forgot");
    await out.context.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
});
