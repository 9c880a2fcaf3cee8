//! `GET /api/player/playlist`: every asset that could play (enabled, both dates) with its
//! schedule, the settings the screen needs, and the server's clock, so the player applies the
//! schedule rule itself and keeps following it while the server is away.

use actix_web::HttpResponse;
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Screen;
use crate::api::error::LegacyError;
use crate::db::models::asset::Asset;
use crate::domain::headers;
use crate::domain::schedule::{PlayDays, clamp_refresh_interval, format_time, parse_time};

#[derive(Serialize)]
struct Playlist {
    server_time: String,
    timezone: String,
    settings: Value,
    admin_urls: Vec<String>,
    assets: Vec<Item>,
}

/// One asset as the player gets it.
#[derive(Serialize)]
pub struct Item {
    asset_id: String,
    name: String,
    mimetype: String,
    url: String,
    duration: i64,
    nocache: bool,
    refresh_interval_s: i64,
    headers: Map<String, Value>,
    play_order: i32,
    is_processing: bool,
    schedule: ScheduleView,
}

#[derive(Serialize)]
struct ScheduleView {
    is_enabled: bool,
    start: Option<String>,
    end: Option<String>,
    play_days: Vec<u8>,
    from: Option<String>,
    to: Option<String>,
}

fn iso(dt: chrono::NaiveDateTime) -> String {
    dt.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Where the screen loads an asset from: our own file, the relay for streams a browser cannot
/// open, or its URI.
pub fn media_url(a: &Asset) -> Option<String> {
    if super::relay::needed(a) && super::relay::available() {
        return Some(format!("/media/{}/live", a.asset_id));
    }
    match (&a.file_key, a.file_size) {
        (Some(_), size) => Some(format!(
            "/media/{}?v={}-{}",
            a.asset_id,
            size.unwrap_or(0),
            a.updated_at.and_utc().timestamp()
        )),
        (None, _) => a.uri.clone(),
    }
}

/// The player's view of an asset (`None` when it has nothing to load).
pub fn item(a: &Asset) -> Option<Item> {
    let meta = a.metadata_map();
    Some(Item {
        url: media_url(a)?,
        asset_id: a.asset_id.clone(),
        name: a.name.clone().unwrap_or_default(),
        mimetype: a.mimetype.clone().unwrap_or_default(),
        duration: a.duration.unwrap_or(0).max(0),
        nocache: a.nocache,
        refresh_interval_s: meta
            .get("refresh_interval_s")
            .map(clamp_refresh_interval)
            .unwrap_or(0),
        headers: headers::normalize(meta.get("headers")),
        play_order: a.play_order,
        is_processing: a.is_processing,
        schedule: ScheduleView {
            is_enabled: a.is_enabled,
            start: a.start_date.map(iso),
            end: a.end_date.map(iso),
            play_days: PlayDays::from_json_text(&a.play_days).days().to_vec(),
            from: a
                .play_time_from
                .as_deref()
                .and_then(parse_time)
                .map(format_time),
            to: a
                .play_time_to
                .as_deref()
                .and_then(parse_time)
                .map(format_time),
        },
    })
}

/// `GET /api/player/playlist`
pub async fn get(screen: Screen) -> Result<HttpResponse, LegacyError> {
    let dev = screen.0;
    let mut rows = crate::services::assets::list(&dev.ctx()).await?;
    rows.retain(|a| a.schedule().is_candidate());
    // Stable: ties keep insertion order, as upstream's viewer does.
    rows.sort_by_key(|a| a.play_order);
    let s = &dev.settings;
    let settings = serde_json::json!({
        "player_name": s.player_name,
        "shuffle_playlist": s.shuffle_playlist,
        "show_splash": s.show_splash,
        "screen_rotation": if [0, 90, 180, 270].contains(&s.screen_rotation) { s.screen_rotation } else { 0 },
        "audio_output": s.audio_output,
        "default_duration": s.default_duration,
        "verify_ssl": s.verify_ssl,
        "display_power_schedule_enabled": s.display_power_schedule_enabled,
        "display_power_on_time": s.display_power_on_time,
        "display_power_off_time": s.display_power_off_time,
        "display_power_days": s.display_power_days,
    });
    let body = Playlist {
        server_time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        timezone: dev.tz().name().to_string(),
        settings,
        admin_urls: crate::host::reachable_urls(dev.state.config.listen),
        assets: rows.iter().filter_map(item).collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}
