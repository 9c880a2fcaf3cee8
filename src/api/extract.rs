//! Extractors every route takes: who is asking, in which tenant, and whether they may. A
//! handler receives a scoped [`Ctx`] from them and passes it to a service; it never reaches
//! for the database itself.
//!
//! - [`Device`]: the Anthias API, the player and the web app's own routes. On a device, the one
//!   tenant behind the operator's credentials (when auth is on); in cloud mode, an API key or
//!   a user's token, with the permission the route's pattern needs.
//! - [`Allowed<P>`] (cloud): an API v3 request whose credential holds permission `P`.
//! - [`SignedIn`] (cloud): any valid credential (sign-out, who-am-I).

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::api::error::LegacyError;
use crate::app::AppState;
use crate::auth::basic::{Refused, retry_after_secs};
use crate::services::context::Ctx;
use crate::services::settings::DeviceSettings;
use crate::tenancy::TenantScope;
#[cfg(feature = "cloud")]
use {
    crate::api::error::ApiError,
    crate::api::principal,
    crate::domain::permission::{Permission, Required},
    crate::error::Error,
    crate::services::principal::Authed,
    actix_web::http::Method,
    std::marker::PhantomData,
};

/// An authorised request on a device (or an Anthias-API request in a cloud tenant): its
/// tenant and settings.
pub struct Device {
    pub state: web::Data<AppState>,
    pub scope: TenantScope,
    pub settings: Arc<DeviceSettings>,
    /// Cloud mode: the key or user the Anthias script acts as, for the audit log.
    #[cfg(feature = "cloud")]
    actor: Option<crate::services::context::Actor>,
}

impl Device {
    /// Resolves the device tenant and, when `check_auth`, the basic-auth credentials.
    pub async fn resolve(req: &HttpRequest, check_auth: bool) -> Result<Device, LegacyError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| LegacyError::error(500, "application state missing"))?;
        let Some(scope) = state.device_tenant.clone() else {
            return Device::resolve_cloud(req, state, check_auth).await;
        };
        let settings = state.settings(&scope).await?;
        refuse_cross_site(req)?;
        if check_auth && settings.auth_enabled() {
            authorize(req, &state, &settings).await?;
        }
        Ok(Device {
            state,
            scope,
            settings,
            #[cfg(feature = "cloud")]
            actor: None,
        })
    }

    /// Cloud mode: Anthias scripts drive a tenant with one of its API keys
    /// (`Authorization: Bearer sgk_…`) or a user's access token; what they may do follows the
    /// credential's role, and routes that act on the host itself are not served.
    async fn resolve_cloud(
        req: &HttpRequest,
        state: web::Data<AppState>,
        check_auth: bool,
    ) -> Result<Device, LegacyError> {
        // In cloud mode every route authenticates, whatever it does on a device.
        let _ = check_auth;
        #[cfg(feature = "cloud")]
        {
            let permission = legacy_permission(req.method(), req.match_pattern().as_deref())?;
            let authed = principal::authenticate(&state, req, Some(permission.as_str()))
                .await
                .map_err(|e| match e {
                    Error::Invalid { message, .. } => LegacyError::detail(400, message),
                    other => LegacyError::from(other),
                })?;
            let settings = state.settings(&authed.scope).await?;
            Ok(Device {
                state,
                scope: authed.scope,
                settings,
                actor: Some(authed.actor),
            })
        }
        #[cfg(not(feature = "cloud"))]
        {
            let _ = (req, state);
            Err(LegacyError::detail(
                400,
                "This server runs in cloud mode but was built without the `cloud` feature.",
            ))
        }
    }

    /// A paired screen of `scope` (its device token was checked by the caller): it acts for
    /// nobody, and only on the player's routes.
    pub async fn for_screen(
        state: web::Data<AppState>,
        scope: TenantScope,
    ) -> Result<Device, LegacyError> {
        let settings = state.settings(&scope).await?;
        Ok(Device {
            state,
            scope,
            settings,
            #[cfg(feature = "cloud")]
            actor: None,
        })
    }

    /// The device time zone.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.settings.tz()
    }

    /// The use-case context of this request.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx::new(
            &self.state.core,
            self.scope.clone(),
            Some(self.settings.clone()),
            #[cfg(feature = "cloud")]
            self.actor.clone(),
        )
    }

    /// One of the tenant's assets, or DRF's 404.
    pub async fn asset(&self, id: &str) -> Result<crate::db::models::asset::Asset, LegacyError> {
        Ok(crate::services::assets::get(&self.ctx(), id).await?)
    }
}

