//! Asset use cases, shared by every API version (v1 to v3), the web app and the jobs: create
//! (from an address, an upload, another stored file or a download), change, delete, duplicate
//! and reorder. Each owns its transaction, its audit entry and its events; handlers only parse
//! a request into [`Changes`] and render the [`Asset`] they get back.
//!
//! Anthias's API versions differ in a few rules (unique names, re-indexing, video durations);
//! [`Dialect`] names them in one table instead of `if version == …` across handlers.

use chrono::{Datelike, NaiveDateTime, Utc};
use serde_json::{Map, Value, json};

use crate::db::models::asset::{self, Asset};
use crate::domain::asset::{
    AddressError, Kind, check_address, over_limit, remote_video_ext, suffixed_name,
};
use crate::domain::schedule::PlayDays;
use crate::error::Error;
use crate::jobs::{self, download::Download};
use crate::services::context::Ctx;
use crate::services::{content, quota, uploads};
use crate::storage::Storage;

/// The API a request came in on; each Anthias version keeps its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    V1,
    V1_1,
    V1_2,
    V2,
    V3,
}

impl Dialect {
    /// v1.1 and later give a taken name a `-1` suffix (`get_unique_name`); v1 keeps it.
    fn unique_names(self) -> bool {
        self != Dialect::V1
    }

    /// v1.2 and later re-number the active playlist around a created or changed asset.
    fn reindexes(self) -> bool {
        matches!(self, Dialect::V1_2 | Dialect::V2 | Dialect::V3)
    }

    /// v1.2 and later download remote video files instead of streaming them.
    fn downloads_remote_videos(self) -> bool {
        matches!(self, Dialect::V1_2 | Dialect::V2 | Dialect::V3)
    }

    /// v1.2 and v2 insist that a video's duration is 0 (they measure it).
    fn video_duration_must_be_zero(self) -> bool {
        matches!(self, Dialect::V1_2 | Dialect::V2)
    }

    /// The Anthias versions measure a remote video (ffprobe) and check that an address
    /// answers before accepting it; v3 accepts the address and lets the screen try.
    fn checks_remote_content(self) -> bool {
        self != Dialect::V3
    }

    /// Both daily times or neither (v2; v3 says it its own way; the older versions have no
    /// such fields).
    fn checks_window(self) -> bool {
        self == Dialect::V2
    }

    /// v1 and v1.1 take `is_processing` from the client and ignore `play_order`.
    fn legacy_create_fields(self) -> bool {
        matches!(self, Dialect::V1 | Dialect::V1_1)
    }

    /// A video's duration is measured, not edited (upstream skips it on update); v3 lets a
    /// client set it, e.g. to cut a long video short.
    fn edits_video_duration(self) -> bool {
        self == Dialect::V3
    }
}

/// What a request asks to set; `None` means "not given" (left alone on a change).
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub name: Option<String>,
    pub uri: Option<String>,
    pub mimetype: Option<String>,
    pub duration: Option<i64>,
    pub start_date: Option<Option<NaiveDateTime>>,
    pub end_date: Option<Option<NaiveDateTime>>,
    pub is_enabled: Option<bool>,
    pub is_processing: Option<bool>,
    pub nocache: Option<bool>,
    pub play_order: Option<i32>,
    pub skip_asset_check: Option<bool>,
    pub skip_ssl_verify: Option<bool>,
    pub play_days: Option<PlayDays>,
    /// `HH:MM:SS`, or `Some(None)` to clear.
    pub play_time_from: Option<Option<String>>,
    pub play_time_to: Option<Option<String>>,
    pub refresh_interval_s: Option<i64>,
    /// Extra request headers of a web page (already checked); empty removes them.
    pub custom_headers: Option<Map<String, Value>>,
    pub tags: Option<Vec<String>>,
    /// The whole client metadata object (v3); `error_message` stays the jobs' to set.
    pub metadata: Option<Map<String, Value>>,
    /// v1.2/v2: the extension an uploaded file gets (`.png`).
    pub ext: Option<String>,
}

