//! The Anthias-compatible API: v1, v1.1, v1.2 and v2. Request parsing and response views
//! only; the work is done by `services`. `../shared/reference/anthias.md` is the contract.

mod assets;
pub mod body;
pub mod cache;
mod device;
pub mod fields;
mod files;
pub mod views;

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, Route, web};

pub use crate::api::error::LegacyError;
use crate::api::extract::Device;

/// The API version a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V1_1,
    V1_2,
    V2,
}

impl Version {
    /// The rules the asset use cases apply for this version.
    pub fn dialect(self) -> crate::services::assets::Dialect {
        use crate::services::assets::Dialect;
        match self {
            Version::V1 => Dialect::V1,
            Version::V1_1 => Dialect::V1_1,
            Version::V1_2 => Dialect::V1_2,
            Version::V2 => Dialect::V2,
        }
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
