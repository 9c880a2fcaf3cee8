// Cloud mode: Billing (tenant.billing, issue #17) — the plan and the subscription's state, how
// full each limit is, the plans on sale with a way to change (Stripe's checkout or portal, both
// pages of Stripe's: we go there and come back), the invoices and the monthly usage reports.
// A server without a payment provider says so and shows the plan its operator set, no buttons.
import { useEffect, useState } from "preact/hooks";
import {
  type Banner,
  type Invoice,
  type Meter,
  type Plan,
  type Redirect,
  type Subscription,
  type UsageReport,
  billingApi,
  banner,
  CHANGE_LABEL,
  currentPlan,
  formatGB,
  formatMoney,
  formatPrice,
  INVOICE_STATUS,
  longDate,
  meters,
  monthOf,
  periodLabel,
  planChange,
  planLabel,
  STATUS_LABEL,
  unlimitedStorage,
  withCurrent,
} from "../billingApi";
import { count } from "../charts";
import { errorText, toast } from "../components";
import { formatBytes } from "../format";

/** A part of the page that loads on its own: its rows, or why not. */
type Part<T> = { rows: T[] } | { error: string } | null;

function BannerNote(props: { banner: Banner }) {
  return (
    <p class={`notice billing-banner ${props.banner.tone}`} role="status" data-testid="billing-banner">
      {props.banner.text}
    </p>
  );
}

/** One limit: how much is used, a bar coloured by how full it is, and what being over means. */
function MeterRow(props: { meter: Meter }) {
  const m = props.meter;
  const width = `${Math.min(100, Math.round(m.fraction * 100))}%`;
  return (
    <li class={`meter ${m.level}`} data-testid={`meter-${m.key}`}>
      <span class="meter-label">{m.label}</span>
      <span class="meter-text">{m.text}</span>
      <span class="meter-bar" aria-hidden="true">
        <span style={{ width }} />
      </span>
      {m.over ? (
        <span class="meter-note bad">Over the limit: new ones are refused, nothing is deleted.</span>
      ) : m.level === "full" ? (
        <span class="meter-note">At the limit: new ones are refused.</span>
      ) : null}
    </li>
  );
}

