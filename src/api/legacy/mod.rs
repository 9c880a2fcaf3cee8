//! The Anthias-compatible API: v1, v1.1, v1.2 and v2. Request parsing and response views
//! only; the work is done by `services`. `../shared/reference/anthias.md` is the contract.

mod assets;
pub mod body;
pub mod cache;
mod device;
pub mod error;
pub mod fields;
mod files;
pub mod views;

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Route, web};
use futures_util::future::LocalBoxFuture;

use crate::app::AppState;
use crate::services::settings::DeviceSettings;
use crate::tenancy::TenantScope;

use error::LegacyError;

/// The API version a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V1_1,
    V1_2,
    V2,
}

/// An authorised request on a device: its tenant and settings.
pub struct Device {
    pub state: web::Data<AppState>,
    pub scope: TenantScope,
    pub settings: Arc<DeviceSettings>,
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
            let authed = crate::cloud::principal::authenticate(&state, req, Some(permission))
                .await
                .map_err(|e| match e {
                    crate::error::Error::Invalid { message, .. } => {
                        LegacyError::detail(400, message)
                    }
                    other => LegacyError::from(other),
                })?;
            let settings = state.settings(&authed.scope).await?;
            Ok(Device {
                state,
                scope: authed.scope,
                settings,
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

    /// The device time zone.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.settings.tz()
    }

    /// One of the tenant's assets, or DRF's 404.
    pub async fn asset(&self, id: &str) -> Result<crate::services::assets::Asset, LegacyError> {
        let (scope, id) = (self.scope.clone(), id.to_string());
        self.state
            .db
            .read(&self.scope, move |c| {
                crate::services::assets::get(c, &scope, &id)
            })
            .await?
            .ok_or_else(LegacyError::no_asset)
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

/// Checks the operator's credentials: HTTP Basic (scripts) or the UI's session cookie.
async fn authorize(
    req: &HttpRequest,
    state: &AppState,
    settings: &DeviceSettings,
) -> Result<(), LegacyError> {
    let challenge = |e: LegacyError| e.with_header("WWW-Authenticate", "Basic realm=\"api\"");
    if let Some(h) = req.headers().get(header::AUTHORIZATION) {
        let h = h.to_str().unwrap_or("");
        return if state
            .basic_auth
            .check(h, &settings.username, &settings.password_hash)
            .await
        {
            Ok(())
        } else {
            Err(challenge(LegacyError::detail(
                401,
                "Invalid username/password.",
            )))
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

/// The v3 permission a legacy route needs in cloud mode, from the route's pattern (the path as
/// routed, so percent-encoding cannot dress one route up as another). Routes that act on the
/// host (reboot, shutdown, display power, its load and addresses) belong to whoever runs the
/// service, not to a tenant, and anything unlisted is refused.
#[cfg(feature = "cloud")]
fn legacy_permission(method: &Method, pattern: Option<&str>) -> Result<&'static str, LegacyError> {
    let pattern = pattern.unwrap_or("");
    let route = ["/api/v1.1", "/api/v1.2", "/api/v1", "/api/v2"]
        .iter()
        .find_map(|p| pattern.strip_prefix(p))
        .unwrap_or(pattern);
    let read = method.is_safe();
    let permission = match route {
        "/assets" if read => "assets.view",
        "/assets" => "assets.create",
        "/assets/{asset_id}" if read => "assets.view",
        "/assets/{asset_id}" if *method == Method::DELETE => "assets.delete",
        "/assets/{asset_id}" => "assets.edit",
        "/assets/{asset_id}/content" => "assets.view",
        "/assets/order" => "assets.edit",
        "/assets/control/{command}" => "devices.manage",
        "/file_asset" => "assets.create",
        "/backup" | "/recover" | "/static_with_mime/{name}" => "tenant.settings",
        "/device_settings" if read => "devices.view",
        "/device_settings" => "devices.manage",
        "/viewer_current_asset" => "devices.view",
        "/api/events" => "assets.view",
        "/media/{asset_id}" | "/media/{asset_id}/thumbnail" | "/media/{asset_id}/live" => {
            "assets.view"
        }
        "/api/player/playlist" | "/player/ws" => "devices.view",
        "/api/player/plays" if read => "devices.view",
        "/api/player/plays" => "devices.manage",
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

/// A resource answering `routes`; other methods get DRF's 405 with `Allow`.
fn resource(path: &str, routes: Vec<(Method, Route)>) -> actix_web::Resource {
    let allow: Vec<String> = routes.iter().map(|(m, _)| m.to_string()).collect();
    let allow = format!("{}, OPTIONS", allow.join(", "));
    let mut res = web::resource(path);
    for (_, route) in routes {
        res = res.route(route);
    }
    res.default_service(web::to(move |req: HttpRequest| {
        let allow = allow.clone();
        async move {
            if req.method() == Method::OPTIONS {
                return HttpResponse::Ok()
                    .insert_header((header::ALLOW, allow))
                    .finish();
            }
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allow))
                .json(serde_json::json!({
                    "detail": format!("Method \"{}\" not allowed.", req.method())
                }))
        }
    }))
}

/// Every route of API v1 to v2.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use Version::*;
    cfg.app_data(web::PayloadConfig::new(body::MAX_BODY));
    for (prefix, version) in [
        ("/api/v1", V1),
        ("/api/v1.1", V1_1),
        ("/api/v1.2", V1_2),
        ("/api/v2", V2),
    ] {
        let v = version;
        if matches!(v, V1 | V2) {
            cfg.service(resource(
                &format!("{prefix}/assets/order"),
                vec![(Method::POST, web::post().to(assets::order))],
            ))
            .service(resource(
                &format!("{prefix}/assets/control/{{command}}"),
                vec![(Method::GET, web::get().to(assets::control))],
            ))
            .service(resource(
                &format!("{prefix}/assets/{{asset_id}}/content"),
                vec![(Method::GET, web::get().to(files::content))],
            ))
            .service(resource(
                &format!("{prefix}/file_asset"),
                vec![(Method::POST, web::post().to(files::file_asset))],
            ))
            .service(resource(
                &format!("{prefix}/backup"),
                vec![(Method::POST, web::post().to(files::backup))],
            ))
            .service(resource(
                &format!("{prefix}/recover"),
                vec![(Method::POST, web::post().to(files::recover))],
            ))
            .service(resource(
                &format!("{prefix}/reboot"),
                vec![(Method::POST, web::post().to(device::reboot))],
            ))
            .service(resource(
                &format!("{prefix}/shutdown"),
                vec![(Method::POST, web::post().to(device::shutdown))],
            ))
            .service(resource(
                &format!("{prefix}/info"),
                vec![(
                    Method::GET,
                    web::get().to(move |d: Device| device::info(d, v)),
                )],
            ));
        }
        cfg.service(resource(
            &format!("{prefix}/assets"),
            vec![
                (
                    Method::GET,
                    web::get().to(move |d: Device| assets::list(d, v)),
                ),
                (
                    Method::POST,
                    web::post().to(move |d: Device, r: HttpRequest, p: web::Payload| {
                        assets::create(d, r, p, v)
                    }),
                ),
            ],
        ));
        let mut one = vec![
            (
                Method::GET,
                web::get().to(move |d: Device, id: web::Path<String>| assets::get(d, id, v)),
            ),
            (
                Method::PUT,
                web::put().to(
                    move |d: Device, id: web::Path<String>, r: HttpRequest, p: web::Payload| {
                        assets::update(d, id, r, p, v, false)
                    },
                ),
            ),
        ];
        if matches!(v, V1_2 | V2) {
            one.push((
                Method::PATCH,
                web::patch().to(
                    move |d: Device, id: web::Path<String>, r: HttpRequest, p: web::Payload| {
                        assets::update(d, id, r, p, v, true)
                    },
                ),
            ));
        }
        one.push((Method::DELETE, web::delete().to(assets::delete)));
        cfg.service(resource(&format!("{prefix}/assets/{{asset_id}}"), one));
    }
    cfg.service(resource(
        "/api/v1/viewer_current_asset",
        vec![(Method::GET, web::get().to(device::viewer_current_asset))],
    ))
    .service(resource(
        "/api/v2/display/{state}",
        vec![(Method::POST, web::post().to(device::display))],
    ))
    .service(resource(
        "/api/v2/device_settings",
        vec![
            (Method::GET, web::get().to(device::get_settings)),
            (Method::PATCH, web::patch().to(device::patch_settings)),
        ],
    ))
    .service(resource(
        "/api/v2/integrations",
        vec![(Method::GET, web::get().to(device::integrations))],
    ))
    .service(resource(
        "/api/v2/network/ip-addresses",
        vec![(Method::GET, web::get().to(device::ip_addresses))],
    ))
    .service(resource(
        "/static_with_mime/{name}",
        vec![(Method::GET, web::get().to(files::download_backup))],
    ));
}
