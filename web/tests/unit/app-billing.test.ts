// The Billing page's rules (money, storage, how full a limit is, the banner, upgrade or
// downgrade), the billing calls' URLs, methods and bodies as the contract of issue #17 has
// them, and how a refusal about a plan limit offers the plan that lifts it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError, toError } from "../../src/app/api.js";
import {
  type Plan,
  type Subscription,
  type UsageReport,
  banner,
  billingApi,
  currentPlan,
  formatGB,
  formatMoney,
  formatPrice,
  longDate,
  meters,
  monthOf,
  monthlyAmount,
  periodLabel,
  planChange,
  planLabel,
  upgradeHint,
  usageFraction,
  usageLevel,
  withCurrent,
} from "../../src/app/billingApi.js";

const GB = 1024 ** 3;
const UK = { locale: "en-GB", timeZone: "UTC" };

const FREE: Plan = {
  name: "free",
  price: null,
  limits: { max_devices: 5, max_users: 10, storage_quota_bytes: 10 * GB },
  features: [],
  metered: null,
  free: true,
};
const PRO: Plan = {
  name: "pro",
  price: { amount: 2900, currency: "eur", interval: "month" },
  limits: { max_devices: 50, max_users: 20, storage_quota_bytes: 50 * GB },
  features: ["layouts"],
  metered: "screens",
  free: false,
};
const PRO_YEARLY: Plan = { ...PRO, name: "pro_yearly", price: { amount: 29000, currency: "eur", interval: "year" } };
const BUSINESS: Plan = { ...PRO, name: "business", price: { amount: 9900, currency: "eur", interval: "month" } };
const PLANS = [FREE, PRO, BUSINESS];

function sub(over: Partial<Subscription> = {}): Subscription {
  return {
    plan: "pro",
    subscribed_plan: "pro",
    status: "active",
    current_period_end: "2027-01-07T00:00:00Z",
    cancel_at_period_end: false,
    trial_end: null,
    grace_ends_at: null,
    limits: PRO.limits,
    usage: { devices: 3, users: 2, storage_bytes: 123456 },
    features: ["layouts"],
    has_customer: true,
    billing_enabled: true,
    ...over,
  };
}

const NOW = Date.parse("2026-12-20T12:00:00Z");

test("money from minor units", () => {
  assert.equal(formatMoney(2900, "eur", UK), "€29.00");
  assert.equal(formatMoney(2950, "usd", { locale: "en-US" }), "$29.50");
  assert.equal(formatMoney(0, "gbp", UK), "£0.00");
  // yen have no minor unit: 500 is ¥500, not ¥5
  assert.equal(formatMoney(500, "jpy", UK), "JP¥500");
  // a code Intl refuses still says the amount
  assert.equal(formatMoney(1234, "euro", UK), "12.34 EURO");
  assert.equal(formatPrice(PRO.price, UK), "€29.00 a month");
  assert.equal(formatPrice(PRO_YEARLY.price, UK), "€290.00 a year");
  assert.equal(formatPrice(null, UK), "Free");
  assert.equal(formatPrice({ amount: 0, currency: "eur", interval: "month" }, UK), "Free");
});

test("storage in GB, small amounts in MB or KB", () => {
  assert.equal(formatGB(10737418240), "10 GB");
  assert.equal(formatGB(53687091200), "50 GB");
  assert.equal(formatGB(1.5 * GB), "1.5 GB");
  assert.equal(formatGB(GB), "1 GB");
  assert.equal(formatGB(1024 * GB), "1024 GB");
  assert.equal(formatGB(52428800), "50 MB");
  assert.equal(formatGB(0), "0 B");
});

test("names, dates and months", () => {
  assert.equal(planLabel("pro"), "Pro");
  assert.equal(planLabel("business_plus"), "Business plus");
  assert.equal(longDate("2027-01-07T00:00:00Z", UK), "7 January 2027");
  assert.equal(longDate("not a date", UK), "not a date");
  assert.equal(periodLabel("2026-12", UK), "December 2026");
  assert.equal(periodLabel("2026", UK), "2026");
  assert.equal(monthOf(NOW), "2026-12");
  assert.equal(monthOf(Date.parse("2027-01-01T00:00:00Z")), "2027-01");
});

test("how full a limit is: ok, near from 80 %, full from 100 %", () => {
  assert.equal(usageFraction(3, 5), 0.6);
  assert.equal(usageFraction(0, 0), 1, "a limit of 0 is full from the start");
  assert.equal(usageFraction(2, 0), Number.POSITIVE_INFINITY);
  assert.equal(usageLevel(0), "ok");
  assert.equal(usageLevel(0.79), "ok");
  assert.equal(usageLevel(0.8), "near");
  assert.equal(usageLevel(0.99), "near");
  assert.equal(usageLevel(1), "full");
  assert.equal(usageLevel(1.4), "full");
});

