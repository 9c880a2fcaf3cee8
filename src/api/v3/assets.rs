//! `/api/v3/assets`: list with filters, search and cursor pages; create, read, change,
//! delete; share links; duplicates. Every change is written with its audit entry in one
//! transaction.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Allowed, ApiResult, cursor, iso, iso_opt, page_limit, perm};
use crate::cloud::audit;
use crate::db::AnyConnection;
use crate::db::schema::{assets, shares};
use crate::domain::schedule::{PlayDays, format_time, parse_time};
use crate::error::Error;
use crate::events::Event;
use crate::services::assets::{self as store, Asset};
use crate::services::quota;
use crate::storage::Storage;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets", web::get().to(list))
        .route("/assets", web::post().to(create))
        .route("/assets/{id}", web::get().to(get))
        .route("/assets/{id}", web::patch().to(update))
        .route("/assets/{id}", web::delete().to(delete))
        .route("/assets/{id}/share", web::post().to(share))
        .route("/assets/{id}/shares", web::delete().to(unshare))
        .route("/assets/{id}/duplicate", web::post().to(duplicate));
}

const MIMETYPES: &[&str] = &["image", "video", "webpage", "streaming", "youtube_asset"];

/// How clients see an asset.
/// `is_active` is judged in the tenant's time zone (its `timezone` setting), as its screens do.
pub fn view(a: &Asset, tz: chrono_tz::Tz) -> Value {
    let meta = a.metadata_map();
    let error = meta.get("error_message").and_then(Value::as_str);
    let status = if a.is_processing {
        "processing"
    } else if error.is_some() {
        "failed"
    } else {
        "done"
    };
    json!({
        "id": a.asset_id,
        "name": a.name,
        "uri": a.uri,
        "mimetype": a.mimetype,
        "duration": a.duration,
        "start_date": iso_opt(a.start_date),
        "end_date": iso_opt(a.end_date),
        "is_enabled": a.is_enabled,
        "is_active": a.schedule().is_active(Utc::now(), tz),
        "is_processing": a.is_processing,
        "processing_status": status,
        "processing_error": error,
        "nocache": a.nocache,
        "play_order": a.play_order,
        "skip_asset_check": a.skip_asset_check,
        "play_days": PlayDays::from_json_text(&a.play_days).days(),
        "play_time_from": a.play_time_from,
        "play_time_to": a.play_time_to,
        "tags": serde_json::from_str::<Value>(&a.tags).unwrap_or_else(|_| json!([])),
        "metadata": Value::Object(meta),
        "file_size": a.file_size,
        "sha256": a.sha256,
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    mimetype: Option<String>,
    is_enabled: Option<String>,
    tag: Option<String>,
    q: Option<String>,
    ordering: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
#[allow(clippy::enum_variant_names)] // the names of the ordering keys
enum Order {
    PlayOrder,
    Created,
    Name,
}

/// Escapes `%`, `_` and `\` for LIKE (backslash is PostgreSQL's default escape).
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `GET /api/v3/assets`
async fn list(
    allowed: Allowed<perm::AssetsView>,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = page_limit(q.limit)?;
    let ordering = q.ordering.as_deref().unwrap_or("play_order");
    let (desc, key) = match ordering.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, ordering),
    };
    let order = match key {
        "play_order" => Order::PlayOrder,
        "created_at" => Order::Created,
        "name" => Order::Name,
        _ => {
            return Err(Error::invalid(
                "ordering",
                "ordering must be one of created_at, play_order, name (prefix - for descending).",
            )
            .into());
        }
    };
    let enabled = match q.is_enabled.as_deref() {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => {
            return Err(Error::invalid("is_enabled", "is_enabled must be true or false.").into());
        }
    };
    let after = match &q.cursor {
        Some(c) => {
            let v = cursor::decode(c)?;
            let id = v["id"]
                .as_i64()
                .ok_or_else(|| Error::invalid("cursor", "This cursor is not valid."))?;
            if v["o"].as_str() != Some(ordering) {
                return Err(
                    Error::invalid("cursor", "This cursor belongs to another ordering.").into(),
                );
            }
            Some((v["k"].clone(), id))
        }
        None => None,
    };
    let scope = allowed.authed.scope.clone();
    let ord = ordering.to_string();
    let rows = allowed
        .state
        .db
        .read(&allowed.authed.scope, move |c| {
            let AnyConnection::Postgresql(pg) = c else {
                return Err(Error::Internal("API v3 needs PostgreSQL".into()));
            };
            let mut query = assets::table
                .filter(assets::tenant_id.eq(scope.id()))
                .select((assets::id, Asset::as_select()))
                .into_boxed::<diesel::pg::Pg>();
            if let Some(m) = &q.mimetype {
                query = query.filter(
                    assets::mimetype
                        .eq(m.clone())
                        .or(assets::mimetype.like(format!("{}/%", like_escape(m)))),
                );
            }
            if let Some(e) = enabled {
                query = query.filter(assets::is_enabled.eq(e));
            }
            if let Some(tag) = &q.tag {
                let quoted = serde_json::to_string(tag).unwrap_or_default();
                query = query.filter(assets::tags.like(format!("%{}%", like_escape(&quoted))));
            }
            if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let pattern = format!("%{}%", like_escape(text));
                query = query.filter(
                    assets::name
                        .ilike(pattern.clone())
                        .or(assets::metadata.ilike(pattern)),
                );
            }
            use diesel::dsl::sql;
            use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamp};
            let cmp = if desc { "<" } else { ">" };
            if let Some((k, id)) = after {
                let bad = || Error::invalid("cursor", "This cursor is not valid.");
                query = match order {
                    Order::PlayOrder => query.filter(
                        sql::<Bool>(&format!("(assets.play_order, assets.id) {cmp} ("))
                            .bind::<Integer, _>(k.as_i64().ok_or_else(bad)? as i32)
                            .sql(", ")
                            .bind::<BigInt, _>(id)
                            .sql(")"),
                    ),
                    Order::Created => {
                        let t = k
                            .as_str()
                            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                            .ok_or_else(bad)?
                            .naive_utc();
                        query.filter(
                            sql::<Bool>(&format!("(assets.created_at, assets.id) {cmp} ("))
                                .bind::<Timestamp, _>(t)
                                .sql(", ")
                                .bind::<BigInt, _>(id)
                                .sql(")"),
                        )
                    }
                    Order::Name => query.filter(
                        sql::<Bool>(&format!("(COALESCE(assets.name, ''), assets.id) {cmp} ("))
                            .bind::<Text, _>(k.as_str().ok_or_else(bad)?.to_string())
                            .sql(", ")
                            .bind::<BigInt, _>(id)
                            .sql(")"),
                    ),
                };
            }
            let dir = if desc { "DESC" } else { "ASC" };
            query = match order {
                Order::PlayOrder => query.order(sql::<Integer>(&format!(
                    "assets.play_order {dir}, assets.id {dir}"
                ))),
                Order::Created => query.order(sql::<Timestamp>(&format!(
                    "assets.created_at {dir}, assets.id {dir}"
                ))),
                Order::Name => query.order(sql::<Text>(&format!(
                    "COALESCE(assets.name, '') {dir}, assets.id {dir}"
                ))),
            };
            let rows: Vec<(i64, Asset)> = query.limit(limit + 1).load(pg)?;
            Ok(rows)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    let page = &rows[..rows.len().min(limit as usize)];
    let next = match page.last() {
        Some((id, a)) if more => {
            let k = match order {
                Order::PlayOrder => json!(a.play_order),
                Order::Created => json!(
                    a.created_at
                        .and_utc()
                        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                ),
                Order::Name => json!(a.name.clone().unwrap_or_default()),
            };
            Value::String(cursor::encode(&json!({ "o": ord, "k": k, "id": id })))
        }
        _ => Value::Null,
    };
    let zone = tz(&allowed).await?;
    let items: Vec<Value> = page.iter().map(|(_, a)| view(a, zone)).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": next })))
}

/// Fields of a create or change; absent keys are left alone on PATCH.
struct Input {
    name: Option<String>,
    uri: Option<String>,
    mimetype: Option<String>,
    duration: Option<i64>,
    start_date: Option<Option<NaiveDateTime>>,
    end_date: Option<Option<NaiveDateTime>>,
    is_enabled: Option<bool>,
    nocache: Option<bool>,
    play_order: Option<i32>,
    skip_asset_check: Option<bool>,
    play_days: Option<PlayDays>,
    play_time_from: Option<Option<String>>,
    play_time_to: Option<Option<String>>,
    tags: Option<Vec<String>>,
    metadata: Option<Map<String, Value>>,
}

const FIELDS: &[&str] = &[
    "name",
    "uri",
    "mimetype",
    "duration",
    "start_date",
    "end_date",
    "is_enabled",
    "nocache",
    "play_order",
    "skip_asset_check",
    "play_days",
    "play_time_from",
    "play_time_to",
    "tags",
    "metadata",
];

fn parse_input(body: &Value, creating: bool) -> Result<Input, Error> {
    let obj = body.as_object().ok_or_else(|| Error::Invalid {
        field: None,
        message: "Send a JSON object.".into(),
    })?;
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        let read_only = [
            "id",
            "is_active",
            "is_processing",
            "processing_status",
            "file_size",
            "sha256",
            "created_at",
            "updated_at",
        ];
        let msg = if read_only.contains(&k.as_str()) {
            format!("{k} is read-only.")
        } else {
            format!("Unknown field {k:?}; fields are {}.", FIELDS.join(", "))
        };
        return Err(Error::invalid(k.clone(), msg));
    }
    let text = |k: &str, max: usize| -> Result<Option<String>, Error> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Err(Error::invalid(k, format!("{k} may not be blank.")))
            }
            Some(Value::String(s)) if s.chars().count() > max => Err(Error::invalid(
                k,
                format!("{k} is longer than {max} characters."),
            )),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(Error::invalid(k, format!("{k} must be a string."))),
        }
    };
    let boolean = |k: &str| -> Result<Option<bool>, Error> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Error::invalid(k, format!("{k} must be true or false."))),
        }
    };
    let date = |k: &str| -> Result<Option<Option<NaiveDateTime>>, Error> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                .map(|d| Some(Some(d.naive_utc())))
                .map_err(|_| {
                    Error::invalid(
                        k,
                        format!(
                            "{k} must be an ISO 8601 time with a zone, e.g. 2026-12-01T09:00:00Z."
                        ),
                    )
                }),
            Some(_) => Err(Error::invalid(k, format!("{k} must be a string or null."))),
        }
    };
    let time = |k: &str| -> Result<Option<Option<String>>, Error> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => parse_time(s)
                .map(|t| Some(Some(format_time(t))))
                .ok_or_else(|| Error::invalid(k, format!("{k} must be a time like 09:30."))),
            Some(_) => Err(Error::invalid(k, format!("{k} must be a string or null."))),
        }
    };
    let name = text("name", 255)?;
    let uri = text("uri", 2048)?;
    let mimetype = text("mimetype", 50)?;
    if creating {
        for (k, v) in [("name", &name), ("uri", &uri), ("mimetype", &mimetype)] {
            if v.is_none() {
                return Err(Error::invalid(k, format!("{k} is required.")));
            }
        }
    }
    if let Some(m) = &mimetype
        && !MIMETYPES.contains(&m.as_str())
    {
        return Err(Error::invalid(
            "mimetype",
            format!("mimetype must be one of {}.", MIMETYPES.join(", ")),
        ));
    }
    let duration = match obj.get("duration") {
        None => None,
        Some(v) => match v.as_i64() {
            Some(d) if (0..=86_400 * 365).contains(&d) => Some(d),
            _ => {
                return Err(Error::invalid(
                    "duration",
                    "duration must be a whole number of seconds (0 or more).",
                ));
            }
        },
    };
    let play_order = match obj.get("play_order") {
        None => None,
        Some(v) => match v.as_i64() {
            Some(n) if (0..=1_000_000).contains(&n) => Some(n as i32),
            _ => {
                return Err(Error::invalid(
                    "play_order",
                    "play_order must be a whole number, 0 or more.",
                ));
            }
        },
    };
    let play_days = match obj.get("play_days") {
        None => None,
        Some(v) => Some(PlayDays::from_json_value(v).ok_or_else(|| {
            Error::invalid(
                "play_days",
                "play_days must be a list of ISO weekdays, 1 (Monday) to 7.",
            )
        })?),
    };
    let tags = match obj.get("tags") {
        None => None,
        Some(Value::Array(items)) => {
            let mut tags = Vec::new();
            for t in items {
                let t = t.as_str().map(str::trim).unwrap_or("");
                if t.is_empty() || t.chars().count() > 50 || t.chars().any(char::is_control) {
                    return Err(Error::invalid(
                        "tags",
                        "Each tag must be a non-empty string of at most 50 characters.",
                    ));
                }
                if !tags.iter().any(|x: &String| x == t) {
                    tags.push(t.to_string());
                }
            }
            if tags.len() > 50 {
                return Err(Error::invalid("tags", "An asset takes at most 50 tags."));
            }
            Some(tags)
        }
        Some(_) => return Err(Error::invalid("tags", "tags must be a list of strings.")),
    };
    let metadata = match obj.get("metadata") {
        None => None,
        Some(Value::Object(m)) if Value::Object(m.clone()).to_string().len() <= 16 * 1024 => {
            Some(m.clone())
        }
        Some(Value::Object(_)) => {
            return Err(Error::invalid(
                "metadata",
                "metadata is larger than 16 KiB.",
            ));
        }
        Some(_) => {
            return Err(Error::invalid(
                "metadata",
                "metadata must be a JSON object.",
            ));
        }
    };
    Ok(Input {
        name,
        uri,
        mimetype,
        duration,
        start_date: date("start_date")?,
        end_date: date("end_date")?,
        is_enabled: boolean("is_enabled")?,
        nocache: boolean("nocache")?,
        play_order,
        skip_asset_check: boolean("skip_asset_check")?,
        play_days,
        play_time_from: time("play_time_from")?,
        play_time_to: time("play_time_to")?,
        tags,
        metadata,
    })
}

