//! Billing use cases (issue 17, docs/billing.md): the plans, a tenant's subscription with its
//! limits and usage, checkout and the customer portal, invoices, Stripe's webhook (verified,
//! stored by event id, then applied by the job queue in any order), and monthly usage
//! reports. The rules are `domain::billing`; the Stripe calls are [`stripe`].

pub mod stripe;

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use crate::db::Binding;
use crate::db::models::billing::{
    self as rows, Invoice, StripeEvent, Subscription as Row, UsageReport,
};
use crate::db::models::{audit, membership, screen, tenant};
use crate::domain::billing::{self as rule, Catalogue, Period, Plan, Status};
use crate::error::Error;
use crate::jobs;
use crate::services::context::{Core, Ctx};
use crate::services::limits::{self, Applied, Rules};
use crate::services::quota;
use crate::tenancy::TenantScope;

/// The job that applies one stored Stripe event.
pub const EVENT_JOB: &str = "stripe_event";
/// The job that writes one tenant's usage report for a month.
pub const REPORT_JOB: &str = "usage_report";

/// The event types that change what we hold; others are recorded and ignored.
const HANDLED: &[&str] = &[
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.finalized",
    "invoice.updated",
    "invoice.voided",
    "invoice.marked_uncollectible",
];

/// Billing's process-wide parts: the Stripe client and the API calls counted since the last
/// flush (per tenant; written to `api_usage` by the flusher every minute).
pub struct Billing {
    pub stripe: Option<stripe::Stripe>,
    calls: Mutex<HashMap<String, i64>>,
}

impl Billing {
    pub fn new(config: &crate::config::BillingConfig) -> Billing {
        Billing {
            stripe: stripe::Stripe::new(config),
            calls: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one API call of a tenant (in memory; cheap enough for every request).
    pub fn count_call(&self, tenant_id: &str) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        // No allocation once the tenant has been counted since the last flush.
        match calls.get_mut(tenant_id) {
            Some(n) => *n += 1,
            None => {
                calls.insert(tenant_id.to_string(), 1);
            }
        }
    }

    fn put_back(&self, tenant_id: &str, n: i64) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        *calls.entry(tenant_id.to_string()).or_insert(0) += n;
    }

    fn take_calls(&self) -> HashMap<String, i64> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// A stored row as the billing rule reads it.
pub fn rule_view(row: &Row) -> rule::Subscription {
    rule::Subscription {
        id: row.stripe_subscription_id.clone(),
        plan: row.plan.clone(),
        status: Status::parse(&row.status).unwrap_or(Status::None),
        past_due_since: row.past_due_since.map(|t| t.and_utc()),
        event_at: row.event_at.map(|t| t.and_utc()),
    }
}

fn catalogue(core: &Core) -> Result<&Catalogue, Error> {
    core.catalogue.as_deref().ok_or_else(|| {
        Error::Conflict(
            "Billing is not set up on this server: its operator sets each organisation's limits."
                .into(),
        )
    })
}

/// The plans, cheapest first (empty when none are configured).
pub fn plans(core: &Core) -> Vec<Plan> {
    core.catalogue
        .as_deref()
        .map(|c| c.plans().to_vec())
        .unwrap_or_default()
}

/// What the tenant uses of each limit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Usage {
    pub devices: i64,
    pub users: i64,
    pub storage_bytes: i64,
}

/// The tenant's subscription, the plan and limits that apply, and what it uses.
#[derive(Debug)]
pub struct Overview {
    pub applied: Applied,
    pub row: Option<Row>,
    pub usage: Usage,
    /// Checkout and the portal can be offered.
    pub billing_enabled: bool,
}

pub async fn overview(ctx: &Ctx<'_>) -> Result<Overview, Error> {
    let rules = Rules::of(ctx.core);
    let billing_enabled = ctx.core.billing.stripe.is_some() && ctx.core.catalogue.is_some();
    ctx.read(move |c, s| {
        Ok(Overview {
            applied: limits::applied(c, s, &rules)?,
            row: rows::subscription(c, s)?,
            usage: Usage {
                devices: screen::count(c, s)?,
                users: membership::count(c, s)?,
                storage_bytes: quota::used(c, s)? as i64,
            },
            billing_enabled,
        })
    })
    .await
}

