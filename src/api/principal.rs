//! What a cloud request presents, read from HTTP: the host it was sent to, the tenant header,
//! the bearer credential (header or media cookie) and the client's address. The lookups and
//! rules are `services::principal`'s.

use actix_web::HttpRequest;

use crate::app::AppState;
use crate::cloud::tokens::API_KEY_PREFIX;
use crate::error::Error;
use crate::services::principal::{self, Authed, Presented, TENANT_HEADER};

/// The cookie that carries the web app's access token to what `<img>`, `<video>` and
/// `EventSource` fetch: they cannot send an `Authorization` header.
pub const MEDIA_COOKIE: &str = "signate_media";

/// The client address: the peer, or, when the peer is one of `cloud.trusted_proxies`, the
/// last address in `X-Forwarded-For` that is not a trusted proxy (what a client writes
/// further left can be forged).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.config.cloud.trusted_proxies.clone())
        .unwrap_or_default();
    if !trusted.contains(&peer) {
        return Some(peer.to_string());
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    let client = forwarded.into_iter().rev().find(|a| !trusted.contains(a));
    Some(client.unwrap_or(peer).to_string())
}

/// The host the request was sent to, without the port, in lower case.
fn host_name(req: &HttpRequest) -> String {
    let info = req.connection_info();
    let host = info.host();
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        match host.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        }
    };
    name.to_lowercase()
}

/// The bearer credential, if the request has one: the `Authorization` header, or, for reads
/// of media and the event stream only, the media cookie (`SameSite=Strict`, so another site
/// cannot make a browser send it; and those routes change nothing).
pub fn bearer(req: &HttpRequest) -> Option<String> {
    if let Some(h) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let (scheme, token) = h.to_str().ok()?.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    let path = req.path();
    let readable = req.method() == actix_web::http::Method::GET
        && (path.starts_with("/media/") || path == "/api/events");
    if readable {
        // Only an access token goes in it (see `media-cookie`); an API key found there was
        // planted by someone else (a sibling subdomain can set cookies) and is ignored.
        return req
            .cookie(MEDIA_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|t| !t.starts_with(API_KEY_PREFIX));
    }
    None
}

/// What the request presents.
pub fn presented(req: &HttpRequest) -> Presented {
    Presented {
        host: host_name(req),
        tenant_header: req
            .headers()
            .get(TENANT_HEADER)
            .map(|v| v.to_str().unwrap_or("").to_string()),
        bearer: bearer(req),
        ip: client_ip(req),
    }
}

/// Authenticates the request's bearer credential and, when `permission` is given, checks it.
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    permission: Option<&str>,
) -> Result<Authed, Error> {
    let authed = principal::authenticate(&state.core, &presented(req), permission).await?;
    // Every authenticated API request counts towards the tenant's monthly usage report.
    #[cfg(feature = "billing")]
    state.core.billing.count_call(authed.scope.id());
    Ok(authed)
}