impl Changes {
    /// The names of the fields given, for the audit log.
    fn given(&self) -> Vec<&'static str> {
        let mut f = vec![];
        macro_rules! given {
            ($($name:ident),*) => { $( if self.$name.is_some() { f.push(stringify!($name)); } )* };
        }
        given!(
            name,
            uri,
            mimetype,
            duration,
            start_date,
            end_date,
            is_enabled,
            is_processing,
            nocache,
            play_order,
            skip_asset_check,
            skip_ssl_verify,
            play_days,
            play_time_from,
            play_time_to,
            refresh_interval_s,
            custom_headers,
            tags,
            metadata
        );
        f
    }

    /// Copies what was given onto `a`. The address and kind of a stored file are fixed.
    fn apply(self, a: &mut Asset, dialect: Dialect) -> Result<(), Error> {
        if a.file_key.is_some() {
            if self.uri.is_some() && self.uri != a.uri {
                return Err(Error::invalid(
                    "uri",
                    "The address of an uploaded file cannot be changed.",
                ));
            }
            if self.mimetype.is_some() && self.mimetype != a.mimetype {
                return Err(Error::invalid(
                    "mimetype",
                    "The type of an uploaded file cannot be changed.",
                ));
            }
        }
        if let Some(v) = self.name {
            a.name = Some(v);
        }
        if let Some(v) = self.uri {
            a.uri = Some(v);
        }
        if let Some(v) = self.mimetype {
            a.mimetype = Some(v);
        }
        if let Some(d) = self.duration
            && (!a.is_video() || dialect.edits_video_duration())
        {
            a.duration = Some(d);
        }
        if let Some(v) = self.start_date {
            a.start_date = v;
        }
        if let Some(v) = self.end_date {
            a.end_date = v;
        }
        if let Some(v) = self.is_enabled {
            a.is_enabled = v;
        }
        if let Some(v) = self.is_processing {
            a.is_processing = v;
        }
        if let Some(v) = self.nocache {
            a.nocache = v;
        }
        if let Some(v) = self.play_order {
            a.play_order = v;
        }
        if let Some(v) = self.skip_asset_check {
            a.skip_asset_check = v;
        }
        if let Some(v) = self.skip_ssl_verify {
            a.skip_ssl_verify = v;
        }
        if let Some(days) = self.play_days {
            a.play_days = days.to_json_text();
        }
        if let Some(t) = self.play_time_from {
            a.play_time_from = t;
        }
        if let Some(t) = self.play_time_to {
            a.play_time_to = t;
        }
        if let Some(tags) = self.tags {
            a.tags = Value::from(tags).to_string();
        }
        let mut meta = a.metadata_map();
        if let Some(mut m) = self.metadata {
            if let Some(e) = meta.get("error_message") {
                m.insert("error_message".into(), e.clone());
            }
            meta = m;
        }
        if let Some(r) = self.refresh_interval_s {
            meta.insert("refresh_interval_s".into(), r.into());
        }
        match self.custom_headers {
            Some(h) if h.is_empty() => {
                meta.remove("headers");
            }
            Some(h) => {
                meta.insert("headers".into(), Value::Object(h));
            }
            None => {}
        }
        a.set_metadata(meta);
        Ok(())
    }
}

/// Rules every asset obeys after a create or change, whatever the API.
fn check(a: &Asset, dialect: Dialect) -> Result<(), Error> {
    if let (Some(s), Some(e)) = (a.start_date, a.end_date)
        && e < s
        && dialect == Dialect::V3
    {
        return Err(Error::invalid(
            "end_date",
            "end_date must be after start_date.",
        ));
    }
    if dialect == Dialect::V3 && a.play_time_from.is_some() != a.play_time_to.is_some() {
        return Err(Error::invalid(
            "play_time_to",
            "Give both play_time_from and play_time_to, or neither.",
        ));
    }
    if dialect.checks_window() {
        let msg = "play_time_from and play_time_to must be set together.";
        match (&a.play_time_from, &a.play_time_to) {
            (Some(_), None) => return Err(Error::invalid("play_time_to", msg)),
            (None, Some(_)) => return Err(Error::invalid("play_time_from", msg)),
            _ => {}
        }
    }
    Ok(())
}

