//! `/api/v3/billing/*` (permission `tenant.billing`; the plans are public) and Stripe's
//! `POST /webhooks/stripe` (docs/billing.md). Parsing and views only: the use cases are
//! `services::billing`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Allowed, ApiResult, Json, perm};
use crate::api::json::iso;
use crate::db::models::billing::{Invoice as InvoiceRow, UsageReport as ReportRow};
use crate::domain::billing::{self as rule, Period, Plan as PlanRule};
use crate::error::Error;
use crate::services::billing::{self, Received};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/billing/plans", web::get().to(plans))
        .route("/billing/subscription", web::get().to(subscription))
        .route("/billing/checkout", web::post().to(checkout))
        .route("/billing/portal", web::post().to(portal))
        .route("/billing/invoices", web::get().to(invoices))
        .route("/billing/usage", web::get().to(usage));
}

/// Stripe's endpoint, outside `/api/v3` (Stripe is not an API client of a tenant).
pub fn webhook_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks/stripe")
            // Stripe's events are small; a larger body is not Stripe.
            .app_data(web::PayloadConfig::new(1 << 20))
            .route(web::post().to(webhook)),
    );
}

/// A plan's limits.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanLimits {
    pub max_devices: i64,
    pub max_users: i64,
    /// Bytes; 0: unlimited.
    pub storage_quota_bytes: i64,
}

impl From<rule::Limits> for PlanLimits {
    fn from(l: rule::Limits) -> Self {
        PlanLimits {
            max_devices: l.max_devices,
            max_users: l.max_users,
            storage_quota_bytes: l.storage_quota_bytes,
        }
    }
}

/// A price for display.
#[derive(Debug, Serialize, ToSchema)]
pub struct Price {
    /// Minor units (2900 = 29.00).
    pub amount: i64,
    /// ISO 4217, lower case.
    pub currency: String,
    /// `month` or `year`.
    pub interval: String,
}

/// A plan one can be on.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingPlan {
    pub name: String,
    /// Null for a plan nobody buys (the free plan).
    #[schema(required = true)]
    pub price: Option<Price>,
    pub limits: PlanLimits,
    pub features: Vec<String>,
    /// What is reported to Stripe as usage (`screens`), or null.
    #[schema(required = true)]
    pub metered: Option<String>,
    /// The plan of an organisation without a subscription.
    pub free: bool,
}

fn plan_view(p: &PlanRule, free: &str) -> BillingPlan {
    BillingPlan {
        name: p.name.clone(),
        price: p.price_id.as_ref().map(|_| Price {
            amount: p.amount,
            currency: p.currency.clone(),
            interval: p.interval.clone(),
        }),
        limits: p.limits.into(),
        features: p.features.clone(),
        metered: p.metered.clone(),
        free: p.name == free,
    }
}

/// What an organisation uses of each limit.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingUsage {
    pub devices: i64,
    pub users: i64,
    pub storage_bytes: i64,
}

/// The organisation's subscription and the limits that apply.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingSubscription {
    /// The plan whose limits apply now.
    pub plan: String,
    /// The plan of the Stripe subscription, if any (it differs from `plan` once a failed
    /// payment's grace period is over, or after the subscription ended).
    #[schema(required = true)]
    pub subscribed_plan: Option<String>,
    /// Stripe's status of the subscription, or `none`.
    #[schema(
        pattern = "^(none|incomplete|trialing|active|past_due|unpaid|paused|canceled|incomplete_expired)$"
    )]
    pub status: String,
    #[schema(required = true, format = DateTime)]
    pub current_period_end: Option<String>,
    pub cancel_at_period_end: bool,
    #[schema(required = true, format = DateTime)]
    pub trial_end: Option<String>,
    /// While `past_due`: when the free plan's limits begin to apply.
    #[schema(required = true, format = DateTime)]
    pub grace_ends_at: Option<String>,
    pub limits: PlanLimits,
    pub usage: BillingUsage,
    pub features: Vec<String>,
    /// A customer portal can be opened.
    pub has_customer: bool,
    /// Checkout and the portal are offered (the server has plans and a Stripe key).
    pub billing_enabled: bool,
}

/// Where to send the browser.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingRedirect {
    /// A Stripe Checkout or customer portal page.
    pub url: String,
}

/// An invoice as Stripe last reported it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingInvoice {
    pub id: String,
    #[schema(required = true)]
    pub number: Option<String>,
    #[schema(format = DateTime)]
    pub created: String,
    /// The invoice's date: when Stripe created it (the same instant as `created`).
    #[schema(format = DateTime)]
    pub date: String,
    /// What the invoice is for, in minor units (Stripe's `amount_due`).
    pub amount: i64,
    /// Minor units.
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: String,
    /// `draft`, `open`, `paid`, `void` or `uncollectible`.
    pub status: String,
    #[schema(required = true)]
    pub hosted_invoice_url: Option<String>,
    #[schema(required = true)]
    pub invoice_pdf: Option<String>,
}

impl From<&InvoiceRow> for BillingInvoice {
    fn from(i: &InvoiceRow) -> Self {
        BillingInvoice {
            id: i.id.clone(),
            number: i.number.clone(),
            created: iso(i.created_at),
            date: iso(i.created_at),
            amount: i.amount_due,
            amount_due: i.amount_due,
            amount_paid: i.amount_paid,
            currency: i.currency.clone(),
            status: i.status.clone(),
            hosted_invoice_url: i.hosted_invoice_url.clone(),
            invoice_pdf: i.invoice_pdf.clone(),
        }
    }
}

