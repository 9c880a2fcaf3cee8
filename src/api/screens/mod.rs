//! `/api/v3/screens` and `/api/v3/groups`: pairing (the screen's side, no credentials), the
//! fleet and its commands (admins). The contract is `docs/screens.md`; the use cases are in
//! `services::screens`. Served in cloud mode with the rest of v3, and on a device too (its
//! operator manages the screens of the LAN that pair with it).

pub mod views;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use self::views::{
    CommandSent, Group, PairedTenant, PairingDone, PairingPending, PairingStarted, Screen,
    ScreenRef,
};
use crate::api::error::ApiError;
use crate::api::extract::Fleet;
use crate::api::json::{Json, iso};
use crate::app::AppState;
use crate::domain::permission::perm;
use crate::domain::screen::Command;
use crate::error::Error;
use crate::player::client_ip;
use crate::services::screens::{self, Changes, Filter, New, Poll, Target};

use crate::player::SCREEN_COOKIE;

type ApiResult<T> = Result<T, ApiError>;

/// The application state.
fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::Internal("application state missing".into()).into())
}

/// A device's `/api/v3`: the screens routes only, JSON errors.
pub fn device_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v3")
            .app_data(crate::api::json::json_config())
            .app_data(crate::api::json::query_config())
            .configure(routes)
            .default_service(web::to(crate::api::json::unknown_v3)),
    );
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/screens/pair", web::post().to(pair))
        .route("/screens/pair/{secret}", web::get().to(poll))
        .route("/screens", web::get().to(list))
        .route("/screens", web::post().to(claim))
        .route("/screens/{id}", web::get().to(get))
        .route("/screens/{id}", web::patch().to(update))
        .route("/screens/{id}", web::delete().to(delete))
        .route("/screens/{id}/commands", web::post().to(command_screen))
        .route("/groups", web::get().to(groups))
        .route("/groups", web::post().to(create_group))
        .route("/groups/{id}", web::get().to(group))
        .route("/groups/{id}", web::patch().to(rename_group))
        .route("/groups/{id}", web::delete().to(delete_group))
        .route("/groups/{id}/commands", web::post().to(command_group));
}

// ---- pairing ----

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PairBody {
    resolution: Option<String>,
    player_version: Option<String>,
}

/// Where an admin enters a code: this service's address (its public URL, else the one the
/// screen reached), on the web app's Screens page.
fn claim_url(req: &HttpRequest, public_url: &str, code: &str) -> String {
    let base = if public_url.is_empty() {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    } else {
        public_url.trim_end_matches('/').to_string()
    };
    format!("{base}/screens/add?code={code}")
}

/// A QR code of `text` as an SVG document.
fn qr_svg(text: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(|e| Error::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// `POST /api/v3/screens/pair`: a code for a screen to show (no credentials; the body is
/// optional).
async fn pair(req: HttpRequest, body: web::Bytes) -> ApiResult<HttpResponse> {
    let state = app_state(&req)?;
    let b: PairBody = if body.iter().all(u8::is_ascii_whitespace) {
        PairBody::default()
    } else {
        let value: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| Error::Invalid {
                field: None,
                message: format!("The JSON body is not valid: {e}"),
            })?;
        if crate::domain::text::value_has_nul(&value) {
            return Err(crate::api::input::nul_in(None).into());
        }
        serde_json::from_value(value).map_err(|e| Error::Invalid {
            field: None,
            message: format!("The JSON body is not valid: {e}"),
        })?
    };
    let started = screens::start_pairing(
        &state.core,
        client_ip(&req),
        b.resolution.as_deref(),
        b.player_version.as_deref(),
    )
    .await?;
    let url = claim_url(&req, &state.config.cloud.public_url, &started.code);
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(PairingStarted {
            qr_svg: qr_svg(&url)?,
            claim_url: url,
            code: started.code,
            secret: started.secret,
            expires_at: iso(started.expires_at),
            poll_seconds: screens::POLL_SECONDS,
        }))
}

/// `GET /api/v3/screens/pair/{secret}`: pending (202), paired (200, once, with the device
/// token, also set as the `signate_screen` cookie), or gone (410).
async fn poll(req: HttpRequest, secret: web::Path<String>) -> ApiResult<HttpResponse> {
    let state = app_state(&req)?;
    match screens::poll_pairing(&state.core, &secret).await? {
        Poll::Pending { expires_at } => Ok(HttpResponse::Accepted()
            .insert_header(("Cache-Control", "no-store"))
            .json(PairingPending {
                status: "pending",
                expires_at: iso(expires_at),
            })),
        Poll::Paired(paired) => {
            let screens::Paired {
                token,
                screen,
                tenant,
            } = *paired;
            let secure = state.config.public_url().starts_with("https://");
            let cookie = Cookie::build(SCREEN_COOKIE, token.clone())
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Strict)
                // A screen is paired until it is removed: ten years.
                .max_age(actix_web::cookie::time::Duration::days(3650))
                .finish();
            Ok(HttpResponse::Ok()
                .insert_header(("Cache-Control", "no-store"))
                .cookie(cookie)
                .json(PairingDone {
                    status: "paired",
                    device_token: token,
                    screen: ScreenRef {
                        id: screen.id,
                        name: screen.name,
                    },
                    tenant: PairedTenant::from(&tenant),
                }))
        }
    }
}