/// The length rule (`domain::asset::over_limit`) as a field error, in DRF's `max_length` words
/// (v3's parser says it its own way first).
fn check_lengths(c: &Changes) -> Result<(), Error> {
    match over_limit(c.name.as_deref(), c.uri.as_deref(), c.mimetype.as_deref()) {
        Some((field, max)) => Err(Error::invalid(
            field,
            format!("Ensure this field has no more than {max} characters."),
        )),
        None => Ok(()),
    }
}

/// The address rule (`domain::asset::check_address`) as a field error.
fn check_uri(kind: Kind, uri: &str) -> Result<url::Url, Error> {
    check_address(kind, uri).map_err(|e| {
        Error::invalid(
            "uri",
            match (e, kind) {
                (AddressError::NotYouTube, _) => "A youtube_asset URI must point at a YouTube URL.",
                (_, Kind::Streaming) => {
                    "uri must be a stream URL (rtsp, rtsps, rtmp, rtmps, srt, udp, rtp or http(s))."
                }
                _ => "Invalid URL. Failed to add asset.",
            },
        )
    })
}

/// The asset's kind, from its stored mimetype.
fn kind_of(a: &Asset) -> Kind {
    Kind::of(a.mimetype.as_deref().unwrap_or(""))
}

fn not_found() -> Error {
    Error::NotFound("No Asset matches the given query.".into())
}

/// `create`'s rules for a finished row that did not come through it (a restored backup), whose
/// author cannot be asked to fix it. The content must be where `create` would have put it: a
/// local path (`/…`) names a file of ours, so `has_file` must hold; any other address follows
/// the rule of the asset's kind (`check_uri`, the API's own message). Text the database cannot
/// store (a NUL character) refuses the row too. A name is fitted to the name rule instead.
/// `Ok` lists what was changed, `Err` says why the row cannot be taken, both in words.
pub fn admit(a: &mut Asset, has_file: bool) -> Result<Vec<String>, String> {
    let texts = [
        ("uri", a.uri.as_deref()),
        ("mimetype", a.mimetype.as_deref()),
        ("md5", a.md5.as_deref()),
        ("play_days", Some(a.play_days.as_str())),
        ("play_time_from", a.play_time_from.as_deref()),
        ("play_time_to", a.play_time_to.as_deref()),
        ("metadata", Some(a.metadata.as_str())),
        ("tags", Some(a.tags.as_str())),
    ];
    if let Some((field, _)) = texts
        .iter()
        .find(|(_, t)| t.is_some_and(|t| t.contains('\0')))
    {
        return Err(format!(
            "{field} holds a NUL character, which cannot be stored."
        ));
    }
    let kind = kind_of(a);
    match a.uri.as_deref() {
        None | Some("") => return Err("It has no uri.".into()),
        Some(uri) if uri.starts_with('/') && kind != Kind::YouTube => {
            if uri.split('/').any(|part| part == "..") {
                return Err(format!("uri {} is not a plain path.", shown(uri)));
            }
            if !has_file {
                return Err(format!(
                    "uri {} names a file that is missing, empty or not a regular file.",
                    shown(uri)
                ));
            }
        }
        Some(uri) => {
            check_uri(kind, uri).map_err(|e| format!("uri {}: {e}", shown(uri)))?;
        }
    }
    let mut changed = Vec::new();
    if let Some(name) = &a.name
        && let Some(fitted) = crate::domain::asset::fit_name(name)
    {
        let mut what = Vec::new();
        if name.contains('\0') {
            what.push("NUL characters removed".to_string());
        }
        if name.chars().filter(|&c| c != '\0').count() > crate::domain::asset::NAME_MAX {
            what.push(format!(
                "shortened to {} characters",
                crate::domain::asset::NAME_MAX
            ));
        }
        changed.push(format!("name: {}.", what.join(", ")));
        a.name = Some(fitted);
    }
    Ok(changed)
}

