//! `signate migrate`: moves a Signate device's (or any Anthias's) content into a cloud tenant
//! through the public APIs only — v2 of the source, v3 (and the resumable `file_asset`) of
//! the target — so it works against servers of any version that speak them.
//!
//! A run is **idempotent** (each copy records its source asset id in its metadata, and a
//! later run finds it there), **resumable** (files pass through a work directory; a partial
//! download continues with `Range`, a partial upload with the chunks not yet acknowledged)
//! and **verified** (every copied file is read back from the target and its SHA-256 compared,
//! every other field compared one by one). The rules live in [`crate::domain::migration`];
//! this module is the HTTP client around them. It is a client of the servers, so it imports
//! nothing of the server's own layers.

mod files;
mod http;
mod progress;

use std::collections::HashMap;
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::migration::{
    self, Kind, SourceAsset, create_body, differences, human_bytes, origin_of, repair_body,
};
use progress::Progress;

/// What the command was asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub from: String,
    pub from_user: Option<String>,
    pub from_password: Option<String>,
    pub to: String,
    pub api_key: String,
    pub dry_run: bool,
    pub screen_code: Option<String>,
    /// Plain lines instead of bars (also when stderr is not a terminal).
    pub plain: bool,
    /// Where partial downloads and upload acknowledgements are kept between runs.
    pub work_dir: Option<PathBuf>,
    /// Bytes per upload request.
    pub chunk_size: u64,
    /// What the copies record as their source, and what names the work directory, when not
    /// `from` (an imported archive is read from a scratch server on a port of the moment).
    pub source_label: Option<String>,
}

impl Options {
    fn source_label(&self) -> String {
        self.source_label
            .clone()
            .unwrap_or_else(|| migration::source_name(&self.from))
    }
}

/// The message of an error answer of a Signate or Anthias server, in any of their shapes.
pub fn error_message(json: &Value) -> String {
    http::message(json)
}

/// A run that could not start or had to stop: one line, for a person.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Source(String),
    #[error("{0}")]
    Target(String),
    #[error("{0}")]
    Io(String),
}

/// What happened to one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Would be copied (a dry run).
    Planned,
    Copied,
    /// Copied by an earlier run and still equal to its source.
    AlreadyThere,
    /// Copied by an earlier run; fields that had changed since were made equal again.
    Updated,
    Skipped,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The source asset id (or `settings`, `screen`).
    pub source_id: String,
    pub name: String,
    pub outcome: Outcome,
    pub target_id: Option<String>,
    /// Bytes of the stored file, for files.
    pub bytes: Option<u64>,
    pub sha256: Option<String>,
    /// Why it was skipped or failed, or what was updated.
    pub detail: Option<String>,
}

/// The final report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub source: String,
    pub target: String,
    pub dry_run: bool,
    pub assets: Vec<Entry>,
    pub settings: Option<Entry>,
    pub screen: Option<Entry>,
    /// The source's play order applied to the copies.
    pub order: Option<Entry>,
    /// Bytes of files this run sent (a dry run: would send, where the source says sizes).
    pub bytes_sent: u64,
    /// Files whose size the source does not tell before fetching them (Anthias), in a dry run.
    pub sizes_unknown: usize,
    pub counts: HashMap<&'static str, usize>,
    /// Everything is on the target and verified (a dry run: nothing stands in the way).
    pub complete: bool,
}

impl Report {
    fn new(o: &Options, source: &str, target: &str) -> Report {
        Report {
            source: source.into(),
            target: target.into(),
            dry_run: o.dry_run,
            assets: vec![],
            settings: None,
            screen: None,
            order: None,
            bytes_sent: 0,
            sizes_unknown: 0,
            counts: HashMap::new(),
            complete: false,
        }
    }

    fn finish(&mut self) {
        let all = self
            .assets
            .iter()
            .chain(self.order.iter())
            .chain(self.settings.iter())
            .chain(self.screen.iter());
        let mut counts = HashMap::new();
        let mut complete = true;
        for e in all {
            let key = match e.outcome {
                Outcome::Planned => "planned",
                Outcome::Copied => "copied",
                Outcome::AlreadyThere => "already_there",
                Outcome::Updated => "updated",
                Outcome::Skipped => "skipped",
                Outcome::Failed => "failed",
            };
            *counts.entry(key).or_insert(0) += 1;
            complete &= !matches!(e.outcome, Outcome::Skipped | Outcome::Failed);
        }
        self.counts = counts;
        self.complete = complete;
    }