/// Schemes a stream may use; everything else a screen would be asked to open is http(s).
const STREAM_SCHEMES: &[&str] = &[
    "rtsp", "rtsps", "rtmp", "rtmps", "srt", "udp", "rtp", "http", "https",
];

/// The asset's address must suit its type: http(s) for pages, pictures and videos, a stream
/// protocol for streams. Checked on the final row, so a change of type alone cannot leave a
/// `javascript:` or `file:` address behind a type that screens open.
fn check_uri(a: &Asset) -> Result<(), Error> {
    let uri = a.uri.as_deref().unwrap_or("");
    if a.mimetype.as_deref() == Some("streaming") {
        let ok = url::Url::parse(uri).is_ok_and(|u| {
            STREAM_SCHEMES.contains(&u.scheme()) && u.host_str().is_some_and(|h| !h.is_empty())
        });
        if !ok {
            return Err(Error::invalid(
                "uri",
                "uri must be a stream URL (rtsp, rtsps, rtmp, rtmps, srt, udp, rtp or http(s)).",
            ));
        }
        return Ok(());
    }
    let url =
        url::Url::parse(uri).map_err(|_| Error::invalid("uri", "Enter a valid http(s) URL."))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid("uri", "Enter a valid http(s) URL."));
    }
    Ok(())
}

