//! The rules of `signate migrate`: what of a source asset (Signate device mode or Anthias, read
//! through API v2) becomes a target asset (API v3), how the copy is recognised on a later run,
//! and how the two are compared field by field. No I/O: the client in `src/migrate/` fetches,
//! uploads and hashes; this decides.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The metadata key under which a copied asset records where it came from. A later run finds
/// its copies by it, so nothing is copied twice.
pub const ORIGIN_KEY: &str = "migrated_from";

/// An asset as a source's API v2 answers it (Signate or Anthias; fields a version lacks take
/// Anthias's defaults).
#[derive(Debug, Clone, Deserialize)]
pub struct SourceAsset {
    pub asset_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub duration: Option<i64>,
    #[serde(default)]
    pub mimetype: Option<String>,
    #[serde(default = "yes", deserialize_with = "flag")]
    pub is_enabled: bool,
    #[serde(default, deserialize_with = "flag")]
    pub nocache: bool,
    #[serde(default, deserialize_with = "order")]
    pub play_order: i64,
    #[serde(default, deserialize_with = "flag")]
    pub skip_asset_check: bool,
    #[serde(default = "every_day")]
    pub play_days: Vec<u8>,
    #[serde(default)]
    pub play_time_from: Option<String>,
    #[serde(default)]
    pub play_time_to: Option<String>,
    #[serde(default)]
    pub metadata: Option<Value>,
}

// API v1.x answers durations as strings and booleans as 0/1; v2 as JSON numbers and booleans.

fn int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        _ => None,
    })
}

fn order<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    int(d).map(|n| n.unwrap_or(0))
}

fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => matches!(s.trim(), "1" | "true" | "True"),
        _ => false,
    })
}

fn yes() -> bool {
    true
}

fn every_day() -> Vec<u8> {
    vec![1, 2, 3, 4, 5, 6, 7]
}

/// What a source asset needs to exist on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A file stored on the source (its `uri` is a path there): its bytes are copied.
    StoredFile,
    /// An address (web page, stream, remote picture or video, YouTube link): the row is enough.
    Address,
}

/// Why a source asset cannot be copied at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl SourceAsset {
    /// A stored file, an address, or neither (an asset without a uri).
    pub fn kind(&self) -> Result<Kind, Unsupported> {
        // The id names files in the work directory and goes into the target's metadata: a
        // source answering anything but a plain id (`../x`) is not followed.
        let id_ok = !self.asset_id.is_empty()
            && self.asset_id.len() <= 64
            && self
                .asset_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(Unsupported(format!(
                "its id {:?} is not a plain asset id",
                self.asset_id
            )));
        }
        let uri = self.uri.as_deref().map(str::trim).unwrap_or("");
        if uri.is_empty() {
            return Err(Unsupported("it has no content address (uri)".into()));
        }
        if uri.contains("://") {
            return Ok(Kind::Address);
        }
        if uri.starts_with('/') {
            return Ok(Kind::StoredFile);
        }
        Err(Unsupported(format!(
            "its uri {uri:?} is neither an address nor a stored file"
        )))
    }

    /// The extension of a stored file, from its path on the source (`.png`), lower-cased.
    pub fn file_ext(&self) -> Option<String> {
        if self.kind() != Ok(Kind::StoredFile) {
            return None;
        }
        let uri = self.uri.as_deref()?;
        let file = uri.rsplit('/').next()?;
        let (_, ext) = file.rsplit_once('.')?;
        let ok =
            !ext.is_empty() && ext.len() <= 5 && ext.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then(|| format!(".{}", ext.to_ascii_lowercase()))
    }

    /// A name to show in the report.
    pub fn label(&self) -> String {
        match self.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => self.asset_id.clone(),
        }
    }

    /// The kind v3 takes, read the way Anthias reads a legacy mimetype (`video/mp4` is a
    /// video, anything unknown a web page); null when the source has none (the target then
    /// decides from the address).
    pub fn kind_name(&self) -> Option<&'static str> {
        let m = self.mimetype.as_deref()?.trim();
        if m.is_empty() {
            return None;
        }
        Some(match m {
            "image" | "video" | "webpage" | "streaming" | "youtube_asset" => match m {
                "image" => "image",
                "video" => "video",
                "webpage" => "webpage",
                "streaming" => "streaming",
                _ => "youtube_asset",
            },
            _ if m.contains("youtube") => "youtube_asset",
            _ if m.contains("video") => "video",
            _ if m.contains("image") => "image",
            _ if m.contains("streaming") => "streaming",
            _ => "webpage",
        })
    }

    fn is_video(&self) -> bool {
        matches!(self.mimetype.as_deref(), Some("video" | "youtube_asset"))
            || self
                .mimetype
                .as_deref()
                .is_some_and(|m| m.starts_with("video/"))
    }
}