/// At most 100 characters of `text`, for a message.
fn shown(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// One asset of the tenant.
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<Asset, Error> {
    let id = id.to_string();
    ctx.read(move |c, s| asset::get(c, s, &id))
        .await?
        .ok_or_else(not_found)
}

/// Every asset of the tenant, in insertion order.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<Asset>, Error> {
    ctx.read(asset::list).await
}

/// A filtered, ordered page of the tenant's assets, with each row's internal id (v3 listing).
#[cfg(feature = "postgres")]
pub async fn search(ctx: &Ctx<'_>, search: asset::Search) -> Result<Vec<(i64, Asset)>, Error> {
    ctx.read(move |c, s| asset::search(c, s, &search)).await
}

/// Creates an asset from what a request gave (name, uri and mimetype at least).
///
/// Where the content comes from decides the work: a finished upload or another stored file is
/// moved or copied into place before the row exists (and removed again if the row cannot be
/// written); a YouTube link or (v1.2 and later) a remote video file becomes a download job and
/// the asset stays "processing" until the file is here; any other address is checked against
/// the kind's rule and, for the Anthias versions, measured and tried.
pub async fn create(ctx: &Ctx<'_>, dialect: Dialect, changes: Changes) -> Result<Asset, Error> {
    check_lengths(&changes)?;
    let core = ctx.core;
    let asset_dir = core.config.asset_dir();
    let ext = changes.ext.clone();
    let mut a = Asset::new(&ctx.scope);
    if dialect == Dialect::V3 {
        // v3's defaults: a video plays to its end, anything else for ten seconds.
        let video = changes.mimetype.as_deref() == Some(Kind::Video.as_str());
        a.duration = Some(if video { 0 } else { 10 });
        // Appended after the tenant's other assets unless a place was asked for.
        a.play_order = i32::MAX;
    }
    let given_duration = changes.duration;
    changes.apply(&mut a, dialect)?;
    if dialect != Dialect::V3 {
        a.duration = given_duration;
    }
    if dialect.legacy_create_fields() {
        a.play_order = 0;
    } else {
        a.is_processing = false;
    }
    check(&a, dialect)?;
    let uri = a.uri.clone().unwrap_or_default();
    let kind = kind_of(&a);

    // Downloads: the row says "processing" until the local copy is in place.
    let download = if kind == Kind::YouTube {
        check_uri(kind, &uri)?;
        Some(Download {
            asset_id: a.asset_id.clone(),
            url: uri.clone(),
            ext: ".mp4".into(),
            youtube: true,
        })
    } else if dialect.downloads_remote_videos() && a.is_video() {
        remote_video_ext(&uri).map(|ext| Download {
            asset_id: a.asset_id.clone(),
            url: uri.clone(),
            ext,
            youtube: false,
        })
    } else {
        None
    };
    if let Some(d) = &download {
        a.mimetype = Some(Kind::Video.as_str().into());
        a.is_processing = true;
        a.duration = Some(0);
        a.uri = Some(format!("{asset_dir}/{}{}", a.asset_id, d.ext));
        if dialect != Dialect::V1 && dialect != Dialect::V1_1 {
            let mut meta = a.metadata_map();
            meta.insert(
                "processing_started_at".into(),
                Utc::now().to_rfc3339().into(),
            );
            meta.insert("source_url".into(), d.url.clone().into());
            a.set_metadata(meta);
        }
    }

    // Where the content is: one of our stored files, or an address.
    let local = if download.is_some() {
        None
    } else if uri.starts_with('/') {
        Some(content::resolve_local(&core.storage, &ctx.scope, &asset_dir, &uri).await?)
    } else {
        check_uri(kind, &uri)?;
        None
    };

    // Video durations (upstream: v1.2 and v2 insist on 0 and measure; v1 measures when 0).
    if a.is_video() && download.is_none() {
        let given = a.duration.unwrap_or(0);
        if dialect.video_duration_must_be_zero() && given != 0 {
            return Err(Error::Invalid {
                field: None,
                message: "Duration must be zero for video assets.".into(),
            });
        }
        if given == 0 && local.is_none() && dialect.checks_remote_content() {
            match content::probe_url_duration(&uri, core.config.allow_private_urls).await {
                Some(d) => a.duration = Some(d),
                None if dialect.video_duration_must_be_zero() => {
                    return Err(Error::Invalid {
                        field: None,
                        message: format!("Could not determine duration of video '{uri}'"),
                    });
                }
                None => {
                    return Err(Error::invalid(
                        "duration",
                        "Could not determine video duration; provide an explicit value.",
                    ));
                }
            }
        }
        if a.duration.is_none() {
            a.duration = Some(0);
        }
    }

    // Reachability, unless the client said to skip it (local files are ours; downloads check
    // for themselves).
    if local.is_none()
        && download.is_none()
        && !a.skip_asset_check
        && dialect.checks_remote_content()
    {
        let verify = ctx.settings().await?.verify_ssl && !a.skip_ssl_verify;
        match content::check_reachable(&uri, verify, core.config.allow_private_urls).await {
            content::Reach::Reachable => {
                a.is_reachable = true;
                a.last_reachability_check = Some(Utc::now().naive_utc());
            }
            content::Reach::Unreachable => {
                return Err(Error::Invalid {
                    field: None,
                    message: "Could not retrieve file. Check the asset URL.".into(),
                });
            }
            content::Reach::NotChecked => {}
        }
    }

    // Move an upload into place before the row exists; undo it if the row cannot be written.
    let mut placed: Option<String> = None;
    let mut consumed_upload: Option<String> = None;
    match local {
        Some(content::Local::Upload { upload_id }) => {
            let file_name = match &ext {
                Some(ext) if dialect != Dialect::V1 && content::valid_ext(ext) => {
                    format!("{}{}", a.asset_id, ext.to_ascii_lowercase())
                }
                _ => a.asset_id.clone(),
            };
            let key = Storage::tenant_key(&ctx.scope, &format!("assets/{file_name}"));
            let stored = uploads::assemble(&core.storage, &ctx.scope, &upload_id, &key).await?;
            a.file_key = Some(key.clone());
            a.file_size = Some(stored.size as i64);
            a.sha256 = Some(stored.sha256);
            consumed_upload = Some(upload_id.clone());
            a.uri = Some(format!("{asset_dir}/{file_name}"));
            placed = Some(key);
        }
        Some(content::Local::Stored { key, size }) => {
            let new_key = copy_file(ctx, &key, &a.asset_id).await?;
            let file_name = new_key.rsplit('/').next().unwrap_or_default();
            a.uri = Some(format!("{asset_dir}/{file_name}"));
            a.file_key = Some(new_key.clone());
            a.file_size = Some(size as i64);
            placed = Some(new_key);
        }
        None => {}
    }
    if a.is_video()
        && a.duration == Some(0)
        && let Some(key) = &a.file_key
    {
        a.duration = content::probe_stored_duration(&core.storage, key)
            .await
            .or(Some(0));
    }

    let (row, tz, audit) = (a, ctx.tz().await?, ctx.audit());
    let saved = ctx
        .write(move |c, scope| {
            let mut row = row;
            if dialect.reindexes() {
                asset::lock_order(c, scope)?;
            }
            if dialect.unique_names() {
                let name = asset::unique_name(c, scope, row.name.as_deref().unwrap_or(""))?;
                row.name = Some(name);
            }
            if row.play_order == i32::MAX {
                row.play_order = asset::next_position(c, scope)?;
            }
            asset::insert(c, scope, &row)?;
            if let Some(d) = &download {
                jobs::enqueue(c, scope, jobs::download::KIND, d)?;
            }
            jobs::enqueue_processing(c, scope, &row)?;
            // Whether a screen can show the page is learnt later; the request does not wait.
            jobs::page_check::enqueue(c, scope, &row)?;
            if dialect.reindexes() {
                asset::reindex_active(c, scope, &row, Utc::now(), tz)?;
            }
            audit.record(
                c,
                scope,
                "asset.created",
                Some(("asset", &row.asset_id)),
                json!({ "name": row.name }),
            )?;
            asset::get(c, scope, &row.asset_id)?.ok_or_else(not_found)
        })
        .await;
    let saved = match saved {
        Ok(row) => row,
        Err(e) => {
            if let Some(key) = placed {
                let _ = core.storage.operator().delete(&key).await;
            }
            return Err(e);
        }
    };
    if let Some(upload_id) = &consumed_upload
        && let Err(e) = uploads::discard(&core.storage, &ctx.scope, upload_id).await
    {
        // The asset is made; leftover chunks are collected by the garbage collector.
        tracing::warn!(%upload_id, error = %e, "could not remove an upload's chunks");
    }
    core.jobs.wake();
    ctx.publish_assets_changed(Some(&saved.asset_id));
    Ok(saved)
}