/// Where to send the admin to subscribe to `plan`: a Stripe Checkout page, or, when the
/// tenant already has a live subscription, the customer portal to change it (a second
/// checkout would bill twice).
pub async fn checkout(ctx: &Ctx<'_>, plan: &str, email: Option<String>) -> Result<String, Error> {
    let catalogue = catalogue(ctx.core)?;
    let names = || {
        catalogue
            .plans()
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let wanted = catalogue
        .get(&plan.trim().to_ascii_lowercase())
        .ok_or_else(|| {
            Error::invalid(
                "plan",
                format!("No plan is named {plan:?}; the plans are {}.", names()),
            )
        })?;
    let Some(price) = wanted.price_id.as_deref() else {
        return Err(Error::invalid(
            "plan",
            format!(
                "The {} plan needs no checkout. To leave a paid plan, cancel it under \"Manage payment\"; \
                 the organisation moves to the {} plan at the end of the period.",
                wanted.name,
                catalogue.free_name()
            ),
        ));
    };
    let stripe = ctx.core.billing.stripe.as_ref().ok_or_else(|| {
        Error::Conflict("This server has no Stripe key: plans cannot be bought here.".into())
    })?;
    let row = ctx.read(rows::subscription).await?;
    let public = ctx.core.config.public_url();
    let status = row
        .as_ref()
        .and_then(|r| Status::parse(&r.status))
        .unwrap_or(Status::None);
    if let Some(r) = row.as_ref().filter(|_| status.is_live())
        && let (Some(customer), Some(sub)) = (&r.stripe_customer_id, &r.stripe_subscription_id)
    {
        if r.plan.as_deref() == Some(wanted.name.as_str()) {
            return Err(Error::Conflict(format!(
                "The organisation is on the {} plan already; manage it under \"Manage payment\".",
                wanted.name
            )));
        }
        let change = stripe::PlanChange {
            subscription: sub,
            item: r.stripe_item_id.as_deref(),
            price,
            metered: wanted.metered.is_some(),
        };
        return stripe
            .portal(customer, format!("{public}/billing"), Some(change))
            .await;
    }
    let first = row
        .as_ref()
        .is_none_or(|r| !r.had_trial && r.stripe_subscription_id.is_none());
    let trial = (first && ctx.core.config.billing.trial_days > 0)
        .then_some(ctx.core.config.billing.trial_days);
    let url = stripe
        .checkout(stripe::Checkout {
            tenant_id: ctx.tenant_id(),
            price_id: price,
            plan: &wanted.name,
            customer: row.as_ref().and_then(|r| r.stripe_customer_id.as_deref()),
            email: email.as_deref(),
            trial_days: trial,
            metered: wanted.metered.is_some(),
            success_url: format!("{public}/billing?checkout=done"),
            cancel_url: format!("{public}/billing?checkout=cancelled"),
        })
        .await?;
    let (audit, name) = (ctx.audit(), wanted.name.clone());
    ctx.write(move |c, s| {
        audit.record(
            c,
            s,
            "billing.checkout_started",
            None,
            json!({ "plan": name }),
        )
    })
    .await?;
    Ok(url)
}

/// A customer portal session (payment method, invoices, plan changes, cancelling).
pub async fn portal(ctx: &Ctx<'_>) -> Result<String, Error> {
    catalogue(ctx.core)?;
    let stripe = ctx.core.billing.stripe.as_ref().ok_or_else(|| {
        Error::Conflict("This server has no Stripe key: there is no payment portal.".into())
    })?;
    let row = ctx.read(rows::subscription).await?;
    let customer = row.and_then(|r| r.stripe_customer_id).ok_or_else(|| {
        Error::Conflict(
            "This organisation has not subscribed yet: choose a plan first; the portal then \
             manages its payment."
                .into(),
        )
    })?;
    stripe
        .portal(
            &customer,
            format!("{}/billing", ctx.core.config.public_url()),
            None,
        )
        .await
}

/// The tenant's invoices as Stripe last reported them, newest first.
pub async fn invoices(ctx: &Ctx<'_>) -> Result<Vec<Invoice>, Error> {
    ctx.read(|c, s| rows::invoices(c, s, 200)).await
}

/// One month's usage: the stored report, or for the current month the figures so far.
pub async fn usage(ctx: &Ctx<'_>, period: Period) -> Result<(UsageReport, bool), Error> {
    let now = Utc::now();
    let current = Period::of(now);
    if period > current {
        return Err(Error::invalid("period", "That month has not begun yet."));
    }
    let stored = {
        let p = period.to_string();
        ctx.read(move |c, s| rows::report(c, s, &p)).await?
    };
    match stored {
        Some(r) => Ok((r, true)),
        None if period == current => {
            flush_calls(ctx.core).await;
            let r = ctx.read(move |c, s| measure(c, s, period, now)).await?;
            Ok((r, false))
        }
        None => Err(Error::NotFound(format!(
            "No usage report for {period}: reports are written after a month ends, from the month \
             the organisation began."
        ))),
    }
}

/// The tenant's stored reports, newest first.
pub async fn reports(ctx: &Ctx<'_>) -> Result<Vec<UsageReport>, Error> {
    ctx.read(rows::reports).await
}

/// The figures of a month (up to `now` for the current one).
fn measure(
    c: &mut crate::db::AnyConnection,
    s: &TenantScope,
    period: Period,
    now: DateTime<Utc>,
) -> Result<UsageReport, Error> {
    let (start, end) = (period.start(), period.end().min(now.max(period.start())));
    let last_day = (period.end() - chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    Ok(UsageReport {
        tenant_id: s.id().to_string(),
        period: period.to_string(),
        asset_count: rows::asset_count(c, s)?,
        storage_bytes: quota::used(c, s)? as i64,
        api_calls: rows::api_calls(c, s, &period.to_string())?,
        active_screens: rows::active_screens(
            c,
            s,
            &start.format("%Y-%m-%d").to_string(),
            &last_day,
        )?,
        plays: rows::plays(c, s, start.naive_utc(), end.naive_utc())?,
        created_at: now.naive_utc(),
        reported_to_stripe_at: None,
    })
}

/// How a webhook delivery was taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// Stored and queued (or recorded as ignored / for no known tenant).
    Stored,
    /// An event with this id was received before: nothing was done.
    Repeat,
}

/// `POST /webhooks/stripe`: checks the signature, stores the event by its id, and queues it
/// for the tenant it concerns. A bad or old signature changes nothing.
pub async fn receive(core: &Core, signature: Option<&str>, body: &[u8]) -> Result<Received, Error> {
    let secret = &core.config.billing.webhook_secret;
    if secret.is_empty() {
        return Err(Error::Invalid {
            field: None,
            message: "Stripe webhooks are not set up on this server (billing.webhook_secret)."
                .into(),
        });
    }
    rule::signature::verify(signature, body, secret, Utc::now().timestamp()).map_err(|e| {
        Error::Invalid {
            field: Some("Stripe-Signature".into()),
            message: e.to_string(),
        }
    })?;
    let event: Value = serde_json::from_slice(body)
        .map_err(|_| Error::invalid("body", "The payload is not a JSON Stripe event."))?;
    let (Some(id), Some(kind), Some(created)) = (
        event["id"].as_str(),
        event["type"].as_str(),
        event["created"].as_i64(),
    ) else {
        return Err(Error::invalid(
            "body",
            "A Stripe event has id, type and created.",
        ));
    };
    if !event["data"]["object"].is_object() {
        return Err(Error::invalid("body", "A Stripe event has data.object."));
    }
    let object = &event["data"]["object"];
    let claimed = tenant_hint(object);
    let customer = object["customer"].as_str().map(str::to_string);
    let handled = HANDLED.contains(&kind);
    let row = StripeEvent {
        id: id.to_string(),
        kind: kind.to_string(),
        created_at: at(created),
        tenant_id: None,
        payload: String::from_utf8_lossy(body).into_owned(),
        state: "queued".into(),
        note: None,
        received_at: Utc::now().naive_utc(),
        applied_at: None,
    };
    let binding = match &customer {
        Some(c) => Binding::lookup(format!("cus:{c}")),
        None => Binding::default(),
    };
    let (outcome, tenant_id) = core
        .db
        .bound(binding, move |c| {
            let mut row = row;
            // A Stripe customer that belongs to a tenant speaks for that tenant only; before
            // that, the tenant our metadata names (if it exists).
            let owner = match &customer {
                Some(cus) => rows::tenant_of_customer(c, cus)?,
                None => None,
            };
            let named = match claimed {
                Some(t) if tenant::find_by_id(c, &t)?.is_some() => Some(t),
                _ => None,
            };
            let tenant_id = owner.clone().or(named.clone());
            row.tenant_id = tenant_id.clone();
            if !handled {
                row.state = "ignored".into();
                row.note = Some("an event type billing does not act on".into());
            } else if let (Some(o), Some(n)) = (&owner, &named)
                && o != n
            {
                row.state = "conflict".into();
                row.note = Some(format!(
                    "the event names tenant {n} but its customer belongs to tenant {o}; not applied"
                ));
                tracing::warn!(owner = %o, named = %n, "a Stripe event names another tenant than its customer's; not applied");
            } else if tenant_id.is_none() {
                row.state = "unknown_tenant".into();
                row.note = Some("no tenant has this subscription or customer".into());
            }
            if !rows::insert_event(c, &row)? {
                return Ok((Received::Repeat, None));
            }
            if row.state == "queued"
                && let Some(t) = &tenant_id
            {
                jobs::enqueue(
                    c,
                    &TenantScope::new(t),
                    EVENT_JOB,
                    &json!({ "event_id": row.id }),
                )?;
            }
            Ok((Received::Stored, tenant_id))
        })
        .await?;
    match (&outcome, &tenant_id) {
        (Received::Stored, Some(t)) if handled => {
            tracing::info!(event = id, kind, tenant = %t, "Stripe event queued");
            core.jobs.wake();
        }
        (Received::Stored, _) => {
            tracing::info!(event = id, kind, "Stripe event recorded, nothing to apply");
        }
        (Received::Repeat, _) => tracing::info!(event = id, kind, "Stripe event repeated; ignored"),
    }
    Ok(outcome)
}

/// The tenant an object names in the metadata we set: a subscription's (and so its
/// invoices' `subscription_details`) or a Checkout Session's we created. Never a session's
/// `client_reference_id`: a Payment Link lets its buyer choose that.
fn tenant_hint(object: &Value) -> Option<String> {
    [
        &object["metadata"]["tenant_id"],
        &object["subscription_details"]["metadata"]["tenant_id"],
        &object["parent"]["subscription_details"]["metadata"]["tenant_id"],
    ]
    .into_iter()
    .find_map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
}

fn at(unix: i64) -> NaiveDateTime {
    DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .naive_utc()
}

fn time_field(v: &Value) -> Option<NaiveDateTime> {
    v.as_i64().filter(|t| *t > 0).map(at)
}

/// What an event did, for the event's row.
struct Outcome {
    note: String,
    /// A payment just failed and the grace period began: tell the admins.
    grace_began: bool,
}

/// Applies one stored event to its tenant (the `stripe_event` job). Safe to run again: an
/// event already applied is skipped, and one older than what is stored changes nothing.
pub async fn apply(core: &Core, scope: &TenantScope, event_id: &str) -> Result<(), Error> {
    let id = event_id.to_string();
    let Some(event) = core.db.system(move |c| rows::event(c, &id)).await? else {
        return Ok(());
    };
    if event.state != "queued" {
        return Ok(());
    }
    let payload: Value = serde_json::from_str(&event.payload)
        .map_err(|e| Error::Internal(format!("stored Stripe event unreadable: {e}")))?;
    let catalogue = core.catalogue.clone();
    let grace_days = core.config.billing.grace_days;
    let public = core.config.public_url();
    let cloud = core.cloud.clone();
    let (s, ev) = (scope.clone(), event.clone());
    let done = core
        .db
        .write(scope, move |c| {
            let now = Utc::now().naive_utc();
            let mut row = rows::subscription_locked(c, &s)?.unwrap_or_else(|| Row::empty(s.id(), now));
            let before = (row.plan.clone(), row.status.clone());
            let event_at = ev.created_at;
            let object = &payload["data"]["object"];
            let outcome = match ev.kind.as_str() {
                "checkout.session.completed" => on_checkout(&mut row, object, event_at, catalogue.as_deref()),
                k if k.starts_with("customer.subscription.") => {
                    on_subscription(&mut row, k, object, event_at, catalogue.as_deref())
                }
                k if k.starts_with("invoice.") => on_invoice(c, &s, &mut row, k, object, event_at)?,
                _ => Outcome { note: "not handled".into(), grace_began: false },
            };
            row.updated_at = now;
            // Once per grace period: it begins only when no payment was failing before.
            if outcome.grace_began {
                row.grace_mailed_at = Some(now);
                if let Some(cloud) = &cloud {
                    mail_grace(c, &s, cloud, &row, &public, grace_days)?;
                }
            }
            rows::save_subscription(c, &row)?;
            let actor = audit::Actor {
                kind: "stripe",
                id: ev.id.clone(),
                label: "Stripe".into(),
                ip: None,
            };
            if before != (row.plan.clone(), row.status.clone()) {
                audit::insert(
                    c,
                    &s,
                    &actor,
                    "billing.subscription_changed",
                    None,
                    json!({ "event": ev.kind, "plan": row.plan, "status": row.status, "was": { "plan": before.0, "status": before.1 } }),
                )?;
            }
            record_plan(c, &s, &row, catalogue.as_deref(), grace_days)?;
            rows::finish_event(c, &ev.id, "applied", Some(&outcome.note), now)?;
            Ok(outcome.grace_began)
        })
        .await?;
    if done {
        core.jobs.wake();
    }
    Ok(())
}

/// Writes the plan that applies now onto the tenant's row, for the operator's eye (the limits
/// are always judged by the rule, to the second).
fn record_plan(
    c: &mut crate::db::AnyConnection,
    s: &TenantScope,
    row: &Row,
    catalogue: Option<&Catalogue>,
    grace_days: u32,
) -> Result<(), Error> {
    let Some(catalogue) = catalogue else {
        return Ok(());
    };
    let standing = rule::standing(catalogue, Some(&rule_view(row)), Utc::now(), grace_days);
    if let Some(p) = standing.plan {
        let mut t = tenant::get(c, s)?;
        t.put_plan(&p.name, &p.limits, &p.features);
        tenant::set_plan(c, &t)?;
    }
    Ok(())
}

/// The plan a subscription is for: the first of its items whose price is a plan's (a metered
/// item may come first), else the plan named at checkout.
fn plan_of(object: &Value, catalogue: Option<&Catalogue>) -> Option<String> {
    let mut prices: Vec<&str> = object["items"]["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["price"]["id"].as_str().or(i["plan"]["id"].as_str()))
                .collect()
        })
        .unwrap_or_default();
    prices.extend(object["plan"]["id"].as_str());
    prices
        .into_iter()
        .find_map(|p| catalogue.and_then(|c| c.by_price(p)))
        .map(|p| p.name.clone())
        .or_else(|| object["metadata"]["plan"].as_str().map(str::to_string))
}

