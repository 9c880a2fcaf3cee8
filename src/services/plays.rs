//! Proof of play: what the screens showed, when and for how long.

use std::collections::HashMap;

use crate::db::models::analytics::{self, DailyKey};
use crate::db::models::play::{self, Play};
use crate::error::Error;
use crate::services::context::Ctx;

/// Records a batch of showings, and adds them to the daily sums reports read (days in the
/// tenant's time zone): all or none.
pub async fn record(ctx: &Ctx<'_>, plays: Vec<Play>) -> Result<(), Error> {
    let tz = ctx.tz().await?;
    let mut sums: HashMap<DailyKey, (i64, i64, chrono::NaiveDateTime)> = HashMap::new();
    for p in &plays {
        let key = DailyKey {
            day: p
                .started_at
                .and_utc()
                .with_timezone(&tz)
                .format("%Y-%m-%d")
                .to_string(),
            asset_id: p.asset_id.clone(),
            screen_id: p.screen_id.clone().unwrap_or_default(),
            schedule_id: p.schedule_id.clone().unwrap_or_default(),
        };
        let ended = p.started_at + chrono::Duration::milliseconds(p.duration_ms);
        let e = sums.entry(key).or_insert((0, 0, ended));
        e.0 += 1;
        e.1 += p.duration_ms / 1000;
        e.2 = e.2.max(ended);
    }
    let sums: Vec<(DailyKey, i64, i64, chrono::NaiveDateTime)> = sums
        .into_iter()
        .map(|(k, (n, s, last))| (k, n, s, last))
        .collect();
    ctx.write(move |c, s| {
        play::insert(c, s, &plays)?;
        analytics::add_plays(c, s, &sums)
    })
    .await
}

/// The latest `limit` showings, newest first.
pub async fn recent(ctx: &Ctx<'_>, limit: i64) -> Result<Vec<Play>, Error> {
    ctx.read(move |c, s| play::recent(c, s, limit)).await
}