impl FromRequest for Device {
    type Error = LegacyError;
    type Future = LocalBoxFuture<'static, Result<Device, LegacyError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Device::resolve(&req, true).await })
    }
}

/// A device request on an endpoint that is open whatever the auth setting.
pub struct OpenDevice(pub Device);

impl FromRequest for OpenDevice {
    type Error = LegacyError;
    type Future = LocalBoxFuture<'static, Result<OpenDevice, LegacyError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Device::resolve(&req, false).await.map(OpenDevice) })
    }
}

/// Checks the operator's credentials: HTTP Basic (scripts) or the UI's session cookie.
async fn authorize(
    req: &HttpRequest,
    state: &AppState,
    settings: &DeviceSettings,
) -> Result<(), LegacyError> {
    let challenge = |e: LegacyError| e.with_header("WWW-Authenticate", "Basic realm=\"api\"");
    if let Some(h) = req.headers().get(header::AUTHORIZATION) {
        let h = h.to_str().unwrap_or("");
        let peer = req.peer_addr().map(|a| a.ip());
        return match state
            .basic_auth
            .check_header(h, peer, &settings.username, &settings.password_hash)
            .await
        {
            Ok(()) => Ok(()),
            Err(Refused::Throttled(wait)) => Err(LegacyError::throttled(retry_after_secs(wait))),
            Err(Refused::Wrong) => Err(challenge(LegacyError::detail(
                401,
                "Invalid username/password.",
            ))),
        };
    }
    if let Some(cookie) = req.cookie(crate::auth::session::COOKIE)
        && state
            .sessions
            .check(cookie.value(), &settings.username, &settings.password_hash)
    {
        return Ok(());
    }
    // No challenge here: a browser would answer it with its own password dialog, in the
    // middle of the web UI. Scripts send their credentials up front anyway.
    Err(LegacyError::detail(
        401,
        "Authentication credentials were not provided.",
    ))
}

/// Another site's page must not drive this server through the visitor's browser, whatever
/// credentials that browser holds (a cached Basic login, the session cookie, or none when auth
/// is off): writes need our own Origin, and neither writes nor player commands may come from a
/// cross-site page. Scripts send neither header and are not affected.
fn refuse_cross_site(req: &HttpRequest) -> Result<(), LegacyError> {
    let changes_state = !req.method().is_safe() || req.path().contains("/assets/control/");
    if !changes_state {
        return Ok(());
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let refused = || {
        LegacyError::detail(
            403,
            "CSRF Failed: Origin checking failed - the request did not come from this server's pages.",
        )
    };
    if header("sec-fetch-site") == Some("cross-site") {
        return Err(refused());
    }
    if let Some(origin) = header("origin") {
        let host = req.connection_info().host().to_string();
        if origin.split_once("://").map(|(_, h)| h) != Some(host.as_str()) {
            return Err(refused());
        }
    }
    Ok(())
}

/// The permission an Anthias-API route needs in cloud mode, from the route's pattern (the path
/// as routed, so percent-encoding cannot dress one route up as another). Routes that act on
/// the host (reboot, shutdown, display power, its load and addresses) belong to whoever runs
/// the service, not to a tenant, and anything unlisted is refused.
#[cfg(feature = "cloud")]
fn legacy_permission(method: &Method, pattern: Option<&str>) -> Result<Permission, LegacyError> {
    use Permission::*;
    let pattern = pattern.unwrap_or("");
    let route = ["/api/v1.1", "/api/v1.2", "/api/v1", "/api/v2"]
        .iter()
        .find_map(|p| pattern.strip_prefix(p))
        .unwrap_or(pattern);
    let read = method.is_safe();
    let permission = match route {
        "/assets" if read => AssetsView,
        "/assets" => AssetsCreate,
        "/assets/{asset_id}" if read => AssetsView,
        "/assets/{asset_id}" if *method == Method::DELETE => AssetsDelete,
        "/assets/{asset_id}" => AssetsEdit,
        "/assets/{asset_id}/content" => AssetsView,
        "/assets/order" => AssetsEdit,
        "/assets/control/{command}" => DevicesManage,
        "/file_asset" => AssetsCreate,
        "/backup" | "/recover" | "/static_with_mime/{name}" => TenantSettings,
        "/device_settings" if read => DevicesView,
        "/device_settings" => DevicesManage,
        "/viewer_current_asset" => DevicesView,
        "/api/events" => AssetsView,
        "/media/{asset_id}" | "/media/{asset_id}/thumbnail" | "/media/{asset_id}/live" => {
            AssetsView
        }
        "/api/player/playlist" | "/player/ws" => DevicesView,
        "/api/player/plays" if read => DevicesView,
        "/api/player/plays" => DevicesManage,
        "/reboot"
        | "/shutdown"
        | "/info"
        | "/display/{state}"
        | "/network/ip-addresses"
        | "/integrations" => {
            return Err(LegacyError::detail(
                404,
                "Not available in cloud mode: this route acts on the server itself.",
            ));
        }
        _ => {
            return Err(LegacyError::detail(
                404,
                "Not available in cloud mode; see /api/v3/docs.",
            ));
        }
    };
    Ok(permission)
}

/// A request about the fleet of screens (`/api/v3/screens`, `/api/v3/groups`): in cloud mode
/// a credential holding permission `P` in its tenant (as [`Allowed`]); on a device its
/// operator (the password when auth is on), who may do everything.
pub struct Fleet<P> {
    pub state: web::Data<AppState>,
    scope: TenantScope,
    #[cfg(feature = "cloud")]
    actor: Option<crate::services::context::Actor>,
    _permission: std::marker::PhantomData<P>,
}

impl<P> Fleet<P> {
    /// The use-case context: the tenant, acting as the credential's holder.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx::new(
            &self.state.core,
            self.scope.clone(),
            None,
            #[cfg(feature = "cloud")]
            self.actor.clone(),
        )
    }
}