/// The body of `POST /api/v3/assets` that recreates `src` on the target; `upload` is the
/// `(uri, ext)` that `file_asset` answered for a stored file's bytes.
pub fn create_body(
    src: &SourceAsset,
    upload: Option<(&str, &str)>,
    source: &str,
    sha256: Option<&str>,
) -> Value {
    let mut metadata = match &src.metadata {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let mut origin = json!({ "source": source, "asset_id": src.asset_id });
    if let Some(sha) = sha256 {
        origin["sha256"] = json!(sha);
    }
    metadata.insert(ORIGIN_KEY.into(), origin);
    let mut body = json!({
        "name": src.label(),
        "uri": upload.map(|(u, _)| u.to_string()).or_else(|| src.uri.clone()),
        "mimetype": src.kind_name(),
        "start_date": src.start_date.as_deref().and_then(instant),
        "end_date": src.end_date.as_deref().and_then(instant),
        "is_enabled": src.is_enabled,
        "nocache": src.nocache,
        "skip_asset_check": src.skip_asset_check,
        "play_days": src.play_days,
        "play_time_from": src.play_time_from.as_deref().map(hh_mm_ss),
        "play_time_to": src.play_time_to.as_deref().map(hh_mm_ss),
        "metadata": metadata,
    });
    // No duration: the target's default for the kind (v3 takes no null).
    if let Some(d) = src.duration {
        body["duration"] = json!(d);
    }
    if let Some((_, ext)) = upload {
        body["ext"] = json!(ext);
    }
    body
}

/// The source and the source asset id a target asset was copied from, when it was.
pub fn origin_of(target: &Value) -> Option<(&str, &str)> {
    let origin = target.get("metadata")?.get(ORIGIN_KEY)?;
    Some((
        origin.get("source")?.as_str()?,
        origin.get("asset_id")?.as_str()?,
    ))
}

/// How a source is named in its copies' metadata: scheme, host and port, never the user
/// information a URL may carry (every member of the tenant can read metadata).
pub fn source_name(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.host_str().is_some() => {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{}{port}",
                u.scheme(),
                u.host_str().unwrap_or_default().to_ascii_lowercase()
            )
        }
        _ => url.to_string(),
    }
}

