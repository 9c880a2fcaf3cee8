//! Sign-in for the web UI: `POST /api/auth/login`, `POST /api/auth/logout`,
//! `GET /api/auth/session`, and the UI's live event stream. Scripts keep using HTTP Basic.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::api::error::LegacyError;
use crate::api::extract::{Device, OpenDevice};
use crate::api::legacy::body;
use crate::auth::basic::{Refused, retry_after_secs};
use crate::auth::session;

/// Every route of the UI's own API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/auth/login", web::post().to(login))
        .route("/api/auth/logout", web::post().to(logout))
        .route("/api/auth/session", web::get().to(current))
        .route("/api/events", web::get().to(crate::api::live::events));
}

/// The session cookie; `Secure` when the browser came over HTTPS (directly or through a proxy
/// that says so).
fn cookie(
    req: &HttpRequest,
    value: String,
    max_age: actix_web::cookie::time::Duration,
) -> Cookie<'static> {
    Cookie::build(session::COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(req.connection_info().scheme() == "https")
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

/// `POST /api/auth/login` with `username` and `password` (JSON or form).
async fn login(
    dev: OpenDevice,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, LegacyError> {
    let dev = dev.0;
    if !dev.settings.auth_enabled() {
        return Ok(HttpResponse::Ok().json(json!({ "auth_required": false })));
    }
    let data = body::require_object(body::read(&req, payload).await?)?;
    let field = |name: &str| {
        data.get(name)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let (user, pass) = (field("username"), field("password"));
    let peer = req.peer_addr().map(|a| a.ip());
    let checked = dev
        .state
        .basic_auth
        .check(
            peer,
            &user,
            &pass,
            &dev.settings.username,
            &dev.settings.password_hash,
        )
        .await;
    match checked {
        Ok(()) => {}
        Err(Refused::Throttled(wait)) => {
            return Err(LegacyError::throttled(retry_after_secs(wait)));
        }
        Err(Refused::Wrong) => {
            tracing::warn!(peer = ?req.peer_addr(), "failed sign-in");
            return Err(LegacyError::detail(401, "Invalid username or password."));
        }
    }
    let token = dev
        .state
        .sessions
        .open(&dev.settings.username, &dev.settings.password_hash);
    let age = actix_web::cookie::time::Duration::seconds(session::IDLE.as_secs() as i64);
    Ok(HttpResponse::Ok()
        .cookie(cookie(&req, token, age))
        .json(json!({ "auth_required": true, "username": dev.settings.username })))
}

/// `POST /api/auth/logout`
async fn logout(dev: OpenDevice, req: HttpRequest) -> HttpResponse {
    if let Some(c) = req.cookie(session::COOKIE) {
        dev.0.state.sessions.close(c.value());
    }
    HttpResponse::NoContent()
        .cookie(cookie(
            &req,
            String::new(),
            actix_web::cookie::time::Duration::ZERO,
        ))
        .finish()
}

/// `GET /api/auth/session`: whether sign-in is needed and whether this browser has it.
async fn current(open: OpenDevice, req: HttpRequest) -> HttpResponse {
    let required = open.0.settings.auth_enabled();
    let authenticated = !required || Device::resolve(&req, true).await.is_ok();
    HttpResponse::Ok().json(json!({
        "auth_required": required,
        "authenticated": authenticated,
        "username": if authenticated && required { open.0.settings.username.clone() } else { String::new() },
    }))
}
