//! `/api/v3/playlists`, `/api/v3/schedules`, `/api/v3/interrupts` and a screen's timeline
//! (docs/programming.md). The use cases are in `services::program`, the rule in
//! `domain::program`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::views::{Interrupt, Playlist, Schedule, TimelineSegment};
use super::{Allowed, ApiResult, Json, perm};
use crate::error::Error;
use crate::services::program::{self, InterruptInput, ItemInput, ScheduleInput};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/playlists", web::get().to(playlists))
        .route("/playlists", web::post().to(create_playlist))
        .route("/playlists/{id}", web::get().to(playlist))
        .route("/playlists/{id}", web::patch().to(update_playlist))
        .route("/playlists/{id}", web::delete().to(delete_playlist))
        .route("/schedules", web::get().to(schedules))
        .route("/schedules", web::post().to(create_schedule))
        .route("/schedules/{id}", web::get().to(schedule))
        .route("/schedules/{id}", web::patch().to(update_schedule))
        .route("/schedules/{id}", web::delete().to(delete_schedule))
        .route("/interrupts", web::get().to(interrupts))
        .route("/interrupts", web::post().to(start_interrupt))
        .route("/interrupts/{id}", web::delete().to(end_interrupt))
        .route("/screens/{id}/timeline", web::get().to(timeline));
}

// ---- playlists ----

async fn playlists(allowed: Allowed<perm::AssetsView>) -> ApiResult<HttpResponse> {
    let all = program::playlists(&allowed.ctx()).await?;
    let items: Vec<Playlist> = all.iter().map(Playlist::from).collect();
    Ok(HttpResponse::Ok().json(items))
}

async fn playlist(
    allowed: Allowed<perm::AssetsView>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let p = program::playlist(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::Ok().json(Playlist::from(&p)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaylistBody {
    name: Option<String>,
    shuffle: Option<bool>,
    items: Option<Vec<ItemInput>>,
}

async fn create_playlist(
    allowed: Allowed<perm::AssetsEdit>,
    body: Json<PlaylistBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let name = b
        .name
        .ok_or_else(|| Error::invalid("name", "name is required."))?;
    let p = program::create_playlist(
        &allowed.ctx(),
        &name,
        b.shuffle.unwrap_or(false),
        b.items.unwrap_or_default(),
    )
    .await?;
    Ok(HttpResponse::Created().json(Playlist::from(&p)))
}

async fn update_playlist(
    allowed: Allowed<perm::AssetsEdit>,
    id: web::Path<String>,
    body: Json<PlaylistBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let p = program::update_playlist(&allowed.ctx(), &id, b.name, b.shuffle, b.items).await?;
    Ok(HttpResponse::Ok().json(Playlist::from(&p)))
}

async fn delete_playlist(
    allowed: Allowed<perm::AssetsEdit>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    program::delete_playlist(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- schedules ----

async fn schedules(allowed: Allowed<perm::AssetsView>) -> ApiResult<HttpResponse> {
    let rows = program::schedules(&allowed.ctx()).await?;
    let items: Vec<Schedule> = rows.iter().map(Schedule::from).collect();
    Ok(HttpResponse::Ok().json(items))
}

async fn schedule(
    allowed: Allowed<perm::AssetsView>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let s = program::schedule(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::Ok().json(Schedule::from(&s)))
}

async fn create_schedule(
    allowed: Allowed<perm::AssetsEdit>,
    body: Json<ScheduleInput>,
) -> ApiResult<HttpResponse> {
    let s = program::create_schedule(&allowed.ctx(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(Schedule::from(&s)))
}

async fn update_schedule(
    allowed: Allowed<perm::AssetsEdit>,
    id: web::Path<String>,
    body: Json<ScheduleInput>,
) -> ApiResult<HttpResponse> {
    let s = program::update_schedule(&allowed.ctx(), &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Schedule::from(&s)))
}

async fn delete_schedule(
    allowed: Allowed<perm::AssetsEdit>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    program::delete_schedule(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- interrupts ----

#[derive(Deserialize)]
struct InterruptQuery {
    all: Option<bool>,
}

async fn interrupts(
    allowed: Allowed<perm::DevicesView>,
    q: web::Query<InterruptQuery>,
) -> ApiResult<HttpResponse> {
    let rows = program::interrupts(&allowed.ctx(), q.all.unwrap_or(false)).await?;
    let items: Vec<Interrupt> = rows.iter().map(Interrupt::from).collect();
    Ok(HttpResponse::Ok().json(items))
}

async fn start_interrupt(
    allowed: Allowed<perm::ScreensInterrupt>,
    body: Json<InterruptInput>,
) -> ApiResult<HttpResponse> {
    let i = program::start_interrupt(&allowed.ctx(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(Interrupt::from(&i)))
}

async fn end_interrupt(
    allowed: Allowed<perm::ScreensInterrupt>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    program::end_interrupt(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- timeline ----

#[derive(Deserialize)]
struct TimelineQuery {
    from: Option<String>,
    to: Option<String>,
}

fn instant(field: &str, v: Option<&str>) -> Result<Option<DateTime<Utc>>, Error> {
    v.map(|s| {
        crate::domain::time::parse_datetime(s)
            .map(|t| t.and_utc())
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    format!(
                        "{field} must be an ISO 8601 date and time, e.g. 2026-12-07T00:00:00Z."
                    ),
                )
            })
    })
    .transpose()
}

/// `GET /api/v3/screens/{id}/timeline?from&to`: the plan (default: the next 24 hours).
async fn timeline(
    allowed: Allowed<perm::DevicesView>,
    id: web::Path<String>,
    q: web::Query<TimelineQuery>,
) -> ApiResult<HttpResponse> {
    let from = instant("from", q.from.as_deref())?.unwrap_or_else(Utc::now);
    let to = instant("to", q.to.as_deref())?.unwrap_or(from + Duration::days(1));
    let plan = program::timeline(&allowed.ctx(), &id, from, to).await?;
    let items: Vec<TimelineSegment> = plan.iter().map(TimelineSegment::from).collect();
    Ok(HttpResponse::Ok().json(items))
}