fn apply(a: &mut Asset, i: Input) -> Result<(), Error> {
    let address_changed = i.uri.is_some() || i.mimetype.is_some();
    if i.uri.is_some() && a.file_key.is_some() {
        return Err(Error::invalid(
            "uri",
            "The address of an uploaded file cannot be changed.",
        ));
    }
    if let Some(v) = i.name {
        a.name = Some(v);
    }
    if let Some(v) = i.uri {
        a.uri = Some(v);
    }
    if let Some(v) = i.mimetype {
        a.mimetype = Some(v);
    }
    if let Some(v) = i.duration {
        a.duration = Some(v);
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
    if let Some(v) = i.play_days {
        a.play_days = v.to_json_text();
    }
    if let Some(v) = i.play_time_from {
        a.play_time_from = v;
    }
    if let Some(v) = i.play_time_to {
        a.play_time_to = v;
    }
    if let Some(v) = i.tags {
        a.tags = Value::from(v).to_string();
    }
    if let Some(v) = i.metadata {
        // error_message is the job's to set; keep it across edits.
        let mut m = v;
        if let Some(e) = a.metadata_map().get("error_message") {
            m.insert("error_message".into(), e.clone());
        }
        a.set_metadata(m);
    }
    if let (Some(s), Some(e)) = (a.start_date, a.end_date)
        && e < s
    {
        return Err(Error::invalid(
            "end_date",
            "end_date must be after start_date.",
        ));
    }
    if address_changed && a.file_key.is_none() {
        check_uri(a)?;
    }
    if a.play_time_from.is_some() != a.play_time_to.is_some() {
        return Err(Error::invalid(
            "play_time_to",
            "Give both play_time_from and play_time_to, or neither.",
        ));
    }
    Ok(())
}

fn changed(allowed: &Allowed<impl super::Permission>, asset_id: &str) {
    let tenant_id = allowed.authed.scope.id().to_string();
    allowed.state.events.publish(Event::AssetsChanged {
        tenant_id: tenant_id.clone(),
        asset_id: Some(asset_id.to_string()),
    });
    allowed.state.events.publish(Event::ViewerCommand {
        tenant_id,
        command: "reload".into(),
    });
}

/// The tenant's time zone.
async fn tz<P>(allowed: &Allowed<P>) -> Result<chrono_tz::Tz, Error> {
    Ok(allowed.state.settings(&allowed.authed.scope).await?.tz())
}

fn not_found() -> Error {
    Error::NotFound("No asset with this id in this tenant.".into())
}

/// `POST /api/v3/assets`
async fn create(
    allowed: Allowed<perm::AssetsCreate>,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    let input = parse_input(&body, true)?;
    let mut a = Asset::new(&allowed.authed.scope);
    if input.mimetype.as_deref() == Some("video") && input.duration.is_none() {
        a.duration = Some(0);
    } else {
        a.duration = Some(10);
    }
    apply(&mut a, input)?;
    let (scope, actor) = (allowed.authed.scope.clone(), allowed.authed.actor.clone());
    let row = a.clone();
    let saved = allowed
        .state
        .db
        .write(&scope.clone(), move |c| {
            store::insert(c, &scope, &row)?;
            audit::record(
                c,
                &scope,
                &actor,
                "asset.created",
                Some(("asset", &row.asset_id)),
                json!({ "name": row.name }),
            )?;
            store::get(c, &scope, &row.asset_id)?.ok_or_else(not_found)
        })
        .await?;
    changed(&allowed, &saved.asset_id);
    Ok(HttpResponse::Created().json(view(&saved, tz(&allowed).await?)))
}

/// `GET /api/v3/assets/{id}`
async fn get(allowed: Allowed<perm::AssetsView>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let (scope, id) = (allowed.authed.scope.clone(), id.into_inner());
    let a = allowed
        .state
        .db
        .read(&allowed.authed.scope, move |c| store::get(c, &scope, &id))
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(view(&a, tz(&allowed).await?)))
}