/// The id of the subscription item whose price is a plan's (else the first item).
fn plan_item(object: &Value, catalogue: Option<&Catalogue>) -> Option<String> {
    let items = object["items"]["data"].as_array()?;
    let is_plan = |i: &&Value| {
        i["price"]["id"]
            .as_str()
            .or(i["plan"]["id"].as_str())
            .is_some_and(|p| catalogue.is_some_and(|c| c.by_price(p).is_some()))
    };
    items
        .iter()
        .find(is_plan)
        .or(items.first())
        .and_then(|i| i["id"].as_str())
        .map(str::to_string)
}

fn on_checkout(
    row: &mut Row,
    session: &Value,
    event_at: NaiveDateTime,
    catalogue: Option<&Catalogue>,
) -> Outcome {
    if let Some(cus) = session["customer"].as_str()
        && row.stripe_customer_id.is_none()
    {
        row.stripe_customer_id = Some(cus.to_string());
    }
    let Some(sub_id) = session["subscription"].as_str().filter(|s| !s.is_empty()) else {
        return Outcome {
            note: "checkout without a subscription: customer noted".into(),
            grace_began: false,
        };
    };
    // The session says the subscription exists; its own events bring its details. Until
    // then: the plan chosen at checkout, active once paid (trialing when nothing was due).
    // The subscription's event time is left unset, so its own events (sent in the same
    // second or just before) are never taken for older news.
    let status = match session["payment_status"].as_str() {
        Some("paid") => Status::Active,
        Some("no_payment_required") => Status::Trialing,
        _ => Status::Incomplete,
    };
    let stored = row.stripe_subscription_id.as_ref().map(|_| rule_view(row));
    let same = row.stripe_subscription_id.as_deref() == Some(sub_id);
    if same || !rule::supersedes(stored.as_ref(), sub_id, status, event_at.and_utc()) {
        return Outcome {
            note: "checkout completed; the subscription is known already".into(),
            grace_began: false,
        };
    }
    let plan = session["metadata"]["plan"]
        .as_str()
        .map(str::to_string)
        .or_else(|| plan_of(session, catalogue));
    row.stripe_subscription_id = Some(sub_id.to_string());
    row.stripe_item_id = None;
    row.plan = plan;
    row.status = status.as_str().into();
    row.event_at = None;
    row.past_due_since = None;
    row.payment_event_at = None;
    row.cancel_at_period_end = false;
    Outcome {
        note: format!(
            "checkout completed: subscription {sub_id} {}",
            status.as_str()
        ),
        grace_began: false,
    }
}

