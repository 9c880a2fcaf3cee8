//! `/api/v3/tenants/current`: the tenant itself, and its sealed secrets.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use serde_json::{Value, json};

use super::{Allowed, ApiResult, SignedIn, cloud, iso, perm};
use crate::cloud::{accounts, audit, secrets};
use crate::db::schema::tenants;
use crate::error::Error;
use crate::services::quota;
use crate::tenancy::Tenant;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tenants/current", web::get().to(get))
        .route("/tenants/current", web::patch().to(update))
        .route("/tenants/current/secrets", web::get().to(list_secrets))
        .route("/tenants/current/secrets/{name}", web::put().to(put_secret))
        .route(
            "/tenants/current/secrets/{name}",
            web::delete().to(delete_secret),
        );
}

fn view(t: &Tenant, used: u64, members: i64) -> Value {
    json!({
        "id": t.id,
        "slug": t.slug,
        "name": t.name,
        "domain": t.domain,
        "is_active": t.is_active,
        "plan": t.plan,
        "max_devices": t.max_devices,
        "max_users": t.max_users,
        "storage_quota_bytes": t.storage_quota_bytes,
        "storage_used_bytes": used,
        "member_count": members,
        "features": serde_json::from_str::<Value>(&t.features).unwrap_or_else(|_| json!([])),
        "settings": serde_json::from_str::<Value>(&t.settings).unwrap_or_else(|_| json!({})),
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
    })
}

async fn current(
    state: &crate::app::AppState,
    scope: &crate::tenancy::TenantScope,
) -> Result<Value, Error> {
    let s = scope.clone();
    state
        .db
        .read(scope, move |c| {
            let t: Tenant = tenants::table
                .find(s.id())
                .select(Tenant::as_select())
                .first(c)?;
            Ok(view(
                &t,
                quota::used(c, &s)?,
                accounts::member_count(c, &s)?,
            ))
        })
        .await
}

/// `GET /api/v3/tenants/current`: any member or key of the tenant.
async fn get(signed: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(current(&signed.state, &signed.authed.scope).await?))
}

/// A custom domain: a host name with a dot, no scheme, port or path.
fn check_domain(d: &str) -> Result<String, Error> {
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
    if ok {
        Ok(d)
    } else {
        Err(Error::invalid(
            "domain",
            "domain must be a host name like signs.example.com (no scheme, port or path).",
        ))
    }
}