/// `PATCH /api/v3/assets/{id}`
async fn update(
    allowed: Allowed<perm::AssetsEdit>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    let input = parse_input(&body, false)?;
    let fields: Vec<String> = body
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let (scope, actor, id) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        id.into_inner(),
    );
    let saved = allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            let mut a = store::get_locked(c, &scope, &id)?.ok_or_else(not_found)?;
            if input.mimetype.is_some() && input.mimetype != a.mimetype && a.file_key.is_some() {
                return Err(Error::invalid(
                    "mimetype",
                    "The type of an uploaded file cannot be changed.",
                ));
            }
            apply(&mut a, input)?;
            store::update(c, &scope, &a)?;
            audit::record(
                c,
                &scope,
                &actor,
                "asset.updated",
                Some(("asset", &a.asset_id)),
                json!({ "fields": fields }),
            )?;
            store::get(c, &scope, &a.asset_id)?.ok_or_else(not_found)
        })
        .await?;
    changed(&allowed, &saved.asset_id);
    Ok(HttpResponse::Ok().json(view(&saved, tz(&allowed).await?)))
}

/// `DELETE /api/v3/assets/{id}`: the row (with its share links), then its files.
async fn delete(
    allowed: Allowed<perm::AssetsDelete>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (scope, actor, id) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        id.into_inner(),
    );
    let gone = allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            let a = store::get(c, &scope, &id)?.ok_or_else(not_found)?;
            store::delete(c, &scope, &id)?;
            audit::record(
                c,
                &scope,
                &actor,
                "asset.deleted",
                Some(("asset", &id)),
                json!({ "name": a.name }),
            )?;
            Ok(a)
        })
        .await?;
    for key in [&gone.file_key, &gone.thumbnail_key].into_iter().flatten() {
        if let Err(e) = allowed.state.storage.operator().delete(key).await {
            tracing::warn!(%key, error = %e, "could not delete an asset's file; the collector will");
        }
    }
    changed(&allowed, &gone.asset_id);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
