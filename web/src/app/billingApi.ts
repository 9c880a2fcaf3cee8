// Cloud mode's billing (issue #17, API v3 /billing): the plans on sale, the tenant's
// subscription, Stripe's checkout and portal, invoices and the monthly usage reports; and the
// rules the Billing page shows them by (money, storage, how full a limit is, which banner,
// whether a plan is an upgrade). "./api.js": node runs this file in the unit tests and needs
// the extension (esbuild and tsc map it to api.ts).
import { ApiError, call } from "./api.js";
import { formatBytes } from "./format.js";

export interface Price {
  /** Minor units of `currency`: 2900 eur is €29.00. */
  amount: number;
  /** ISO 4217, lower case as Stripe writes it. */
  currency: string;
  interval: "day" | "week" | "month" | "year";
}

export interface Limits {
  max_devices: number;
  max_users: number;
  storage_quota_bytes: number;
}

export interface Plan {
  name: string;
  /** null: the plan costs nothing (the free plan). */
  price: Price | null;
  limits: Limits;
  features: string[];
  /** What is billed per use on top of the price (e.g. "screens"), if anything. */
  metered: string | null;
  free: boolean;
}

export type SubscriptionStatus = "none" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "incomplete" | "incomplete_expired";

export interface Subscription {
  /** The plan whose limits apply now. */
  plan: string;
  /** The plan of the Stripe subscription, if there is one. */
  subscribed_plan: string | null;
  status: SubscriptionStatus;
  current_period_end: string | null;
  cancel_at_period_end: boolean;
  trial_end: string | null;
  /** Set while past_due: after it the tenant has the free plan's limits. */
  grace_ends_at: string | null;
  limits: Limits;
  usage: { devices: number; users: number; storage_bytes: number };
  features: string[];
  /** A Stripe customer exists, so the portal can be opened. */
  has_customer: boolean;
  /** false: the server has no Stripe key; the plan is set by its operator. */
  billing_enabled: boolean;
}

export type InvoiceStatus = "paid" | "open" | "void" | "uncollectible" | "draft";

export interface Invoice {
  id: string;
  number: string | null;
  created: string;
  amount_due: number;
  amount_paid: number;
  currency: string;
  status: InvoiceStatus;
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
}

export interface UsageReport {
  /** `YYYY-MM`. */
  period: string;
  /** false: the month is not over (computed live) or not yet reported. */
  final: boolean;
  asset_count: number;
  storage_bytes: number;
  api_calls: number;
  active_screens: number;
  plays: number;
  created_at: string;
  reported_to_stripe_at: string | null;
}

/** Where to send the browser next: Stripe's checkout or its customer portal. */
export interface Redirect {
  url: string;
}

export const billingApi = {
  /** Cheapest first; needs no credentials. */
  plans: () => call<Plan[]>("GET", "/api/v3/billing/plans"),
  subscription: () => call<Subscription>("GET", "/api/v3/billing/subscription"),
  /** The checkout page, or the portal when a subscription is live (the change is confirmed there). */
  checkout: (plan: string) => call<Redirect>("POST", "/api/v3/billing/checkout", { plan }),
  /** 409 while there is no Stripe customer (never subscribed). */
  portal: () => call<Redirect>("POST", "/api/v3/billing/portal"),
  /** Newest first. */
  invoices: () => call<Invoice[]>("GET", "/api/v3/billing/invoices"),
  /** Newest first. */
  usageReports: () => call<UsageReport[]>("GET", "/api/v3/billing/usage"),
  /** One month's report; 404 for a past month with none. */
  usageReport: (period: string) => call<UsageReport>("GET", `/api/v3/billing/usage?period=${encodeURIComponent(period)}`),
};

// ----- words and numbers -----

/** How dates and money are written: the page's language unless a test pins one. */
export interface Style {
  locale?: string;
  timeZone?: string;
}

