//! The screen's side of the server: the playlist the player page schedules itself from, the
//! WebSocket that carries live commands, proof-of-play intake, and what is on screen now.

pub mod hub;
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

/// A screen: a paired one (its device token, `sgd_…`, as a bearer or in the
/// `signate_screen` cookie) with its id, or, without a token, the kiosk browser on the device
/// itself (loopback cannot answer a password prompt, so it needs none) or anyone who
/// authenticates like any API client.
pub struct Screen(pub Device, pub Option<String>);

/// The cookie a browser player carries its device token in (set by the pairing poll).
pub const SCREEN_COOKIE: &str = "signate_screen";

/// The header that tells a player without a valid device token to show its pairing view.
pub const PAIRING_HEADER: &str = "Signate-Pairing";

impl FromRequest for Screen {
    type Error = LegacyError;
    type Future = LocalBoxFuture<'static, Result<Screen, LegacyError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Screen::resolve(&req).await })
    }
}

impl Screen {
    async fn resolve(req: &HttpRequest) -> Result<Screen, LegacyError> {
        let pairing = |e: LegacyError| {
            let mut gone = actix_web::cookie::Cookie::build(SCREEN_COOKIE, "")
                .path("/")
                .finish();
            gone.make_removal();
            e.with_header(PAIRING_HEADER, "required")
                .with_header("Set-Cookie", gone.to_string())
        };
        if let Some(token) = device_token(req) {
            let state = req
                .app_data::<web::Data<crate::app::AppState>>()
                .cloned()
                .ok_or_else(|| LegacyError::error(500, "application state missing"))?;
            let found = crate::services::screens::authenticate(&state.core, &token).await?;
            let Some(screen) = found.filter(|s| {
                state
                    .device_tenant
                    .as_ref()
                    .is_none_or(|t| t.id() == s.tenant_id)
            }) else {
                return Err(pairing(LegacyError::detail(
                    401,
                    "This screen's device token is not valid (the screen was removed); pair it \
                     again.",
                )));
            };
            let dev = Device::for_screen(state, crate::tenancy::TenantScope::new(screen.tenant_id))
                .await?;
            return Ok(Screen(dev, Some(screen.id)));
        }
        // Cloud mode without any credential: a new screen, to be paired.
        if is_cloud(req) && !has_credential(req) {
            return Err(pairing(LegacyError::detail(
                401,
                "This screen is not paired: show its code (GET /player/) and enter it in the \
                 Screens page, or send a device token (Authorization: Bearer sgd_…).",
            )));
        }
        match Device::resolve(req, !is_local(req)).await {
            Ok(dev) => Ok(Screen(dev, None)),
            // A device with its password on: a screen of the LAN that presents nothing pairs
            // with it like a cloud screen.
            Err(e) if e.status.as_u16() == 401 && !has_credential(req) => Err(pairing(e)),
            Err(e) => Err(e),
        }
    }
}

/// The device token a request carries: `Authorization: Bearer sgd_…` or the cookie.
fn device_token(req: &HttpRequest) -> Option<String> {
    let prefix = crate::services::screens::TOKEN_PREFIX;
    let bearer = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.starts_with(prefix));
    bearer
        .map(str::to_string)
        .or_else(|| req.cookie(SCREEN_COOKIE).map(|c| c.value().to_string()))
        .filter(|t| !t.is_empty())
}

fn is_cloud(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<crate::app::AppState>>()
        .is_some_and(|s| s.device_tenant.is_none())
}

/// Whether the request carries some credential other than a device token (an API key, a
/// user's token or media cookie, the device's password or session): its failure is that
/// credential's, not a call to pair.
fn has_credential(req: &HttpRequest) -> bool {
    req.headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
        || req.cookie("signate_media").is_some()
        || req.cookie(crate::auth::session::COOKIE).is_some()
}

/// The client's address (behind trusted proxies in cloud mode, the one they name).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    #[cfg(feature = "cloud")]
    {
        crate::api::principal::client_ip(req)
    }
    #[cfg(not(feature = "cloud"))]
    {
        req.peer_addr().map(|a| a.ip().to_string())
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
        // HEAD answers the size and type without the bytes (`signate migrate`'s dry run asks).
        .route(
            "/media/{asset_id}",
            web::head().to(crate::api::media::serve),
        )
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
