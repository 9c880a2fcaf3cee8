//! `/api/v3/api-keys`: create (the secret is shown once), list, revoke. The use cases are in
//! `services::api_keys`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::views::{ApiKey, ApiKeyCreated, ApiKeyList};
use super::{Allowed, ApiResult, Json, perm};
use crate::services::api_keys;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api-keys", web::get().to(list))
        .route("/api-keys", web::post().to(create))
        .route("/api-keys/{id}", web::delete().to(revoke));
}

async fn list(allowed: Allowed<perm::ApiKeysManage>) -> ApiResult<HttpResponse> {
    let keys = api_keys::list(&allowed.ctx()).await?;
    let items = keys.iter().map(ApiKey::from).collect();
    Ok(HttpResponse::Ok().json(ApiKeyList { items }))
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
    Ok(HttpResponse::Created().json(ApiKeyCreated::new(&key, secret)))
}

async fn revoke(
    allowed: Allowed<perm::ApiKeysManage>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    api_keys::revoke(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