/** A plan's name for people: "pro" → "Pro", "business_plus" → "Business plus". */
export function planLabel(name: string): string {
  const words = name.replace(/[_-]+/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : name;
}

/** Money from minor units: 2900 eur → "€29.00", 500 jpy → "¥500" (yen have no minor unit). */
export function formatMoney(amount: number, currency: string, style: Style = {}): string {
  try {
    const f = new Intl.NumberFormat(style.locale, { style: "currency", currency: currency.toUpperCase() });
    const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
    return f.format(amount / 10 ** digits);
  } catch {
    // a currency code Intl does not know: still say the amount
    return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

const PER: Record<Price["interval"], string> = { day: "a day", week: "a week", month: "a month", year: "a year" };

/** "€29.00 a month"; "Free" for a plan without a price. */
export function formatPrice(price: Price | null, style: Style = {}): string {
  if (!price || price.amount === 0) return "Free";
  return `${formatMoney(price.amount, price.currency, style)} ${PER[price.interval] ?? `per ${price.interval}`}`;
}

const GB = 1024 ** 3;

/** Storage in GB as plans are sold (10737418240 → "10 GB", 1.5 GiB → "1.5 GB"); less than a GB as MB or KB. */
export function formatGB(bytes: number): string {
  if (bytes < GB) return formatBytes(bytes);
  const v = bytes / GB;
  return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} GB`;
}

/** A day as a sentence says it: "7 January 2027". */
export function longDate(iso: string, style: Style = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(style.locale, { day: "numeric", month: "long", year: "numeric", ...(style.timeZone ? { timeZone: style.timeZone } : {}) });
}

/** A usage period for a table: "2026-12" → "December 2026". */
export function periodLabel(period: string, style: Style = {}): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m) return period;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return d.toLocaleDateString(style.locale, { month: "long", year: "numeric", timeZone: "UTC" });
}

/** The month (`YYYY-MM`, UTC, as the server counts usage) `now` falls in. */
export function monthOf(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** The reports with this month's first: `current` is added when the list lacks its month. */
export function withCurrent(reports: UsageReport[], current: UsageReport | null): UsageReport[] {
  if (!current || reports.some((r) => r.period === current.period)) return reports;
  return [current, ...reports].sort((a, b) => (a.period < b.period ? 1 : a.period > b.period ? -1 : 0));
}

// ----- how full a limit is -----

export type Level = "ok" | "near" | "full";

/** used / limit; a limit of 0 is full from the start. */
export function usageFraction(used: number, limit: number): number {
  if (limit > 0) return used / limit;
  return used > 0 ? Number.POSITIVE_INFINITY : 1;
}

/** ok below 80 %, near from 80 %, full from 100 %. */
export function usageLevel(fraction: number): Level {
  if (fraction >= 1) return "full";
  if (fraction >= 0.8) return "near";
  return "ok";
}

export interface Meter {
  key: "devices" | "users" | "storage";
  label: string;
  used: number;
  limit: number;
  /** "3 of 5", "1.2 GB of 10 GB". */
  text: string;
  fraction: number;
  level: Level;
  /** More in use than allowed (a lowered plan): nothing is removed, new ones are refused. */
  over: boolean;
}

/** A storage quota of 0 is no quota (as the server counts it); 0 screens or users is none. */
export function unlimitedStorage(limits: Pick<Limits, "storage_quota_bytes">): boolean {
  return limits.storage_quota_bytes === 0;
}

/** The tenant's usage against each limit, in the order the page shows them. */
export function meters(sub: Pick<Subscription, "usage" | "limits">): Meter[] {
  const rows: [Meter["key"], string, number, number, (n: number) => string][] = [
    ["devices", "Screens", sub.usage.devices, sub.limits.max_devices, String],
    ["users", "Team members", sub.usage.users, sub.limits.max_users, String],
    ["storage", "Storage", sub.usage.storage_bytes, sub.limits.storage_quota_bytes, formatGB],
  ];
  return rows.map(([key, label, used, limit, fmt]) => {
    if (key === "storage" && unlimitedStorage(sub.limits)) {
      return { key, label, used, limit, text: `${fmt(used)}, no limit`, fraction: 0, level: "ok", over: false };
    }
    const fraction = usageFraction(used, limit);
    return { key, label, used, limit, text: `${fmt(used)} of ${fmt(limit)}`, fraction, level: usageLevel(fraction), over: used > limit };
  });
}

// ----- plans -----

/** The plan the tenant pays for, or else the one whose limits apply (the card marked current). */
export function currentPlan(sub: Pick<Subscription, "plan" | "subscribed_plan" | "status">): string {
  const live = sub.subscribed_plan && !["canceled", "incomplete_expired", "none"].includes(sub.status);
  return live ? (sub.subscribed_plan as string) : sub.plan;
}

const MONTHS_PER: Record<Price["interval"], number> = { day: 12 / 365, week: 12 / 52, month: 1, year: 12 };

/** What a plan costs a month, in minor units (yearly prices spread over 12), to compare plans. */
export function monthlyAmount(plan: Pick<Plan, "price">): number {
  if (!plan.price) return 0;
  return plan.price.amount / (MONTHS_PER[plan.price.interval] ?? 1);
}

export type Change = "current" | "upgrade" | "downgrade" | "switch";

/** Whether moving to `target` is an upgrade or a downgrade of `current` (by price; equal prices switch). */
export function planChange(target: Pick<Plan, "name" | "price">, current: Pick<Plan, "name" | "price"> | undefined): Change {
  if (current && target.name === current.name) return "current";
  const a = monthlyAmount(target);
  const b = current ? monthlyAmount(current) : 0;
  return a > b ? "upgrade" : a < b ? "downgrade" : "switch";
}

export const CHANGE_LABEL: Record<Change, string> = {
  current: "Current plan",
  upgrade: "Upgrade",
  downgrade: "Downgrade",
  switch: "Switch",
};

/** The free plan's name for people ("Free"), from the list or by its usual name. */
function freeLabel(plans: Plan[]): string {
  const free = plans.find((p) => p.free);
  return `the ${planLabel(free?.name ?? "free")} plan`;
}

// ----- the banner -----

export interface Banner {
  tone: "info" | "warn" | "bad";
  text: string;
}

/** What the page says above everything about the subscription's state, if anything. */
export function banner(sub: Subscription, plans: Plan[], now: number, style: Style = {}): Banner | null {
  const plan = planLabel(sub.subscribed_plan ?? sub.plan);
  const date = (iso: string) => longDate(iso, style);
  // Without a date, the plan whose limits apply says whether the grace is over.
  const graceLeft = sub.grace_ends_at ? Date.parse(sub.grace_ends_at) > now : sub.plan === sub.subscribed_plan;
  if (sub.status === "past_due" && graceLeft) {
    const by = sub.grace_ends_at ? ` by ${date(sub.grace_ends_at)}` : "";
    return { tone: "warn", text: `Payment failed — update your payment method${by} to keep the ${plan} plan.` };
  }
  if (sub.status === "past_due" || sub.status === "unpaid") {
    return {
      tone: "bad",
      text: `Payment failed: your organisation now has the free plan's limits. Nothing was deleted; update your payment method to restore ${plan}.`,
    };
  }
  if (sub.status === "canceled") {
    return {
      tone: "info",
      text: `Your ${plan} subscription has ended; your organisation has ${freeLabel(plans)}'s limits. Nothing was deleted; choose a plan below to subscribe again.`,
    };
  }
  if (sub.status === "incomplete") {
    return { tone: "warn", text: `The first payment for ${plan} has not gone through yet. Until it does, your organisation keeps its current limits.` };
  }
  if (sub.status === "incomplete_expired") {
    return { tone: "info", text: `The first payment for ${plan} did not go through, so the subscription did not start. Choose a plan below to try again.` };
  }
  if (sub.cancel_at_period_end) {
    const when = sub.current_period_end ? `on ${date(sub.current_period_end)}` : "at the end of this period";
    return { tone: "info", text: `Your ${plan} plan ends ${when}; you then move to ${freeLabel(plans)}.` };
  }
  if (sub.status === "trialing" && sub.trial_end) {
    return { tone: "info", text: `Your trial ends on ${date(sub.trial_end)}.` };
  }
  return null;
}

