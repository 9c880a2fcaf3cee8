//! The two error bodies of the HTTP layer, both built from the service layer's one
//! [`Error`]:
//! - [`LegacyError`], the shapes Anthias clients (and the player) parse: `{"field": ["message"]}`
//!   for validation, `{"detail": "…"}` for DRF's own errors, `{"error": "…"}` where upstream
//!   raised (upstream says 500 for bad input; we say 400 with the same body), and
//!   `{"message": "…"}` for display power;
//! - [`ApiError`], API v3's `{"error": {"code", "message", "field"?}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

use crate::error::Error;

/// Validation errors by field, as DRF serializers answer them.
pub type ErrorMap = Map<String, Value>;

/// A response to a failed legacy request.
#[derive(Debug)]
pub struct LegacyError {
    pub status: StatusCode,
    pub body: Value,
    /// Extra headers (`WWW-Authenticate`, `Allow`).
    pub headers: Vec<(&'static str, String)>,
}

impl LegacyError {
    fn new(status: u16, body: Value) -> LegacyError {
        LegacyError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
            headers: vec![],
        }
    }

    /// `{"detail": msg}`
    pub fn detail(status: u16, msg: impl Into<String>) -> LegacyError {
        LegacyError::new(status, json!({ "detail": msg.into() }))
    }

    /// `{"error": msg}`
    pub fn error(status: u16, msg: impl Into<String>) -> LegacyError {
        LegacyError::new(status, json!({ "error": msg.into() }))
    }

    /// `{"message": msg}`
    pub fn message(status: u16, msg: impl Into<String>) -> LegacyError {
        LegacyError::new(status, json!({ "message": msg.into() }))
    }

    /// 400 `{field: [msg, …], …}` from a serializer.
    pub fn fields(errors: ErrorMap) -> LegacyError {
        LegacyError::new(400, Value::Object(errors))
    }

    /// 400 `{field: [msg]}`.
    pub fn fields_one(field: &str, msg: impl Into<String>) -> LegacyError {
        LegacyError::new(400, json!({ field: [msg.into()] }))
    }

    /// 400 `{field: msg}`: a view-level error keeps a bare string.
    pub fn scalar(field: &str, msg: impl Into<String>) -> LegacyError {
        LegacyError::new(400, json!({ field: msg.into() }))
    }

    /// DRF's 404 for a missing asset.
    pub fn no_asset() -> LegacyError {
        LegacyError::detail(404, "No Asset matches the given query.")
    }

    /// 403: the tenant's storage quota would be passed.
    pub fn limit_exceeded(msg: impl Into<String>) -> LegacyError {
        LegacyError::new(
            403,
            json!({ "error": "limit_exceeded", "detail": msg.into() }),
        )
    }

    /// 429 in DRF's throttled shape, with `Retry-After`.
    pub fn throttled(retry_after: u64) -> LegacyError {
        let unit = if retry_after == 1 {
            "second"
        } else {
            "seconds"
        };
        LegacyError::detail(
            429,
            format!("Request was throttled. Expected available in {retry_after} {unit}."),
        )
        .with_header("Retry-After", retry_after.to_string())
    }

    pub fn too_large() -> LegacyError {
        LegacyError::detail(413, "Request body is too large.")
    }

    pub fn unsupported_media_type(ctype: String) -> LegacyError {
        LegacyError::detail(
            415,
            format!("Unsupported media type \"{ctype}\" in request."),
        )
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> LegacyError {
        self.headers.push((name, value.into()));
        self
    }
}

impl std::fmt::Display for LegacyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

impl ResponseError for LegacyError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        for (name, value) in &self.headers {
            res.insert_header((*name, value.as_str()));
        }
        res.json(&self.body)
    }
}

