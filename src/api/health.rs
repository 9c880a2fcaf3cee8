//! `GET /healthz` (the process answers) and `GET /readyz` (its database and storage answer).

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

/// Readiness: 200 when the database and the storage answer, else 503 naming what is down.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let r = health::check(&state.core).await;
    let show = |r: &Result<(), crate::error::Error>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("down: {e}"),
    };
    let body = json!({
        "status": if r.ok() { "ok" } else { "unavailable" },
        "checks": { "database": show(&r.database), "storage": show(&r.storage) },
    });
    if r.ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
