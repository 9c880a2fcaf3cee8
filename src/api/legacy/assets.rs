//! Asset endpoints of every version: list, create, read, update, delete, order, control.

use chrono::{NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use actix_web::{HttpRequest, HttpResponse, web};

use super::body::{self, Data};
use super::error::LegacyError;
use super::fields::{Fields, Got, NOT_INTEGER, parse_integer};
use super::views::{AssetV1, AssetV2};
use super::{Device, Version};
use crate::domain::headers;
use crate::domain::schedule::{DURATION_S_MAX, PlayDays, REFRESH_INTERVAL_S_MAX, format_time};
use crate::events::Event;
use crate::jobs::{self, download::Download};
use crate::services::assets::{self, Asset};
use crate::services::{content, uploads};
use crate::storage::Storage;

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
        generation: dev.state.db.generation(),
        tz,
        now,
    };
    if let Some(body) = cache.and_then(|c| c.get(dev.scope.id(), v, &stamp)) {
        return Ok(HttpResponse::Ok()
            .content_type("application/json")
            .body(body));
    }
    let scope = dev.scope.clone();
    let rows = dev
        .state
        .db
        .read(&dev.scope, move |c| assets::list(c, &scope))
        .await?;
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

/// What a create or update request asked for; `None` means "not given".
#[derive(Debug, Default)]
struct Input {
    name: Option<String>,
    uri: Option<String>,
    mimetype: Option<String>,
    start_date: Option<Option<NaiveDateTime>>,
    end_date: Option<Option<NaiveDateTime>>,
    duration: Option<i64>,
    is_enabled: Option<bool>,
    is_processing: Option<bool>,
    nocache: Option<bool>,
    play_order: Option<i32>,
    skip_asset_check: Option<bool>,
    skip_ssl_verify: Option<bool>,
    ext: Option<String>,
    play_days: Option<Vec<u8>>,
    play_time_from: Option<Option<NaiveTime>>,
    play_time_to: Option<Option<NaiveTime>>,
    refresh_interval_s: Option<i64>,
    custom_headers: Option<Map<String, Value>>,
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
fn parse_create(data: &Data, v: Version) -> Result<Input, LegacyError> {
    let mut f = Fields::new(data, false);
    let mut i = Input {
        name: string(&mut f, "name", true),
        uri: string(&mut f, "uri", true),
        ..Input::default()
    };
    match v {
        Version::V1 | Version::V1_1 => {
            i.start_date = f.datetime("start_date", false, true).ok();
            i.end_date = f.datetime("end_date", false, true).ok();
            i.mimetype = string(&mut f, "mimetype", true);
            let is_video = i.mimetype.as_deref().is_some_and(|m| m.contains("video"));
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
fn parse_update(data: &Data, v: Version, partial: bool) -> Result<Input, LegacyError> {
    let mut f = Fields::new(data, partial);
    let mut i = Input {
        name: string(&mut f, "name", true),
        start_date: f.datetime("start_date", true, false).ok(),
        end_date: f.datetime("end_date", true, false).ok(),
        ..Input::default()
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
fn parse_v2_extras(f: &mut Fields<'_>, i: &mut Input) {
    match f.int_list("play_days", 1, 7) {
        Got::Value(days) if days.is_empty() => f.fail(
            "play_days",
            "play_days must contain at least one day. To stop playback entirely, disable the asset (is_enabled=false).",
        ),
        Got::Value(days) => {
            let days = PlayDays::new(days.into_iter().map(|d| d as u8)).unwrap_or_default();
            i.play_days = Some(days.days().to_vec());
        }
        Got::Absent | Got::Invalid => {}
    }
    i.play_time_from = f.time("play_time_from").ok();
    i.play_time_to = f.time("play_time_to").ok();
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

/// Copies what was given onto `a` (uri and mimetype are set by create only).
fn apply(a: &mut Asset, i: &Input) {
    if let Some(v) = &i.name {
        a.name = Some(v.clone());
    }
    if let Some(v) = i.start_date {
        a.start_date = v;
    }
    if let Some(v) = i.end_date {
        a.end_date = v;
    }
    if let Some(v) = i.is_enabled {
        a.is_enabled = v;
    }
    if let Some(v) = i.nocache {
        a.nocache = v;
    }
    if let Some(v) = i.play_order {
        a.play_order = v;
    }
    if let Some(v) = i.skip_asset_check {
        a.skip_asset_check = v;
    }
    if let Some(v) = i.skip_ssl_verify {
        a.skip_ssl_verify = v;
    }
    if let Some(days) = &i.play_days {
        a.play_days = PlayDays::new(days.iter().copied())
            .unwrap_or_default()
            .to_json_text();
    }
    if let Some(t) = i.play_time_from {
        a.play_time_from = t.map(format_time);
    }
    if let Some(t) = i.play_time_to {
        a.play_time_to = t.map(format_time);
    }
    if i.refresh_interval_s.is_some() || i.custom_headers.is_some() {
        let mut meta = a.metadata_map();
        if let Some(r) = i.refresh_interval_s {
            meta.insert("refresh_interval_s".into(), r.into());
        }
        match &i.custom_headers {
            Some(h) if h.is_empty() => {
                meta.remove("headers");
            }
            Some(h) => {
                meta.insert("headers".into(), Value::Object(h.clone()));
            }
            None => {}
        }
        a.set_metadata(meta);
    }
}

/// Both daily times or neither, judged on the state after the change.
fn check_window(a: &Asset) -> Result<(), crate::error::Error> {
    let msg = "play_time_from and play_time_to must be set together.";
    match (&a.play_time_from, &a.play_time_to) {
        (Some(_), None) => Err(crate::error::Error::invalid("play_time_to", msg)),
        (None, Some(_)) => Err(crate::error::Error::invalid("play_time_from", msg)),
        _ => Ok(()),
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
    let input = parse_create(&data, v)?;
    let modern = matches!(v, Version::V1_2 | Version::V2);
    let mut a = Asset::new(&dev.scope);
    let mut name = input.name.clone().unwrap_or_default();
    let mut uri = input.uri.clone().unwrap_or_default();
    if modern {
        name = unescape_amp(&name);
        uri = escape_uri(&uri);
    }
    let mimetype = input.mimetype.clone().unwrap_or_default();
    apply(&mut a, &input);
    a.name = Some(name.clone());
    a.mimetype = Some(mimetype.clone());
    a.duration = input.duration;
    if v != Version::V1_2 && v != Version::V2 {
        // v1/v1.1 copy is_processing and ignore play_order.
        a.is_processing = input.is_processing.unwrap_or(false);
        a.play_order = 0;
    }
    if v == Version::V2 {
        check_window(&a)?;
    }

    // YouTube and (v1.2/v2) remote video files are downloaded by a job; the row says
    // "processing" until the local copy is in place.
    let asset_dir = dev.state.config.asset_dir();
    let download = if mimetype == "youtube_asset" {
        content::check_youtube_uri(&uri)?;
        Some(Download {
            asset_id: a.asset_id.clone(),
            url: uri.clone(),
            ext: ".mp4".into(),
            youtube: true,
        })
    } else if modern && a.is_video() {
        content::remote_video_ext(&uri).map(|ext| Download {
            asset_id: a.asset_id.clone(),
            url: uri.clone(),
            ext,
            youtube: false,
        })
    } else {
        None
    };
    if let Some(d) = &download {
        a.mimetype = Some("video".into());
        a.is_processing = true;
        a.duration = Some(0);
        a.uri = Some(format!("{asset_dir}/{}{}", a.asset_id, d.ext));
        if modern {
            let mut meta = a.metadata_map();
            meta.insert(
                "processing_started_at".into(),
                Utc::now().to_rfc3339().into(),
            );
            meta.insert("source_url".into(), d.url.clone().into());
            a.set_metadata(meta);
        }
    }

    // Where the content is: one of our stored files, or a URL.
    let local = if download.is_some() {
        None
    } else if uri.starts_with('/') {
        Some(content::resolve_local(&dev.state.storage, &dev.scope, &asset_dir, &uri).await?)
    } else {
        content::check_url(&uri)?;
        None
    };

    // Video durations (upstream: v1.2 and v2 insist on 0 and measure; v1 measures when 0).
    if a.is_video() && download.is_none() {
        let given = a.duration.unwrap_or(0);
        if modern && given != 0 {
            return Err(LegacyError::error(
                400,
                "Duration must be zero for video assets.",
            ));
        }
        if given == 0 && local.is_none() {
            match content::probe_url_duration(&uri, dev.state.config.allow_private_urls).await {
                Some(d) => a.duration = Some(d),
                None if modern => {
                    return Err(LegacyError::error(
                        400,
                        format!("Could not determine duration of video '{uri}'"),
                    ));
                }
                None => {
                    return Err(LegacyError::fields_one(
                        "duration",
                        "Could not determine video duration; provide an explicit value.",
                    ));
                }
            }
        }
        if a.duration.is_none() {
            a.duration = Some(0);
        }
    }

    // Reachability, unless the client said to skip it (local files are ours; downloads check
    // for themselves).
    if local.is_none() && download.is_none() && !a.skip_asset_check {
        let verify = dev.settings.verify_ssl && !a.skip_ssl_verify;
        match content::check_reachable(&uri, verify, dev.state.config.allow_private_urls).await {
            content::Reach::Reachable => {
                a.is_reachable = true;
                a.last_reachability_check = Some(Utc::now().naive_utc());
            }
            content::Reach::Unreachable => {
                return Err(LegacyError::error(
                    400,
                    "Could not retrieve file. Check the asset URL.",
                ));
            }
            content::Reach::NotChecked => {}
        }
    }

    // Move an upload into place before the row exists; undo it if the row cannot be written.
    let mut placed: Option<String> = None;
    let mut consumed_upload: Option<String> = None;
    match local {
        Some(content::Local::Upload { upload_id }) => {
            let file_name = match (v, &input.ext) {
                (Version::V1_2 | Version::V2, Some(ext)) if content::valid_ext(ext) => {
                    format!("{}{}", a.asset_id, ext.to_ascii_lowercase())
                }
                _ => a.asset_id.clone(),
            };
            let key = Storage::tenant_key(&dev.scope, &format!("assets/{file_name}"));
            let stored =
                uploads::assemble(&dev.state.storage, &dev.scope, &upload_id, &key).await?;
            a.file_key = Some(key.clone());
            a.file_size = Some(stored.size as i64);
            a.sha256 = Some(stored.sha256);
            consumed_upload = Some(upload_id.clone());
            a.uri = Some(format!("{asset_dir}/{file_name}"));
            placed = Some(key);
        }
        Some(content::Local::Stored { key, size }) => {
            let file_name = key.rsplit('/').next().unwrap_or_default().to_string();
            let ext = file_name
                .rfind('.')
                .map(|i| file_name[i..].to_string())
                .unwrap_or_default();
            let new_name = format!("{}{ext}", a.asset_id);
            let new_key = Storage::tenant_key(&dev.scope, &format!("assets/{new_name}"));
            dev.state
                .storage
                .operator()
                .copy(&key, &new_key)
                .await
                .map_err(crate::error::Error::from)?;
            a.file_key = Some(new_key.clone());
            a.file_size = Some(size as i64);
            a.uri = Some(format!("{asset_dir}/{new_name}"));
            placed = Some(new_key);
        }
        None if download.is_some() => {}
        None => a.uri = Some(uri.clone()),
    }
    if a.is_video()
        && a.duration == Some(0)
        && let Some(key) = &a.file_key
    {
        a.duration = content::probe_stored_duration(&dev.state.storage, key)
            .await
            .or(Some(0));
    }

    let scope = dev.scope.clone();
    let tz = dev.tz();
    let row = a.clone();
    let download_job = download;
    let saved = dev
        .state
        .db
        .write(&dev.scope, move |c| {
            let download = download_job;
            let mut row = row;
            if modern {
                row.name = Some(assets::unique_name(
                    c,
                    &scope,
                    row.name.as_deref().unwrap_or(""),
                )?);
            }
            assets::insert(c, &scope, &row)?;
            if let Some(d) = &download {
                jobs::enqueue(c, &scope, jobs::download::KIND, d)?;
            }
            jobs::enqueue_processing(c, &scope, &row)?;
            if modern {
                assets::reindex_active(c, &scope, &row, Utc::now(), tz)?;
            }
            assets::get(c, &scope, &row.asset_id)
        })
        .await;
    let saved = match saved {
        Ok(Some(row)) => row,
        Ok(None) | Err(_) => {
            if let Some(key) = placed {
                let _ = dev.state.storage.operator().delete(&key).await;
            }
            return Err(saved
                .err()
                .map(LegacyError::from)
                .unwrap_or_else(LegacyError::no_asset));
        }
    };
    if let Some(upload_id) = &consumed_upload
        && let Err(e) = uploads::discard(&dev.state.storage, &dev.scope, upload_id).await
    {
        // The asset is made; leftover chunks are collected by the garbage collector.
        tracing::warn!(%upload_id, error = %e, "could not remove an upload's chunks");
    }
    dev.state.jobs.wake();
    dev.state.events.publish(Event::AssetsChanged {
        tenant_id: dev.scope.id().to_string(),
        asset_id: Some(saved.asset_id.clone()),
    });
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
    let input = parse_update(&data, v, partial)?;
    let (scope, id) = (dev.scope.clone(), id.into_inner());
    let tz = dev.tz();
    let reindex = matches!(v, Version::V1_2 | Version::V2);
    // Read, change and write in one transaction: a job finishing meanwhile (a download filling
    // in the file) must not be undone by an edit made from an older copy of the row.
    let saved = dev
        .state
        .db
        .write(&dev.scope, move |c| {
            let mut a = assets::get_locked(c, &scope, &id)?.ok_or_else(|| {
                crate::error::Error::NotFound("No Asset matches the given query.".into())
            })?;
            apply(&mut a, &input);
            if let Some(p) = input.is_processing {
                a.is_processing = p;
            }
            // A video's duration is measured, not edited (upstream skips it for video rows).
            if let Some(d) = input.duration
                && !a.is_video()
            {
                a.duration = Some(d);
            }
            if v == Version::V2 {
                check_window(&a)?;
            }
            assets::update(c, &scope, &a)?;
            if reindex {
                assets::reindex_active(c, &scope, &a, Utc::now(), tz)?;
            }
            assets::get(c, &scope, &a.asset_id)
        })
        .await?
        .ok_or_else(LegacyError::no_asset)?;
    dev.state.events.publish(Event::ViewerCommand {
        tenant_id: dev.scope.id().to_string(),
        command: "reload".into(),
    });
    dev.state.events.publish(Event::AssetsChanged {
        tenant_id: dev.scope.id().to_string(),
        asset_id: Some(saved.asset_id.clone()),
    });
    Ok(HttpResponse::Ok().json(view(&saved, v, dev.tz())))
}

/// `DELETE /api/<v>/assets/<id>`: the row, then its file.
pub async fn delete(dev: Device, id: web::Path<String>) -> Result<HttpResponse, LegacyError> {
    let asset = dev.asset(&id).await?;
    let scope = dev.scope.clone();
    let asset_id = asset.asset_id.clone();
    dev.state
        .db
        .write(&dev.scope, move |c| assets::delete(c, &scope, &asset_id))
        .await?;
    for key in [&asset.file_key, &asset.thumbnail_key]
        .into_iter()
        .flatten()
    {
        if let Err(e) = dev.state.storage.operator().delete(key).await {
            // The row is gone; the garbage collector will find the file.
            tracing::warn!(%key, error = %e, "could not delete an asset's file");
        }
    }
    dev.state.events.publish(Event::ViewerCommand {
        tenant_id: dev.scope.id().to_string(),
        command: "reload".into(),
    });
    dev.state.events.publish(Event::AssetsChanged {
        tenant_id: dev.scope.id().to_string(),
        asset_id: Some(asset.asset_id),
    });
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
    let scope = dev.scope.clone();
    dev.state
        .db
        .write(&dev.scope, move |c| {
            assets::set_play_orders(c, &scope, &ids)
        })
        .await?;
    dev.state.events.publish(Event::AssetsChanged {
        tenant_id: dev.scope.id().to_string(),
        asset_id: None,
    });
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/<v>/assets/control/<command>`: forwarded to the player as is.
pub async fn control(dev: Device, command: web::Path<String>) -> HttpResponse {
    dev.state.events.publish(Event::ViewerCommand {
        tenant_id: dev.scope.id().to_string(),
        command: command.into_inner(),
    });
    HttpResponse::Ok().json("Asset switched")
}