struct ShareBody {
    expires_in_hours: Option<i64>,
}

/// `POST /api/v3/assets/{id}/share`
async fn share(
    allowed: Allowed<perm::AssetsShare>,
    id: web::Path<String>,
    body: Option<web::Json<Value>>,
) -> ApiResult<HttpResponse> {
    let body: ShareBody = match body {
        Some(b) => serde_json::from_value(b.into_inner()).map_err(|_| {
            Error::invalid(
                "expires_in_hours",
                "expires_in_hours must be a whole number of hours.",
            )
        })?,
        None => ShareBody::default(),
    };
    let hours = body.expires_in_hours.unwrap_or(168);
    if !(1..=720).contains(&hours) {
        return Err(Error::invalid(
            "expires_in_hours",
            "expires_in_hours must be between 1 and 720 (30 days).",
        )
        .into());
    }
    let token = crate::cloud::tokens::random("");
    let expires_at = Utc::now().naive_utc() + chrono::Duration::hours(hours);
    let (scope, actor, id) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        id.into_inner(),
    );
    let hash = crate::cloud::tokens::hash(&token);
    allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            store::get(c, &scope, &id)?.ok_or_else(not_found)?;
            diesel::insert_into(shares::table)
                .values((
                    shares::token_hash.eq(&hash),
                    shares::tenant_id.eq(scope.id()),
                    shares::asset_id.eq(&id),
                    shares::created_by.eq(&actor.id),
                    shares::expires_at.eq(expires_at),
                    shares::created_at.eq(Utc::now().naive_utc()),
                ))
                .execute(c)?;
            audit::record(
                c,
                &scope,
                &actor,
                "asset.shared",
                Some(("asset", &id)),
                json!({ "expires_at": iso(expires_at) }),
            )?;
            Ok(())
        })
        .await?;
    let url = format!("{}/share/{token}", allowed.state.config.public_url());
    Ok(HttpResponse::Created().json(json!({
        "share_url": url,
        "share_token": token,
        "expires_at": iso(expires_at),
    })))
}

