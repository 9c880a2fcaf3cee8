//! Sums for reports: plays per day, asset, screen and schedule (`play_daily`, kept as plays
//! arrive) and screens' online seconds per day (`screen_uptime`, from heartbeats). Both are
//! upserts that add to a row; the SQL is the same on both backends but for its placeholders.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::AnyConnection;
use crate::db::schema::screen_uptime;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// One sum to add to `play_daily`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DailyKey {
    /// Tenant-local `YYYY-MM-DD`.
    pub day: String,
    pub asset_id: String,
    /// `""`: no screen (the device's own kiosk).
    pub screen_id: String,
    /// `""`: the default playlist or an interrupt.
    pub schedule_id: String,
}

/// Rewrites `$1`, `$2`… as SQLite's `?` (the binds are positional on both).
fn placeholders(conn: &AnyConnection, sql: &str) -> String {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(_) => sql.to_string(),
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(_) => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' {
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// Adds plays and seconds to the scoped tenant's daily sums.
pub fn add_plays(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    sums: &[(DailyKey, i64, i64, chrono::NaiveDateTime)],
) -> Result<(), Error> {
    let sql = placeholders(
        conn,
        "INSERT INTO play_daily \
         (tenant_id, day, asset_id, screen_id, schedule_id, plays, seconds, last_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (tenant_id, day, asset_id, screen_id, schedule_id) DO UPDATE SET \
         plays = play_daily.plays + excluded.plays, \
         seconds = play_daily.seconds + excluded.seconds, \
         last_at = CASE WHEN excluded.last_at > play_daily.last_at \
                   THEN excluded.last_at ELSE play_daily.last_at END",
    );
    for (k, plays, seconds, last_at) in sums {
        diesel::sql_query(&sql)
            .bind::<Text, _>(scope.id())
            .bind::<Text, _>(&k.day)
            .bind::<Text, _>(&k.asset_id)
            .bind::<Text, _>(&k.screen_id)
            .bind::<Text, _>(&k.schedule_id)
            .bind::<BigInt, _>(plays)
            .bind::<BigInt, _>(seconds)
            .bind::<diesel::sql_types::Timestamp, _>(last_at)
            .execute(conn)?;
    }
    Ok(())
}

/// Adds online seconds to screens' days.
pub fn add_uptime(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    sums: &[(String, String, i64)],
) -> Result<(), Error> {
    let sql = placeholders(
        conn,
        "INSERT INTO screen_uptime (tenant_id, screen_id, day, online_seconds) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, screen_id, day) DO UPDATE SET \
         online_seconds = screen_uptime.online_seconds + excluded.online_seconds",
    );
    for (screen_id, day, seconds) in sums {
        diesel::sql_query(&sql)
            .bind::<Text, _>(scope.id())
            .bind::<Text, _>(screen_id)
            .bind::<Text, _>(day)
            .bind::<diesel::sql_types::Integer, _>((*seconds).clamp(0, 86_400) as i32)
            .execute(conn)?;
    }
    Ok(())
}

/// What a report groups plays by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Asset,
    Screen,
    Day,
    Schedule,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "asset" => GroupBy::Asset,
            "screen" => GroupBy::Screen,
            "day" => GroupBy::Day,
            "schedule" => GroupBy::Schedule,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Asset => "asset",
            GroupBy::Screen => "screen",
            GroupBy::Day => "day",
            GroupBy::Schedule => "schedule",
        }
    }
}

#[derive(QueryableByName)]
struct SumRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    plays: i64,
    #[diesel(sql_type = BigInt)]
    seconds: i64,
}

/// Plays and seconds of the scoped tenant's days `from..=to` (`YYYY-MM-DD`), grouped; most
/// played first.
pub fn plays(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    from: &str,
    to: &str,
    by: GroupBy,
) -> Result<Vec<(String, i64, i64)>, Error> {
    // The column is chosen from a closed list, never from input.
    let column = match by {
        GroupBy::Asset => "asset_id",
        GroupBy::Screen => "screen_id",
        GroupBy::Day => "day",
        GroupBy::Schedule => "schedule_id",
    };
    let order = if by == GroupBy::Day {
        "key ASC"
    } else {
        "plays DESC, key ASC"
    };
    let sql = placeholders(
        conn,
        &format!(
            "SELECT {column} AS key, CAST(SUM(plays) AS BIGINT) AS plays, \
             CAST(SUM(seconds) AS BIGINT) AS seconds FROM play_daily \
             WHERE tenant_id = $1 AND day >= $2 AND day <= $3 GROUP BY {column} ORDER BY {order}"
        ),
    );
    let rows: Vec<SumRow> = diesel::sql_query(sql)
        .bind::<Text, _>(scope.id())
        .bind::<Text, _>(from)
        .bind::<Text, _>(to)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.key, r.plays, r.seconds))
        .collect())
}

/// How often each of `asset_ids` (of the scoped tenant) was shown, and when it last ended
/// (for `view_count` and `last_viewed`), from the daily sums.
pub fn views(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    asset_ids: &[String],
) -> Result<std::collections::HashMap<String, (i64, chrono::NaiveDateTime)>, Error> {
    use crate::db::schema::play_daily;
    let mut out = std::collections::HashMap::new();
    for chunk in asset_ids.chunks(1000) {
        // SUM over BIGINT is NUMERIC on PostgreSQL: cast back, as `plays` does.
        let rows: Vec<(String, i64, Option<chrono::NaiveDateTime>)> = play_daily::table
            .filter(play_daily::tenant_id.eq(scope.id()))
            .filter(play_daily::asset_id.eq_any(chunk))
            .group_by(play_daily::asset_id)
            .select((
                play_daily::asset_id,
                diesel::dsl::sql::<BigInt>("CAST(SUM(plays) AS BIGINT)"),
                diesel::dsl::max(play_daily::last_at),
            ))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .filter_map(|(id, n, last)| last.map(|l| (id, (n, l)))),
        );
    }
    Ok(out)
}

/// Online seconds per screen per UTC day, `from..=to`.
pub fn uptime(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String, i32)>, Error> {
    Ok(screen_uptime::table
        .filter(screen_uptime::tenant_id.eq(scope.id()))
        .filter(screen_uptime::day.ge(from))
        .filter(screen_uptime::day.le(to))
        .order((screen_uptime::screen_id.asc(), screen_uptime::day.asc()))
        .select((
            screen_uptime::screen_id,
            screen_uptime::day,
            screen_uptime::online_seconds,
        ))
        .load(conn)?)
}
