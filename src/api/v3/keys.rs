//! `/api/v3/api-keys`: create (the secret is shown once), list, revoke.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Allowed, ApiResult, cloud, iso, iso_opt, perm};
use crate::cloud::apikeys::{self, ApiKey};
use crate::cloud::{audit, rbac};
use crate::error::Error;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api-keys", web::get().to(list))
        .route("/api-keys", web::post().to(create))
        .route("/api-keys/{id}", web::delete().to(revoke));
}

fn view(k: &ApiKey) -> Value {
    json!({
        "id": k.id,
        "name": k.name,
        "prefix": k.prefix,
        "role": k.role,
        "created_by": k.created_by,
        "created_at": iso(k.created_at),
        "last_used_at": iso_opt(k.last_used_at),
    })
}

async fn list(allowed: Allowed<perm::ApiKeysManage>) -> ApiResult<HttpResponse> {
    let s = allowed.authed.scope.clone();
    let keys = allowed
        .state
        .db
        .read(&allowed.authed.scope, move |c| apikeys::list(c, &s))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "items": keys.iter().map(view).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
struct CreateBody {
    name: Option<String>,
    role: Option<String>,
}

async fn create(
    allowed: Allowed<perm::ApiKeysManage>,
    body: web::Json<CreateBody>,
) -> ApiResult<HttpResponse> {
    let name = match body.name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() && n.chars().count() <= 100 => n.to_string(),
        _ => return Err(Error::invalid("name", "name is required (1 to 100 characters).").into()),
    };
    let role = body.role.clone().unwrap_or_default();
    if !rbac::is_role(&role) {
        return Err(Error::invalid(
            "role",
            "role must be one of tenant_admin, content_manager, device_operator, viewer.",
        )
        .into());
    }
    super::check_grant(&allowed.state, &allowed.authed, &role, &[], None).await?;
    let (s, actor) = (allowed.authed.scope.clone(), allowed.authed.actor.clone());
    let (key, secret) = allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            let made = apikeys::create(c, &s, &name, &role, Some(&actor.id))?;
            audit::record(
                c,
                &s,
                &actor,
                "apikey.created",
                Some(("api_key", &made.0.id)),
                json!({ "name": made.0.name, "role": made.0.role }),
            )?;
            Ok(made)
        })
        .await?;
    let mut body = view(&key);
    body["key"] = secret.into();
    Ok(HttpResponse::Created().json(body))
}

async fn revoke(
    allowed: Allowed<perm::ApiKeysManage>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (s, actor, id) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        id.into_inner(),
    );
    let i = id.clone();
    allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            let key = apikeys::revoke(c, &s, &i)?
                .ok_or_else(|| Error::NotFound("No API key with this id in this tenant.".into()))?;
            audit::record(
                c,
                &s,
                &actor,
                "apikey.revoked",
                Some(("api_key", &key.id)),
                json!({ "name": key.name }),
            )
        })
        .await?;
    cloud(&allowed.state)
        .rbac
        .forget(&format!("key:{id}"), allowed.authed.scope.id())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