/// `PATCH /api/v3/tenants/current` {name?, domain?, settings?}
async fn update(
    allowed: Allowed<perm::TenantSettings>,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    let obj = body.as_object().ok_or_else(|| Error::Invalid {
        field: None,
        message: "Send a JSON object.".into(),
    })?;
    let read_only = [
        "id",
        "slug",
        "plan",
        "max_devices",
        "max_users",
        "storage_quota_bytes",
        "features",
        "is_active",
    ];
    for k in obj.keys() {
        if read_only.contains(&k.as_str()) {
            return Err(Error::invalid(
                k.clone(),
                format!(
                    "{k} cannot be changed here (the slug is permanent; limits come with the plan)."
                ),
            )
            .into());
        }
        if !["name", "domain", "settings"].contains(&k.as_str()) {
            return Err(Error::invalid(
                k.clone(),
                format!("Unknown field {k:?}; fields are name, domain, settings."),
            )
            .into());
        }
    }
    let name = match obj.get("name") {
        None => None,
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 100 => {
            Some(n.trim().to_string())
        }
        Some(_) => return Err(Error::invalid("name", "name must be 1 to 100 characters.").into()),
    };
    let domain = match obj.get("domain") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(d)) => {
            let d = check_domain(d)?;
            let base = allowed.state.config.cloud.base_domain.to_lowercase();
            if crate::cloud::principal::is_service_host(&allowed.state, &d)
                || d.parse::<std::net::IpAddr>().is_ok()
            {
                return Err(Error::invalid(
                    "domain",
                    "This name belongs to the service itself; use your own domain.",
                )
                .into());
            }
            if !base.is_empty() && (d == base || d.ends_with(&format!(".{base}"))) {
                return Err(Error::invalid(
                    "domain",
                    format!("Names under {base} are given by the slug; use your own domain."),
                )
                .into());
            }
            Some(Some(d))
        }
        Some(_) => return Err(Error::invalid("domain", "domain must be a string or null.").into()),
    };
    let settings = match obj.get("settings") {
        None => None,
        Some(Value::Object(m)) if Value::Object(m.clone()).to_string().len() <= 64 * 1024 => {
            Some(Value::Object(m.clone()).to_string())
        }
        Some(_) => {
            return Err(Error::invalid(
                "settings",
                "settings must be a JSON object of at most 64 KiB.",
            )
            .into());
        }
    };
    let (s, actor) = (allowed.authed.scope.clone(), allowed.authed.actor.clone());
    let fields: Vec<String> = obj.keys().cloned().collect();
    allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            if let Some(Some(d)) = &domain {
                let taken: i64 = tenants::table
                    .filter(tenants::domain.eq(d))
                    .filter(tenants::id.ne(s.id()))
                    .count()
                    .get_result(c)?;
                if taken > 0 {
                    return Err(Error::Taken {
                        field: "domain".into(),
                        message: "Another tenant uses this domain.".into(),
                    });
                }
            }
            let now = Utc::now().naive_utc();
            let target = tenants::table.find(s.id());
            if let Some(n) = &name {
                diesel::update(target).set(tenants::name.eq(n)).execute(c)?;
            }
            if let Some(d) = &domain {
                diesel::update(target)
                    .set(tenants::domain.eq(d))
                    .execute(c)?;
            }
            if let Some(st) = &settings {
                diesel::update(target)
                    .set(tenants::settings.eq(st))
                    .execute(c)?;
            }
            diesel::update(target)
                .set(tenants::updated_at.eq(now))
                .execute(c)?;
            audit::record(
                c,
                &s,
                &actor,
                "tenant.updated",
                Some(("tenant", s.id())),
                json!({ "fields": fields }),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(current(&allowed.state, &allowed.authed.scope).await?))
}

/// `GET /api/v3/tenants/current/secrets`: names and times, never values.
async fn list_secrets(allowed: Allowed<perm::TenantSettings>) -> ApiResult<HttpResponse> {
    let s = allowed.authed.scope.clone();
    let rows = allowed
        .state
        .db
        .read(&allowed.authed.scope, move |c| secrets::names(c, &s))
        .await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(n, t)| json!({ "name": n, "updated_at": iso(t) }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
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

/// `PUT /api/v3/tenants/current/secrets/{name}` {value}
async fn put_secret(
    allowed: Allowed<perm::TenantSettings>,
    name: web::Path<String>,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    let name = name.into_inner();
    check_secret_name(&name)?;
    let value = match body.get("value") {
        Some(Value::String(v)) if !v.is_empty() && v.len() <= 8192 => v.clone(),
        _ => {
            return Err(Error::invalid(
                "value",
                "value must be a non-empty string of at most 8 KiB.",
            )
            .into());
        }
    };
    let (s, actor, st) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        allowed.state.clone(),
    );
    allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            secrets::put(c, &cloud(&st).secrets, &s, &name, &value)?;
            audit::record(
                c,
                &s,
                &actor,
                "tenant.secret_set",
                Some(("secret", &name)),
                json!({}),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/v3/tenants/current/secrets/{name}`
async fn delete_secret(
    allowed: Allowed<perm::TenantSettings>,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let name = name.into_inner();
    let (s, actor) = (allowed.authed.scope.clone(), allowed.authed.actor.clone());
    allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            if !secrets::delete(c, &s, &name)? {
                return Err(Error::NotFound(format!("No secret named {name:?}.")));
            }
            audit::record(
                c,
                &s,
                &actor,
                "tenant.secret_deleted",
                Some(("secret", &name)),
                json!({}),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