    /// The report for a person.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "Plan" } else { "Moved" };
        out.push_str(&format!("{verb}: {} → {}\n", self.source, self.target));
        for e in self
            .assets
            .iter()
            .chain(&self.order)
            .chain(&self.settings)
            .chain(&self.screen)
        {
            let what = match e.outcome {
                Outcome::Planned => "would copy",
                Outcome::Copied => "copied",
                Outcome::AlreadyThere => "already there",
                Outcome::Updated => "updated",
                Outcome::Skipped => "SKIPPED",
                Outcome::Failed => "FAILED",
            };
            let size = e
                .bytes
                .map(|b| format!(" ({})", human_bytes(b)))
                .unwrap_or_default();
            let detail = e
                .detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {what:<13} {}{size}{}\n",
                migration::printable(&e.name),
                migration::printable(&detail)
            ));
        }
        let count = |k: &str| self.counts.get(k).copied().unwrap_or(0);
        if self.dry_run {
            let unknown = if self.sizes_unknown > 0 {
                format!(
                    " (and {} file(s) whose size the source tells only when fetched)",
                    self.sizes_unknown
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{} to copy, {} already there; {} to send{unknown}. Nothing was changed.\n",
                count("planned"),
                count("already_there") + count("updated"),
                human_bytes(self.bytes_sent)
            ));
        } else {
            out.push_str(&format!(
                "{} copied, {} already there, {} updated, {} skipped, {} failed; {} sent.\n",
                count("copied"),
                count("already_there"),
                count("updated"),
                count("skipped"),
                count("failed"),
                human_bytes(self.bytes_sent)
            ));
            out.push_str(if self.complete {
                "Everything is there and verified.\n"
            } else {
                "Not everything is there: fix what is named above and run the same command again; it continues where it stopped.\n"
            });
        }
        out
    }
}