/// Changes an asset. Read, change and write happen in one transaction with the row locked: a
/// job finishing meanwhile (a download filling in the file) is not undone by an edit made from
/// an older copy of the row.
pub async fn update(
    ctx: &Ctx<'_>,
    dialect: Dialect,
    id: &str,
    changes: Changes,
) -> Result<Asset, Error> {
    check_lengths(&changes)?;
    // A YouTube link becomes a video by a download that only `create` queues; as a change it
    // would leave a row no screen can play (and no answer may show).
    if changes.mimetype.as_deref().map(Kind::of) == Some(Kind::YouTube) {
        return Err(Error::invalid(
            "mimetype",
            "A YouTube link is downloaded when an asset is made; create a new asset with it.",
        ));
    }
    let (id, tz, audit) = (id.to_string(), ctx.tz().await?, ctx.audit());
    let saved = ctx
        .write(move |c, scope| {
            if dialect.reindexes() {
                asset::lock_order(c, scope)?;
            }
            let mut a = asset::get_locked(c, scope, &id)?.ok_or_else(not_found)?;
            let (before_uri, before_mimetype) = (a.uri.clone(), a.mimetype.clone());
            let fields = changes.given();
            let address_changed = changes.uri.is_some() || changes.mimetype.is_some();
            changes.apply(&mut a, dialect)?;
            check(&a, dialect)?;
            if address_changed && a.file_key.is_none() {
                check_uri(kind_of(&a), a.uri.as_deref().unwrap_or(""))?;
            }
            let recheck = a.uri != before_uri || a.mimetype != before_mimetype;
            if recheck {
                // The verdict was about the old address; the new one is checked below.
                a.page_status = None;
                a.page_reason = None;
                a.page_checked_at = None;
            }
            asset::update(c, scope, &a)?;
            if recheck {
                jobs::page_check::enqueue(c, scope, &a)?;
            }
            if dialect.reindexes() {
                asset::reindex_active(c, scope, &a, Utc::now(), tz)?;
            }
            audit.record(
                c,
                scope,
                "asset.updated",
                Some(("asset", &a.asset_id)),
                json!({ "fields": fields }),
            )?;
            asset::get(c, scope, &a.asset_id)?.ok_or_else(not_found)
        })
        .await?;
    ctx.core.jobs.wake();
    ctx.command_screens("reload");
    ctx.publish_assets_changed(Some(&saved.asset_id));
    Ok(saved)
}