/** The subscription's state in a word or two, for the page's facts. */
export const STATUS_LABEL: Record<SubscriptionStatus, string> = {
  none: "No subscription",
  trialing: "Trial",
  active: "Active",
  past_due: "Payment failed",
  canceled: "Cancelled",
  unpaid: "Unpaid",
  incomplete: "Waiting for the first payment",
  incomplete_expired: "Not started",
};

export const INVOICE_STATUS: Record<InvoiceStatus, { text: string; tone: "ok" | "warn" | "bad" | "info" }> = {
  paid: { text: "Paid", tone: "ok" },
  open: { text: "Due", tone: "warn" },
  draft: { text: "Draft", tone: "info" },
  void: { text: "Void", tone: "info" },
  uncollectible: { text: "Not collected", tone: "bad" },
};

// ----- refusals about a limit -----

/** Where the Billing page is. */
export const BILLING_PATH = "/billing";

/**
 * The way out of a refusal about a plan limit, when a plan lifts it: a link to Billing
 * ("Upgrade to Pro") for a member who may change the plan, else whom to ask. null for any
 * other failure (and for limits no plan lifts, e.g. the number of schedules).
 */
export function upgradeHint(e: unknown, mayChangePlan: boolean): { link: { href: string; text: string } } | { text: string } | null {
  if (!(e instanceof ApiError) || e.code !== "limit_exceeded" || !e.planLimit?.upgrade_plan) return null;
  const to = planLabel(e.planLimit.upgrade_plan);
  return mayChangePlan ? { link: { href: BILLING_PATH, text: `Upgrade to ${to}` } } : { text: `An admin of your organisation can upgrade to ${to}.` };
}
