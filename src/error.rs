//! The one error type of the service layer. Each variant has an HTTP status and a stable
//! machine code; API versions choose the body shape (see `api::legacy` for Anthias's).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// A plan limit that refused a creation (see [`Error::PlanLimit`]).
#[derive(Debug)]
pub struct PlanLimit {
    /// `max_devices`, `max_users` or `storage_quota_bytes`.
    pub limit: &'static str,
    /// The plan whose limits apply now.
    pub plan: String,
    /// The cheapest plan that allows what was asked, if any.
    pub upgrade_plan: Option<String>,
    pub message: String,
}

/// Everything that can go wrong below the HTTP layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; the field (if any) and a message a user can act on.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// No credentials, or credentials that are not (or no longer) valid.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials that do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// A plan limit (users, storage, devices) would be passed; the message says which and how
    /// to raise it.
    #[error("{0}")]
    LimitExceeded(String),
    /// A limit of the tenant's plan would be passed: which limit, the plan, and the cheapest
    /// plan that lifts it.
    #[error("{}", .0.message)]
    PlanLimit(Box<PlanLimit>),
    /// The payment provider (Stripe) failed or could not be reached; nothing was changed.
    #[error("{0}")]
    Upstream(String),
    /// Too many attempts; try again after `retry_after` seconds.
    #[error("{message}")]
    RateLimited { message: String, retry_after: u64 },
    /// Existed once and has expired (share links, tokens).
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A unique value (an address, a slug, a domain) that is already taken.
    #[error("{message}")]
    Taken { field: String, message: String },
    /// A local disk has no room for what this would write (its reserve stays free).
    #[error("{0}")]
    InsufficientStorage(#[from] crate::storage::disk::Shortfall),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("database unavailable: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("storage error: {0}")]
    Storage(#[from] opendal::Error),
    #[error("{0}")]
    Url(#[from] crate::db::UrlError),
    #[error("{0}")]
    Startup(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An invalid value of one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => field.as_deref(),
            Error::Taken { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::LimitExceeded(_) | Error::PlanLimit(_) => "limit_exceeded",
            Error::Upstream(_) => "payment_provider_error",
            Error::RateLimited { .. } => "rate_limited",
            Error::Gone(_) => "gone",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) | Error::Taken { .. } => "conflict",
            Error::InsufficientStorage(_) => "insufficient_storage",
            Error::Database(_) => "database_error",
            Error::Pool(_) => "database_unavailable",
            Error::Storage(_) => "storage_error",
            Error::Url(_) | Error::Startup(_) => "configuration_error",
            Error::Internal(_) => "internal_error",
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::Invalid { .. } => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) | Error::LimitExceeded(_) | Error::PlanLimit(_) => {
                StatusCode::FORBIDDEN
            }
            Error::Upstream(_) => StatusCode::BAD_GATEWAY,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Gone(_) => StatusCode::GONE,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) | Error::Taken { .. } => StatusCode::CONFLICT,
            Error::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            Error::Database(_)
            | Error::Storage(_)
            | Error::Url(_)
            | Error::Startup(_)
            | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, code = self.code(), "request failed");
        }
        let mut body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        if let Some(field) = self.field() {
            body["field"] = field.into();
        }
        let mut response = HttpResponse::build(status);
        if let Error::RateLimited { retry_after, .. } = self {
            response.insert_header(("Retry-After", retry_after.to_string()));
        }
        response.json(body)
    }
}