function PlanFacts(props: { sub: Subscription; plans: Plan[] }) {
  const { sub } = props;
  const name = currentPlan(sub);
  const plan = props.plans.find((p) => p.name === name);
  return (
    <section class="card" aria-labelledby="plan-h">
      <h2 id="plan-h">Your plan</h2>
      <dl class="facts">
        <dt>Plan</dt>
        <dd data-testid="current-plan">
          <strong>{planLabel(name)}</strong>
          {plan?.price ? <span class="muted"> · {formatPrice(plan.price)}</span> : null}
          {sub.plan !== name ? <span class="muted"> · the {planLabel(sub.plan)} plan's limits apply now</span> : null}
        </dd>
        {sub.billing_enabled ? (
          <>
            <dt>Subscription</dt>
            <dd>{STATUS_LABEL[sub.status] ?? sub.status}</dd>
          </>
        ) : null}
        {sub.trial_end && sub.status === "trialing" ? (
          <>
            <dt>Trial ends</dt>
            <dd>{longDate(sub.trial_end)}</dd>
          </>
        ) : null}
        {sub.current_period_end && sub.subscribed_plan && sub.status !== "canceled" ? (
          <>
            <dt>{sub.cancel_at_period_end ? "Ends on" : "Renews on"}</dt>
            <dd>{longDate(sub.current_period_end)}</dd>
          </>
        ) : null}
      </dl>
      <h3 class="meters-h">Use of the plan's limits</h3>
      <ul class="plain meters">
        {meters(sub).map((m) => (
          <MeterRow meter={m} />
        ))}
      </ul>
    </section>
  );
}

/** What a plan offers, in words: "5 screens", "10 GB of storage", its features. */
function planPoints(p: Plan): string[] {
  const l = p.limits;
  return [
    `${count(l.max_devices)} screen${l.max_devices === 1 ? "" : "s"}`,
    `${count(l.max_users)} team member${l.max_users === 1 ? "" : "s"}`,
    unlimitedStorage(l) ? "Unlimited storage" : `${formatGB(l.storage_quota_bytes)} of storage`,
    ...p.features.map((f) => planLabel(f)),
    ...(p.metered ? [`Billed by ${p.metered.replace(/_/g, " ")} in use`] : []),
  ];
}

function PlanCard(props: {
  plan: Plan;
  sub: Subscription;
  current: Plan | undefined;
  busy: string | null;
  onCheckout: (plan: Plan) => void;
  onPortal: () => void;
}) {
  const { plan, sub } = props;
  const change = planChange(plan, props.current ?? { name: currentPlan(sub), price: null });
  const label = planLabel(plan.name);
  let action = null;
  if (change === "current") {
    action = <p class="plan-current">Current plan</p>;
  } else if (!sub.billing_enabled) {
    action = null;
  } else if (plan.free) {
    // The free plan is not bought: leaving a paid one is cancelling it, in Stripe's portal.
    action = sub.has_customer ? (
      <>
        <button type="button" aria-label={`${CHANGE_LABEL[change]} to ${label}`} disabled={props.busy !== null} onClick={props.onPortal}>
          {props.busy === "portal" ? "Opening…" : CHANGE_LABEL[change]}
        </button>
        <p class="hint">Cancel the subscription on the payment page; your plan stays until the end of the period you paid for.</p>
      </>
    ) : null;
  } else {
    action = (
      <button
        type="button"
        class={change === "upgrade" ? "primary" : ""}
        aria-label={`${CHANGE_LABEL[change]} to ${label}`}
        disabled={props.busy !== null}
        onClick={() => props.onCheckout(plan)}
      >
        {props.busy === plan.name ? "Opening…" : CHANGE_LABEL[change]}
      </button>
    );
  }
  return (
    <li class={`card plan${change === "current" ? " is-current" : ""}`} data-testid="plan" aria-labelledby={`plan-${plan.name}`}>
      <h3 id={`plan-${plan.name}`}>{label}</h3>
      <p class="plan-price">{formatPrice(plan.price)}</p>
      <ul class="plan-points">
        {planPoints(plan).map((t) => (
          <li>{t}</li>
        ))}
      </ul>
      <div class="plan-action">{action}</div>
    </li>
  );
}

function Invoices(props: { part: Part<Invoice> }) {
  const p = props.part;
  return (
    <section class="card" aria-labelledby="invoices-h">
      <h2 id="invoices-h">Invoices</h2>
      {p === null ? (
        <p class="muted">Loading…</p>
      ) : "error" in p ? (
        <p class="error">Could not load the invoices: {p.error}</p>
      ) : p.rows.length === 0 ? (
        <p class="muted">No invoices yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="data invoices">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Date</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Links</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((i) => {
                const status = INVOICE_STATUS[i.status] ?? { text: i.status, tone: "info" as const };
                const name = i.number ?? "draft";
                return (
                  <tr data-testid="invoice">
                    <th scope="row" class="mono">
                      {i.number ?? "—"}
                    </th>
                    <td>{longDate(i.created)}</td>
                    <td class="num">{formatMoney(i.status === "paid" ? i.amount_paid : i.amount_due, i.currency)}</td>
                    <td>
                      <span class={`chip ${status.tone}`}>{status.text}</span>
                    </td>
                    <td class="invoice-links">
                      {i.hosted_invoice_url ? (
                        <a href={i.hosted_invoice_url} target="_blank" rel="noopener noreferrer" aria-label={`View invoice ${name}`}>
                          View
                        </a>
                      ) : null}
                      {i.invoice_pdf ? (
                        <a href={i.invoice_pdf} target="_blank" rel="noopener noreferrer" aria-label={`PDF of invoice ${name}`}>
                          PDF
                        </a>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Usage(props: { part: Part<UsageReport> }) {
  const p = props.part;
  return (
    <section class="card" aria-labelledby="usage-h">
      <h2 id="usage-h">Usage by month</h2>
      <p class="muted small">Months in UTC. This month's figures are counted as it goes and are final once it ends.</p>
      {p === null ? (
        <p class="muted">Loading…</p>
      ) : "error" in p ? (
        <p class="error">Could not load the usage: {p.error}</p>
      ) : p.rows.length === 0 ? (
        <p class="muted">No usage recorded yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="data usage">
            <thead>
              <tr>
                <th scope="col">Month</th>
                <th scope="col" class="num">
                  Active screens
                </th>
                <th scope="col" class="num">
                  Plays
                </th>
                <th scope="col" class="num">
                  Content items
                </th>
                <th scope="col" class="num">
                  Storage
                </th>
                <th scope="col" class="num">
                  API calls
                </th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr data-testid="usage-report">
                  <th scope="row">
                    {periodLabel(r.period)}
                    {r.final ? null : <span class="muted"> (so far)</span>}
                  </th>
                  <td class="num">{count(r.active_screens)}</td>
                  <td class="num">{count(r.plays)}</td>
                  <td class="num">{count(r.asset_count)}</td>
                  <td class="num">{formatBytes(r.storage_bytes)}</td>
                  <td class="num">{count(r.api_calls)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The reports, with this month's asked for on its own when the list does not have it yet. */
async function loadUsage(): Promise<UsageReport[]> {
  const list = await billingApi.usageReports();
  const month = monthOf(Date.now());
  if (list.some((r) => r.period === month)) return list;
  const current = await billingApi.usageReport(month).catch(() => null);
  return withCurrent(list, current);
}

export function BillingPage() {
  const [data, setData] = useState<{ sub: Subscription; plans: Plan[] } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [invoices, setInvoices] = useState<Part<Invoice>>(null);
  const [usage, setUsage] = useState<Part<UsageReport>>(null);
  /** The plan whose checkout is opening, or "portal"; every button waits meanwhile. */
  const [busy, setBusy] = useState<string | null>(null);

  async function load() {
    try {
      const [sub, plans] = await Promise.all([billingApi.subscription(), billingApi.plans()]);
      setData({ sub, plans });
      setErr(null);
      // Invoices belong to a Stripe customer: without one there are none to ask for.
      const inv = sub.has_customer ? billingApi.invoices() : Promise.resolve([]);
      inv.then(
        (rows) => setInvoices({ rows }),
        (e) => setInvoices({ error: errorText(e) }),
      );
      loadUsage().then(
        (rows) => setUsage({ rows }),
        (e) => setUsage({ error: errorText(e) }),
      );
    } catch (e) {
      setErr(errorText(e));
    }
  }

  useEffect(() => {
    void load();
    // Back from Stripe's page with the browser's back button: the page comes from the cache
    // with a button still "Opening…" and a state that may have changed there.
    const back = (e: PageTransitionEvent) => {
      if (!e.persisted) return;
      setBusy(null);
      void load();
    };
    addEventListener("pageshow", back);
    return () => removeEventListener("pageshow", back);
  }, []);

  async function go(what: string, open: () => Promise<Redirect>) {
    setBusy(what);
    try {
      const r = await open();
      // Stripe's page; the button stays busy until the browser leaves.
      location.assign(r.url);
    } catch (e) {
      toast(`Could not open the payment page: ${errorText(e)}`, "bad");
      setBusy(null);
    }
  }
  const portal = () => void go("portal", billingApi.portal);
  const checkout = (p: Plan) => void go(p.name, () => billingApi.checkout(p.name));

  const head = (sub: Subscription | null) => (
    <div class="page-head">
      <h1>Billing</h1>
      {sub?.billing_enabled && sub.has_customer ? (
        <div class="controls">
          <button type="button" onClick={portal} disabled={busy !== null}>
            {busy === "portal" ? "Opening…" : "Manage payment"}
          </button>
        </div>
      ) : null}
    </div>
  );

  if (!data) {
    return (
      <div class="billing-page">
        {head(null)}
        {err ? <p class="error">Could not load billing: {err}</p> : <p class="muted">Loading…</p>}
      </div>
    );
  }
  const { sub, plans } = data;
  const note = sub.billing_enabled ? banner(sub, plans, Date.now()) : null;
  const current = plans.find((p) => p.name === currentPlan(sub));
  return (
    <div class="billing-page">
      {head(sub)}
      {note ? <BannerNote banner={note} /> : null}
      {sub.billing_enabled ? null : (
        <p class="notice" data-testid="billing-off">
          This server has no payment provider set up, so plans cannot be bought here: your organisation's plan is set by the operator of this
          server. Ask them to change it.
        </p>
      )}
      <PlanFacts sub={sub} plans={plans} />
      {/* A server with no plans configured has only the limits its operator set per organisation. */}
      {plans.length === 0 ? null : (
        <section aria-labelledby="plans-h">
          <h2 id="plans-h">Plans</h2>
          {sub.billing_enabled && sub.subscribed_plan ? (
            <p class="muted small">A change of plan is confirmed on the payment page.</p>
          ) : null}
          <ul class="plain plans">
            {plans.map((p) => (
              <PlanCard plan={p} sub={sub} current={current} busy={busy} onCheckout={checkout} onPortal={portal} />
            ))}
          </ul>
        </section>
      )}
      <Invoices part={invoices} />
      <Usage part={usage} />
    </div>
  );
}