test("meters: screens, team members and storage against the limits; over when above", () => {
  const m = meters(sub({ limits: FREE.limits, usage: { devices: 7, users: 8, storage_bytes: 2 * GB } }));
  assert.deepEqual(
    m.map((x) => [x.key, x.label, x.text, x.level, x.over]),
    [
      ["devices", "Screens", "7 of 5", "full", true],
      ["users", "Team members", "8 of 10", "near", false],
      ["storage", "Storage", "2 GB of 10 GB", "ok", false],
    ],
  );
  const at = meters(sub({ limits: FREE.limits, usage: { devices: 5, users: 0, storage_bytes: 0 } }));
  assert.deepEqual([at[0]?.level, at[0]?.over], ["full", false], "at the limit is full, not over");
  const open = meters(sub({ limits: { ...FREE.limits, storage_quota_bytes: 0 }, usage: { devices: 0, users: 1, storage_bytes: 3 * GB } }));
  assert.deepEqual(
    open.map((x) => [x.text, x.level, x.over]),
    [
      ["0 of 5", "ok", false],
      ["1 of 10", "ok", false],
      ["3 GB, no limit", "ok", false],
    ],
    "a storage quota of 0 is none",
  );
});

test("upgrade or downgrade, by price per month", () => {
  assert.equal(planChange(PRO, FREE), "upgrade");
  assert.equal(planChange(FREE, PRO), "downgrade");
  assert.equal(planChange(PRO, PRO), "current");
  assert.equal(planChange(BUSINESS, PRO), "upgrade");
  assert.equal(planChange(PRO, BUSINESS), "downgrade");
  // €290 a year is less a month than €29 a month
  assert.equal(monthlyAmount(PRO_YEARLY) < monthlyAmount(PRO), true);
  assert.equal(planChange(PRO_YEARLY, PRO), "downgrade");
  assert.equal(planChange({ ...PRO, name: "pro_eu" }, PRO), "switch");
  assert.equal(planChange(PRO, undefined), "upgrade");
});

test("the current plan: the subscription's while it lives, else the one whose limits apply", () => {
  assert.equal(currentPlan(sub()), "pro");
  assert.equal(currentPlan(sub({ plan: "free", status: "past_due" })), "pro", "after the grace, still subscribed");
  assert.equal(currentPlan(sub({ plan: "free", status: "canceled" })), "free");
  assert.equal(currentPlan(sub({ plan: "free", subscribed_plan: null, status: "none" })), "free");
  assert.equal(currentPlan(sub({ plan: "business", subscribed_plan: null, status: "none" })), "business", "set by the operator");
});