/// Runs a move (or its plan) and answers the report; `Err` only when it cannot start or the
/// target as a whole refuses (credentials, permissions, quota).
pub async fn run(o: &Options) -> Result<Report, MigrateError> {
    let (from, in_url) = http::base(&o.from, "--from")?;
    let (user, password) = match (&o.from_user, in_url) {
        (Some(u), _) => (Some(u.clone()), o.from_password.clone()),
        (None, Some((u, p))) => (Some(u), Some(p)),
        (None, None) => (None, None),
    };
    let mut source = http::Source {
        http: http::client(false)?,
        base: from,
        user,
        password,
        v2: true,
    };
    let target = http::Target {
        http: http::client(true)?,
        base: http::base(&o.to, "--to")?.0,
        api_key: o.api_key.trim().to_string(),
    };
    let mut progress = Progress::new(o.plain);
    let mut report = Report::new(o, &source.base, &target.base);

    // Both ends first, so a wrong key or address fails before anything moves.
    let assets_json = source.assets().await?;
    let mut sources: Vec<SourceAsset> = serde_json::from_value(assets_json).map_err(|e| {
        MigrateError::Source(format!(
            "{}/api/v2/assets is not a list of assets ({e}); is this a Signate device or an Anthias?",
            source.base
        ))
    })?;
    sources.sort_by_key(|a| a.play_order);
    let me = target_me(&target).await?;
    let may = |p: &str| me.iter().any(|m| m == p);
    if !may("assets.create") {
        return Err(MigrateError::Target(format!(
            "the API key may not create assets on {} (its role lacks assets.create); use a key with the content_manager or tenant_admin role",
            target.base
        )));
    }
    // Copies are this source's: two Pis set up from one backup share asset ids. Where several
    // assets claim the same origin (metadata copied by hand), the oldest is the copy.
    let label = o.source_label();
    let mut existing = target_assets(&target).await?;
    existing.sort_by(|a, b| a["created_at"].as_str().cmp(&b["created_at"].as_str()));
    let mut copies: HashMap<String, Value> = HashMap::new();
    for a in existing {
        if let Some((from, id)) = origin_of(&a)
            && from == label
            && !copies.contains_key(id)
        {
            copies.insert(id.to_string(), a);
        }
    }
    let work = work_dir(o, &o.source_label(), &target.base)?;

    // The plan: what each source asset needs.
    let mut to_copy = Vec::new();
    for src in &sources {
        let entry = |outcome, detail: Option<String>| Entry {
            source_id: src.asset_id.clone(),
            name: src.label(),
            outcome,
            target_id: None,
            bytes: None,
            sha256: None,
            detail,
        };
        match src.kind() {
            Err(why) => report.assets.push(entry(
                Outcome::Skipped,
                Some(format!("not copied: {}", why.0)),
            )),
            Ok(kind) => match copies.get(&src.asset_id) {
                Some(copy) => {
                    let mut e = entry(Outcome::AlreadyThere, None);
                    e.target_id = copy["id"].as_str().map(str::to_string);
                    report.assets.push(e);
                }
                None => {
                    to_copy.push((report.assets.len(), kind));
                    report.assets.push(entry(Outcome::Planned, None));
                }
            },
        }
    }

    if o.dry_run {
        for (i, kind) in &to_copy {
            if *kind == Kind::StoredFile {
                let src = find(&sources, &report.assets[*i].source_id);
                match files::source_size(&source, src).await {
                    Some(n) => {
                        report.assets[*i].bytes = Some(n);
                        report.bytes_sent += n;
                    }
                    None => report.sizes_unknown += 1,
                }
            }
        }
        for i in 0..report.assets.len() {
            if report.assets[i].outcome == Outcome::AlreadyThere {
                let src = find(&sources, &report.assets[i].source_id);
                let copy = &copies[&src.asset_id];
                let diff = differences(src, copy);
                if !diff.is_empty() {
                    report.assets[i].outcome = Outcome::Updated;
                    report.assets[i].detail = Some(format!("would update {}", diff.join(", ")));
                }
            }
        }
        let headroom = free_storage(&target).await?;
        if let Some(free) = headroom
            && report.bytes_sent > free
        {
            return Err(quota_error(report.bytes_sent, free));
        }
        report.finish();
        return Ok(report);
    }

    // Files are fetched first: their sizes decide whether the tenant has room, and nothing is
    // uploaded to a tenant that cannot hold it all.
    let mut fetched = HashMap::new();
    for (i, kind) in &to_copy {
        if *kind != Kind::StoredFile {
            continue;
        }
        let src = find(&sources, &report.assets[*i].source_id);
        match files::fetch(&source, src, &work, &mut progress).await {
            Ok(f) => {
                fetched.insert(src.asset_id.clone(), f);
            }
            Err(e @ MigrateError::Io(_)) => return Err(e),
            Err(e) => fail(&mut report.assets[*i], e.to_string()),
        }
    }
    let needed: u64 = fetched.values().map(|f| f.size).sum();
    if let Some(free) = free_storage(&target).await?
        && needed > free
    {
        return Err(quota_error(needed, free));
    }
    progress.total(needed);

    for (i, kind) in &to_copy {
        if report.assets[*i].outcome == Outcome::Failed {
            continue;
        }
        let src = find(&sources, &report.assets[*i].source_id).clone();
        let result = copy_one(
            &target,
            &src,
            *kind,
            fetched.get(&src.asset_id),
            &work,
            o,
            &mut progress,
            &mut report.bytes_sent,
        )
        .await;
        let e = &mut report.assets[*i];
        match result {
            Ok((id, f)) => {
                e.outcome = Outcome::Copied;
                e.target_id = Some(id);
                e.bytes = f.as_ref().map(|f| f.size);
                e.sha256 = f.map(|f| f.sha256);
                progress.say(&format!("copied {}", migration::printable(&e.name)));
            }
            Err(err @ MigrateError::Io(_)) => return Err(err),
            Err(err) => fail(e, err.to_string()),
        }
    }

    // Everything an earlier run copied is checked as well: bytes and fields.
    for e in report.assets.iter_mut() {
        if e.outcome != Outcome::AlreadyThere {
            continue;
        }
        let src = find(&sources, &e.source_id);
        let copy = &copies[&src.asset_id];
        if let Err(err) = recheck(&target, src, copy, e, &work).await {
            fail(e, err.to_string());
        }
    }

    // The order of the source, among the copies.
    let ordered: Vec<&str> = report
        .assets
        .iter()
        .filter_map(|e| e.target_id.as_deref())
        .collect();
    if !ordered.is_empty() {
        if may("assets.edit") {
            target
                .ok(
                    Method::POST,
                    "/api/v3/assets/order",
                    Some(&json!({ "ids": ordered })),
                )
                .await?;
        } else {
            progress.say(
                "the API key may not edit assets (assets.edit): the source's order was not applied",
            );
        }
    }

    report.settings = if source.v2 {
        Some(copy_settings(&source, &target, may("devices.manage")).await)
    } else {
        progress.say("the source speaks only API v1.x, which has no settings to read");
        None
    };
    if let Some(code) = &o.screen_code {
        report.screen =
            Some(claim_screen(&target, &source, code, &work, may("devices.manage")).await);
    }
    progress.finish();
    report.finish();
    Ok(report)
}

