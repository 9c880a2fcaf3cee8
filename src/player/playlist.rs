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
use crate::services::program;

#[derive(Serialize)]
struct Playlist<'a> {
    server_time: String,
    #[serde(flatten)]
    content: &'a Content,
}

/// What the playlist says apart from the clock: what its `ETag` covers.
#[derive(Serialize)]
struct Content {
    timezone: String,
    settings: Value,
    admin_urls: Vec<String>,
    assets: Vec<Item>,
    program: ProgramView,
}

/// The schedules, playlists and interrupts aimed at this screen (docs/programming.md), for
/// the player to apply `domain::program`'s rule itself, also while the server is away.
#[derive(Serialize)]
struct ProgramView {
    screen_id: Option<String>,
    group_id: Option<String>,
    schedules: Vec<SlotView>,
    playlists: std::collections::BTreeMap<String, PlaylistView>,
    interrupts: Vec<InterruptView>,
}

#[derive(Serialize)]
struct SlotView {
    id: String,
    playlist_id: String,
    start: Option<String>,
    end: Option<String>,
    play_days: Vec<u8>,
    from: Option<String>,
    to: Option<String>,
    priority: i32,
    created_at: String,
}

#[derive(Serialize)]
struct PlaylistView {
    name: String,
    shuffle: bool,
    items: Vec<ItemRef>,
}

#[derive(Serialize)]
struct ItemRef {
    asset_id: String,
    duration: Option<i32>,
}

#[derive(Serialize)]
struct InterruptView {
    id: String,
    asset_id: Option<String>,
    message: Option<Value>,
    created_at: String,
    until: Option<String>,
}

impl ProgramView {
    fn new(p: &program::Program) -> ProgramView {
        ProgramView {
            screen_id: p.screen.id.clone(),
            group_id: p.screen.group_id.clone(),
            schedules: p
                .schedules
                .iter()
                .map(|s| SlotView {
                    id: s.id.clone(),
                    playlist_id: s.playlist_id.clone(),
                    start: s.start_date.map(iso),
                    end: s.end_date.map(iso),
                    play_days: PlayDays::from_json_text(&s.play_days).days().to_vec(),
                    from: s
                        .play_time_from
                        .as_deref()
                        .and_then(parse_time)
                        .map(format_time),
                    to: s
                        .play_time_to
                        .as_deref()
                        .and_then(parse_time)
                        .map(format_time),
                    priority: s.priority,
                    created_at: iso(s.created_at),
                })
                .collect(),
            playlists: p
                .playlists
                .iter()
                .map(|f| {
                    (
                        f.playlist.id.clone(),
                        PlaylistView {
                            name: f.playlist.name.clone(),
                            shuffle: f.playlist.shuffle,
                            items: f
                                .items
                                .iter()
                                .map(|i| ItemRef {
                                    asset_id: i.asset_id.clone(),
                                    duration: i.duration,
                                })
                                .collect(),
                        },
                    )
                })
                .collect(),
            interrupts: p
                .interrupts
                .iter()
                .map(|i| InterruptView {
                    id: i.id.clone(),
                    asset_id: i.asset_id.clone(),
                    message: i
                        .message
                        .as_deref()
                        .and_then(|m| serde_json::from_str(m).ok()),
                    created_at: iso(i.created_at),
                    until: i.until.map(iso),
                })
                .collect(),
        }
    }
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
    /// Web pages: the server's last check, so a screen skips what it cannot show.
    page_check: Option<PageCheckView>,
}

#[derive(Serialize)]
struct PageCheckView {
    status: &'static str,
    reason: String,
    checked_at: String,
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
        page_check: a.page_check().map(|(status, reason, at)| PageCheckView {
            status: status.as_str(),
            reason: reason.to_string(),
            checked_at: iso(at),
        }),
    })
}

/// `GET /api/player/playlist`, with an `ETag` of everything but the clock: `If-None-Match`
/// answers 304 while nothing changed (players that poll save the body; the browser player
/// fetches without it, since it takes the server's clock from every answer).
pub async fn get(screen: Screen, req: actix_web::HttpRequest) -> Result<HttpResponse, LegacyError> {
    let Screen(dev, screen_id) = screen;
    let ctx = dev.ctx();
    let program = program::for_screen(&ctx, screen_id.as_deref()).await?;
    let mut rows = crate::services::assets::list(&ctx).await?;
    // What can play: the candidates of the default playlist and of every playlist (an asset in
    // a playlist obeys its own schedule too), and what an interrupt shows, whatever its schedule.
    let interrupting: Vec<&str> = program
        .interrupts
        .iter()
        .filter_map(|i| i.asset_id.as_deref())
        .collect();
    rows.retain(|a| a.schedule().is_candidate() || interrupting.contains(&a.asset_id.as_str()));
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
    let content = Content {
        timezone: dev.tz().name().to_string(),
        settings,
        admin_urls: crate::host::reachable_urls(dev.state.config.listen),
        assets: rows.iter().filter_map(item).collect(),
        program: ProgramView::new(&program),
    };
    let etag = etag(&content);
    let unchanged = req
        .headers()
        .get(actix_web::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header(("ETag", etag))
            .insert_header(("Cache-Control", "no-cache"))
            .finish());
    }
    let body = Playlist {
        server_time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        content: &content,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("ETag", etag))
        .json(body))
}

/// A strong validator of the playlist's content.
fn etag(content: &Content) -> String {
    use sha2::{Digest, Sha256};
    let bytes = serde_json::to_vec(content).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}