fn on_subscription(
    row: &mut Row,
    kind: &str,
    sub: &Value,
    event_at: NaiveDateTime,
    catalogue: Option<&Catalogue>,
) -> Outcome {
    let Some(id) = sub["id"].as_str() else {
        return Outcome {
            note: "subscription event without an id".into(),
            grace_began: false,
        };
    };
    let mut status = sub["status"]
        .as_str()
        .and_then(Status::parse)
        .unwrap_or(Status::Active);
    if kind == "customer.subscription.deleted" {
        status = Status::Canceled;
    }
    let stored = row.stripe_subscription_id.as_ref().map(|_| rule_view(row));
    if !rule::supersedes(stored.as_ref(), id, status, event_at.and_utc()) {
        return Outcome {
            note: format!("older than what is stored for {id}: nothing changed"),
            grace_began: false,
        };
    }
    if row.stripe_subscription_id.as_deref() != Some(id) {
        row.past_due_since = None;
        row.payment_event_at = None;
        row.stripe_item_id = None;
    }
    row.stripe_subscription_id = Some(id.to_string());
    if let Some(cus) = sub["customer"].as_str() {
        row.stripe_customer_id = Some(cus.to_string());
    }
    if let Some(plan) = plan_of(sub, catalogue) {
        row.plan = Some(plan);
    }
    if let Some(item) = plan_item(sub, catalogue) {
        row.stripe_item_id = Some(item);
    }
    let mut grace_began = false;
    match status {
        Status::PastDue if row.past_due_since.is_none() => {
            row.past_due_since = Some(event_at);
            grace_began = true;
        }
        Status::Active | Status::Trialing => row.past_due_since = None,
        _ => {}
    }
    row.status = status.as_str().into();
    row.event_at = Some(event_at);
    row.cancel_at_period_end = sub["cancel_at_period_end"].as_bool().unwrap_or(false);
    // Newer API versions keep the period on the subscription's items.
    row.current_period_end = time_field(&sub["current_period_end"]).or_else(|| {
        sub["items"]["data"]
            .as_array()
            .and_then(|i| i.first())
            .and_then(|i| time_field(&i["current_period_end"]))
    });
    row.trial_end = time_field(&sub["trial_end"]);
    if row.trial_end.is_some() || status == Status::Trialing {
        row.had_trial = true;
    }
    Outcome {
        note: format!(
            "subscription {id}: {} on {}",
            status.as_str(),
            row.plan.as_deref().unwrap_or("?")
        ),
        grace_began,
    }
}

