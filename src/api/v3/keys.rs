//! `/api/v3/api-keys`: create (the secret is shown once), list, revoke. The use cases are in
//! `services::api_keys`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Allowed, ApiResult, Json, iso, iso_opt, perm};
use crate::db::models::api_key::ApiKey;
use crate::services::api_keys;

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
    let keys = api_keys::list(&allowed.ctx()).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": keys.iter().map(view).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
struct CreateBody {
    name: Option<String>,
    role: Option<String>,
}

async fn create(
    allowed: Allowed<perm::ApiKeysManage>,
    body: Json<CreateBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let (key, secret) = api_keys::create(&allowed.ctx(), &allowed.authed, b.name, b.role).await?;
    let mut body = view(&key);
    body["key"] = secret.into();
    Ok(HttpResponse::Created().json(body))
}

async fn revoke(
    allowed: Allowed<perm::ApiKeysManage>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    api_keys::revoke(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
