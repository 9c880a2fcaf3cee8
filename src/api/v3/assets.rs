//! `/api/v3/assets`: list with filters, search and cursor pages; create, read, change,
//! delete, reorder; share links; duplicates. Parsing and views only: the use cases (one
//! pipeline with the Anthias API's) are in `services::assets`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;
use serde_json::{Value, json};

use super::views::{self, AssetList, Share, SharesRevoked};
use super::{Allowed, ApiResult, Json, cursor, iso, page_limit, perm};
use crate::db::models::asset::{After, Asset, Search, SortKey};
use crate::domain::asset::{Kind, MIMETYPE_MAX, NAME_MAX, URI_MAX};
use crate::domain::schedule::{PlayDays, format_time, parse_time};
use crate::error::Error;
use crate::services::assets::{self, Changes, Dialect};
use crate::services::shares;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets", web::get().to(list))
        .route("/assets", web::post().to(create))
        .route("/assets/order", web::post().to(order))
        .route("/assets/{id}", web::get().to(get))
        .route("/assets/{id}", web::patch().to(update))
        .route("/assets/{id}", web::delete().to(delete))
        .route("/assets/{id}/share", web::post().to(share))
        .route("/assets/{id}/shares", web::delete().to(unshare))
        .route("/assets/{id}/duplicate", web::post().to(duplicate));
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

/// The search a listing query asks for.
fn parse_list(q: ListQuery) -> Result<(Search, String), Error> {
    let limit = page_limit(q.limit)?;
    let ordering = q.ordering.unwrap_or_else(|| "play_order".into());
    let (descending, key) = match ordering.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, ordering.as_str()),
    };
    let key = match key {
        "play_order" => SortKey::PlayOrder,
        "created_at" => SortKey::Created,
        "name" => SortKey::Name,
        _ => {
            return Err(Error::invalid(
                "ordering",
                "ordering must be one of created_at, play_order, name (prefix - for descending).",
            ));
        }
    };
    let is_enabled = match q.is_enabled.as_deref() {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => {
            return Err(Error::invalid(
                "is_enabled",
                "is_enabled must be true or false.",
            ));
        }
    };
    let after = match &q.cursor {
        Some(c) => {
            let v = cursor::decode(c)?;
            let bad = || Error::invalid("cursor", "This cursor is not valid.");
            let id = v["id"].as_i64().ok_or_else(bad)?;
            if v["o"].as_str() != Some(ordering.as_str()) {
                return Err(Error::invalid(
                    "cursor",
                    "This cursor belongs to another ordering.",
                ));
            }
            let k = &v["k"];
            Some(match key {
                SortKey::PlayOrder => After::PlayOrder(k.as_i64().ok_or_else(bad)? as i32, id),
                SortKey::Created => After::Created(
                    k.as_str()
                        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                        .ok_or_else(bad)?
                        .naive_utc(),
                    id,
                ),
                SortKey::Name => After::Name(k.as_str().ok_or_else(bad)?.to_string(), id),
            })
        }
        None => None,
    };
    // Searches are bounded like what they search: a longer one cannot match.
    for (k, value, max) in [
        ("q", &q.q, NAME_MAX),
        ("tag", &q.tag, TAG_MAX),
        ("mimetype", &q.mimetype, MIMETYPE_MAX),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(Error::invalid(
                k,
                format!("{k} is longer than {max} characters."),
            ));
        }
    }
    let search = Search {
        mimetype: q.mimetype,
        is_enabled,
        tag: q.tag,
        text: q.q.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
        key,
        descending,
        after,
        // One more than the page, to know whether there is a next one.
        limit: limit + 1,
    };
    Ok((search, ordering))
}

/// The cursor that continues after `a`.
fn next_cursor(ordering: &str, key: SortKey, id: i64, a: &Asset) -> String {
    let k = match key {
        SortKey::PlayOrder => json!(a.play_order),
        SortKey::Created => json!(
            a.created_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ),
        SortKey::Name => json!(a.name.clone().unwrap_or_default()),
    };
    cursor::encode(&json!({ "o": ordering, "k": k, "id": id }))
}

/// `GET /api/v3/assets`
async fn list(
    allowed: Allowed<perm::AssetsView>,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let (search, ordering) = parse_list(query.into_inner())?;
    let ctx = allowed.ctx();
    let limit = (search.limit - 1) as usize;
    let key = search.key;
    let rows = assets::search(&ctx, search).await?;
    let page = &rows[..rows.len().min(limit)];
    let next_cursor = match page.last() {
        Some((id, a)) if rows.len() > limit => Some(next_cursor(&ordering, key, *id, a)),
        _ => None,
    };
    let zone = ctx.tz().await?;
    let ids: Vec<String> = page.iter().map(|(_, a)| a.asset_id.clone()).collect();
    let seen = crate::services::analytics::views(&ctx, ids).await?;
    let items = page
        .iter()
        .map(|(_, a)| views::Asset::new(a, zone).viewed(&seen))
        .collect();
    Ok(HttpResponse::Ok().json(AssetList { items, next_cursor }))
}

/// Fields a client may send.
/// Longest tag, in characters.
const TAG_MAX: usize = 50;

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
    "ext",
];