/// `DELETE /api/v3/assets/{id}/shares`: every link to the asset stops working.
async fn unshare(
    allowed: Allowed<perm::AssetsShare>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (scope, actor, id) = (
        allowed.authed.scope.clone(),
        allowed.authed.actor.clone(),
        id.into_inner(),
    );
    let revoked = allowed
        .state
        .db
        .write(&allowed.authed.scope, move |c| {
            store::get(c, &scope, &id)?.ok_or_else(not_found)?;
            let n = diesel::delete(
                shares::table
                    .filter(shares::tenant_id.eq(scope.id()))
                    .filter(shares::asset_id.eq(&id)),
            )
            .execute(c)?;
            audit::record(
                c,
                &scope,
                &actor,
                "asset.unshared",
                Some(("asset", &id)),
                json!({ "links": n }),
            )?;
            Ok(n)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "revoked": revoked })))
}

/// `POST /api/v3/assets/{id}/duplicate`: a copy named "<name> (Copy)", with its own copy of
/// the file (so deleting either leaves the other whole), within the storage quota.
async fn duplicate(
    allowed: Allowed<perm::AssetsCreate>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (scope, id) = (allowed.authed.scope.clone(), id.into_inner());
    let s = scope.clone();
    let (original, headroom) = allowed
        .state
        .db
        .read(&scope, move |c| {
            let a = store::get(c, &s, &id)?.ok_or_else(not_found)?;
            Ok((a, quota::headroom(c, &s)?))
        })
        .await?;
    let size = original.file_size.unwrap_or(0).max(0) as u64;
    quota::ensure_room(headroom, size)?;
    let mut copy = original.clone();
    copy.asset_id = store::new_asset_id();
    copy.name = Some(format!(
        "{} (Copy)",
        original.name.clone().unwrap_or_default()
    ));
    copy.created_at = Utc::now().naive_utc();
    copy.updated_at = copy.created_at;
    copy.thumbnail_key = None;
    let mut placed = None;
    if let Some(key) = &original.file_key {
        let ext = key
            .rsplit('/')
            .next()
            .and_then(|f| f.rfind('.').map(|i| f[i..].to_string()))
            .unwrap_or_default();
        let new_key = Storage::tenant_key(&scope, &format!("assets/{}{ext}", copy.asset_id));
        allowed
            .state
            .storage
            .operator()
            .copy(key, &new_key)
            .await
            .map_err(Error::from)?;
        if let Some(uri) = &copy.uri {
            copy.uri = Some(uri.replace(&original.asset_id, &copy.asset_id));
        }
        copy.file_key = Some(new_key.clone());
        placed = Some(new_key);
    }
    let (s, actor, row) = (scope.clone(), allowed.authed.actor.clone(), copy.clone());
    let from = original.asset_id.clone();
    let saved = allowed
        .state
        .db
        .write(&scope, move |c| {
            // Checked again inside the write: two copies at once must not both pass.
            quota::ensure_room(quota::headroom(c, &s)?, size)?;
            store::insert(c, &s, &row)?;
            crate::jobs::enqueue_processing(c, &s, &row)?;
            audit::record(
                c,
                &s,
                &actor,
                "asset.duplicated",
                Some(("asset", &row.asset_id)),
                json!({ "from": from }),
            )?;
            store::get(c, &s, &row.asset_id)?.ok_or_else(not_found)
        })
        .await;
    let saved = match saved {
        Ok(a) => a,
        Err(e) => {
            if let Some(key) = placed {
                let _ = allowed.state.storage.operator().delete(&key).await;
            }
            return Err(e.into());
        }
    };
    allowed.state.jobs.wake();
    changed(&allowed, &saved.asset_id);
    Ok(HttpResponse::Created().json(view(&saved, tz(&allowed).await?)))
}

/// The share with this token hash: (tenant, asset id, expiry) (binding: lookup = the hash).
pub fn find_share(
    c: &mut AnyConnection,
    hash: &str,
) -> Result<Option<(String, String, NaiveDateTime)>, Error> {
    Ok(shares::table
        .filter(shares::token_hash.eq(hash))
        .select((shares::tenant_id, shares::asset_id, shares::expires_at))
        .first(c)
        .optional()?)
}
