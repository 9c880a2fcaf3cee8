//! API v3 (cloud mode): JSON, tenants, users and roles, API keys, the audit log. Every handler
//! that touches tenant data takes an [`Allowed`] extractor naming the permission it needs, so
//! a route cannot forget its check; errors are `{"error": {"code", "message", "field"?}}`.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod keys;
pub mod openapi;
pub mod share;
pub mod tenants;
pub mod users;
pub mod views;

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::Error;

pub use crate::api::error::ApiError;

/// Result of a v3 handler.
pub type ApiResult<T> = Result<T, ApiError>;

pub use crate::api::extract::{Allowed, SignedIn, cloud_state as app_state};
pub use crate::domain::permission::perm;

/// JSON bodies and query strings that fail to parse answer in v3's shape, naming the problem.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(256 * 1024)
        .error_handler(|err, _req| {
            let message = match &err {
                actix_web::error::JsonPayloadError::ContentType => {
                    "Send a JSON body with Content-Type: application/json.".to_string()
                }
                actix_web::error::JsonPayloadError::Overflow { .. }
                | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                    "The JSON body is too large (256 KiB at most).".to_string()
                }
                other => format!("The JSON body is not valid: {other}"),
            };
            ApiError(Error::Invalid {
                field: None,
                message,
            })
            .into()
        })
}

/// A JSON body as v3 takes it: `web::Json`'s limit and messages (see [`json_config`]), then no
/// NUL character anywhere in it (`domain::text`; PostgreSQL cannot store one), naming the
/// field that holds it, then the handler's own type. Every v3 body comes through here.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = body.await?.into_inner();
            let nul = match &value {
                serde_json::Value::Object(map) => crate::domain::text::field_with_nul(map)
                    .map(|f| crate::api::input::nul_in(Some(f))),
                other => crate::domain::text::value_has_nul(other)
                    .then(|| crate::api::input::nul_in(None)),
            };
            if let Some(e) = nul {
                return Err(ApiError(e).into());
            }
            serde_json::from_value(value).map(Json).map_err(|e| {
                ApiError(Error::Invalid {
                    field: None,
                    message: format!("The JSON body is not valid: Json deserialize error: {e}"),
                })
                .into()
            })
        })
    }
}

/// Query strings that fail to parse answer in v3's shape.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError(Error::Invalid {
            field: None,
            message: format!("The query string is not valid: {err}"),
        })
        .into()
    })
}

/// Answers unknown v3 paths in v3's shape.
async fn unknown(req: HttpRequest) -> HttpResponse {
    ApiError(Error::NotFound(format!(
        "No such API v3 endpoint: {} {} (see /api/v3/docs).",
        req.method(),
        req.path()
    )))
    .error_response()
}

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
            .default_service(web::to(unknown)),
    )
    .configure(share::routes);
}

/// Times as clients see them: ISO 8601 in UTC.
pub fn iso(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
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