fn on_invoice(
    c: &mut crate::db::AnyConnection,
    s: &TenantScope,
    row: &mut Row,
    kind: &str,
    invoice: &Value,
    event_at: NaiveDateTime,
) -> Result<Outcome, Error> {
    let Some(id) = invoice["id"].as_str() else {
        return Ok(Outcome {
            note: "invoice event without an id".into(),
            grace_began: false,
        });
    };
    rows::save_invoice(
        c,
        s,
        &Invoice {
            id: id.to_string(),
            tenant_id: s.id().to_string(),
            number: invoice["number"].as_str().map(str::to_string),
            created_at: time_field(&invoice["created"]).unwrap_or(event_at),
            amount_due: invoice["amount_due"].as_i64().unwrap_or(0),
            amount_paid: invoice["amount_paid"].as_i64().unwrap_or(0),
            currency: invoice["currency"].as_str().unwrap_or("usd").to_string(),
            status: invoice["status"].as_str().unwrap_or("open").to_string(),
            hosted_invoice_url: invoice["hosted_invoice_url"].as_str().map(str::to_string),
            invoice_pdf: invoice["invoice_pdf"].as_str().map(str::to_string),
            event_at,
        },
    )?;
    if let Some(cus) = invoice["customer"].as_str()
        && row.stripe_customer_id.is_none()
    {
        row.stripe_customer_id = Some(cus.to_string());
    }
    let paid = match kind {
        "invoice.paid" | "invoice.payment_succeeded" => true,
        "invoice.payment_failed" => false,
        _ => {
            return Ok(Outcome {
                note: format!("invoice {id} mirrored"),
                grace_began: false,
            });
        }
    };
    // An invoice of another (older) subscription does not move this one's payment state.
    let sub = invoice["subscription"]
        .as_str()
        .or(invoice["parent"]["subscription_details"]["subscription"].as_str());
    if let (Some(theirs), Some(ours)) = (sub, row.stripe_subscription_id.as_deref())
        && theirs != ours
    {
        return Ok(Outcome {
            note: format!("invoice {id} of another subscription mirrored"),
            grace_began: false,
        });
    }
    let Some(since) = rule::after_invoice(
        row.past_due_since.map(|t| t.and_utc()),
        row.payment_event_at.map(|t| t.and_utc()),
        paid,
        event_at.and_utc(),
    ) else {
        return Ok(Outcome {
            note: format!("invoice {id}: older payment news, mirrored only"),
            grace_began: false,
        });
    };
    let was_failing = row.past_due_since.is_some();
    row.past_due_since = since.map(|t| t.naive_utc());
    row.payment_event_at = Some(event_at);
    // The status is the subscription's events' to say; an invoice event moves it only when it
    // is newer than the last of those (Stripe's own subscription.updated may not have come).
    let status = Status::parse(&row.status).unwrap_or(Status::None);
    let newer = row.event_at.is_none_or(|last| event_at > last);
    if newer && paid && status == Status::PastDue {
        row.status = Status::Active.as_str().into();
    } else if newer && !paid && matches!(status, Status::Active | Status::Trialing) {
        row.status = Status::PastDue.as_str().into();
    }
    // Admins hear of it once per failing period, and only for a subscription that was
    // running (a first payment failing at checkout is the buyer's to see there).
    let began = !was_failing && since.is_some() && row.status == Status::PastDue.as_str();
    Ok(Outcome {
        note: format!(
            "invoice {id} {}",
            if paid { "paid" } else { "payment failed" }
        ),
        grace_began: began,
    })
}