test("the banner for each state", () => {
  const say = (s: Partial<Subscription>) => banner(sub(s), PLANS, NOW, UK);
  assert.equal(say({}), null, "active: nothing to say");
  assert.equal(say({ plan: "free", subscribed_plan: null, status: "none", has_customer: false }), null);
  assert.deepEqual(say({ status: "trialing", trial_end: "2027-01-03T10:00:00Z" }), { tone: "info", text: "Your trial ends on 3 January 2027." });
  assert.deepEqual(say({ status: "past_due", grace_ends_at: "2026-12-27T00:00:00Z" }), {
    tone: "warn",
    text: "Payment failed — update your payment method by 27 December 2026 to keep the Pro plan.",
  });
  const after = {
    tone: "bad",
    text: "Payment failed: your organisation now has the free plan's limits. Nothing was deleted; update your payment method to restore Pro.",
  };
  assert.deepEqual(say({ status: "past_due", plan: "free", grace_ends_at: "2026-12-19T00:00:00Z" }), after);
  assert.deepEqual(say({ status: "unpaid", plan: "free" }), after);
  // no date given: the plan whose limits apply says whether the grace is over
  assert.deepEqual(say({ status: "past_due", plan: "free" }), after);
  assert.equal(say({ status: "past_due" })?.text, "Payment failed — update your payment method to keep the Pro plan.");
  assert.deepEqual(say({ cancel_at_period_end: true }), { tone: "info", text: "Your Pro plan ends on 7 January 2027; you then move to the Free plan." });
  assert.equal(say({ cancel_at_period_end: true, current_period_end: null })?.text, "Your Pro plan ends at the end of this period; you then move to the Free plan.");
  assert.match(say({ status: "canceled", plan: "free" })?.text ?? "", /^Your Pro subscription has ended; your organisation has the Free plan's limits\. Nothing was deleted/);
  assert.match(say({ status: "incomplete", plan: "free" })?.text ?? "", /first payment for Pro has not gone through/);
  assert.match(say({ status: "incomplete_expired", plan: "free" })?.text ?? "", /did not start/);
});

test("usage reports: this month first, added when the list lacks it", () => {
  const r = (period: string, final: boolean): UsageReport => ({
    period,
    final,
    asset_count: 1,
    storage_bytes: 1,
    api_calls: 1,
    active_screens: 1,
    plays: 1,
    created_at: `${period}-01T00:00:00Z`,
    reported_to_stripe_at: null,
  });
  const past = [r("2026-11", true), r("2026-10", true)];
  assert.deepEqual(withCurrent(past, r("2026-12", false)).map((x) => x.period), ["2026-12", "2026-11", "2026-10"]);
  assert.deepEqual(withCurrent(past, null), past);
  const all = [r("2026-12", false), ...past];
  assert.equal(withCurrent(all, r("2026-12", false)), all, "already there: the list as it is");
});

test("a refusal about a plan limit offers the plan that lifts it", () => {
  const body = {
    error: {
      code: "limit_exceeded",
      message: "This tenant has reached its limit of 5 screens (max_devices).",
      limit: "max_devices",
      plan: "free",
      upgrade_plan: "pro",
    },
  };
  const e = toError(403, JSON.stringify(body));
  assert.equal(e.code, "limit_exceeded");
  assert.deepEqual(e.planLimit, { limit: "max_devices", plan: "free", upgrade_plan: "pro" });
  assert.equal(e.message, body.error.message, "the message is the server's, unchanged");
  assert.deepEqual(upgradeHint(e, true), { link: { href: "/billing", text: "Upgrade to Pro" } });
  assert.deepEqual(upgradeHint(e, false), { text: "An admin of your organisation can upgrade to Pro." });

  // no plan lifts it (the biggest plan already), or a limit that is not a plan's
  const top = toError(403, JSON.stringify({ error: { ...body.error, upgrade_plan: undefined } }));
  assert.deepEqual(top.planLimit, { limit: "max_devices", plan: "free", upgrade_plan: null });
  assert.equal(upgradeHint(top, true), null);
  const schedules = toError(403, JSON.stringify({ error: { code: "limit_exceeded", message: "A tenant has at most 1000 schedules." } }));
  assert.equal(schedules.planLimit, null);
  assert.equal(upgradeHint(schedules, true), null);
  assert.equal(upgradeHint(new ApiError(409, "conflict", {}, "conflict"), true), null);
  assert.equal(upgradeHint(new Error("boom"), true), null);

  // the upload API's legacy body: {"error": "limit_exceeded", "detail", …}
  const legacy = toError(403, JSON.stringify({ error: "limit_exceeded", detail: "Storage quota exceeded.", limit: "storage_quota_bytes", plan: "free", upgrade_plan: "pro" }));
  assert.equal(legacy.message, "Storage quota exceeded.");
  assert.deepEqual(upgradeHint(legacy, true), { link: { href: "/billing", text: "Upgrade to Pro" } });
});

/** Replaces fetch for one test: records each request, answers from `answer`. */
async function withFetch(answer: (r: { method: string; url: string; body: unknown }) => { status: number; body: unknown }, run: () => Promise<void>) {
  const seen: { method: string; url: string; body: unknown }[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = (async (url: string, init: RequestInit = {}) => {
    const req = { method: init.method ?? "GET", url: String(url), body: typeof init.body === "string" ? JSON.parse(init.body) : undefined };
    seen.push(req);
    const a = answer(req);
    return new Response(a.body === null ? null : JSON.stringify(a.body), { status: a.status, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
  try {
    await run();
  } finally {
    globalThis.fetch = real;
  }
  return seen;
}

test("the billing calls: URLs, methods and bodies", async () => {
  const seen = await withFetch(
    (r) =>
      r.url.endsWith("/checkout") || r.url.endsWith("/portal")
        ? { status: 200, body: { url: "https://checkout.stripe.com/c/pay/cs_test" } }
        : r.url.endsWith("/subscription")
          ? { status: 200, body: sub() }
          : { status: 200, body: [] },
    async () => {
      assert.deepEqual(await billingApi.plans(), []);
      assert.equal((await billingApi.subscription()).plan, "pro");
      assert.equal((await billingApi.checkout("pro")).url, "https://checkout.stripe.com/c/pay/cs_test");
      await billingApi.portal();
      await billingApi.invoices();
      await billingApi.usageReports();
      await billingApi.usageReport("2026-12");
    },
  );
  assert.deepEqual(
    seen.map((s) => [s.method, s.url, s.body]),
    [
      ["GET", "/api/v3/billing/plans", undefined],
      ["GET", "/api/v3/billing/subscription", undefined],
      ["POST", "/api/v3/billing/checkout", { plan: "pro" }],
      ["POST", "/api/v3/billing/portal", undefined],
      ["GET", "/api/v3/billing/invoices", undefined],
      ["GET", "/api/v3/billing/usage", undefined],
      ["GET", "/api/v3/billing/usage?period=2026-12", undefined],
    ],
  );
});

test("billing refusals arrive as the server's message", async () => {
  await withFetch(
    () => ({ status: 409, body: { error: { code: "conflict", message: "Billing is not set up on this server." } } }),
    async () => {
      const e = (await billingApi.checkout("pro").then(() => null, (x: unknown) => x)) as ApiError;
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 409);
      assert.equal(e.message, "Billing is not set up on this server.");
    },
  );
});
