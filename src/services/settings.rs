//! Device settings (Anthias's `anthias.conf` keys), stored per tenant as key/value rows so that
//! a new key needs no migration.

use std::sync::OnceLock;

use chrono::Utc;
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::db::AnyConnection;
use crate::db::schema::settings;
use crate::error::Error;
use crate::tenancy::TenantScope;

/// Every device setting, with Anthias's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceSettings {
    pub player_name: String,
    pub audio_output: String,
    pub default_duration: i64,
    pub default_streaming_duration: i64,
    pub date_format: String,
    /// IANA zone; empty means the host's zone (`TZ`, `/etc/timezone`, else UTC).
    pub timezone: String,
    /// `""` (no authentication) or `"auth_basic"`.
    pub auth_backend: String,
    pub show_splash: bool,
    pub default_assets: bool,
    pub shuffle_playlist: bool,
    pub use_24_hour_clock: bool,
    pub debug_logging: bool,
    pub prefer_dark_mode: bool,
    pub verify_ssl: bool,
    pub screen_rotation: i64,
    pub display_power_schedule_enabled: bool,
    pub display_power_on_time: String,
    pub display_power_off_time: String,
    /// Comma list of weekdays, Monday = 0.
    pub display_power_days: String,
    /// The operator account; kept when authentication is switched off.
    pub username: String,
    /// argon2id PHC string of the operator's password; never shown.
    pub password_hash: String,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            player_name: String::new(),
            audio_output: "hdmi".into(),
            default_duration: 10,
            default_streaming_duration: 300,
            date_format: "mm/dd/yyyy".into(),
            timezone: String::new(),
            auth_backend: String::new(),
            show_splash: true,
            default_assets: false,
            shuffle_playlist: false,
            use_24_hour_clock: false,
            debug_logging: false,
            prefer_dark_mode: false,
            verify_ssl: true,
            screen_rotation: 0,
            display_power_schedule_enabled: false,
            display_power_on_time: "08:00".into(),
            display_power_off_time: "18:00".into(),
            display_power_days: "0,1,2,3,4,5,6".into(),
            username: String::new(),
            password_hash: String::new(),
        }
    }
}

impl DeviceSettings {
    /// The device time zone: the setting when valid, else the host's.
    pub fn tz(&self) -> Tz {
        parse_tz(&self.timezone).unwrap_or_else(host_tz)
    }

    /// Whether requests must authenticate.
    pub fn auth_enabled(&self) -> bool {
        self.auth_backend == "auth_basic" && !self.password_hash.is_empty()
    }
}

/// A valid IANA zone name.
pub fn parse_tz(name: &str) -> Option<Tz> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    name.parse().ok()
}

/// The host's zone: `TZ`, then `/etc/timezone`, then UTC (read once).
pub fn host_tz() -> Tz {
    static HOST: OnceLock<Tz> = OnceLock::new();
    *HOST.get_or_init(|| {
        std::env::var("TZ")
            .ok()
            .and_then(|tz| parse_tz(tz.trim_start_matches(':')))
            .or_else(|| {
                std::fs::read_to_string("/etc/timezone")
                    .ok()
                    .and_then(|s| parse_tz(&s))
            })
            .unwrap_or(Tz::UTC)
    })
}

/// The tenant's settings; stored keys override the defaults, unknown or unreadable ones are
/// ignored (logged) rather than failing every request.
pub fn load(conn: &mut AnyConnection, scope: &TenantScope) -> Result<DeviceSettings, Error> {
    let rows: Vec<(String, String)> = settings::table
        .filter(settings::tenant_id.eq(scope.id()))
        .select((settings::key, settings::value))
        .load(conn)?;
    let Value::Object(mut merged) = serde_json::to_value(DeviceSettings::default())
        .map_err(|e| Error::Internal(e.to_string()))?
    else {
        return Err(Error::Internal("settings are not an object".into()));
    };
    for (key, value) in rows {
        let Some(default) = merged.get(&key) else {
            continue;
        };
        match serde_json::from_str::<Value>(&value) {
            Ok(v) if same_kind(default, &v) => {
                merged.insert(key, v);
            }
            _ => tracing::warn!(%key, %value, "ignoring an unreadable stored setting"),
        }
    }
    serde_json::from_value(Value::Object(merged)).map_err(|e| Error::Internal(e.to_string()))
}

fn same_kind(a: &Value, b: &Value) -> bool {
    matches!(
        (a, b),
        (Value::String(_), Value::String(_))
            | (Value::Bool(_), Value::Bool(_))
            | (Value::Number(_), Value::Number(_))
    )
}

/// Writes the keys that differ from what is stored.
pub fn save(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    new: &DeviceSettings,
) -> Result<(), Error> {
    let old = to_map(&load(conn, scope)?)?;
    let stored: Vec<String> = settings::table
        .filter(settings::tenant_id.eq(scope.id()))
        .select(settings::key)
        .load(conn)?;
    let now = Utc::now().naive_utc();
    for (key, value) in to_map(new)? {
        if old.get(&key) == Some(&value) && stored.contains(&key) {
            continue;
        }
        let text = value.to_string();
        let n = diesel::update(
            settings::table
                .filter(settings::tenant_id.eq(scope.id()))
                .filter(settings::key.eq(&key)),
        )
        .set((settings::value.eq(&text), settings::updated_at.eq(now)))
        .execute(conn)?;
        if n == 0 {
            diesel::insert_into(settings::table)
                .values((
                    settings::tenant_id.eq(scope.id()),
                    settings::key.eq(&key),
                    settings::value.eq(&text),
                    settings::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn to_map(s: &DeviceSettings) -> Result<Map<String, Value>, Error> {
    match serde_json::to_value(s) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::Internal("settings are not an object".into())),
    }
}