/// Tells the tenant's admins that a payment failed and until when everything keeps working.
fn mail_grace(
    c: &mut crate::db::AnyConnection,
    s: &TenantScope,
    cloud: &crate::cloud::Cloud,
    row: &Row,
    public: &str,
    grace_days: u32,
) -> Result<(), Error> {
    let t = tenant::get(c, s)?;
    let plan = row.plan.clone().unwrap_or_else(|| "paid".into());
    let until = row
        .past_due_since
        .and_then(|t| t.checked_add_signed(chrono::TimeDelta::try_days(i64::from(grace_days))?))
        .map(|t| t.format("%-d %B %Y").to_string())
        .unwrap_or_else(|| "the end of the grace period".into());
    for (m, u) in membership::list(c, s)? {
        if m.role != "tenant_admin" {
            continue;
        }
        let mail = crate::cloud::mail::with_link(
            &u.email,
            &format!("Payment failed for {} on Signate", t.name),
            &[
                "Hello,".into(),
                format!(
                    "The last payment for {}'s {plan} plan did not go through. Everything keeps \
                     working until {until} ({grace_days} days); update the payment method before \
                     then so the plan continues. If the payment is not made by then, the \
                     organisation moves to the free plan's limits: nothing is deleted, but new \
                     screens, members and files over those limits are refused.",
                    t.name
                ),
            ],
            "Update the payment method",
            &format!("{public}/billing"),
            "You receive this as an admin of the organisation.",
        );
        jobs::mail::deliver(c, cloud, s, &mail)?;
    }
    Ok(())
}