impl From<Error> for LegacyError {
    fn from(e: Error) -> LegacyError {
        match e {
            Error::Invalid {
                field: Some(field),
                message,
            } => LegacyError::fields_one(&field, message),
            Error::Invalid {
                field: None,
                message,
            } => LegacyError::error(400, message),
            Error::NotFound(msg) => LegacyError::detail(404, msg),
            Error::Conflict(msg) => LegacyError::error(409, msg),
            Error::Taken { field, message } => LegacyError::fields_one(&field, message),
            Error::Unauthorized(msg) => LegacyError::detail(401, msg),
            Error::Forbidden(msg) => LegacyError::detail(403, msg),
            Error::LimitExceeded(msg) => LegacyError::limit_exceeded(msg),
            Error::PlanLimit(l) => LegacyError::limit_exceeded(l.message),
            Error::Upstream(msg) => LegacyError::error(502, msg),
            Error::RateLimited {
                message,
                retry_after,
            } => LegacyError::detail(429, message)
                .with_header("Retry-After", retry_after.to_string()),
            Error::Gone(msg) => LegacyError::detail(410, msg),
            Error::InsufficientStorage(short) => LegacyError::error(507, short.to_string()),
            Error::Pool(e) => {
                tracing::error!(error = %e, "database unavailable");
                LegacyError::detail(503, "The database is unavailable; try again shortly.")
            }
            other => {
                // Details (SQL, storage paths) stay in the log.
                tracing::error!(error = %other, "request failed");
                LegacyError::error(
                    500,
                    "Something went wrong on the server; it has been logged.",
                )
            }
        }
    }
}

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
                // Nothing internal in it, and the caller can act on it.
                Error::InsufficientStorage(short) => short.to_string(),
                Error::Upstream(msg) => msg.clone(),
                _ => "Something went wrong on our side; it has been logged.".to_string(),
            }
        } else {
            self.0.to_string()
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.0.code(),
                message,
                field: self.0.field().map(str::to_string),
                limit: None,
                plan: None,
                upgrade_plan: None,
            },
        };
        let mut body = body;
        if let Error::PlanLimit(l) = &self.0 {
            body.error.limit = Some(l.limit);
            body.error.plan = Some(l.plan.clone());
            body.error.upgrade_plan = l.upgrade_plan.clone();
        }
        let mut response = HttpResponse::build(status);
        if let Error::RateLimited { retry_after, .. } = &self.0 {
            response.insert_header(("Retry-After", retry_after.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(body)
    }
}

/// Every v3 error. `code` is stable and machine-readable; `message` is for people and may
/// change.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "cloud", schema(as = Error, example = json!({
    "error": {
        "code": "invalid",
        "message": "Enter a valid e-mail address.",
        "field": "email"
    }
})))]
pub struct ErrorBody {
    #[cfg_attr(feature = "cloud", schema(inline))]
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "cloud", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// One of `invalid` (400), `unauthorized` (401), `forbidden` (403), `limit_exceeded` (403),
    /// `not_found` (404), `conflict` (409), `gone` (410), `rate_limited` (429, with
    /// `Retry-After`); server faults use `internal_error`, `database_error`, `storage_error`,
    /// `configuration_error` (500) and `database_unavailable` (503).
    #[cfg_attr(feature = "cloud", schema(example = "invalid"))]
    pub code: &'static str,
    /// Human-readable explanation.
    #[cfg_attr(feature = "cloud", schema(example = "Enter a valid e-mail address."))]
    pub message: String,
    /// Only for errors about one input: the body field, query parameter or header it concerns
    /// (for example `email`, `tenant_slug`, `limit`, `X-Tenant-ID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cloud", schema(example = "email", nullable = false))]
    pub field: Option<String>,
    /// Only for `limit_exceeded` from a plan: the limit (`max_devices`, `max_users`,
    /// `storage_quota_bytes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cloud", schema(example = "max_devices", nullable = false))]
    pub limit: Option<&'static str>,
    /// Only for `limit_exceeded` from a plan: the tenant's plan now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cloud", schema(example = "free", nullable = false))]
    pub plan: Option<String>,
    /// Only for `limit_exceeded` from a plan: the cheapest plan that lifts the limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cloud", schema(example = "pro", nullable = false))]
    pub upgrade_plan: Option<String>,
}