fn parse_input(body: &Value, creating: bool) -> Result<Changes, Error> {
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
                .ok_or_else(|| {
                    Error::invalid(
                        k,
                        format!("{k} must be a time HH:MM or HH:MM:SS, like 09:30 or 09:30:00."),
                    )
                }),
            Some(_) => Err(Error::invalid(k, format!("{k} must be a string or null."))),
        }
    };
    let name = text("name", NAME_MAX)?;
    let uri = text("uri", URI_MAX)?;
    let mimetype = text("mimetype", MIMETYPE_MAX)?;
    if creating {
        for (k, v) in [("name", &name), ("uri", &uri), ("mimetype", &mimetype)] {
            if v.is_none() {
                return Err(Error::invalid(k, format!("{k} is required.")));
            }
        }
    }
    if let Some(m) = &mimetype
        && Kind::parse(m).is_none()
    {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        return Err(Error::invalid(
            "mimetype",
            format!("mimetype must be one of {}.", names.join(", ")),
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
                if t.is_empty() || t.chars().count() > TAG_MAX || t.chars().any(char::is_control) {
                    return Err(Error::invalid(
                        "tags",
                        format!(
                            "Each tag must be a non-empty string of at most {TAG_MAX} characters."
                        ),
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
    // The extension an upload's file gets (`file_asset` answers it beside the uri).
    let ext = match obj.get("ext") {
        None | Some(Value::Null) => None,
        Some(Value::String(e)) if crate::services::content::valid_ext(e) => Some(e.clone()),
        Some(_) => {
            return Err(Error::invalid(
                "ext",
                "ext must be a picture or video extension such as .png or .mp4.",
            ));
        }
    };
    Ok(Changes {
        ext,
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
        ..Changes::default()
    })
}

/// `POST /api/v3/assets`: the same pipeline as the Anthias API's (an upload's `uri` from
/// `file_asset`, another stored file, a YouTube link or remote video to download, an address).
async fn create(
    allowed: Allowed<perm::AssetsCreate>,
    body: Json<Value>,
) -> ApiResult<HttpResponse> {
    let changes = parse_input(&body, true)?;
    let ctx = allowed.ctx();
    let saved = assets::create(&ctx, Dialect::V3, changes).await?;
    Ok(HttpResponse::Created().json(views::Asset::new(&saved, ctx.tz().await?)))
}

/// `GET /api/v3/assets/{id}`
async fn get(allowed: Allowed<perm::AssetsView>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let ctx = allowed.ctx();
    let a = assets::get(&ctx, &id).await.map_err(not_found)?;
    let seen = crate::services::analytics::views(&ctx, vec![a.asset_id.clone()]).await?;
    Ok(HttpResponse::Ok().json(views::Asset::new(&a, ctx.tz().await?).viewed(&seen)))
}

/// `PATCH /api/v3/assets/{id}`
async fn update(
    allowed: Allowed<perm::AssetsEdit>,
    id: web::Path<String>,
    body: Json<Value>,
) -> ApiResult<HttpResponse> {
    let changes = parse_input(&body, false)?;
    let ctx = allowed.ctx();
    let saved = assets::update(&ctx, Dialect::V3, &id, changes)
        .await
        .map_err(not_found)?;
    let seen = crate::services::analytics::views(&ctx, vec![saved.asset_id.clone()]).await?;
    Ok(HttpResponse::Ok().json(views::Asset::new(&saved, ctx.tz().await?).viewed(&seen)))
}

/// `DELETE /api/v3/assets/{id}`: the row (with its share links), then its files.
async fn delete(
    allowed: Allowed<perm::AssetsDelete>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (_, playlists) = assets::delete(&allowed.ctx(), &id)
        .await
        .map_err(not_found)?;
    if playlists.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(HttpResponse::Ok().json(super::views::AssetDeleted {
        removed_from_playlists: playlists
            .into_iter()
            .map(|(id, name)| super::views::PlaylistRef { id, name })
            .collect(),
    }))
}

#[derive(Deserialize)]
struct OrderBody {
    ids: Vec<String>,
}

/// `POST /api/v3/assets/order` `{"ids": [...]}`: the listed assets take positions 0, 1, …
/// in that order; unknown ids are ignored, unlisted assets keep theirs.
async fn order(allowed: Allowed<perm::AssetsEdit>, body: Json<Value>) -> ApiResult<HttpResponse> {
    let body: OrderBody = serde_json::from_value(body.into_inner())
        .map_err(|_| Error::invalid("ids", "Send {\"ids\": [\"<asset id>\", …]}."))?;
    if body.ids.len() > 10_000 {
        return Err(Error::invalid("ids", "At most 10000 ids at once.").into());
    }
    assets::reorder(&allowed.ctx(), body.ids).await?;
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
    body: Option<Json<Value>>,
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
    let (token, expires_at) = shares::create(&allowed.ctx(), &id, hours).await?;
    let url = format!("{}/share/{token}", allowed.state.config.public_url());
    Ok(HttpResponse::Created().json(Share {
        share_url: url,
        share_token: token,
        expires_at: iso(expires_at),
    }))
}

/// `DELETE /api/v3/assets/{id}/shares`: every link to the asset stops working.
async fn unshare(
    allowed: Allowed<perm::AssetsShare>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let revoked = shares::revoke(&allowed.ctx(), &id).await?;
    Ok(HttpResponse::Ok().json(SharesRevoked { revoked }))
}

/// `POST /api/v3/assets/{id}/duplicate`: a copy named "<name> (Copy)" with its own file.
async fn duplicate(
    allowed: Allowed<perm::AssetsCreate>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ctx = allowed.ctx();
    let saved = assets::duplicate(&ctx, &id).await.map_err(not_found)?;
    Ok(HttpResponse::Created().json(views::Asset::new(&saved, ctx.tz().await?)))
}

/// v3's wording of a missing asset.
fn not_found(e: Error) -> Error {
    match e {
        Error::NotFound(_) => Error::NotFound("No asset with this id in this tenant.".into()),
        other => other,
    }
}