/// Adds the API calls counted in memory to `api_usage` (every minute, and before a live
/// report), one tenant-bound transaction each (the table is behind row-level security). What
/// could not be written is kept for the next flush.
pub async fn flush_calls(core: &Core) {
    let calls = core.billing.take_calls();
    let period = Period::of(Utc::now()).to_string();
    for (tenant, n) in calls {
        let (scope, p) = (TenantScope::new(&tenant), period.clone());
        let s = scope.clone();
        let written = core
            .db
            .write(&scope, move |c| rows::add_api_calls(c, s.id(), &p, n))
            .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, tenant, "could not record API calls; kept for the next flush");
            core.billing.put_back(&tenant, n);
        }
    }
}

/// Queues last month's report for every tenant that lacks one (run at start and hourly; the
/// job itself is idempotent, so several instances doing this at once write one report).
pub async fn queue_reports(core: &Core) -> Result<usize, Error> {
    let period = Period::of(Utc::now()).previous();
    let ids = core.db.system(tenant::all_ids).await?;
    let mut queued = 0;
    for t in ids {
        let scope = TenantScope::new(&t);
        let p = period.to_string();
        let s = scope.clone();
        // Bound to the tenant: its reports are behind row-level security.
        let rules = Rules::of(core);
        let added = core
            .db
            .write(&scope, move |c| {
                if jobs::is_queued(c, &s, REPORT_JOB)? {
                    return Ok(false);
                }
                // Written, and sent to Stripe if it is metered (a Stripe outage at the time
                // leaves it to send, hour after hour, until it goes).
                if let Some(r) = rows::report(c, &s, &p)? {
                    let metered = rules.catalogue.as_deref().is_some_and(|cat| {
                        limits::applied(c, &s, &rules)
                            .ok()
                            .and_then(|a| cat.get(&a.plan).map(|p| p.metered.is_some()))
                            .unwrap_or(false)
                    });
                    let customer = rows::subscription(c, &s)?.and_then(|r| r.stripe_customer_id);
                    if r.reported_to_stripe_at.is_some() || !metered || customer.is_none() {
                        return Ok(false);
                    }
                }
                jobs::enqueue(c, &s, REPORT_JOB, &json!({ "period": p }))?;
                Ok(true)
            })
            .await?;
        queued += usize::from(added);
    }
    if queued > 0 {
        tracing::info!(tenants = queued, %period, "usage reports queued");
        core.jobs.wake();
    }
    Ok(queued)
}

