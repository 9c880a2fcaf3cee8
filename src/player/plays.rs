//! Proof of play: the player reports each showing (asset, start, duration) in batches, and
//! keeps them while offline. The use cases are in `services::plays`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Screen;
use crate::api::error::LegacyError;
use crate::db::models::play;
use crate::services::plays;

/// Most records accepted in one batch.
pub const MAX_BATCH: usize = 1000;
/// Longest showing recorded (a day).
const MAX_DURATION_MS: i64 = 86_400_000;

#[derive(Deserialize)]
pub struct Batch {
    plays: Vec<Play>,
}

/// One showing as the player reports it.
#[derive(Deserialize, Serialize)]
pub struct Play {
    asset_id: String,
    started_at: DateTime<Utc>,
    duration_ms: i64,
    /// The screen that showed it (answers only; a screen's records are its own).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    screen_id: Option<String>,
    /// What made it play (docs/programming.md); absent: the default playlist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    playlist_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    schedule_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interrupt_id: Option<String>,
}

/// An id as the player sends it: short, plain characters (else dropped: a bad reference
/// must not cost the record).
fn reference(id: Option<String>) -> Option<String> {
    id.filter(|i| {
        !i.is_empty()
            && i.len() <= 64
            && i.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// `POST /api/player/plays`: all records of a batch or none.
pub async fn record(
    screen: Screen,
    req: actix_web::HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, LegacyError> {
    let Screen(dev, screen_id) = screen;
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
        let year_ok = (1970..=9999).contains(&chrono::Datelike::year(&p.started_at));
        if !id_ok || !year_ok || !(0..=MAX_DURATION_MS).contains(&p.duration_ms) {
            return Err(LegacyError::detail(
                400,
                format!(
                    "Play {i} is invalid: asset_id must be an asset id, started_at between the years 1970 and 9999, and duration_ms between 0 and {MAX_DURATION_MS}."
                ),
            ));
        }
    }
    let rows = batch
        .plays
        .into_iter()
        .map(|p| play::Play {
            asset_id: p.asset_id,
            started_at: p.started_at.naive_utc(),
            duration_ms: p.duration_ms,
            screen_id: screen_id.clone(),
            playlist_id: reference(p.playlist_id),
            schedule_id: reference(p.schedule_id),
            interrupt_id: reference(p.interrupt_id),
        })
        .collect();
    plays::record(&dev.ctx(), rows).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct Recent {
    limit: Option<i64>,
}

/// `GET /api/player/plays?limit=N`: newest first.
pub async fn recent(screen: Screen, q: web::Query<Recent>) -> Result<HttpResponse, LegacyError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let rows = plays::recent(&screen.0.ctx(), limit).await?;
    let plays: Vec<Play> = rows
        .into_iter()
        .map(|p| Play {
            asset_id: p.asset_id,
            started_at: p.started_at.and_utc(),
            duration_ms: p.duration_ms,
            screen_id: p.screen_id,
            playlist_id: p.playlist_id,
            schedule_id: p.schedule_id,
            interrupt_id: p.interrupt_id,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "plays": plays })))
}