fn find<'a>(sources: &'a [SourceAsset], id: &str) -> &'a SourceAsset {
    sources
        .iter()
        .find(|s| s.asset_id == id)
        .expect("every entry comes from a source asset")
}

fn fail(e: &mut Entry, detail: String) {
    e.outcome = Outcome::Failed;
    e.detail = Some(detail);
}

fn quota_error(needed: u64, free: u64) -> MigrateError {
    MigrateError::Target(format!(
        "the tenant's storage quota has {} free and this move needs {} ({} more): raise the plan's storage_quota_bytes or remove files, then run again",
        human_bytes(free),
        human_bytes(needed),
        human_bytes(needed - free)
    ))
}

/// Creates the copy of one source asset, and verifies it.
#[allow(clippy::too_many_arguments)]
async fn copy_one(
    target: &http::Target,
    src: &SourceAsset,
    kind: Kind,
    fetched: Option<&files::Fetched>,
    work: &std::path::Path,
    o: &Options,
    progress: &mut Progress,
    sent: &mut u64,
) -> Result<(String, Option<files::Fetched>), MigrateError> {
    let source_label = o.source_label();
    let source_label = source_label.as_str();
    let created = match (kind, fetched) {
        (Kind::Address, _) => {
            let body = create_body(src, None, source_label, None);
            target
                .ok(Method::POST, "/api/v3/assets", Some(&body))
                .await?
        }
        (Kind::StoredFile, None) => {
            return Err(MigrateError::Source("the file was not fetched".into()));
        }
        (Kind::StoredFile, Some(f)) => {
            let mut attempt = 0;
            loop {
                let (uri, ext) =
                    files::upload(target, src, f, work, o.chunk_size, progress, sent).await?;
                let body = create_body(src, Some((&uri, &ext)), source_label, Some(&f.sha256));
                let (status, json) = target
                    .call(Method::POST, "/api/v3/assets", Some(&body))
                    .await?;
                if status == StatusCode::CREATED {
                    break json;
                }
                // The target dropped a half-finished upload an earlier run left (its clean-up
                // removes old parts): send the file again, once.
                let incomplete = http::message(&json).contains("not complete");
                if incomplete && attempt == 0 {
                    attempt += 1;
                    files::forget_upload(work, src, f).await;
                    continue;
                }
                return Err(MigrateError::Target(format!(
                    "the target refused {} ({status}): {}",
                    migration::printable(&src.label()),
                    http::message(&json)
                )));
            }
        }
    };
    let id = created["id"]
        .as_str()
        .ok_or_else(|| MigrateError::Target("the target answered an asset without an id".into()))?
        .to_string();
    // What the create pipeline decided differently (a default it filled in) is set again.
    make_equal(target, src, &id, &created).await?;
    if let Some(f) = fetched {
        let theirs = files::target_sha256(target, &id).await?;
        if theirs != f.sha256 {
            return Err(MigrateError::Target(format!(
                "the target's file has SHA-256 {theirs}, the source's {}",
                f.sha256
            )));
        }
        files::clean(work, src, f).await;
    }
    Ok((id, fetched.cloned()))
}

/// Checks a copy an earlier run made: its fields (made equal again where the source changed
/// since) and, for a file, its bytes against the hash recorded when it was copied.
async fn recheck(
    target: &http::Target,
    src: &SourceAsset,
    copy: &Value,
    e: &mut Entry,
    work: &std::path::Path,
) -> Result<(), MigrateError> {
    let id = copy["id"].as_str().unwrap_or_default().to_string();
    let recorded = copy
        .pointer(&format!("/metadata/{}/sha256", migration::ORIGIN_KEY))
        .and_then(Value::as_str);
    match (src.kind(), recorded) {
        (Ok(Kind::StoredFile), None) => {
            return Err(MigrateError::Target(
                "the copy carries no SHA-256 of its source file (metadata.migrated_from.sha256), so its bytes cannot be verified".into(),
            ));
        }
        (_, Some(recorded)) => {
            let theirs = files::target_sha256(target, &id).await?;
            if theirs != recorded {
                return Err(MigrateError::Target(format!(
                    "the target's file has SHA-256 {theirs}, not the {recorded} it was copied with"
                )));
            }
            e.sha256 = Some(theirs);
        }
        _ => {}
    }
    // A run stopped between creating a copy and cleaning up left its file here.
    files::clean_id(work, &src.asset_id).await;
    let diff = make_equal(target, src, &id, copy).await?;
    if !diff.is_empty() {
        e.outcome = Outcome::Updated;
        e.detail = Some(format!("made equal again: {}", diff.join(", ")));
    }
    Ok(())
}