/// Queues again the Stripe events still waiting ten minutes after they came (their job gave
/// up while the database or a tenant row was unavailable): Stripe was answered 200 and will
/// not send them again.
pub async fn requeue_stale_events(core: &Core) -> Result<usize, Error> {
    let before = Utc::now().naive_utc() - chrono::TimeDelta::minutes(10);
    let stale = core
        .db
        .system(move |c| rows::stale_events(c, before))
        .await?;
    let mut queued = 0;
    for (id, tenant) in stale {
        let s = TenantScope::new(&tenant);
        let scope = s.clone();
        let added = core
            .db
            .write(&scope, move |c| {
                if jobs::is_queued(c, &s, EVENT_JOB)? {
                    return Ok(false);
                }
                jobs::enqueue(c, &s, EVENT_JOB, &json!({ "event_id": id }))?;
                Ok(true)
            })
            .await?;
        queued += usize::from(added);
    }
    if queued > 0 {
        tracing::warn!(
            events = queued,
            "Stripe events queued again after their job gave up"
        );
        core.jobs.wake();
    }
    Ok(queued)
}

/// Writes one tenant's report for a month (the `usage_report` job), then reports metered
/// usage to Stripe when the tenant's plan is metered.
pub async fn generate_usage_report(
    core: &Core,
    scope: &TenantScope,
    period: Period,
) -> Result<(), Error> {
    flush_calls(core).await;
    let now = Utc::now();
    let s = scope.clone();
    let report = core
        .db
        .write(scope, move |c| {
            if let Some(r) = rows::report(c, &s, &period.to_string())? {
                return Ok(r);
            }
            let r = measure(c, &s, period, now)?;
            rows::insert_report(c, &r)?;
            Ok(r)
        })
        .await?;
    if report.reported_to_stripe_at.is_some() {
        return Ok(());
    }
    let rules = Rules::of(core);
    let s = scope.clone();
    let (applied, row) = core
        .db
        .read(scope, move |c| {
            Ok((limits::applied(c, &s, &rules)?, rows::subscription(c, &s)?))
        })
        .await?;
    let Some(plan) = core.catalogue.as_deref().and_then(|c| c.get(&applied.plan)) else {
        return Ok(());
    };
    let (Some(metered), Some(customer), Some(stripe)) = (
        plan.metered.as_deref(),
        row.and_then(|r| r.stripe_customer_id),
        core.billing.stripe.as_ref(),
    ) else {
        return Ok(());
    };
    let value = match metered {
        "screens" => report.active_screens,
        _ => return Ok(()),
    };
    let event_name = core
        .config
        .billing
        .plans
        .iter()
        .find(|(k, _)| k.to_ascii_lowercase() == plan.name)
        .map(|(_, p)| p.meter_event.clone())
        .unwrap_or_else(|| "signate_active_screens".into());
    // Stamped inside the month it measures; the identifier makes a resend a no-op at Stripe.
    let stamp = (period.end() - chrono::TimeDelta::seconds(1)).timestamp();
    stripe
        .meter_event(
            &event_name,
            &customer,
            value,
            &format!("{}-{period}", scope.id()),
            stamp,
        )
        .await?;
    let (s, p) = (scope.clone(), period.to_string());
    core.db
        .write(scope, move |c| {
            rows::mark_reported(c, &s, &p, Utc::now().naive_utc())
        })
        .await?;
    tracing::info!(tenant = scope.id(), %period, value, metered, "usage reported to Stripe");
    Ok(())
}
