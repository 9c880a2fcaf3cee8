//! Billing rows: a tenant's subscription and invoices as Stripe last told us, the Stripe
//! events received, usage reports and API calls per month. Upserts are a select and an
//! insert or update inside the caller's transaction (the portable subset has no ON CONFLICT
//! through Diesel's MultiConnection).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{
    api_usage, assets, invoices, play_events, screen_uptime, stripe_events, subscriptions,
    usage_reports,
};
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A row of `subscriptions`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = subscriptions, treat_none_as_null = true)]
pub struct Subscription {
    pub tenant_id: String,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub stripe_item_id: Option<String>,
    pub plan: Option<String>,
    pub status: String,
    pub current_period_end: Option<NaiveDateTime>,
    pub cancel_at_period_end: bool,
    pub trial_end: Option<NaiveDateTime>,
    pub past_due_since: Option<NaiveDateTime>,
    pub event_at: Option<NaiveDateTime>,
    pub payment_event_at: Option<NaiveDateTime>,
    pub had_trial: bool,
    pub grace_mailed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl Subscription {
    /// A tenant's row before any subscription.
    pub fn empty(tenant_id: &str, now: NaiveDateTime) -> Subscription {
        Subscription {
            tenant_id: tenant_id.to_string(),
            stripe_customer_id: None,
            stripe_subscription_id: None,
            stripe_item_id: None,
            plan: None,
            status: "none".into(),
            current_period_end: None,
            cancel_at_period_end: false,
            trial_end: None,
            past_due_since: None,
            event_at: None,
            payment_event_at: None,
            had_trial: false,
            grace_mailed_at: None,
            updated_at: now,
        }
    }
}

/// The scoped tenant's subscription row, if it has one.
pub fn subscription(
    conn: &mut AnyConnection,
    scope: &TenantScope,
) -> Result<Option<Subscription>, Error> {
    Ok(subscriptions::table
        .filter(subscriptions::tenant_id.eq(scope.id()))
        .select(Subscription::as_select())
        .first(conn)
        .optional()?)
}

/// Same, locked until the transaction ends (two events of one tenant apply one at a time).
pub fn subscription_locked(
    conn: &mut AnyConnection,
    scope: &TenantScope,
) -> Result<Option<Subscription>, Error> {
    Ok(match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(pg) => subscriptions::table
            .filter(subscriptions::tenant_id.eq(scope.id()))
            .select(Subscription::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        // One writer at a time on SQLite.
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(_) => subscription(conn, scope)?,
    })
}

/// Writes the row (insert or update).
pub fn save_subscription(conn: &mut AnyConnection, row: &Subscription) -> Result<(), Error> {
    let n =
        diesel::update(subscriptions::table.filter(subscriptions::tenant_id.eq(&row.tenant_id)))
            .set(row)
            .execute(conn)?;
    if n == 0 {
        diesel::insert_into(subscriptions::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The tenant whose Stripe customer this is (bound with the lookup key `cus:<id>`).
pub fn tenant_of_customer(
    conn: &mut AnyConnection,
    customer_id: &str,
) -> Result<Option<String>, Error> {
    Ok(subscriptions::table
        .filter(subscriptions::stripe_customer_id.eq(customer_id))
        .select(subscriptions::tenant_id)
        .first(conn)
        .optional()?)
}

/// Every tenant with a subscription row, for the monthly sweep.
pub fn tenants_with_subscription(conn: &mut AnyConnection) -> Result<Vec<String>, Error> {
    Ok(subscriptions::table
        .select(subscriptions::tenant_id)
        .load(conn)?)
}

/// A row of `invoices`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = invoices, treat_none_as_null = true)]
pub struct Invoice {
    pub id: String,
    pub tenant_id: String,
    pub number: Option<String>,
    pub created_at: NaiveDateTime,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: String,
    pub status: String,
    pub hosted_invoice_url: Option<String>,
    pub invoice_pdf: Option<String>,
    /// The Stripe time of the event that wrote this version.
    pub event_at: NaiveDateTime,
}

/// Keeps the newer of the stored and the given version of an invoice.
pub fn save_invoice(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    row: &Invoice,
) -> Result<(), Error> {
    let stored: Option<NaiveDateTime> = invoices::table
        .filter(invoices::tenant_id.eq(scope.id()))
        .filter(invoices::id.eq(&row.id))
        .select(invoices::event_at)
        .first(conn)
        .optional()?;
    match stored {
        Some(at) if at > row.event_at => {}
        Some(_) => {
            diesel::update(
                invoices::table
                    .filter(invoices::tenant_id.eq(scope.id()))
                    .filter(invoices::id.eq(&row.id)),
            )
            .set(row)
            .execute(conn)?;
        }
        None => {
            diesel::insert_into(invoices::table)
                .values(row)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The scoped tenant's invoices, newest first.
pub fn invoices(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    limit: i64,
) -> Result<Vec<Invoice>, Error> {
    Ok(invoices::table
        .filter(invoices::tenant_id.eq(scope.id()))
        .order((invoices::created_at.desc(), invoices::id.desc()))
        .limit(limit)
        .select(Invoice::as_select())
        .load(conn)?)
}

/// A row of `stripe_events`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stripe_events)]
pub struct StripeEvent {
    pub id: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub tenant_id: Option<String>,
    pub payload: String,
    pub state: String,
    pub note: Option<String>,
    pub received_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
}

/// Stores an event unless one with its id is stored already (`false` then: a repeat).
pub fn insert_event(conn: &mut AnyConnection, row: &StripeEvent) -> Result<bool, Error> {
    let exists: i64 = stripe_events::table
        .filter(stripe_events::id.eq(&row.id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    // Two deliveries of one event at once: the second insert loses the race and is a repeat.
    crate::db::inserted(
        diesel::insert_into(stripe_events::table)
            .values(row)
            .execute(conn),
    )
}

pub fn event(conn: &mut AnyConnection, id: &str) -> Result<Option<StripeEvent>, Error> {
    Ok(stripe_events::table
        .filter(stripe_events::id.eq(id))
        .select(StripeEvent::as_select())
        .first(conn)
        .optional()?)
}

/// Events still waiting to be applied that were received before `before`, with their tenant.
pub fn stale_events(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
) -> Result<Vec<(String, String)>, Error> {
    let rows: Vec<(String, Option<String>)> = stripe_events::table
        .filter(stripe_events::state.eq("queued"))
        .filter(stripe_events::received_at.lt(before))
        .select((stripe_events::id, stripe_events::tenant_id))
        .limit(1000)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, t)| Some((id, t?)))
        .collect())
}

/// Records how an event ended (`applied`, `ignored`, …) and why.
pub fn finish_event(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    note: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), Error> {
    diesel::update(stripe_events::table.filter(stripe_events::id.eq(id)))
        .set((
            stripe_events::state.eq(state),
            stripe_events::note.eq(note),
            stripe_events::applied_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds `n` API calls to the tenant's count for `period`.
pub fn add_api_calls(
    conn: &mut AnyConnection,
    tenant_id: &str,
    period: &str,
    n: i64,
) -> Result<(), Error> {
    let updated = diesel::update(
        api_usage::table
            .filter(api_usage::tenant_id.eq(tenant_id))
            .filter(api_usage::period.eq(period)),
    )
    .set(api_usage::calls.eq(api_usage::calls + n))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(api_usage::table)
            .values((
                api_usage::tenant_id.eq(tenant_id),
                api_usage::period.eq(period),
                api_usage::calls.eq(n),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn api_calls(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    period: &str,
) -> Result<i64, Error> {
    Ok(api_usage::table
        .filter(api_usage::tenant_id.eq(scope.id()))
        .filter(api_usage::period.eq(period))
        .select(api_usage::calls)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

pub fn asset_count(conn: &mut AnyConnection, scope: &TenantScope) -> Result<i64, Error> {
    Ok(assets::table
        .filter(assets::tenant_id.eq(scope.id()))
        .count()
        .get_result(conn)?)
}

/// Screens online at some time between the two days (`YYYY-MM-DD`, inclusive).
pub fn active_screens(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    from: &str,
    to: &str,
) -> Result<i64, Error> {
    let ids: Vec<String> = screen_uptime::table
        .filter(screen_uptime::tenant_id.eq(scope.id()))
        .filter(screen_uptime::day.ge(from))
        .filter(screen_uptime::day.le(to))
        .filter(screen_uptime::online_seconds.gt(0))
        .select(screen_uptime::screen_id)
        .distinct()
        .load(conn)?;
    Ok(ids.len() as i64)
}

/// Plays that started in `[from, to)`.
pub fn plays(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<i64, Error> {
    Ok(play_events::table
        .filter(play_events::tenant_id.eq(scope.id()))
        .filter(play_events::started_at.ge(from))
        .filter(play_events::started_at.lt(to))
        .count()
        .get_result(conn)?)
}

/// A row of `usage_reports`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = usage_reports)]
pub struct UsageReport {
    pub tenant_id: String,
    pub period: String,
    pub asset_count: i64,
    pub storage_bytes: i64,
    pub api_calls: i64,
    pub active_screens: i64,
    pub plays: i64,
    pub created_at: NaiveDateTime,
    pub reported_to_stripe_at: Option<NaiveDateTime>,
}

pub fn report(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    period: &str,
) -> Result<Option<UsageReport>, Error> {
    Ok(usage_reports::table
        .filter(usage_reports::tenant_id.eq(scope.id()))
        .filter(usage_reports::period.eq(period))
        .select(UsageReport::as_select())
        .first(conn)
        .optional()?)
}

/// The scoped tenant's reports, newest first.
pub fn reports(conn: &mut AnyConnection, scope: &TenantScope) -> Result<Vec<UsageReport>, Error> {
    Ok(usage_reports::table
        .filter(usage_reports::tenant_id.eq(scope.id()))
        .order(usage_reports::period.desc())
        .limit(120)
        .select(UsageReport::as_select())
        .load(conn)?)
}

pub fn insert_report(conn: &mut AnyConnection, row: &UsageReport) -> Result<(), Error> {
    diesel::insert_into(usage_reports::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn mark_reported(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    period: &str,
    at: NaiveDateTime,
) -> Result<(), Error> {
    diesel::update(
        usage_reports::table
            .filter(usage_reports::tenant_id.eq(scope.id()))
            .filter(usage_reports::period.eq(period)),
    )
    .set(usage_reports::reported_to_stripe_at.eq(Some(at)))
    .execute(conn)?;
    Ok(())
}
