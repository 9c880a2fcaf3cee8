//! The screen's side of the server: the playlist the player page schedules itself from, the
//! WebSocket that carries live commands, proof-of-play intake, and what is on screen now.

pub mod playlist;
pub mod plays;
pub mod power;
pub mod relay;
pub mod ws;

use std::collections::HashMap;
use std::sync::RwLock;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::api::error::LegacyError;
use crate::api::extract::Device;

/// The asset on screen per tenant (absent: nothing reported, or nothing playing).
#[derive(Default)]
pub struct NowPlaying {
    by_tenant: RwLock<HashMap<String, String>>,
}

impl NowPlaying {
    /// Records what the tenant's screen shows (`None`: nothing).
    pub fn set(&self, tenant_id: &str, asset_id: Option<String>) {
        let mut map = self.by_tenant.write().unwrap_or_else(|p| p.into_inner());
        match asset_id {
            Some(id) => map.insert(tenant_id.to_string(), id),
            None => map.remove(tenant_id),
        };
    }

    /// The asset on the tenant's screen.
    pub fn get(&self, tenant_id: &str) -> Option<String> {
        self.by_tenant
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(tenant_id)
            .cloned()
    }
}

/// A screen. The kiosk browser on the device itself (loopback) cannot answer a password
/// prompt, so it needs none; anyone else authenticates like any API client.
pub struct Screen(pub Device);

impl FromRequest for Screen {
    type Error = LegacyError;
    type Future = LocalBoxFuture<'static, Result<Screen, LegacyError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Device::resolve(&req, !is_local(&req)).await.map(Screen) })
    }
}

/// A request from this machine itself, not relayed: a reverse proxy on the same host connects
/// from loopback too, but says whom it relays for, and those requests must authenticate.
/// The Host must name this machine too, or a page from elsewhere could reach it through DNS
/// rebinding in the kiosk's own browser.
fn is_local(req: &HttpRequest) -> bool {
    let relayed = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host_name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let local_name = matches!(host_name, "localhost" | "[::1]") || host_name.starts_with("127.");
    !relayed && local_name && req.peer_addr().is_some_and(|a| a.ip().is_loopback())
}

/// The player's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/player", web::get().to(redirect_to_player))
        .route("/player/ws", web::get().to(ws::connect))
        .route("/api/player/playlist", web::get().to(playlist::get))
        .route("/api/player/plays", web::post().to(plays::record))
        .route("/api/player/plays", web::get().to(plays::recent))
        .route("/media/{asset_id}", web::get().to(crate::api::media::serve))
        .route(
            "/media/{asset_id}/thumbnail",
            web::get().to(crate::api::media::thumbnail),
        )
        .route("/media/{asset_id}/live", web::get().to(relay::live));
}

async fn redirect_to_player() -> actix_web::HttpResponse {
    actix_web::HttpResponse::MovedPermanently()
        .insert_header(("Location", "/player/"))
        .finish()
}