// ---- the fleet ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimBody {
    code: String,
    name: Option<String>,
    group_id: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// `POST /api/v3/screens`: claims the screen showing `code`.
async fn claim(
    allowed: Fleet<perm::DevicesManage>,
    body: Json<ClaimBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let screen = screens::claim(
        &allowed.ctx(),
        New {
            code: b.code,
            name: b.name,
            group_id: b.group_id,
            tags: b.tags,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(Screen::from(&screen)))
}

#[derive(Deserialize)]
struct ListQuery {
    group_id: Option<String>,
    tag: Option<String>,
    status: Option<String>,
    q: Option<String>,
}

/// `GET /api/v3/screens`: the fleet, by name (a JSON array).
async fn list(
    allowed: Fleet<perm::DevicesView>,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let rows = screens::list(
        &allowed.ctx(),
        Filter {
            group_id: q.group_id,
            tag: q.tag,
            status: q.status,
            q: q.q,
        },
    )
    .await?;
    let items: Vec<Screen> = rows.iter().map(Screen::from).collect();
    Ok(HttpResponse::Ok().json(items))
}

async fn get(allowed: Fleet<perm::DevicesView>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let screen = screens::get(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::Ok().json(Screen::from(&screen)))
}

/// A field that may be absent, null or a value.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    group_id: Option<Option<String>>,
    tags: Option<Vec<String>>,
}

async fn update(
    allowed: Fleet<perm::DevicesManage>,
    id: web::Path<String>,
    body: Json<PatchBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let screen = screens::update(
        &allowed.ctx(),
        &id,
        Changes {
            name: b.name,
            group_id: b.group_id,
            tags: b.tags,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Screen::from(&screen)))
}

/// `DELETE /api/v3/screens/{id}`: the token stops working and the screen is told at once.
async fn delete(
    allowed: Fleet<perm::DevicesManage>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    screens::delete(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- groups ----

async fn groups(allowed: Fleet<perm::DevicesView>) -> ApiResult<HttpResponse> {
    let rows = screens::groups(&allowed.ctx()).await?;
    let items: Vec<Group> = rows.iter().map(|(g, n)| Group::new(g, *n)).collect();
    Ok(HttpResponse::Ok().json(items))
}

async fn group(
    allowed: Fleet<perm::DevicesView>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (g, n) = screens::group(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::Ok().json(Group::new(&g, n)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupBody {
    name: String,
}

async fn create_group(
    allowed: Fleet<perm::DevicesManage>,
    body: Json<GroupBody>,
) -> ApiResult<HttpResponse> {
    let g = screens::create_group(&allowed.ctx(), &body.name).await?;
    Ok(HttpResponse::Created().json(Group::new(&g, 0)))
}

async fn rename_group(
    allowed: Fleet<perm::DevicesManage>,
    id: web::Path<String>,
    body: Json<GroupBody>,
) -> ApiResult<HttpResponse> {
    let ctx = allowed.ctx();
    screens::rename_group(&ctx, &id, &body.name).await?;
    let (g, n) = screens::group(&ctx, &id).await?;
    Ok(HttpResponse::Ok().json(Group::new(&g, n)))
}

async fn delete_group(
    allowed: Fleet<perm::DevicesManage>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    screens::delete_group(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- commands ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandBody {
    command: String,
    asset_id: Option<String>,
}

async fn send(
    allowed: Fleet<perm::DevicesManage>,
    target: Target,
    body: CommandBody,
) -> ApiResult<HttpResponse> {
    let command = Command::parse(&body.command, body.asset_id.as_deref())
        .map_err(|m| Error::invalid("command", m))?;
    let sent = screens::command(&allowed.ctx(), target, command).await?;
    Ok(HttpResponse::Accepted().json(CommandSent::from(&sent)))
}

/// `POST /api/v3/screens/{id}/commands`
async fn command_screen(
    allowed: Fleet<perm::DevicesManage>,
    id: web::Path<String>,
    body: Json<CommandBody>,
) -> ApiResult<HttpResponse> {
    send(allowed, Target::Screen(id.into_inner()), body.into_inner()).await
}

/// `POST /api/v3/groups/{id}/commands`
async fn command_group(
    allowed: Fleet<perm::DevicesManage>,
    id: web::Path<String>,
    body: Json<CommandBody>,
) -> ApiResult<HttpResponse> {
    send(allowed, Target::Group(id.into_inner()), body.into_inner()).await
}
