//! API v3 (cloud mode): JSON, tenants, users and roles, API keys, the audit log. Every handler
//! that touches tenant data takes an [`Allowed`] extractor naming the permission it needs, so
//! a route cannot forget its check; errors are `{"error": {"code", "message", "field"?}}`.

pub mod analytics;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod keys;
pub mod openapi;
pub mod program;
pub mod share;
pub mod tenants;
pub mod users;
pub mod views;

use actix_web::web;

use crate::error::Error;

pub use crate::api::error::ApiError;

/// Result of a v3 handler.
pub type ApiResult<T> = Result<T, ApiError>;

pub use crate::api::extract::{Allowed, SignedIn, cloud_state as app_state};
pub use crate::api::json::{Json, iso, json_config, query_config};
pub use crate::domain::permission::perm;

/// Every v3 route, and the public share pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v3")
            .app_data(json_config())
            .app_data(query_config())
            .route("/openapi.json", web::get().to(openapi::serve))
            .route("/docs", web::get().to(openapi::docs))
            .configure(auth::routes)
            .configure(tenants::routes)
            .configure(assets::routes)
            .configure(users::routes)
            .configure(keys::routes)
            .configure(audit::routes)
            .configure(crate::api::screens::routes)
            .configure(program::routes)
            .configure(analytics::routes)
            .configure(billing::routes)
            .default_service(web::to(crate::api::json::unknown_v3)),
    )
    .configure(share::routes)
    .configure(billing::webhook_routes);
}

/// Opaque pagination cursors: URL-safe base64 of a small JSON value.
pub mod cursor {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use crate::error::Error;

    pub fn encode(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    pub fn decode(s: &str) -> Result<serde_json::Value, Error> {
        URL_SAFE_NO_PAD
            .decode(s)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| {
                Error::invalid(
                    "cursor",
                    "This cursor is not valid; use next_cursor from a previous page.",
                )
            })
    }
}

/// `limit` within 1..=200, default 50.
pub fn page_limit(limit: Option<i64>) -> Result<i64, Error> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=200).contains(&n) => Ok(n),
        Some(_) => Err(Error::invalid("limit", "limit must be between 1 and 200.")),
    }
}
