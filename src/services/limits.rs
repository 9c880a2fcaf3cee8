//! The limits a tenant has now, in one place for every check (screens, members, storage).
//! With plans configured (cloud mode, `billing.plans`) they are the limits of the plan the
//! billing rule gives (`domain::billing::standing`: the subscription, its status and the
//! grace period, to the second); otherwise they are the ones stored on the tenant's row.
//! Limits only ever refuse creations: nothing is deleted when they fall.

use std::sync::Arc;

use crate::db::AnyConnection;
use crate::db::models::tenant;
use crate::domain::billing::{Catalogue, Limit, Limits};
use crate::error::{Error, PlanLimit};
use crate::services::context::Core;
use crate::tenancy::TenantScope;

/// The plan and limits that apply to a tenant.
#[derive(Debug, Clone)]
pub struct Applied {
    pub plan: String,
    pub limits: Limits,
    pub features: Vec<String>,
    /// Until when a failing payment keeps the subscribed plan (then the free plan applies).
    pub grace_ends_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What the limits are judged by: owned, so a transaction's closure can take it along.
#[derive(Debug, Clone)]
pub struct Rules {
    pub catalogue: Option<Arc<Catalogue>>,
    pub grace_days: u32,
}

impl Rules {
    pub fn of(core: &Core) -> Rules {
        Rules {
            catalogue: core.catalogue.clone(),
            grace_days: core.config.billing.grace_days,
        }
    }
}

/// What applies to the scoped tenant now, inside the caller's transaction.
pub fn applied(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    rules: &Rules,
) -> Result<Applied, Error> {
    if let Some(catalogue) = rules.catalogue.as_deref() {
        return from_plan(conn, scope, rules, catalogue);
    }
    let t = tenant::get(conn, scope)?;
    Ok(Applied {
        plan: t.plan,
        limits: Limits {
            max_devices: i64::from(t.max_devices),
            max_users: i64::from(t.max_users),
            storage_quota_bytes: t.storage_quota_bytes,
        },
        features: serde_json::from_str(&t.features).unwrap_or_default(),
        grace_ends_at: None,
    })
}

#[cfg(feature = "billing")]
fn from_plan(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    rules: &Rules,
    catalogue: &Catalogue,
) -> Result<Applied, Error> {
    let sub = crate::db::models::billing::subscription(conn, scope)?;
    let rule = sub.as_ref().map(crate::services::billing::rule_view);
    let standing = crate::domain::billing::standing(
        catalogue,
        rule.as_ref(),
        chrono::Utc::now(),
        rules.grace_days,
    );
    let plan = standing
        .plan
        .ok_or_else(|| Error::Internal("the free plan is not in the catalogue".into()))?;
    Ok(Applied {
        plan: plan.name.clone(),
        limits: plan.limits,
        features: plan.features.clone(),
        grace_ends_at: standing.grace_ends_at,
    })
}

#[cfg(not(feature = "billing"))]
fn from_plan(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    _rules: &Rules,
    catalogue: &Catalogue,
) -> Result<Applied, Error> {
    let _ = (conn, scope);
    let plan = catalogue
        .free()
        .ok_or_else(|| Error::Internal("the free plan is not in the catalogue".into()))?;
    Ok(Applied {
        plan: plan.name.clone(),
        limits: plan.limits,
        features: plan.features.clone(),
        grace_ends_at: None,
    })
}

/// Refuses when `wanted` units of `limit` (e.g. the screens there would be with one more)
/// pass what the tenant's plan allows; `what` names the units for people ("screens").
pub fn ensure(
    applied: &Applied,
    rules: &Rules,
    limit: Limit,
    wanted: i64,
    what: &str,
) -> Result<(), Error> {
    if applied.limits.allows(limit, wanted) {
        return Ok(());
    }
    let max = applied.limits.get(limit);
    let upgrade = rules
        .catalogue
        .as_deref()
        .and_then(|c| c.lifting(limit, wanted))
        .filter(|p| p.name != applied.plan);
    let how = match (&rules.catalogue, upgrade) {
        (Some(_), Some(p)) => format!(
            "The {} plan allows {}: upgrade on the Billing page.",
            p.name,
            amount(limit, p.limits.get(limit))
        ),
        (Some(_), None) => "No plan allows more; remove some first.".to_string(),
        (None, _) => format!("Remove some first or raise the plan's {}.", limit.name()),
    };
    Err(Error::PlanLimit(Box::new(PlanLimit {
        limit: limit.name(),
        plan: applied.plan.clone(),
        upgrade_plan: upgrade.map(|p| p.name.clone()),
        message: format!(
            "This organisation's {} plan allows {} {what} ({}). {how}",
            applied.plan,
            amount(limit, max),
            limit.name()
        ),
    })))
}

/// A limit for people: bytes in GB, other units as they are.
fn amount(limit: Limit, n: i64) -> String {
    if limit == Limit::StorageQuotaBytes {
        format!("{:.1} GB", n as f64 / 1e9)
    } else {
        n.to_string()
    }
}
