//! How each API version shows an asset: key order, types (`"20"` and `0/1` in v1.x, ints and
//! booleans in v2) and dates in the device time zone, byte for byte as Anthias does.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::db::models::asset::Asset;
use crate::domain::headers;
use crate::domain::schedule::{PlayDays, clamp_refresh_interval, format_time, parse_time};

/// DRF's rendering of an aware datetime: ISO 8601 in the device zone, microseconds only when
/// non-zero, `Z` for a zero offset. One difference: before standard time (about 1900) zones had
/// local mean time offsets with seconds, which Python prints (`+00:53:28`) and RFC 3339 cannot
/// hold; the offset is rounded to the nearest minute and the same instant shown in it.
pub fn render_datetime(dt: NaiveDateTime, tz: Tz) -> String {
    let utc = Utc.from_utc_datetime(&dt);
    let secs = utc.with_timezone(&tz).offset().fix().local_minus_utc();
    let minutes = (secs + if secs < 0 { -30 } else { 30 }) / 60;
    let offset =
        FixedOffset::east_opt(minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    let local = utc.with_timezone(&offset);
    let mut out = local.format("%Y-%m-%dT%H:%M:%S").to_string();
    let micros = local.nanosecond() / 1000;
    if micros != 0 {
        out.push_str(&format!(".{micros:06}"));
    }
    if minutes == 0 {
        out.push('Z');
    } else {
        let sign = if minutes < 0 { '-' } else { '+' };
        let abs = minutes.abs();
        out.push_str(&format!("{sign}{:02}:{:02}", abs / 60, abs % 60));
    }
    out
}

fn date(dt: Option<NaiveDateTime>, tz: Tz) -> Option<String> {
    dt.map(|d| render_datetime(d, tz))
}

fn time(t: &Option<String>) -> Option<String> {
    t.as_deref().map(|s| {
        parse_time(s)
            .map(format_time)
            .unwrap_or_else(|| s.to_string())
    })
}

/// v1, v1.1 and v1.2.
#[derive(Serialize)]
pub struct AssetV1 {
    asset_id: String,
    name: Option<String>,
    uri: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    duration: Option<String>,
    mimetype: Option<String>,
    is_enabled: u8,
    nocache: u8,
    play_order: i32,
    skip_asset_check: u8,
    is_active: u8,
    is_processing: u8,
    is_reachable: u8,
    last_reachability_check: Option<String>,
    metadata: Value,
}

impl AssetV1 {
    pub fn new(a: &Asset, now: DateTime<Utc>, tz: Tz) -> AssetV1 {
        AssetV1 {
            asset_id: a.asset_id.clone(),
            name: a.name.clone(),
            uri: a.uri.clone(),
            start_date: date(a.start_date, tz),
            end_date: date(a.end_date, tz),
            duration: a.duration.map(|d| d.to_string()),
            mimetype: a.mimetype.clone(),
            is_enabled: a.is_enabled.into(),
            nocache: a.nocache.into(),
            play_order: a.play_order,
            skip_asset_check: a.skip_asset_check.into(),
            is_active: a.is_active(now, tz).into(),
            is_processing: a.is_processing.into(),
            is_reachable: a.is_reachable.into(),
            last_reachability_check: date(a.last_reachability_check, tz),
            metadata: Value::Object(a.metadata_map()),
        }
    }
}

/// v2.
#[derive(Serialize)]
pub struct AssetV2 {
    asset_id: String,
    name: Option<String>,
    uri: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    duration: Option<i64>,
    mimetype: Option<String>,
    is_enabled: bool,
    nocache: bool,
    play_order: i32,
    skip_asset_check: bool,
    skip_ssl_verify: bool,
    is_active: bool,
    is_processing: bool,
    play_days: Vec<u8>,
    play_time_from: Option<String>,
    play_time_to: Option<String>,
    is_reachable: bool,
    last_reachability_check: Option<String>,
    metadata: Value,
    refresh_interval_s: i64,
    custom_headers: Value,
    /// Web pages: the server's last check (null until one was made).
    page_check: Option<PageCheckV2>,
}

/// Whether a screen can show a web page, as the server's page check found it.
#[derive(Serialize)]
pub struct PageCheckV2 {
    status: &'static str,
    reason: String,
    checked_at: String,
}

impl AssetV2 {
    pub fn new(a: &Asset, now: DateTime<Utc>, tz: Tz) -> AssetV2 {
        let mut metadata = a.metadata_map();
        let refresh = metadata
            .get("refresh_interval_s")
            .map(clamp_refresh_interval)
            .unwrap_or(0);
        if metadata.contains_key("refresh_interval_s") {
            metadata.insert("refresh_interval_s".into(), refresh.into());
        }
        let custom_headers = headers::normalize(metadata.get("headers"));
        if metadata.contains_key("headers") {
            metadata.insert("headers".into(), Value::Object(custom_headers.clone()));
        }
        AssetV2 {
            asset_id: a.asset_id.clone(),
            name: a.name.clone(),
            uri: a.uri.clone(),
            start_date: date(a.start_date, tz),
            end_date: date(a.end_date, tz),
            duration: a.duration,
            mimetype: a.mimetype.clone(),
            is_enabled: a.is_enabled,
            nocache: a.nocache,
            play_order: a.play_order,
            skip_asset_check: a.skip_asset_check,
            skip_ssl_verify: a.skip_ssl_verify,
            is_active: a.is_active(now, tz),
            is_processing: a.is_processing,
            play_days: PlayDays::from_json_text(&a.play_days).days().to_vec(),
            play_time_from: time(&a.play_time_from),
            play_time_to: time(&a.play_time_to),
            is_reachable: a.is_reachable,
            last_reachability_check: date(a.last_reachability_check, tz),
            metadata: Value::Object(metadata),
            refresh_interval_s: refresh,
            custom_headers: Value::Object(custom_headers),
            page_check: a.page_check().map(|(status, reason, at)| PageCheckV2 {
                status: status.as_str(),
                reason: reason.to_string(),
                checked_at: render_datetime(at, tz),
            }),
        }
    }
}

/// An empty JSON object.
pub fn empty_object() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_render_like_drf() {
        let dt = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        assert_eq!(
            render_datetime(dt("2019-08-24 14:15:22"), Tz::UTC),
            "2019-08-24T14:15:22Z"
        );
        assert_eq!(
            render_datetime(dt("2019-08-24 14:15:22"), chrono_tz::Europe::Stockholm),
            "2019-08-24T16:15:22+02:00"
        );
        assert_eq!(
            render_datetime(dt("2026-01-01 00:00:00"), chrono_tz::Europe::Berlin),
            "2026-01-01T01:00:00+01:00"
        );
        assert_eq!(
            render_datetime(dt("2019-08-24 14:15:22.753"), Tz::UTC),
            "2019-08-24T14:15:22.753000Z"
        );
        assert_eq!(
            render_datetime(dt("2019-08-24 14:15:22"), chrono_tz::America::St_Johns),
            "2019-08-24T11:45:22-02:30"
        );
        // Local mean time had seconds (Berlin's +00:53:28, which Stockholm links to): shown in
        // whole minutes, the same instant, never more than 30 s off the zone's own offset.
        assert_eq!(
            render_datetime(dt("1850-06-01 12:00:00"), chrono_tz::Europe::Stockholm),
            "1850-06-01T12:53:00+00:53"
        );
        for tz in [
            chrono_tz::Europe::Stockholm,
            chrono_tz::Europe::Amsterdam,
            chrono_tz::America::Lima,
            chrono_tz::Asia::Kolkata,
            chrono_tz::Africa::Monrovia,
        ] {
            for at in [
                "1800-01-01 00:00:00.5",
                "1850-06-01 12:00:00",
                "1899-12-31 23:59:59",
            ] {
                let shown = render_datetime(dt(at), tz);
                let parsed = DateTime::parse_from_rfc3339(&shown)
                    .unwrap_or_else(|e| panic!("{tz} {at}: {shown} is not RFC 3339: {e}"));
                assert_eq!(parsed.naive_utc(), dt(at), "{tz} {at}: {shown}");
                let own = Utc
                    .from_utc_datetime(&dt(at))
                    .with_timezone(&tz)
                    .offset()
                    .fix()
                    .local_minus_utc();
                let off = own - parsed.offset().local_minus_utc();
                assert!(off.abs() <= 30, "{tz} {at}: {shown} vs {own} s");
            }
        }
    }
}
