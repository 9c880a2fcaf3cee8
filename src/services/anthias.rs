//! Reading an Anthias backup: its SQLite database (Django schema, any version from the
//! pre-Django seed to migration 0007) and its `anthias.conf`.

use std::path::Path;

use chrono::NaiveDateTime;

use crate::db::models::asset::Asset;
use crate::services::settings::DeviceSettings;
use crate::tenancy::TenantScope;

/// The asset columns Signate takes over, in the order they are read.
const COLUMNS: &[&str] = &[
    "asset_id",
    "name",
    "uri",
    "md5",
    "start_date",
    "end_date",
    "duration",
    "mimetype",
    "is_enabled",
    "is_processing",
    "nocache",
    "play_order",
    "skip_asset_check",
    "is_reachable",
    "last_reachability_check",
    "play_days",
    "play_time_from",
    "play_time_to",
    "metadata",
    "skip_ssl_verify",
];

/// Every asset of the Anthias database, in its storage order (the order Anthias lists them).
#[cfg(feature = "sqlite")]
pub fn read_assets(db: &Path, scope: &TenantScope) -> Result<Vec<Asset>, String> {
    use diesel::prelude::*;
    use diesel::sql_types::{Nullable, Text};

    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Cell {
        #[diesel(sql_type = Nullable<Text>)]
        v: Option<String>,
    }

    // Read-only and immutable: a restore must not change (or WAL-checkpoint) what it reads.
    let url = format!("file:{}?mode=ro&immutable=1", db.display());
    let mut conn =
        diesel::SqliteConnection::establish(&url).map_err(|e| format!("database: {e}"))?;
    let present: Vec<String> = diesel::sql_query("SELECT name FROM pragma_table_info('assets')")
        .load::<Column>(&mut conn)
        .map_err(|e| format!("database: {e}"))?
        .into_iter()
        .map(|c| c.name)
        .collect();
    if !present.iter().any(|c| c == "asset_id") {
        return Err("the database has no assets table".into());
    }
    // One row at a time as a `|`-free JSON array: simplest portable way to get every column as
    // text whatever the declared types of this schema version.
    let select: Vec<String> = COLUMNS
        .iter()
        .map(|c| {
            if present.iter().any(|p| p == c) {
                format!("CAST(\"{c}\" AS TEXT)")
            } else {
                "NULL".into()
            }
        })
        .collect();
    let sql = format!(
        "SELECT json_array({}) AS v FROM assets ORDER BY rowid",
        select.join(", ")
    );
    let rows: Vec<Cell> = diesel::sql_query(sql)
        .load(&mut conn)
        .map_err(|e| format!("database: {e}"))?;
    rows.into_iter()
        .map(|cell| {
            let values: Vec<Option<String>> =
                serde_json::from_str(cell.v.as_deref().unwrap_or("[]"))
                    .map_err(|e| format!("row: {e}"))?;
            Ok(to_asset(&values, scope))
        })
        .collect()
}

#[cfg(not(feature = "sqlite"))]
pub fn read_assets(_db: &Path, _scope: &TenantScope) -> Result<Vec<Asset>, String> {
    Err("reading Anthias backups needs the `sqlite` Cargo feature".into())
}

fn to_asset(v: &[Option<String>], scope: &TenantScope) -> Asset {
    let get = |i: usize| v.get(i).cloned().flatten();
    let flag = |i: usize, default: bool| match get(i).as_deref().map(str::trim) {
        Some("1" | "true" | "True" | "t") => true,
        Some("0" | "false" | "False" | "f") => false,
        _ => default,
    };
    let date = |i: usize| get(i).as_deref().and_then(parse_django_datetime);
    let mut a = Asset::new(scope);
    a.asset_id = get(0).unwrap_or_else(crate::db::models::asset::new_asset_id);
    a.name = get(1);
    a.uri = get(2);
    a.md5 = get(3);
    a.start_date = date(4);
    a.end_date = date(5);
    a.duration = get(6).and_then(|d| {
        let d = d.trim();
        d.parse::<i64>()
            .ok()
            .or_else(|| d.parse::<f64>().ok().map(|f| f as i64))
    });
    a.mimetype = get(7);
    a.is_enabled = flag(8, false);
    a.is_processing = flag(9, false);
    a.nocache = flag(10, false);
    a.play_order = get(11).and_then(|p| p.trim().parse().ok()).unwrap_or(0);
    a.skip_asset_check = flag(12, false);
    a.is_reachable = flag(13, true);
    a.last_reachability_check = date(14);
    if let Some(days) = get(15) {
        a.play_days = days;
    }
    a.play_time_from = get(16);
    a.play_time_to = get(17);
    a.metadata = get(18)
        .filter(|m| serde_json::from_str::<serde_json::Value>(m).is_ok_and(|v| v.is_object()))
        .unwrap_or_else(|| "{}".into());
    a.skip_ssl_verify = flag(19, false);
    a
}