/// Whether the target's `name` is the source's, or the source's with the `-N` that a tenant
/// already holding that name gives a new asset (v3 keeps names unique).
pub fn same_name(source: &str, target: &str) -> bool {
    target == source
        || target
            .strip_prefix(source)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A name as a terminal may print it: control characters (escape sequences a hostile source
/// could send) are shown as `?`.
pub fn printable(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A date as an RFC 3339 instant in UTC; a date without an offset (older Anthias) is UTC.
pub fn instant(s: &str) -> Option<String> {
    let s = s.trim();
    let utc = DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
                .map(|n| n.and_utc())
        })?;
    Some(utc.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// `HH:MM` or `HH:MM:SS` as `HH:MM:SS`.
fn hh_mm_ss(t: &str) -> String {
    let t = t.trim();
    if t.len() == 5 {
        format!("{t}:00")
    } else {
        t.to_string()
    }
}

/// The fields in which the target asset differs from its source, each as `field: source ≠
/// target`. A video's duration is the target's own measurement and a stored file's uri is
/// where the target keeps it, so neither is compared; the bytes are compared by hash instead.
pub fn differences(src: &SourceAsset, target: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if !target
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| same_name(&src.label(), n))
    {
        out.push(format!(
            "name: {} ≠ {}",
            json!(src.label()),
            target.get("name").cloned().unwrap_or(Value::Null)
        ));
    }
    let mut check = |field: &str, want: Value, got: Value| {
        if want != got {
            out.push(format!("{field}: {want} ≠ {got}"));
        }
    };
    let s = |v: Option<&str>| v.map_or(Value::Null, |s| json!(s));
    let t = |k: &str| target.get(k).cloned().unwrap_or(Value::Null);
    // A video address (a YouTube link, a remote file) is downloaded by the target, which
    // then answers where it keeps the file.
    if src.kind() == Ok(Kind::Address) && !src.is_video() {
        check("uri", s(src.uri.as_deref()), t("uri"));
    }
    // A source without a duration leaves it to the target's default.
    if !src.is_video() && src.duration.is_some() {
        check("duration", json!(src.duration), t("duration"));
    }
    let when = |v: &Value| {
        v.as_str()
            .and_then(instant)
            .map_or(Value::Null, |s| json!(s))
    };
    check(
        "start_date",
        s(src.start_date.as_deref().and_then(instant).as_deref()),
        when(&t("start_date")),
    );
    check(
        "end_date",
        s(src.end_date.as_deref().and_then(instant).as_deref()),
        when(&t("end_date")),
    );
    check("is_enabled", json!(src.is_enabled), t("is_enabled"));
    check("nocache", json!(src.nocache), t("nocache"));
    check(
        "skip_asset_check",
        json!(src.skip_asset_check),
        t("skip_asset_check"),
    );
    check("play_days", json!(src.play_days), t("play_days"));
    let time = |v: Value| v.as_str().map_or(Value::Null, |s| json!(hh_mm_ss(s)));
    check(
        "play_time_from",
        time(s(src.play_time_from.as_deref())),
        time(t("play_time_from")),
    );
    check(
        "play_time_to",
        time(s(src.play_time_to.as_deref())),
        time(t("play_time_to")),
    );
    out
}

/// The changes that make a target asset equal its source again (`PATCH /api/v3/assets/{id}`),
/// the same fields [`differences`] compares.
pub fn repair_body(src: &SourceAsset) -> Value {
    let mut body = create_body(src, None, "", None);
    let Value::Object(m) = &mut body else {
        unreachable!("create_body answers an object")
    };
    m.remove("metadata");
    m.remove("mimetype");
    if src.kind() != Ok(Kind::Address) || src.is_video() {
        m.remove("uri");
    }
    if src.is_video() || src.duration.is_none() {
        m.remove("duration");
    }
    body
}

/// The id of the resumable upload of one file: the same source asset with the same bytes
/// always gets the same id, so a run that was stopped continues the upload it had begun.
pub fn upload_id(source_asset_id: &str, sha256_hex: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("{source_asset_id}\n{sha256_hex}").as_bytes());
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The chunks of a file of `total` bytes, as inclusive `(start, end)` ranges.
pub fn chunks(total: u64, size: u64) -> Vec<(u64, u64)> {
    let size = size.max(1);
    (0..total.div_ceil(size))
        .map(|i| (i * size, ((i + 1) * size).min(total) - 1))
        .collect()
}

/// The device settings that mean something for a tenant, as the target's
/// `PATCH /api/v2/device_settings` takes them; keys the source lacks are left out.
pub fn tenant_settings(source: &Value) -> Map<String, Value> {
    const KEYS: &[&str] = &[
        "timezone",
        "default_duration",
        "default_streaming_duration",
        "shuffle_playlist",
        "use_24_hour_clock",
        "date_format",
    ];
    let mut out = Map::new();
    for key in KEYS {
        match source.get(*key) {
            None | Some(Value::Null) => {}
            // An empty zone means "the device's own": the tenant keeps its zone.
            Some(Value::String(s)) if s.is_empty() => {}
            Some(v) => {
                out.insert((*key).to_string(), v.clone());
            }
        }
    }
    out
}

/// Bytes as the report shows them (1.5 MB).
pub fn human_bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anthias(v: Value) -> SourceAsset {
        serde_json::from_value(v).unwrap()
    }

    fn picture() -> SourceAsset {
        anthias(json!({
            "asset_id": "a1", "name": "Menu", "uri": "/data/anthias_assets/a1.PNG",
            "start_date": "2026-01-01T00:00:00+01:00", "end_date": "2027-01-01T00:00:00Z",
            "duration": 10, "mimetype": "image", "is_enabled": true, "nocache": false,
            "play_order": 2, "skip_asset_check": false, "play_days": [1, 2, 3],
            "play_time_from": "08:00", "play_time_to": "18:30:00",
            "metadata": {"owner": "shop"}
        }))
    }

    #[test]
    fn kinds() {
        assert_eq!(picture().kind(), Ok(Kind::StoredFile));
        let page = anthias(json!({"asset_id": "b", "uri": "https://example.com"}));
        assert_eq!(page.kind(), Ok(Kind::Address));
        let none = anthias(json!({"asset_id": "c", "uri": null}));
        assert!(none.kind().is_err());
        let odd = anthias(json!({"asset_id": "d", "uri": "relative.png"}));
        assert!(odd.kind().is_err());
        let escape = anthias(json!({"asset_id": "../../etc/x", "uri": "/data/a.png"}));
        assert!(
            escape
                .kind()
                .unwrap_err()
                .0
                .contains("not a plain asset id")
        );
        assert_eq!(picture().file_ext().as_deref(), Some(".png"));
        assert_eq!(page.file_ext(), None);
    }

    #[test]
    fn api_v1_strings_and_numbers_read_as_v2_types() {
        let a = anthias(json!({
            "asset_id": "x", "uri": "https://e.com", "duration": "20", "is_enabled": 1,
            "nocache": 0, "skip_asset_check": "1", "play_order": "3"
        }));
        assert_eq!(a.duration, Some(20));
        assert!(a.is_enabled && !a.nocache && a.skip_asset_check);
        assert_eq!(a.play_order, 3);
        let off = anthias(json!({"asset_id": "y", "uri": "https://e.com", "is_enabled": 0}));
        assert!(!off.is_enabled);
    }

    #[test]
    fn an_old_anthias_answer_takes_the_defaults() {
        let a = anthias(json!({"asset_id": "x", "name": "", "uri": "https://e.com"}));
        assert!(a.is_enabled);
        assert_eq!(a.play_days, vec![1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(a.label(), "x");
    }

    #[test]
    fn the_body_carries_every_field_and_the_origin() {
        let b = create_body(
            &picture(),
            Some(("/data/assets/u.tmp", ".png")),
            "http://pi",
            Some("ab"),
        );
        assert_eq!(b["uri"], "/data/assets/u.tmp");
        assert_eq!(b["ext"], ".png");
        assert_eq!(b["start_date"], "2025-12-31T23:00:00Z");
        assert_eq!(b["end_date"], "2027-01-01T00:00:00Z");
        assert_eq!(b["play_time_from"], "08:00:00");
        assert_eq!(b["play_days"], json!([1, 2, 3]));
        assert_eq!(b["metadata"]["owner"], "shop");
        assert_eq!(b["metadata"][ORIGIN_KEY]["asset_id"], "a1");
        assert_eq!(b["metadata"][ORIGIN_KEY]["sha256"], "ab");
        assert_eq!(origin_of(&b), Some(("http://pi", "a1")));
    }

    #[test]
    fn a_faithful_copy_has_no_differences_and_a_changed_one_names_them() {
        let src = picture();
        let mut target = create_body(&src, Some(("/x", ".png")), "s", None);
        // The target answers its own storage location and its offset form of the dates.
        target["uri"] = json!("s3://bucket/t/assets/x.png");
        target["start_date"] = json!("2026-01-01T00:00:00+01:00");
        target["play_time_to"] = json!("18:30");
        assert_eq!(differences(&src, &target), Vec::<String>::new());
        target["is_enabled"] = json!(false);
        target["play_days"] = json!([1]);
        let d = differences(&src, &target);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("is_enabled"));
        assert!(d[1].starts_with("play_days"));
    }

    #[test]
    fn a_videos_duration_is_the_targets_to_measure() {
        let mut v = picture();
        v.mimetype = Some("video".into());
        let mut target = create_body(&v, None, "s", None);
        target["duration"] = json!(31);
        assert!(differences(&v, &target).is_empty());
        assert!(repair_body(&v).get("duration").is_none());
        assert!(repair_body(&v).get("uri").is_none());
    }

    #[test]
    fn what_v3_refuses_is_not_sent() {
        let mut a = picture();
        a.duration = None;
        a.mimetype = Some("video/mp4".into());
        let b = create_body(&a, None, "s", None);
        assert!(b.get("duration").is_none(), "{b}");
        assert_eq!(b["mimetype"], "video");
        a.mimetype = None;
        assert_eq!(create_body(&a, None, "s", None)["mimetype"], Value::Null);
        a.mimetype = Some("text/html".into());
        assert_eq!(a.kind_name(), Some("webpage"));
    }

    #[test]
    fn a_clash_renamed_copy_keeps_its_name() {
        assert!(same_name("Menu", "Menu"));
        assert!(same_name("Menu", "Menu-2"));
        assert!(!same_name("Menu", "Menu-x"));
        assert!(!same_name("Menu", "Menu-"));
        assert!(!same_name("Menu", "Menus"));
        let src = picture();
        let mut target = create_body(&src, None, "s", None);
        target["name"] = json!("Menu-1");
        assert!(differences(&src, &target).is_empty());
    }

    #[test]
    fn sources_are_named_without_their_credentials() {
        assert_eq!(
            source_name("http://admin:secret@Pi.local:8080/"),
            "http://pi.local:8080"
        );
        assert_eq!(
            source_name("https://pi.example.com"),
            "https://pi.example.com"
        );
        assert_eq!(printable("Menu\u{1b}[2J"), "Menu?[2J");
    }

    #[test]
    fn dates_without_an_offset_are_utc() {
        assert_eq!(
            instant("2026-03-01T10:00:00").as_deref(),
            Some("2026-03-01T10:00:00Z")
        );
        assert_eq!(
            instant("2026-03-01 10:00:00.5").as_deref(),
            Some("2026-03-01T10:00:00Z")
        );
        assert_eq!(instant("soon"), None);
    }

    #[test]
    fn upload_ids_are_stable_and_shaped_like_file_asset_wants() {
        let a = upload_id("a1", "00ff");
        assert_eq!(a, upload_id("a1", "00ff"));
        assert_ne!(a, upload_id("a1", "00fe"));
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    #[test]
    fn chunks_cover_the_file() {
        assert_eq!(chunks(10, 4), vec![(0, 3), (4, 7), (8, 9)]);
        assert_eq!(chunks(8, 4), vec![(0, 3), (4, 7)]);
        assert_eq!(chunks(1, 4), vec![(0, 0)]);
        assert!(chunks(0, 4).is_empty());
    }

    #[test]
    fn settings_with_a_tenant_meaning() {
        let s = tenant_settings(&json!({
            "player_name": "Pi", "timezone": "", "default_duration": 15,
            "shuffle_playlist": true, "audio_output": "hdmi"
        }));
        assert_eq!(
            Value::Object(s),
            json!({"default_duration": 15, "shuffle_playlist": true})
        );
    }

    #[test]
    fn bytes_for_people() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }
}