/// Deletes an asset: the row (with its share links), then its files. A file that cannot be
/// removed now is left to the garbage collector, which finds files no row points at.
/// Deletes an asset (and takes it out of every playlist); the asset and the playlists (id,
/// name) it was in.
pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(Asset, Vec<(String, String)>), Error> {
    let (id, audit) = (id.to_string(), ctx.audit());
    let (gone, playlists) = ctx
        .write(move |c, scope| {
            let a = asset::get_locked(c, scope, &id)?.ok_or_else(not_found)?;
            asset::delete(c, scope, &id)?;
            let playlists =
                crate::db::models::program::remove_asset(c, scope, &id, Utc::now().naive_utc())?;
            audit.record(
                c,
                scope,
                "asset.deleted",
                Some(("asset", &id)),
                json!({ "name": a.name, "removed_from_playlists": playlists.len() }),
            )?;
            Ok((a, playlists))
        })
        .await?;
    for key in [&gone.file_key, &gone.thumbnail_key].into_iter().flatten() {
        if let Err(e) = ctx.core.storage.operator().delete(key).await {
            tracing::warn!(%key, error = %e, "could not delete an asset's file; the collector will");
        }
    }
    ctx.command_screens("reload");
    ctx.publish_assets_changed(Some(&gone.asset_id));
    Ok((gone, playlists))
}

