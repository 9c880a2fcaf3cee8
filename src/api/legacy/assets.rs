//! Asset endpoints of every version: list, create, read, update, delete, order, control.

use chrono::Utc;
use chrono_tz::Tz;
use serde_json::Value;

use actix_web::{HttpRequest, HttpResponse, web};

use super::Version;
use super::body::{self, Data};
use super::fields::{Fields, Got, NOT_INTEGER, parse_integer};
use super::views::{AssetV1, AssetV2};
use crate::api::error::LegacyError;
use crate::api::extract::Device;
use crate::db::models::asset::Asset;
use crate::domain::asset::Kind;
use crate::domain::headers;
use crate::domain::schedule::{DURATION_S_MAX, PlayDays, REFRESH_INTERVAL_S_MAX, format_time};
use crate::services::assets::{self, Changes};

/// The version's view of one asset.
fn view(a: &Asset, v: Version, tz: Tz) -> Value {
    let now = Utc::now();
    let value = match v {
        Version::V2 => serde_json::to_value(AssetV2::new(a, now, tz)),
        _ => serde_json::to_value(AssetV1::new(a, now, tz)),
    };
    value.unwrap_or(Value::Null)
}

/// `GET /api/<v>/assets`
pub async fn list(dev: Device, v: Version) -> Result<HttpResponse, LegacyError> {
    let tz = dev.tz();
    let now = Utc::now();
    // Only a device owns its database; cloud instances see each other's writes only there.
    let cache =
        (dev.state.config.mode == crate::config::Mode::Device).then_some(&dev.state.legacy_lists);
    // Read the generation before the rows: a write landing in between makes the entry stale
    // at once rather than hiding it.
    let stamp = super::cache::Stamp {
        generation: dev.state.write_generation(),
        tz,
        now,
    };
    if let Some(body) = cache.and_then(|c| c.get(dev.scope.id(), v, &stamp)) {
        return Ok(HttpResponse::Ok()
            .content_type("application/json")
            .body(body));
    }
    let rows = assets::list(&dev.ctx()).await?;
    // Serialise straight from the rows: no intermediate `Value` tree per asset.
    let body = match v {
        Version::V2 => serde_json::to_vec(
            &rows
                .iter()
                .map(|a| AssetV2::new(a, now, tz))
                .collect::<Vec<_>>(),
        ),
        _ => serde_json::to_vec(
            &rows
                .iter()
                .map(|a| AssetV1::new(a, now, tz))
                .collect::<Vec<_>>(),
        ),
    }
    .map_err(|e| LegacyError::error(500, e.to_string()))?;
    let schedules: Vec<_> = rows.iter().map(Asset::schedule).collect();
    let deadline = crate::domain::schedule::deadline(&schedules, now, tz);
    let body = bytes::Bytes::from(body);
    if let Some(cache) = cache {
        cache.put(dev.scope.id(), v, &stamp, deadline, body.clone());
    }
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// `GET /api/<v>/assets/<id>`
pub async fn get(
    dev: Device,
    id: web::Path<String>,
    v: Version,
) -> Result<HttpResponse, LegacyError> {
    let asset = dev.asset(&id).await?;
    Ok(HttpResponse::Ok().json(view(&asset, v, dev.tz())))
}

/// A 0/1 flag of v1.x: an integer (any non-zero is on) or, leniently, a boolean.
fn int_flag(f: &mut Fields<'_>, data: &Data, field: &str, required: bool) -> Option<bool> {
    if let Some(Value::Bool(b)) = data.get(field) {
        return Some(*b);
    }
    f.integer(field, required, None, None).ok().map(|n| n != 0)
}

/// v1.x `duration`: a string or an integer, 0..31536000, with upstream's own messages.
fn legacy_duration(f: &mut Fields<'_>, data: &Data, required: bool) -> Option<i64> {
    match data.get("duration") {
        None | Some(Value::Null) => {
            if required {
                f.fail("duration", super::fields::REQUIRED);
            }
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            if required {
                f.fail("duration", super::fields::REQUIRED);
            }
            None
        }
        Some(raw) => match parse_integer(raw) {
            Some(n) if (0..=DURATION_S_MAX).contains(&n) => Some(n),
            Some(_) => {
                f.fail(
                    "duration",
                    format!("duration must be between 0 and {DURATION_S_MAX} seconds."),
                );
                None
            }
            None => {
                f.fail("duration", NOT_INTEGER);
                None
            }
        },
    }
}

fn string(f: &mut Fields<'_>, field: &str, required: bool) -> Option<String> {
    f.string(field, required, false, false).ok().flatten()
}

/// Parses a create request per version (`CreateAssetSerializerV1_1`, `…V1_2`, `…V2`).
fn parse_create(data: &Data, v: Version) -> Result<Changes, LegacyError> {
    let mut f = Fields::new(data, false);
    let mut i = Changes {
        name: string(&mut f, "name", true),
        uri: string(&mut f, "uri", true),
        ..Changes::default()
    };
    match v {
        Version::V1 | Version::V1_1 => {
            i.start_date = f.datetime("start_date", false, true).ok();
            i.end_date = f.datetime("end_date", false, true).ok();
            i.mimetype = string(&mut f, "mimetype", true);
            let is_video = i.mimetype.as_deref().map(Kind::of) == Some(Kind::Video);
            i.duration = legacy_duration(&mut f, data, false);
            if i.duration.is_none() && !is_video && !f.errors.contains_key("duration") {
                f.fail("duration", "This field is required for non-video assets.");
            }
            i.is_enabled = int_flag(&mut f, data, "is_enabled", false);
            i.is_processing = int_flag(&mut f, data, "is_processing", false);
            i.nocache = f.boolean("nocache", false).ok();
            i.skip_asset_check = int_flag(&mut f, data, "skip_asset_check", false);
        }
        Version::V1_2 => {
            i.start_date = f.datetime("start_date", true, false).ok();
            i.end_date = f.datetime("end_date", true, false).ok();
            i.duration = legacy_duration(&mut f, data, true);
            i.mimetype = string(&mut f, "mimetype", true);
            i.is_enabled = int_flag(&mut f, data, "is_enabled", true);
            i.nocache = int_flag(&mut f, data, "nocache", false);
            i.play_order = f
                .integer("play_order", false, None, None)
                .ok()
                .map(clamp_i32);
            i.skip_asset_check = int_flag(&mut f, data, "skip_asset_check", false);
            i.ext = f.string("ext", false, true, true).ok().flatten();
        }
        Version::V2 => {
            i.start_date = f.datetime("start_date", true, false).ok();
            i.end_date = f.datetime("end_date", true, false).ok();
            i.duration = f
                .integer("duration", true, Some(0), Some(DURATION_S_MAX))
                .ok();
            i.mimetype = string(&mut f, "mimetype", true);
            i.is_enabled = f.boolean("is_enabled", true).ok();
            i.nocache = f.boolean("nocache", false).ok();
            i.play_order = f
                .integer("play_order", false, None, None)
                .ok()
                .map(clamp_i32);
            i.skip_asset_check = f.boolean("skip_asset_check", false).ok();
            i.skip_ssl_verify = f.boolean("skip_ssl_verify", false).ok();
            i.ext = f.string("ext", false, true, true).ok().flatten();
            parse_v2_extras(&mut f, &mut i);
        }
    }
    if !f.is_valid() {
        return Err(LegacyError::fields(f.errors));
    }
    Ok(i)
}

/// Parses an update (`UpdateAssetSerializer`, `…V2`); PATCH is partial.
fn parse_update(data: &Data, v: Version, partial: bool) -> Result<Changes, LegacyError> {
    let mut f = Fields::new(data, partial);
    let mut i = Changes {
        name: string(&mut f, "name", true),
        start_date: f.datetime("start_date", true, false).ok(),
        end_date: f.datetime("end_date", true, false).ok(),
        ..Changes::default()
    };
    if v == Version::V2 {
        i.duration = f
            .integer("duration", true, Some(0), Some(DURATION_S_MAX))
            .ok();
        i.is_enabled = f.boolean("is_enabled", true).ok();
        i.is_processing = f.boolean("is_processing", false).ok();
        i.nocache = f.boolean("nocache", false).ok();
        i.play_order = f
            .integer("play_order", false, None, None)
            .ok()
            .map(clamp_i32);
        i.skip_asset_check = f.boolean("skip_asset_check", false).ok();
        i.skip_ssl_verify = f.boolean("skip_ssl_verify", false).ok();
        parse_v2_extras(&mut f, &mut i);
    } else {
        i.duration = legacy_duration(&mut f, data, !partial);
        i.is_enabled = int_flag(&mut f, data, "is_enabled", true);
        i.is_processing = int_flag(&mut f, data, "is_processing", false);
        i.nocache = int_flag(&mut f, data, "nocache", false);
        i.skip_asset_check = int_flag(&mut f, data, "skip_asset_check", false);
        i.play_order = f
            .integer("play_order", false, None, None)
            .ok()
            .map(clamp_i32);
    }
    if !f.is_valid() {
        return Err(LegacyError::fields(f.errors));
    }
    Ok(i)
}

fn clamp_i32(n: i64) -> i32 {
    n.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// The v2 scheduling extras and web-page options.
fn parse_v2_extras(f: &mut Fields<'_>, i: &mut Changes) {
    match f.int_list("play_days", 1, 7) {
        Got::Value(days) if days.is_empty() => f.fail(
            "play_days",
            "play_days must contain at least one day. To stop playback entirely, disable the asset (is_enabled=false).",
        ),
        Got::Value(days) => {
            i.play_days = Some(PlayDays::new(days.into_iter().map(|d| d as u8)).unwrap_or_default());
        }
        Got::Absent | Got::Invalid => {}
    }
    i.play_time_from = f.time("play_time_from").ok().map(|t| t.map(format_time));
    i.play_time_to = f.time("play_time_to").ok().map(|t| t.map(format_time));
    i.refresh_interval_s = f
        .integer(
            "refresh_interval_s",
            false,
            Some(0),
            Some(REFRESH_INTERVAL_S_MAX),
        )
        .ok();
    if let Got::Value(map) = f.object("custom_headers") {
        match headers::parse(&map) {
            Ok(parsed) => i.custom_headers = Some(parsed),
            Err(e) => f.fail("custom_headers", e.to_string()),
        }
    }
}

/// Anthias's HTML escaping of v1.2/v2 input.
fn unescape_amp(s: &str) -> String {
    s.replace("&amp;", "&")
}

fn escape_uri(s: &str) -> String {
    unescape_amp(s)
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

/// `POST /api/<v>/assets`
pub async fn create(
    dev: Device,
    req: HttpRequest,
    payload: web::Payload,
    v: Version,
) -> Result<HttpResponse, LegacyError> {
    let body = body::read(&req, payload).await?;
    let data = match v {
        Version::V1 | Version::V1_1 => body::model_object(body)?,
        _ => body::require_object(body)?,
    };
    let mut changes = parse_create(&data, v)?;
    let modern = matches!(v, Version::V1_2 | Version::V2);
    if modern {
        changes.name = changes.name.map(|n| unescape_amp(&n));
        changes.uri = changes.uri.map(|u| escape_uri(&u));
    }
    changes.name.get_or_insert_default();
    changes.uri.get_or_insert_default();
    changes.mimetype.get_or_insert_default();
    let saved = assets::create(&dev.ctx(), v.dialect(), changes).await?;
    // v1/v1.1 answered from the unsaved instance, whose dates were still UTC strings.
    let tz = if modern { dev.tz() } else { Tz::UTC };
    Ok(HttpResponse::Created().json(view(&saved, v, tz)))
}

/// `PUT|PATCH /api/<v>/assets/<id>`
pub async fn update(
    dev: Device,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    v: Version,
    partial: bool,
) -> Result<HttpResponse, LegacyError> {
    let body = body::read(&req, payload).await?;
    let data = match v {
        Version::V1 | Version::V1_1 => body::model_object(body)?,
        _ => body::require_object(body)?,
    };
    dev.asset(&id).await?; // an unknown id is a 404 before any field error, as upstream
    let changes = parse_update(&data, v, partial)?;
    let saved = assets::update(&dev.ctx(), v.dialect(), &id, changes).await?;
    Ok(HttpResponse::Ok().json(view(&saved, v, dev.tz())))
}

/// `DELETE /api/<v>/assets/<id>`: the row, then its file.
pub async fn delete(dev: Device, id: web::Path<String>) -> Result<HttpResponse, LegacyError> {
    assets::delete(&dev.ctx(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/<v>/assets/order` with `ids=a,b,c`.
pub async fn order(
    dev: Device,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, LegacyError> {
    let data = match body::read(&req, payload).await? {
        body::Body::Object(d) => d,
        body::Body::Other(_) => {
            return Err(LegacyError::scalar(
                "ids",
                "Expected an object body with an \"ids\" field.",
            ));
        }
    };
    let ids: Vec<String> = match data.get("ids") {
        None | Some(Value::Null) => return Ok(HttpResponse::NoContent().finish()),
        Some(Value::String(s)) => s
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        // Upstream crashes on a list; a list of ids is what the caller meant.
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            return Err(LegacyError::scalar(
                "ids",
                "Expected a comma-separated string of asset ids.",
            ));
        }
    };
    assets::reorder(&dev.ctx(), ids).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/<v>/assets/control/<command>`: forwarded to the player as is.
pub async fn control(dev: Device, command: web::Path<String>) -> HttpResponse {
    dev.ctx().command_screens(&command);
    HttpResponse::Ok().json("Asset switched")
}
