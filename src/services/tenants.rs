//! The tenant itself: what it looks like to its members, the changes it may make to itself
//! (name, custom domain, free-form settings), and its sealed secrets.

use serde_json::json;

use crate::cloud::secrets;
use crate::db::models::membership;
use crate::db::models::tenant::{self, Changes, Tenant};
use crate::error::Error;
use crate::services::context::{Core, Ctx};
use crate::services::{principal, quota};
use crate::tenancy::TenantScope;

/// The tenant with what it uses.
#[derive(Debug)]
pub struct Current {
    pub tenant: Tenant,
    pub storage_used_bytes: u64,
    pub member_count: i64,
}

/// The tenant as it is now.
pub async fn current(core: &Core, scope: &TenantScope) -> Result<Current, Error> {
    let rules = crate::services::limits::Rules::of(core);
    core.db
        .read(scope, {
            let s = scope.clone();
            move |c| {
                // The plan and limits shown are the ones that apply (the plan's, with billing).
                let mut tenant = tenant::get(c, &s)?;
                let applied = crate::services::limits::applied(c, &s, &rules)?;
                tenant.put_plan(&applied.plan, &applied.limits, &applied.features);
                Ok(Current {
                    tenant,
                    storage_used_bytes: quota::used(c, &s)?,
                    member_count: membership::count(c, &s)?,
                })
            }
        })
        .await
}

/// A custom domain the tenant may claim: a host name with a dot (no scheme, port or path),
/// not one of the service's own names and not under the base domain (slugs give those).
/// Returns it normalised.
pub fn check_domain(core: &Core, d: &str) -> Result<String, Error> {
    let d = d.trim().trim_end_matches('.').to_lowercase();
    let ok = d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !ok {
        return Err(Error::invalid(
            "domain",
            "domain must be a host name like signs.example.com (no scheme, port or path).",
        ));
    }
    let base = core.config.cloud.base_domain.to_lowercase();
    if principal::is_service_host(&core.config, &d) || d.parse::<std::net::IpAddr>().is_ok() {
        return Err(Error::invalid(
            "domain",
            "This name belongs to the service itself; use your own domain.",
        ));
    }
    if !base.is_empty() && (d == base || d.ends_with(&format!(".{base}"))) {
        return Err(Error::invalid(
            "domain",
            format!(
                "Names under {base} come from your organisation's short name; use your own domain."
            ),
        ));
    }
    Ok(d)
}

/// Applies `changes` (`fields`: the names given, for the audit log); the tenant afterwards.
pub async fn update(
    ctx: &Ctx<'_>,
    changes: Changes,
    fields: Vec<String>,
) -> Result<Current, Error> {
    let audit = ctx.audit();
    ctx.write(move |c, s| {
        if let Some(Some(d)) = &changes.domain
            && tenant::domain_taken(c, s, d)?
        {
            return Err(Error::Taken {
                field: "domain".into(),
                message: "Another tenant uses this domain.".into(),
            });
        }
        tenant::update(c, s, &changes)?;
        audit.record(
            c,
            s,
            "tenant.updated",
            Some(("tenant", s.id())),
            json!({ "fields": fields }),
        )
    })
    .await?;
    current(ctx.core, &ctx.scope).await
}

/// Names of the tenant's secrets and when each was set (never their values).
pub async fn secret_names(ctx: &Ctx<'_>) -> Result<Vec<(String, chrono::NaiveDateTime)>, Error> {
    ctx.read(secrets::names).await
}

fn check_secret_name(name: &str) -> Result<(), Error> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            "A secret's name is 1 to 64 of a-z, 0-9, _ . -",
        ))
    }
}

/// Stores (or replaces) a secret, sealed. `value`: the value if one was sent as text.
pub async fn put_secret(ctx: &Ctx<'_>, name: &str, value: Option<String>) -> Result<(), Error> {
    check_secret_name(name)?;
    let value = match value {
        Some(v) if !v.is_empty() && v.len() <= 8192 => v,
        _ => {
            return Err(Error::invalid(
                "value",
                "value must be a non-empty string of at most 8 KiB.",
            ));
        }
    };
    let (name, cloud, audit) = (
        name.to_string(),
        super::cloud(ctx.core)?.clone(),
        ctx.audit(),
    );
    ctx.write(move |c, s| {
        secrets::put(c, &cloud.secrets, s, &name, &value)?;
        audit.record(
            c,
            s,
            "tenant.secret_set",
            Some(("secret", &name)),
            json!({}),
        )
    })
    .await
}

/// Removes a secret.
pub async fn delete_secret(ctx: &Ctx<'_>, name: &str) -> Result<(), Error> {
    let (name, audit) = (name.to_string(), ctx.audit());
    ctx.write(move |c, s| {
        if !secrets::delete(c, s, &name)? {
            return Err(Error::NotFound(format!("No secret named {name:?}.")));
        }
        audit.record(
            c,
            s,
            "tenant.secret_deleted",
            Some(("secret", &name)),
            json!({}),
        )
    })
    .await
}