/// Django stores naive UTC text (`2026-01-01 00:00:00[.ffffff]`); old releases wrote ISO
/// strings with `T` and an offset.
fn parse_django_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| crate::api::legacy::fields::parse_datetime(s))
}

/// configparser's booleans.
fn ini_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// Takes over the settings of an `anthias.conf`. Credentials are not: Anthias keeps them in
/// Django's user table with its own hash format, so the device's own stay as they are.
pub fn apply_conf(conf: &str, s: &mut DeviceSettings) {
    for line in conf.lines() {
        let line = line.trim();
        if line.starts_with(['#', ';', '[']) || line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let int = || value.parse::<i64>().ok();
        match key {
            "player_name" => s.player_name = value.to_string(),
            "audio_output" => s.audio_output = value.to_string(),
            "date_format" => s.date_format = value.to_string(),
            "timezone" => s.timezone = value.to_string(),
            "default_duration" => s.default_duration = int().unwrap_or(s.default_duration),
            "default_streaming_duration" => {
                s.default_streaming_duration = int().unwrap_or(s.default_streaming_duration)
            }
            "screen_rotation" => {
                s.screen_rotation = int().filter(|r| [0, 90, 180, 270].contains(r)).unwrap_or(0)
            }
            "display_power_on_time" => s.display_power_on_time = value.to_string(),
            "display_power_off_time" => s.display_power_off_time = value.to_string(),
            "display_power_days" => s.display_power_days = value.to_string(),
            _ => {
                let Some(b) = ini_bool(value) else { continue };
                match key {
                    "show_splash" => s.show_splash = b,
                    "default_assets" => s.default_assets = b,
                    "shuffle_playlist" => s.shuffle_playlist = b,
                    "use_24_hour_clock" => s.use_24_hour_clock = b,
                    "debug_logging" => s.debug_logging = b,
                    "prefer_dark_mode" => s.prefer_dark_mode = b,
                    "verify_ssl" => s.verify_ssl = b,
                    "display_power_schedule_enabled" => s.display_power_schedule_enabled = b,
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_keys() {
        let mut s = DeviceSettings::default();
        apply_conf(
            "[main]\ntimezone = Europe/Berlin\nauth_backend = auth_basic\n[viewer]\nplayer_name = Lobby\nshuffle_playlist = on\ndefault_duration = 15\nshow_splash = offf\n",
            &mut s,
        );
        assert_eq!(s.timezone, "Europe/Berlin");
        assert_eq!(s.player_name, "Lobby");
        assert!(s.shuffle_playlist);
        assert_eq!(s.default_duration, 15);
        assert!(s.show_splash, "a malformed boolean keeps the default");
        assert_eq!(s.auth_backend, "", "credentials are not taken over");
    }

    #[test]
    fn django_dates() {
        assert_eq!(
            parse_django_datetime("2026-01-01 00:00:00")
                .unwrap()
                .to_string(),
            "2026-01-01 00:00:00"
        );
        assert_eq!(
            parse_django_datetime("2024-04-01 08:00:00.250000")
                .unwrap()
                .to_string(),
            "2024-04-01 08:00:00.250"
        );
        assert!(parse_django_datetime("2024-04-01T08:00:00+02:00").is_some());
    }
}
