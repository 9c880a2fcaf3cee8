//! Reports (docs/programming.md): plays summed by asset, screen, day or schedule over the
//! tenant's days, and screens' uptime per day. Both read the sums kept as plays and heartbeats
//! arrive (`db::models::analytics`), never the raw plays.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};

use crate::db::models::analytics::{self, GroupBy};
use crate::db::models::{asset, program, screen};
use crate::error::Error;
use crate::services::context::Ctx;

/// Longest report, in days.
pub const DAYS_MAX: i64 = 366;

/// How often these assets were shown and when last (`view_count`, `last_viewed`).
pub async fn views(
    ctx: &Ctx<'_>,
    asset_ids: Vec<String>,
) -> Result<HashMap<String, (i64, chrono::NaiveDateTime)>, Error> {
    ctx.read(move |c, s| analytics::views(c, s, &asset_ids))
        .await
}

/// One line of a plays report.
pub struct Line {
    pub key: String,
    pub label: String,
    pub plays: i64,
    pub seconds: i64,
}

/// A day as a report takes it: `YYYY-MM-DD`, or a date and time (its day).
pub fn parse_day(field: &str, v: &str) -> Result<NaiveDate, Error> {
    use chrono::Datelike;
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .or_else(|| crate::domain::time::parse_datetime(v).map(|t| t.date()))
        .filter(|d| (1970..=9999).contains(&d.year()))
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!("{field} is a date (YYYY-MM-DD, years 1970 to 9999) or an ISO 8601 date and time."),
            )
        })
}

/// The days `from..=to` (default: the last 30 days up to today, in the tenant's zone).
pub async fn range(
    ctx: &Ctx<'_>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(NaiveDate, NaiveDate), Error> {
    let today = Utc::now().with_timezone(&ctx.tz().await?).date_naive();
    let to = to.map(|v| parse_day("to", v)).transpose()?.unwrap_or(today);
    let from = from
        .map(|v| parse_day("from", v))
        .transpose()?
        .unwrap_or(to - Duration::days(29));
    if to < from {
        return Err(Error::invalid("to", "to must not be before from."));
    }
    if (to - from).num_days() >= DAYS_MAX {
        return Err(Error::invalid("to", "A report covers at most 366 days."));
    }
    Ok((from, to))
}

/// Plays over the tenant's days `from..=to`, grouped, with names for the keys.
pub async fn plays(
    ctx: &Ctx<'_>,
    from: NaiveDate,
    to: NaiveDate,
    by: GroupBy,
) -> Result<Vec<Line>, Error> {
    let (f, t) = (from.to_string(), to.to_string());
    let (sums, names) = ctx
        .read(move |c, s| {
            let sums = analytics::plays(c, s, &f, &t, by)?;
            let names: HashMap<String, String> = match by {
                GroupBy::Asset => asset::list(c, s)?
                    .into_iter()
                    .map(|a| (a.asset_id, a.name.unwrap_or_default()))
                    .collect(),
                GroupBy::Screen => screen::list(c, s)?
                    .into_iter()
                    .map(|x| (x.id, x.name))
                    .collect(),
                GroupBy::Schedule => program::schedules(c, s)?
                    .into_iter()
                    .map(|x| (x.id, x.name))
                    .collect(),
                GroupBy::Day => HashMap::new(),
            };
            Ok((sums, names))
        })
        .await?;
    Ok(sums
        .into_iter()
        .map(|(key, plays, seconds)| {
            let label = match (by, key.as_str()) {
                (GroupBy::Day, k) => k.to_string(),
                (GroupBy::Screen, "") => "This device's own screen".to_string(),
                (GroupBy::Schedule, "") => "Default playlist or interrupt".to_string(),
                (_, k) => names
                    .get(k)
                    .cloned()
                    .unwrap_or_else(|| "(deleted)".to_string()),
            };
            Line {
                key,
                label,
                plays,
                seconds,
            }
        })
        .collect())
}

/// One screen's day.
pub struct Uptime {
    pub screen_id: String,
    pub name: String,
    pub day: String,
    pub online_seconds: i64,
    pub uptime_percent: f64,
}

/// Online time per screen per UTC day `from..=to` (every screen, every day, zeros included;
/// today counts up to now).
pub async fn uptime(ctx: &Ctx<'_>, from: NaiveDate, to: NaiveDate) -> Result<Vec<Uptime>, Error> {
    let (f, t) = (from.to_string(), to.to_string());
    let (screens, rows) = ctx
        .read(move |c, s| Ok((screen::list(c, s)?, analytics::uptime(c, s, &f, &t)?)))
        .await?;
    let got: HashMap<(String, String), i64> = rows
        .into_iter()
        .map(|(screen, day, secs)| ((screen, day), i64::from(secs)))
        .collect();
    let now = Utc::now().naive_utc();
    let mut out = Vec::new();
    for s in &screens {
        let mut day = from;
        while day <= to {
            let key = day.to_string();
            let start = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            let span = (now - start).num_seconds().clamp(0, 86_400);
            let online = got.get(&(s.id.clone(), key.clone())).copied().unwrap_or(0);
            let percent = if span == 0 {
                0.0
            } else {
                ((online.min(span) as f64) * 1000.0 / span as f64).round() / 10.0
            };
            out.push(Uptime {
                screen_id: s.id.clone(),
                name: s.name.clone(),
                day: key,
                online_seconds: online,
                uptime_percent: percent,
            });
            day += Duration::days(1);
        }
    }
    Ok(out)
}
