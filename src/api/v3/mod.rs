//! API v3 (cloud mode): JSON, tenants, users and roles, API keys, the audit log. Every handler
//! that touches tenant data takes an [`Allowed`] extractor naming the permission it needs, so
//! a route cannot forget its check; errors are `{"error": {"code", "message", "field"?}}`.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod keys;
pub mod share;
pub mod tenants;
pub mod users;

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use serde_json::json;

use crate::app::AppState;
use crate::cloud::principal::{self, Authed};
use crate::error::Error;

/// An error in v3's body shape.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = if status.is_server_error() {
            tracing::error!(error = %self.0, code = self.0.code(), "request failed");
            // Internal details stay in the log.
            match &self.0 {
                Error::Pool(_) => "The database is unavailable; try again shortly.".to_string(),
                _ => "Something went wrong on our side; it has been logged.".to_string(),
            }
        } else {
            self.0.to_string()
        };
        let mut error = json!({ "code": self.0.code(), "message": message });
        if let Some(field) = self.0.field() {
            error["field"] = field.into();
        }
        let mut response = HttpResponse::build(status);
        if let Error::RateLimited { retry_after, .. } = &self.0 {
            response.insert_header(("Retry-After", retry_after.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(json!({ "error": error }))
    }
}

/// Result of a v3 handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// A permission a route requires (see `cloud::rbac::PERMISSIONS`).
pub trait Permission {
    const NAME: &'static str;
}

macro_rules! permissions {
    ($($ty:ident => $name:literal),* $(,)?) => {
        /// One type per permission, for [`Allowed`].
        pub mod perm {
            $(
                #[doc = concat!("`", $name, "`")]
                pub struct $ty;
                impl super::Permission for $ty {
                    const NAME: &'static str = $name;
                }
            )*
        }
    };
}

permissions! {
    AssetsView => "assets.view",
    AssetsCreate => "assets.create",
    AssetsEdit => "assets.edit",
    AssetsDelete => "assets.delete",
    AssetsShare => "assets.share",
    UsersView => "users.view",
    UsersInvite => "users.invite",
    UsersManage => "users.manage",
    TenantSettings => "tenant.settings",
    ApiKeysManage => "apikeys.manage",
}

/// A request whose credential holds permission `P` in its tenant.
pub struct Allowed<P> {
    pub state: web::Data<AppState>,
    pub authed: Authed,
    _permission: PhantomData<P>,
}

impl<P: Permission> FromRequest for Allowed<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            let authed = principal::authenticate(&state, &req, Some(P::NAME)).await?;
            Ok(Allowed {
                state,
                authed,
                _permission: PhantomData,
            })
        })
    }
}

/// A request with a valid credential, whatever it may do (sign-out, who-am-I).
pub struct SignedIn {
    pub state: web::Data<AppState>,
    pub authed: Authed,
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            let authed = principal::authenticate(&state, &req, None).await?;
            Ok(SignedIn { state, authed })
        })
    }
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::Internal("application state missing".into()))?;
    if state.cloud.is_none() {
        return Err(Error::NotFound(
            "API v3 is served in cloud mode; this server runs in device mode (API v1–v2 at /api/v2/)."
                .into(),
        )
        .into());
    }
    Ok(state)
}

/// Every permission the request's credential holds.
pub async fn held(state: &AppState, authed: &Authed) -> Result<Vec<&'static str>, Error> {
    let rbac = &cloud(state).rbac;
    let mut out = Vec::new();
    for p in crate::cloud::rbac::PERMISSIONS {
        if rbac
            .check(
                &authed.principal.subject(),
                authed.scope.id(),
                &authed.grant,
                p,
            )
            .await?
        {
            out.push(*p);
        }
    }
    Ok(out)
}

/// Refuses a grant beyond the actor's own (see `rbac::may_grant`).
pub async fn check_grant(
    state: &AppState,
    authed: &Authed,
    role: &str,
    extra: &[String],
    target_role: Option<&str>,
) -> Result<(), Error> {
    let held = held(state, authed).await?;
    crate::cloud::rbac::may_grant(&authed.grant.role, &held, role, extra, target_role)
        .map_err(Error::Forbidden)
}

/// The cloud state of a request that passed [`app_state`].
pub fn cloud(state: &AppState) -> &crate::cloud::Cloud {
    state
        .cloud
        .as_deref()
        .expect("v3 handlers run in cloud mode")
}

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

/// `GET /api/v3/openapi.json`
async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-cache"))
        .body(include_str!("../../../openapi/v3.json"))
}

/// `GET /api/v3/docs`
async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(include_str!("../../../openapi/docs.html"))
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
            .route("/openapi.json", web::get().to(openapi))
            .route("/docs", web::get().to(docs))
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

/// Optional time as JSON.
pub fn iso_opt(t: Option<chrono::NaiveDateTime>) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| iso(t).into())
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