/// Sets again the fields in which the target asset `id` (answered as `current`) differs from
/// its source, and checks the answer; answers what differed.
async fn make_equal(
    target: &http::Target,
    src: &SourceAsset,
    id: &str,
    current: &Value,
) -> Result<Vec<String>, MigrateError> {
    let diff = differences(src, current);
    if diff.is_empty() {
        return Ok(diff);
    }
    let fixed = target
        .ok(
            Method::PATCH,
            &format!("/api/v3/assets/{id}"),
            Some(&repair_body(src)),
        )
        .await?;
    let left = differences(src, &fixed);
    if !left.is_empty() {
        return Err(MigrateError::Target(format!(
            "the copy differs from its source: {}",
            left.join(", ")
        )));
    }
    Ok(diff)
}

/// The permissions the API key holds.
async fn target_me(target: &http::Target) -> Result<Vec<String>, MigrateError> {
    let (status, me) = target.call(Method::GET, "/api/v3/auth/me", None).await?;
    if status == StatusCode::NOT_FOUND || !status.is_success() && me.get("error").is_none() {
        return Err(MigrateError::Target(format!(
            "{} does not serve API v3 ({status}); --to must be a Signate cloud server",
            target.base
        )));
    }
    if !status.is_success() {
        return Err(MigrateError::Target(format!(
            "{} refused the API key: {}",
            target.base,
            http::message(&me)
        )));
    }
    Ok(me["permissions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// Every asset of the tenant, page by page.
async fn target_assets(target: &http::Target) -> Result<Vec<Value>, MigrateError> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v3/assets?limit=200&cursor={c}"),
            None => "/api/v3/assets?limit=200".to_string(),
        };
        let page = target.ok(Method::GET, &path, None).await?;
        if let Some(items) = page["items"].as_array() {
            all.extend(items.iter().cloned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return Ok(all),
        }
    }
}

/// Bytes the tenant may still store, when it has a quota.
async fn free_storage(target: &http::Target) -> Result<Option<u64>, MigrateError> {
    let (status, t) = target
        .call(Method::GET, "/api/v3/tenants/current", None)
        .await?;
    if !status.is_success() {
        return Ok(None);
    }
    let quota = t["storage_quota_bytes"].as_i64().unwrap_or(0);
    let used = t["storage_used_bytes"].as_u64().unwrap_or(0);
    Ok((quota > 0).then(|| (quota as u64).saturating_sub(used)))
}

fn settings_entry(outcome: Outcome, detail: Option<String>) -> Entry {
    Entry {
        source_id: "settings".into(),
        name: "device settings (time zone, durations, shuffle, clock)".into(),
        outcome,
        target_id: None,
        bytes: None,
        sha256: None,
        detail,
    }
}

/// The device settings with a tenant meaning, where they differ.
async fn copy_settings(source: &http::Source, target: &http::Target, may: bool) -> Entry {
    let theirs = match source.json("/api/v2/device_settings").await {
        Ok(s) => s,
        Err(e) => return settings_entry(Outcome::Skipped, Some(format!("not read: {e}"))),
    };
    let wanted = migration::tenant_settings(&theirs);
    let current = match target
        .ok(Method::GET, "/api/v2/device_settings", None)
        .await
    {
        Ok(c) => c,
        Err(e) => return settings_entry(Outcome::Failed, Some(e.to_string())),
    };
    let changes: serde_json::Map<String, Value> = wanted
        .into_iter()
        .filter(|(k, v)| current.get(k) != Some(v))
        .collect();
    if changes.is_empty() {
        return settings_entry(Outcome::AlreadyThere, None);
    }
    let names = changes.keys().cloned().collect::<Vec<_>>().join(", ");
    if !may {
        return settings_entry(
            Outcome::Skipped,
            Some(format!(
                "the API key may not change settings (devices.manage); not copied: {names}"
            )),
        );
    }
    match target
        .ok(
            Method::PATCH,
            "/api/v2/device_settings",
            Some(&Value::Object(changes)),
        )
        .await
    {
        Ok(_) => settings_entry(Outcome::Copied, Some(names)),
        Err(e) => settings_entry(Outcome::Failed, Some(e.to_string())),
    }
}

/// Claims the screen showing `code` for the tenant (once: a later run remembers it did).
async fn claim_screen(
    target: &http::Target,
    source: &http::Source,
    code: &str,
    work: &std::path::Path,
    may: bool,
) -> Entry {
    let mut entry = Entry {
        source_id: "screen".into(),
        name: format!("screen showing code {code}"),
        outcome: Outcome::Failed,
        target_id: None,
        bytes: None,
        sha256: None,
        detail: None,
    };
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 16 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        entry.detail = Some("a pairing code is the 6 letters and digits a screen shows".into());
        return entry;
    }
    let remembered = work.join(format!("screen-{code}.json"));
    if let Ok(text) = tokio::fs::read(&remembered).await {
        let id = serde_json::from_slice::<Value>(&text)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_string))
            .unwrap_or_default();
        // Remembered here, and still in the tenant?
        match target
            .call(Method::GET, &format!("/api/v3/screens/{id}"), None)
            .await
        {
            Ok((status, _)) if status.is_success() => {
                entry.outcome = Outcome::AlreadyThere;
                entry.target_id = Some(id);
            }
            Ok(_) => {
                entry.detail = Some(
                    "the screen claimed by an earlier run is no longer in the tenant; open /player/ on it and run again with its new code".into(),
                )
            }
            Err(e) => entry.detail = Some(e.to_string()),
        }
        return entry;
    }
    if !may {
        entry.outcome = Outcome::Skipped;
        entry.detail = Some("the API key may not add screens (devices.manage)".into());
        return entry;
    }
    let name = source
        .json("/api/v2/device_settings")
        .await
        .ok()
        .and_then(|s| s["player_name"].as_str().map(str::to_string))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Moved screen".into());
    // Written before the claim: a run stopped right after it (the code spent, nothing noted)
    // looks for the screen by name next time instead of failing on the spent code.
    let attempt = work.join(format!("screen-{code}.attempt"));
    let attempted_before = attempt.exists();
    if let Err(e) = tokio::fs::write(&attempt, &name).await {
        entry.detail = Some(format!("cannot write {}: {e}", attempt.display()));
        return entry;
    }
    let (status, answer) = match target
        .call(
            Method::POST,
            "/api/v3/screens",
            Some(&json!({ "code": code, "name": name })),
        )
        .await
    {
        Ok(r) => r,
        Err(e) => {
            entry.detail = Some(e.to_string());
            return entry;
        }
    };
    let claimed = if status == StatusCode::CREATED {
        Some(answer.clone())
    } else if status == StatusCode::NOT_FOUND {
        // Spent by an earlier run that stopped before noting it?
        match target.ok(Method::GET, "/api/v3/screens", None).await {
            Ok(Value::Array(screens)) => screens.into_iter().find(|s| s["name"] == name.as_str()),
            _ => None,
        }
        .filter(|_| attempted_before)
    } else {
        None
    };
    match claimed {
        Some(screen) => {
            entry.outcome = if status == StatusCode::CREATED {
                Outcome::Copied
            } else {
                Outcome::AlreadyThere
            };
            entry.target_id = screen["id"].as_str().map(str::to_string);
            entry.detail = Some(format!("paired as {:?}", migration::printable(&name)));
            if let Err(e) = tokio::fs::write(&remembered, screen.to_string()).await {
                entry.detail = Some(format!(
                    "paired, but cannot note it in {}: {e}",
                    remembered.display()
                ));
            }
        }
        None => {
            entry.detail = Some(format!(
                "POST /api/v3/screens answered {status}: {}",
                http::message(&answer)
            ))
        }
    }
    entry
}

/// Where a move from `source` to `target` keeps its work by default: under the user's cache
/// directory, named by both ends, so a later run of the same move finds it.
pub fn default_work_dir(source: &str, target: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let target = target.trim_end_matches('/');
    let key = files::hex(&Sha256::digest(format!("{source}\n{target}").as_bytes()));
    cache.join("signate").join("migrate").join(&key[..16])
}

/// The work directory of this source and target (created): `--work-dir`, else under the
/// user's cache directory, so a later run of the same move finds it.
fn work_dir(o: &Options, source: &str, target: &str) -> Result<PathBuf, MigrateError> {
    let dir = o
        .work_dir
        .clone()
        .unwrap_or_else(|| default_work_dir(source, target));
    std::fs::create_dir_all(&dir).map_err(|e| {
        MigrateError::Io(format!(
            "cannot create the work directory {}: {e}",
            dir.display()
        ))
    })?;
    Ok(dir)
}