/// Sets `play_order = i` for the i-th listed id; unknown ids are ignored and unlisted assets
/// keep theirs (Anthias `assets/order`).
pub async fn reorder(ctx: &Ctx<'_>, ids: Vec<String>) -> Result<(), Error> {
    let audit = ctx.audit();
    ctx.write(move |c, scope| {
        asset::set_play_orders(c, scope, &ids)?;
        audit.record(c, scope, "asset.reordered", None, json!({ "ids": ids }))
    })
    .await?;
    ctx.publish_assets_changed(None);
    Ok(())
}

/// A copy named "<name> (Copy)" (the name shortened to fit), with its own copy of the file (so deleting either leaves the
/// other whole), within the storage quota.
pub async fn duplicate(ctx: &Ctx<'_>, id: &str) -> Result<Asset, Error> {
    let core = ctx.core;
    let id = id.to_string();
    let rules = crate::services::limits::Rules::of(core);
    let r = rules.clone();
    let original = ctx
        .read(move |c, s| {
            let a = asset::get(c, s, &id)?.ok_or_else(not_found)?;
            let size = a.file_size.unwrap_or(0).max(0) as u64;
            quota::ensure_room(c, s, &r, size)?;
            Ok(a)
        })
        .await?;
    let size = original.file_size.unwrap_or(0).max(0) as u64;
    let mut copy = original.clone();
    copy.asset_id = asset::new_asset_id();
    copy.name = Some(suffixed_name(
        original.name.as_deref().unwrap_or_default(),
        " (Copy)",
    ));
    copy.created_at = Utc::now().naive_utc();
    copy.updated_at = copy.created_at;
    copy.thumbnail_key = None;
    // A duplicate is the user's own new asset, not the copy `signate migrate` made: a later
    // migration must not take it for its copy and make it equal to the source again.
    let mut metadata = copy.metadata_map();
    if metadata
        .remove(crate::domain::migration::ORIGIN_KEY)
        .is_some()
    {
        copy.set_metadata(metadata);
    }
    let mut placed = None;
    if let Some(key) = &original.file_key {
        let new_key = copy_file(ctx, key, &copy.asset_id).await?;
        if let Some(uri) = &copy.uri {
            copy.uri = Some(uri.replace(&original.asset_id, &copy.asset_id));
        }
        copy.file_key = Some(new_key.clone());
        placed = Some(new_key);
    }
    let (row, audit, from) = (copy, ctx.audit(), original.asset_id.clone());
    let saved = ctx
        .write(move |c, s| {
            // Checked again inside the write: two copies at once must not both pass.
            quota::ensure_room(c, s, &rules, size)?;
            asset::insert(c, s, &row)?;
            jobs::enqueue_processing(c, s, &row)?;
            audit.record(
                c,
                s,
                "asset.duplicated",
                Some(("asset", &row.asset_id)),
                json!({ "from": from }),
            )?;
            asset::get(c, s, &row.asset_id)?.ok_or_else(not_found)
        })
        .await;
    let saved = match saved {
        Ok(a) => a,
        Err(e) => {
            if let Some(key) = placed {
                let _ = core.storage.operator().delete(&key).await;
            }
            return Err(e);
        }
    };
    core.jobs.wake();
    ctx.publish_assets_changed(Some(&saved.asset_id));
    Ok(saved)
}

