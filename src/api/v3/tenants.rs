//! `/api/v3/tenants/current`: the tenant itself, and its sealed secrets. Parsing and views
//! only: the use cases are in `services::tenants`.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::views::{Secret, SecretList, Tenant};
use super::{Allowed, ApiResult, Json, SignedIn, iso, perm};
use crate::db::models::tenant::Changes;
use crate::error::Error;
use crate::services::context::Core;
use crate::services::tenants;

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

/// `GET /api/v3/tenants/current`: any member or key of the tenant.
async fn get(signed: SignedIn) -> ApiResult<HttpResponse> {
    let current = tenants::current(&signed.state.core, &signed.authed.scope).await?;
    Ok(HttpResponse::Ok().json(Tenant::from(&current)))
}

/// The changes a `PATCH` body asks for, with the names of the fields it gives.
fn parse_changes(core: &Core, body: &Value) -> Result<(Changes, Vec<String>), Error> {
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
                    "{k} cannot be changed here (the short name is permanent; limits come with the plan)."
                ),
            ));
        }
        if !["name", "domain", "settings"].contains(&k.as_str()) {
            return Err(Error::invalid(
                k.clone(),
                format!("Unknown field {k:?}; fields are name, domain, settings."),
            ));
        }
    }
    let name = match obj.get("name") {
        None => None,
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 100 => {
            Some(n.trim().to_string())
        }
        Some(_) => return Err(Error::invalid("name", "name must be 1 to 100 characters.")),
    };
    let domain = match obj.get("domain") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(d)) => Some(Some(tenants::check_domain(core, d)?)),
        Some(_) => return Err(Error::invalid("domain", "domain must be a string or null.")),
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
            ));
        }
    };
    let fields = obj.keys().cloned().collect();
    Ok((
        Changes {
            name,
            domain,
            settings,
        },
        fields,
    ))
}

/// `PATCH /api/v3/tenants/current` {name?, domain?, settings?}
async fn update(
    allowed: Allowed<perm::TenantSettings>,
    body: Json<Value>,
) -> ApiResult<HttpResponse> {
    let (changes, fields) = parse_changes(&allowed.state.core, &body)?;
    let current = tenants::update(&allowed.ctx(), changes, fields).await?;
    Ok(HttpResponse::Ok().json(Tenant::from(&current)))
}

/// `GET /api/v3/tenants/current/secrets`: names and times, never values.
async fn list_secrets(allowed: Allowed<perm::TenantSettings>) -> ApiResult<HttpResponse> {
    let rows = tenants::secret_names(&allowed.ctx()).await?;
    let items = rows
        .into_iter()
        .map(|(name, t)| Secret {
            name,
            updated_at: iso(t),
        })
        .collect();
    Ok(HttpResponse::Ok().json(SecretList { items }))
}

/// `PUT /api/v3/tenants/current/secrets/{name}` {value}
async fn put_secret(
    allowed: Allowed<perm::TenantSettings>,
    name: web::Path<String>,
    body: Json<Value>,
) -> ApiResult<HttpResponse> {
    let value = body
        .get("value")
        .and_then(Value::as_str)
        .map(str::to_string);
    tenants::put_secret(&allowed.ctx(), &name, value).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/v3/tenants/current/secrets/{name}`
async fn delete_secret(
    allowed: Allowed<perm::TenantSettings>,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    tenants::delete_secret(&allowed.ctx(), &name).await?;
    Ok(HttpResponse::NoContent().finish())
}
