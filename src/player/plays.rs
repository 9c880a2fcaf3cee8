//! Proof of play: the player reports each showing (asset, start, duration) in batches, and
//! keeps them while offline.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::Screen;
use crate::api::error::LegacyError;
use crate::db::schema::play_events;

/// Most records accepted in one batch.
pub const MAX_BATCH: usize = 1000;
/// Longest showing recorded (a day).
const MAX_DURATION_MS: i64 = 86_400_000;

#[derive(Deserialize)]
pub struct Batch {
    plays: Vec<Play>,
}

#[derive(Deserialize, Serialize, Queryable)]
pub struct Play {
    asset_id: String,
    started_at: DateTime<Utc>,
    duration_ms: i64,
}

/// `POST /api/player/plays`: all records of a batch or none.
pub async fn record(
    screen: Screen,
    req: actix_web::HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, LegacyError> {
    let dev = screen.0;
    // JSON only: a form or text/plain POST is what another site's page could send unasked.
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return Err(LegacyError::detail(
            415,
            "Proof-of-play batches are JSON (Content-Type: application/json).",
        ));
    }
    let batch: Batch = serde_json::from_slice(&body)
        .map_err(|e| LegacyError::detail(400, format!("Invalid proof-of-play batch: {e}")))?;
    if batch.plays.len() > MAX_BATCH {
        return Err(LegacyError::detail(
            400,
            format!("At most {MAX_BATCH} plays per batch."),
        ));
    }
    for (i, p) in batch.plays.iter().enumerate() {
        let id_ok = !p.asset_id.is_empty()
            && p.asset_id.len() <= 64
            && p.asset_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok || !(0..=MAX_DURATION_MS).contains(&p.duration_ms) {
            return Err(LegacyError::detail(
                400,
                format!(
                    "Play {i} is invalid: asset_id must be an asset id and duration_ms between 0 and {MAX_DURATION_MS}."
                ),
            ));
        }
    }
    let tenant = dev.scope.id().to_string();
    let now = Utc::now().naive_utc();
    dev.state
        .db
        .write(&dev.scope, move |c| {
            for p in &batch.plays {
                diesel::insert_into(play_events::table)
                    .values((
                        play_events::tenant_id.eq(&tenant),
                        play_events::asset_id.eq(&p.asset_id),
                        play_events::started_at.eq(p.started_at.naive_utc()),
                        play_events::duration_ms.eq(p.duration_ms),
                        play_events::created_at.eq(now),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct Recent {
    limit: Option<i64>,
}

/// `GET /api/player/plays?limit=N`: newest first.
pub async fn recent(screen: Screen, q: web::Query<Recent>) -> Result<HttpResponse, LegacyError> {
    let dev = screen.0;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let tenant = dev.scope.id().to_string();
    let rows: Vec<(String, chrono::NaiveDateTime, i64)> = dev
        .state
        .db
        .read(&dev.scope, move |c| {
            Ok(play_events::table
                .filter(play_events::tenant_id.eq(&tenant))
                .order((play_events::started_at.desc(), play_events::id.desc()))
                .limit(limit)
                .select((
                    play_events::asset_id,
                    play_events::started_at,
                    play_events::duration_ms,
                ))
                .load(c)?)
        })
        .await?;
    let plays: Vec<Play> = rows
        .into_iter()
        .map(|(asset_id, started, duration_ms)| Play {
            asset_id,
            started_at: started.and_utc(),
            duration_ms,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "plays": plays })))
}