/// The device setting `default_assets`: upstream adds its three stock web pages when it is
/// switched on, and removes every `default_*` asset when it is switched off.
pub async fn set_default_assets(ctx: &Ctx<'_>, on: bool, duration: i64) -> Result<(), Error> {
    ctx.write(move |c, scope| {
        if on {
            for a in default_assets(scope, duration) {
                asset::insert(c, scope, &a)?;
            }
        } else {
            for a in asset::list(c, scope)? {
                if a.asset_id.starts_with("default_") {
                    asset::delete(c, scope, &a.asset_id)?;
                }
            }
        }
        Ok(())
    })
    .await?;
    ctx.publish_assets_changed(None);
    Ok(())
}

/// Anthias's stock `default_assets.yml`: shown for six years from now, enabled.
fn default_assets(scope: &crate::tenancy::TenantScope, duration: i64) -> Vec<Asset> {
    let now = Utc::now().naive_utc();
    let end = now.with_year(now.year() + 6).unwrap_or(now);
    [
        ("Screenly Weather Widget", "https://weather.srly.io"),
        ("Screenly Clock Widget", "https://clock.srly.io"),
        ("Hacker News", "https://news.ycombinator.com"),
    ]
    .into_iter()
    .map(|(name, uri)| {
        let mut a = Asset::new(scope);
        a.asset_id = format!("default_{}", asset::new_asset_id());
        a.name = Some(name.into());
        a.uri = Some(uri.into());
        a.mimetype = Some(Kind::Webpage.as_str().into());
        a.start_date = Some(now);
        a.end_date = Some(end);
        a.duration = Some(duration);
        a.is_enabled = true;
        a
    })
    .collect()
}

/// Copies a stored file to `assets/<asset_id><ext>` of the tenant; returns the new key.
async fn copy_file(ctx: &Ctx<'_>, key: &str, asset_id: &str) -> Result<String, Error> {
    let ext = key
        .rsplit('/')
        .next()
        .and_then(|f| f.rfind('.').map(|i| f[i..].to_string()))
        .unwrap_or_default();
    let new_key = Storage::tenant_key(&ctx.scope, &format!("assets/{asset_id}{ext}"));
    let op = ctx.core.storage.operator();
    // A copy on the local disk must fit next to the disk's reserve.
    ctx.core
        .storage
        .room()
        .check(op.stat(key).await?.content_length())?;
    op.copy(key, &new_key).await?;
    Ok(new_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_keep_anthias_rules() {
        use Dialect::*;
        assert!(!V1.unique_names());
        assert!(V1_1.unique_names() && V1_2.unique_names() && V2.unique_names());
        assert!(!V1.reindexes() && !V1_1.reindexes() && V2.reindexes());
        assert!(V1_2.video_duration_must_be_zero() && !V3.video_duration_must_be_zero());
        assert!(V3.downloads_remote_videos() && !V1_1.downloads_remote_videos());
    }

    #[test]
    fn a_stored_file_keeps_its_address_and_kind() {
        let scope = crate::tenancy::TenantScope::new("t");
        let mut a = Asset::new(&scope);
        a.file_key = Some("t/assets/x.png".into());
        a.uri = Some("/data/x.png".into());
        a.mimetype = Some("image".into());
        let moved = Changes {
            uri: Some("https://elsewhere.example/".into()),
            ..Changes::default()
        };
        assert_eq!(
            moved
                .apply(&mut a.clone(), Dialect::V3)
                .unwrap_err()
                .field(),
            Some("uri")
        );
        let retyped = Changes {
            mimetype: Some("webpage".into()),
            ..Changes::default()
        };
        assert_eq!(
            retyped.apply(&mut a, Dialect::V3).unwrap_err().field(),
            Some("mimetype")
        );
    }

    #[test]
    fn metadata_keeps_the_jobs_error() {
        let scope = crate::tenancy::TenantScope::new("t");
        let mut a = Asset::new(&scope);
        a.metadata = r#"{"error_message":"bad file","x":1}"#.into();
        let mut m = Map::new();
        m.insert("y".into(), 2.into());
        Changes {
            metadata: Some(m),
            ..Changes::default()
        }
        .apply(&mut a, Dialect::V3)
        .unwrap();
        assert_eq!(
            a.metadata_map(),
            json!({"y": 2, "error_message": "bad file"})
                .as_object()
                .unwrap()
                .clone()
        );
    }
}