impl<P: crate::domain::permission::Required + 'static> FromRequest for Fleet<P> {
    type Error = crate::api::error::ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let on_device = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.device_tenant.is_some());
        #[cfg(feature = "cloud")]
        if !on_device {
            let allowed = Allowed::<P>::from_request(&req, payload);
            return Box::pin(async move {
                let a = allowed.await?;
                Ok(Fleet {
                    state: a.state,
                    scope: a.authed.scope,
                    actor: Some(a.authed.actor),
                    _permission: std::marker::PhantomData,
                })
            });
        }
        let _ = (payload, on_device);
        Box::pin(async move {
            let dev = Device::resolve(&req, true).await.map_err(v3_error)?;
            Ok(Fleet {
                state: dev.state,
                scope: dev.scope,
                #[cfg(feature = "cloud")]
                actor: None,
                _permission: std::marker::PhantomData,
            })
        })
    }
}

/// A device's refusal (Anthias's body) in v3's shape, keeping its status and words.
fn v3_error(e: LegacyError) -> crate::api::error::ApiError {
    let message = ["detail", "error", "message"]
        .iter()
        .find_map(|k| e.body.get(*k).and_then(|v| v.as_str()))
        .unwrap_or("Not allowed.")
        .to_string();
    let retry_after = e
        .headers
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case("retry-after"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(60);
    crate::api::error::ApiError(match e.status.as_u16() {
        401 => crate::error::Error::Unauthorized(message),
        403 => crate::error::Error::Forbidden(message),
        429 => crate::error::Error::RateLimited {
            message,
            retry_after,
        },
        400 => crate::error::Error::Invalid {
            field: None,
            message,
        },
        404 => crate::error::Error::NotFound(message),
        _ => crate::error::Error::Internal(message),
    })
}

/// An API v3 request whose credential holds permission `P` in its tenant.
#[cfg(feature = "cloud")]
pub struct Allowed<P> {
    pub state: web::Data<AppState>,
    pub authed: Authed,
    _permission: PhantomData<P>,
}

#[cfg(feature = "cloud")]
impl<P> Allowed<P> {
    /// The use-case context: the credential's tenant, acting as its holder.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx::new(
            &self.state.core,
            self.authed.scope.clone(),
            None,
            Some(self.authed.actor.clone()),
        )
    }
}

#[cfg(feature = "cloud")]
impl<P: Required> FromRequest for Allowed<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = cloud_state(&req)?;
            let authed =
                principal::authenticate(&state, &req, Some(P::PERMISSION.as_str())).await?;
            Ok(Allowed {
                state,
                authed,
                _permission: PhantomData,
            })
        })
    }
}

/// A request with a valid credential, whatever it may do (sign-out, who-am-I).
#[cfg(feature = "cloud")]
pub struct SignedIn {
    pub state: web::Data<AppState>,
    pub authed: Authed,
}

#[cfg(feature = "cloud")]
impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = cloud_state(&req)?;
            let authed = principal::authenticate(&state, &req, None).await?;
            Ok(SignedIn { state, authed })
        })
    }
}

/// The application state of a cloud server; API v3 is not served on a device.
#[cfg(feature = "cloud")]
pub fn cloud_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
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