/// One month's usage.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    /// `YYYY-MM` (UTC).
    pub period: String,
    /// False for the current month: the figures so far, not a stored report.
    #[serde(rename = "final")]
    pub is_final: bool,
    pub asset_count: i64,
    pub storage_bytes: i64,
    pub api_calls: i64,
    /// Screens online at some time in the month.
    pub active_screens: i64,
    pub plays: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When metered usage was sent to Stripe, or null.
    #[schema(required = true, format = DateTime)]
    pub reported_to_stripe_at: Option<String>,
}

fn report_view(r: &ReportRow, is_final: bool) -> UsageReport {
    UsageReport {
        period: r.period.clone(),
        is_final,
        asset_count: r.asset_count,
        storage_bytes: r.storage_bytes,
        api_calls: r.api_calls,
        active_screens: r.active_screens,
        plays: r.plays,
        created_at: iso(r.created_at),
        reported_to_stripe_at: r.reported_to_stripe_at.map(iso),
    }
}

/// `GET /api/v3/billing/plans`: public, for a pricing page.
async fn plans(req: HttpRequest) -> ApiResult<HttpResponse> {
    let state = super::app_state(&req)?;
    let free = state
        .core
        .catalogue
        .as_deref()
        .map(|c| c.free_name().to_string())
        .unwrap_or_default();
    let all: Vec<BillingPlan> = billing::plans(&state.core)
        .iter()
        .map(|p| plan_view(p, &free))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(all))
}

/// `GET /api/v3/billing/subscription`
async fn subscription(allowed: Allowed<perm::TenantBilling>) -> ApiResult<HttpResponse> {
    let o = billing::overview(&allowed.ctx()).await?;
    let row = o.row.as_ref();
    let live = |r: &&crate::db::models::billing::Subscription| r.status != "none";
    let view = BillingSubscription {
        plan: o.applied.plan.clone(),
        subscribed_plan: row.filter(live).and_then(|r| r.plan.clone()),
        status: row.map_or("none".into(), |r| r.status.clone()),
        current_period_end: row.and_then(|r| r.current_period_end).map(iso),
        cancel_at_period_end: row.is_some_and(|r| r.cancel_at_period_end),
        trial_end: row.and_then(|r| r.trial_end).map(iso),
        grace_ends_at: o
            .applied
            .grace_ends_at
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        limits: o.applied.limits.into(),
        usage: BillingUsage {
            devices: o.usage.devices,
            users: o.usage.users,
            storage_bytes: o.usage.storage_bytes,
        },
        features: o.applied.features.clone(),
        has_customer: row.is_some_and(|r| r.stripe_customer_id.is_some()),
        billing_enabled: o.billing_enabled,
    };
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckoutBody {
    plan: String,
}

/// `POST /api/v3/billing/checkout {plan}`
async fn checkout(
    allowed: Allowed<perm::TenantBilling>,
    body: Json<CheckoutBody>,
) -> ApiResult<HttpResponse> {
    // A new Stripe customer gets the signed-in admin's address (an API key has none).
    let actor = &allowed.authed.actor;
    let email = (actor.kind == "user").then(|| actor.label.clone());
    let url = billing::checkout(&allowed.ctx(), &body.plan, email).await?;
    Ok(HttpResponse::Ok().json(BillingRedirect { url }))
}

/// `POST /api/v3/billing/portal`
async fn portal(allowed: Allowed<perm::TenantBilling>) -> ApiResult<HttpResponse> {
    let url = billing::portal(&allowed.ctx()).await?;
    Ok(HttpResponse::Ok().json(BillingRedirect { url }))
}

/// `GET /api/v3/billing/invoices`
async fn invoices(allowed: Allowed<perm::TenantBilling>) -> ApiResult<HttpResponse> {
    let all = billing::invoices(&allowed.ctx()).await?;
    let view: Vec<BillingInvoice> = all.iter().map(BillingInvoice::from).collect();
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageQuery {
    period: Option<String>,
}

/// `GET /api/v3/billing/usage[?period=YYYY-MM]`: one month, or every stored report.
async fn usage(
    allowed: Allowed<perm::TenantBilling>,
    q: web::Query<UsageQuery>,
) -> ApiResult<HttpResponse> {
    let ctx = allowed.ctx();
    match q.period.as_deref() {
        None | Some("") => {
            let all = billing::reports(&ctx).await?;
            let view: Vec<UsageReport> = all.iter().map(|r| report_view(r, true)).collect();
            Ok(HttpResponse::Ok().json(view))
        }
        Some(p) => {
            let period = Period::parse(p).ok_or_else(|| {
                Error::invalid("period", "period is a month as YYYY-MM, e.g. 2026-12.")
            })?;
            let (r, is_final) = billing::usage(&ctx, period).await?;
            Ok(HttpResponse::Ok().json(report_view(&r, is_final)))
        }
    }
}

/// `POST /webhooks/stripe`: 200 once the event is stored (or was before); 400 for a bad
/// signature, with nothing changed.
async fn webhook(req: HttpRequest, body: web::Bytes) -> ApiResult<HttpResponse> {
    let state = super::app_state(&req)?;
    let signature = req
        .headers()
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let received = billing::receive(&state.core, signature, &body).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "received": true,
        "repeat": received == Received::Repeat,
    })))
}
