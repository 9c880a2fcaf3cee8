//! `GET /healthz` (the process answers) and `GET /readyz` (its database and storage answer;
//! in cloud mode it names an e-mail problem as a warning).

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::app::AppState;
use crate::services::health;

/// Liveness: no I/O, so a stuck database does not get a healthy process restarted. Says the
/// mode too, so the web UI knows whether to show the device's pages or cloud sign-in.
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "mode": state.config.mode }))
}

/// Readiness: 200 when the database and the storage answer, else 503 naming what is down. In
/// cloud mode `checks.email` says whether e-mail works; a problem there is listed under
/// `warnings` and does not fail readiness (the server still serves every request).
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let r = health::check(&state.core).await;
    let show = |r: &Result<(), crate::error::Error>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("down: {e}"),
    };
    let mut body = json!({
        "status": if r.ok() { "ok" } else { "unavailable" },
        "checks": { "database": show(&r.database), "storage": show(&r.storage) },
    });
    add_mail(&mut body, &r);
    if r.ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Names the e-mail state (cloud mode), and any problem with it as a warning.
#[cfg(feature = "cloud")]
fn add_mail(body: &mut serde_json::Value, r: &health::Readiness) {
    if let Some(mail) = &r.mail {
        body["checks"]["email"] = json!(mail.state());
        let warnings: Vec<String> = match mail {
            crate::cloud::mail::Health::Ok => vec![],
            problem => vec![format!("email: {}", problem.message())],
        };
        body["warnings"] = json!(warnings);
    }
}

/// A device sends no e-mail.
#[cfg(not(feature = "cloud"))]
fn add_mail(_: &mut serde_json::Value, _: &health::Readiness) {}
