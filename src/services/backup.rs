//! Backups and restores.
//!
//! A Signate backup is a `.tar.gz` holding `signate-backup/manifest.json` (settings and every
//! asset row, read in one transaction, so a consistent snapshot on either database backend)
//! and `signate-backup/files/<name>` (the stored files). It is written by streaming: memory
//! does not grow with the size of the files.
//!
//! A restore accepts that format or an Anthias backup (`.anthias/anthias.db` with the Django
//! schema, `.anthias/anthias.conf`, `anthias_assets/`). It is atomic: the archive is unpacked
//! and checked first, files go to fresh keys, and the rows are swapped in one transaction; on
//! any error the current data is untouched and the staged files are removed.
//!
//! Every row goes through the API's rules before anything is written ([`Report`] says what was
//! skipped or repaired); an archive no server could have written (a duplicated asset id) is
//! refused whole.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{NaiveDateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::db::models::asset::{self, Asset};
use crate::error::Error;
use crate::services::settings::{self, DeviceSettings};
use crate::storage::Storage;
use crate::storage::disk::{Room, Shortfall};
use crate::tenancy::TenantScope;

const ROOT: &str = "signate-backup";
const FORMAT: &str = "signate-backup";
/// Largest manifest or Anthias config read into memory.
const MAX_META: u64 = 64 * 1024 * 1024;

/// Why an archive cannot be restored (the current data is untouched).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("Invalid backup archive.")]
    Invalid(String),
    /// A backup, but one no server could have written (two assets with one id, an id that
    /// cannot be one); the message says what, for the user.
    #[error("Invalid backup archive: {0}")]
    Refused(String),
    #[error(transparent)]
    Other(#[from] Error),
}

/// The manifest of a Signate backup.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    signate_version: String,
    created_at: NaiveDateTime,
    settings: DeviceSettings,
    assets: Vec<AssetRecord>,
}

/// One asset as a backup carries it (no tenant, no storage key: those belong to a device).
#[derive(Debug, Serialize, Deserialize)]
struct AssetRecord {
    asset_id: String,
    name: Option<String>,
    uri: Option<String>,
    start_date: Option<NaiveDateTime>,
    end_date: Option<NaiveDateTime>,
    duration: Option<i64>,
    mimetype: Option<String>,
    is_enabled: bool,
    is_processing: bool,
    nocache: bool,
    play_order: i32,
    skip_asset_check: bool,
    skip_ssl_verify: bool,
    play_days: String,
    play_time_from: Option<String>,
    play_time_to: Option<String>,
    is_reachable: bool,
    last_reachability_check: Option<NaiveDateTime>,
    metadata: String,
    /// File name under `files/` in the archive.
    file: Option<String>,
}

impl AssetRecord {
    fn from_asset(a: &Asset) -> AssetRecord {
        AssetRecord {
            asset_id: a.asset_id.clone(),
            name: a.name.clone(),
            uri: a.uri.clone(),
            start_date: a.start_date,
            end_date: a.end_date,
            duration: a.duration,
            mimetype: a.mimetype.clone(),
            is_enabled: a.is_enabled,
            is_processing: a.is_processing,
            nocache: a.nocache,
            play_order: a.play_order,
            skip_asset_check: a.skip_asset_check,
            skip_ssl_verify: a.skip_ssl_verify,
            play_days: a.play_days.clone(),
            play_time_from: a.play_time_from.clone(),
            play_time_to: a.play_time_to.clone(),
            is_reachable: a.is_reachable,
            last_reachability_check: a.last_reachability_check,
            metadata: a.metadata.clone(),
            file: a
                .file_key
                .as_deref()
                .and_then(|k| k.rsplit('/').next())
                .map(str::to_string),
        }
    }

    fn into_asset(self, scope: &TenantScope) -> Asset {
        let mut a = Asset::new(scope);
        a.asset_id = self.asset_id;
        a.name = self.name;
        a.uri = self.uri;
        a.start_date = self.start_date;
        a.end_date = self.end_date;
        a.duration = self.duration;
        a.mimetype = self.mimetype;
        a.is_enabled = self.is_enabled;
        a.is_processing = self.is_processing;
        a.nocache = self.nocache;
        a.play_order = self.play_order;
        a.skip_asset_check = self.skip_asset_check;
        a.skip_ssl_verify = self.skip_ssl_verify;
        a.play_days = self.play_days;
        a.play_time_from = self.play_time_from;
        a.play_time_to = self.play_time_to;
        a.is_reachable = self.is_reachable;
        a.last_reachability_check = self.last_reachability_check;
        a.metadata = self.metadata;
        a
    }
}

/// `<player_name or "anthias-backup">-<UTC %Y-%m-%dT%H-%M-%S>.tar.gz` as upstream names it, safe
/// as a file name.
pub fn archive_name(player_name: &str) -> String {
    let base: String = player_name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = if base.trim_matches('_').is_empty() {
        "anthias-backup".to_string()
    } else {
        base
    };
    format!("{base}-{}.tar.gz", Utc::now().format("%Y-%m-%dT%H-%M-%S"))
}

/// Gzip output that is handed to the storage writer as it fills, counted against the disk's
/// room.
struct GzSink {
    gz: flate2::write::GzEncoder<Vec<u8>>,
    writer: opendal::Writer,
    room: Room,
}

impl GzSink {
    async fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        use std::io::Write;
        self.gz
            .write_all(bytes)
            .map_err(|e| Error::Internal(e.to_string()))?;
        if self.gz.get_ref().len() >= 1024 * 1024 {
            let out = std::mem::take(self.gz.get_mut());
            self.room.take(out.len() as u64)?;
            self.writer.write(out).await?;
        }
        Ok(())
    }

    async fn entry(&mut self, path: &str, size: u64) -> Result<(), Error> {
        let mut header = tar::Header::new_gnu();
        header
            .set_path(path)
            .map_err(|e| Error::Internal(e.to_string()))?;
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(Utc::now().timestamp().max(0) as u64);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        self.put(header.as_bytes()).await
    }

    async fn pad(&mut self, size: u64) -> Result<(), Error> {
        let rest = (512 - size % 512) % 512;
        self.put(&vec![0u8; rest as usize]).await
    }

    async fn finish(&mut self) -> Result<(), Error> {
        self.put(&[0u8; 1024]).await?;
        self.gz
            .try_finish()
            .map_err(|e| Error::Internal(e.to_string()))?;
        let out = std::mem::take(self.gz.get_mut());
        self.room.take(out.len() as u64)?;
        self.writer.write(out).await?;
        self.writer.close().await?;
        Ok(())
    }
}

/// Writes a backup of the tenant to `key` in storage.
pub async fn create(
    db: &crate::db::Db,
    storage: &Storage,
    scope: &TenantScope,
    key: &str,
) -> Result<(), Error> {
    let s = scope.clone();
    let (settings, rows) = db
        .read(scope, move |c| {
            Ok((settings::load(c, &s)?, asset::list(c, &s)?))
        })
        .await?;
    // Credentials stay on the device: a backup can be downloaded and passed around.
    let mut settings = settings;
    settings.password_hash.clear();
    let manifest = Manifest {
        format: FORMAT.into(),
        version: 1,
        signate_version: env!("CARGO_PKG_VERSION").into(),
        created_at: Utc::now().naive_utc(),
        settings,
        assets: rows.iter().map(AssetRecord::from_asset).collect(),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
    let op = storage.operator();
    // Pictures and videos hardly compress: the archive weighs about what its files do, and
    // must fit on the disk before it is begun.
    let room = storage.room();
    let files: u64 = rows
        .iter()
        .filter_map(|a| a.file_size)
        .map(|n| n.max(0) as u64)
        .sum();
    room.check(files.saturating_add(json.len() as u64))?;
    let mut sink = GzSink {
        gz: flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()),
        writer: storage.writer(key).await?,
        room,
    };
    let result = async {
        sink.entry(&format!("{ROOT}/manifest.json"), json.len() as u64)
            .await?;
        sink.put(&json).await?;
        sink.pad(json.len() as u64).await?;
        for a in &rows {
            let (Some(file_key), Some(name)) = (&a.file_key, AssetRecord::from_asset(a).file)
            else {
                continue;
            };
            let size = match op.stat(file_key).await {
                Ok(m) => m.content_length(),
                Err(e) => {
                    tracing::warn!(%file_key, error = %e, "backup: asset file missing, skipped");
                    continue;
                }
            };
            sink.entry(&format!("{ROOT}/files/{name}"), size).await?;
            let mut stream = op.reader(file_key).await?.into_bytes_stream(..).await?;
            let mut sent = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| Error::Internal(e.to_string()))?;
                sent += chunk.len() as u64;
                sink.put(&chunk).await?;
            }
            if sent != size {
                return Err(Error::Internal(format!(
                    "{file_key} changed while being backed up"
                )));
            }
            sink.pad(size).await?;
        }
        Ok::<(), Error>(())
    }
    .await;
    let result = match result {
        Ok(()) => sink.finish().await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = sink.writer.abort().await;
        let _ = op.delete(key).await;
    }
    result
}

/// What a restore will write.
struct Plan {
    settings: DeviceSettings,
    /// Each asset and the staged file that becomes its content.
    assets: Vec<(Asset, Option<Content>)>,
    report: Report,
}

/// A staged file (on local disk) and the name it is stored under.
struct Content {
    path: PathBuf,
    name: String,
}

/// What a restore did: every row runs through the API's rules (`services::assets::admit`) and
/// is restored, skipped or repaired, never restored in a state no API call could have made.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Assets restored.
    pub restored: usize,
    /// Rows left out, each with why.
    pub skipped: Vec<Note>,
    /// Rows restored with a change, each with what changed.
    pub repaired: Vec<Note>,
}

/// One row's entry in a [`Report`].
#[derive(Debug, Serialize)]
pub struct Note {
    pub asset_id: String,
    pub name: Option<String>,
    pub detail: String,
}

impl Report {
    fn note(a: &Asset, detail: String) -> Note {
        Note {
            asset_id: a.asset_id.clone(),
            // Enough of the name to recognise it (it may be anything the archive held).
            name: a
                .name
                .as_deref()
                .map(|n| n.chars().filter(|&c| c != '\0').take(100).collect()),
            detail,
        }
    }
}

/// Most entries an archive may hold.
const MAX_ENTRIES: usize = 100_000;

/// Unpacks `archive` (a local `.tar.gz`) into `staging` and reads what it holds, extracting at
/// most `budget` bytes, and only what fits in `room`: each entry's declared size is checked
/// before it is written and the bytes are counted while they are (a gzip bomb must not fill
/// the disk the database is on). Blocking.
fn unpack(
    archive: &Path,
    staging: &Path,
    scope: &TenantScope,
    current: &DeviceSettings,
    budget: u64,
    room: &mut Room,
) -> Result<Plan, RestoreError> {
    let mut left = budget;
    let mut count = 0usize;
    let invalid = |why: String| RestoreError::Invalid(why);
    let file = std::fs::File::open(archive).map_err(|e| invalid(e.to_string()))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let files_dir = staging.join("files");
    std::fs::create_dir_all(&files_dir)
        .map_err(|e| RestoreError::Other(Error::Internal(e.to_string())))?;
    let mut manifest: Option<Vec<u8>> = None;
    let mut anthias_conf: Option<String> = None;
    let mut anthias_db: Option<PathBuf> = None;
    let mut tops = std::collections::HashSet::new();
    let mut staged: HashMap<String, PathBuf> = HashMap::new();
    let entries = tar.entries().map_err(|e| invalid(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| invalid(e.to_string()))?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(invalid(format!("more than {MAX_ENTRIES} entries")));
        }
        // What the entry really unpacks to: a PAX record or a sparse map overrides the size
        // in the plain header.
        let size = entry.size();
        if size > left {
            return Err(invalid(format!("unpacks to more than {budget} bytes")));
        }
        left -= size;
        let path = entry
            .path()
            .map_err(|e| invalid(e.to_string()))?
            .into_owned();
        let parts: Vec<String> = path
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                std::path::Component::CurDir => None,
                _ => Some("..".into()),
            })
            .collect();
        if parts.is_empty() || parts.iter().any(|p| p == ".." || p.is_empty()) {
            tracing::warn!(path = %path.display(), "restore: unsafe path skipped");
            continue;
        }
        tops.insert(parts[0].clone());
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let rel: Vec<&str> = parts.iter().map(String::as_str).collect();
        match rel.as_slice() {
            [ROOT, "manifest.json"] => manifest = Some(read_small(&mut entry)?),
            [".anthias" | ".screenly", conf] if conf.ends_with(".conf") => {
                anthias_conf = Some(String::from_utf8_lossy(&read_small(&mut entry)?).into_owned());
            }
            [".anthias" | ".screenly", db] if *db == "anthias.db" || *db == "screenly.db" => {
                let to = staging.join("anthias.db");
                room.check(size).map_err(no_room)?;
                copy_entry(&mut entry, &to, room)?;
                anthias_db = Some(to);
            }
            [ROOT, "files", name] | ["anthias_assets" | "screenly_assets", name] => {
                if !super::content::valid_file_name(name) {
                    tracing::warn!(%name, "restore: file with an unsafe name skipped");
                    continue;
                }
                let to = files_dir.join(name);
                room.check(size).map_err(no_room)?;
                copy_entry(&mut entry, &to, room)?;
                staged.insert(name.to_string(), to);
            }
            _ => {}
        }
    }
    if let Some(json) = manifest {
        let m: Manifest =
            serde_json::from_slice(&json).map_err(|e| invalid(format!("manifest: {e}")))?;
        if m.format != FORMAT {
            return Err(invalid("not a Signate backup".into()));
        }
        let rows = m
            .assets
            .into_iter()
            .map(|r| {
                let file = r.file.clone();
                (r.into_asset(scope), file)
            })
            .collect();
        let mut settings = m.settings;
        keep_credentials(&mut settings, current);
        return vet(rows, &staged, settings);
    }
    let anthias = (tops.contains(".anthias") && tops.contains("anthias_assets"))
        || (tops.contains(".screenly") && tops.contains("screenly_assets"));
    if !anthias {
        return Err(invalid("neither a Signate nor an Anthias backup".into()));
    }
    let db = anthias_db.ok_or_else(|| invalid("the Anthias backup has no database".into()))?;
    let rows = super::anthias::read_assets(&db, scope)
        .map_err(invalid)?
        .into_iter()
        .map(|a| {
            // Anthias names a file by its path under its asset folder.
            let file = a
                .uri
                .as_deref()
                .filter(|u| u.starts_with('/'))
                .and_then(|u| u.rsplit('/').next())
                .map(str::to_string);
            (a, file)
        })
        .collect();
    let mut settings = current.clone();
    if let Some(conf) = anthias_conf {
        super::anthias::apply_conf(&conf, &mut settings);
    }
    vet(rows, &staged, settings)
}

/// Who may sign in is the device's business, not the archive's: a restore never changes it.
fn keep_credentials(settings: &mut DeviceSettings, current: &DeviceSettings) {
    settings.auth_backend = current.auth_backend.clone();
    settings.username = current.username.clone();
    settings.password_hash = current.password_hash.clone();
}

/// A restored row's id must be one this server could have made: plain (it becomes part of
/// storage keys and job payloads). Anything else about a row can be judged row by row; an id
/// cannot, so it refuses the archive.
fn check_row(a: &Asset) -> Result<(), RestoreError> {
    let id_ok = !a.asset_id.is_empty()
        && a.asset_id.len() <= 64
        && a.asset_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if id_ok {
        Ok(())
    } else {
        let shown: String = a.asset_id.chars().take(70).collect();
        Err(RestoreError::Refused(format!(
            "the asset id {shown:?} is not 1 to 64 letters, digits, '_' or '-'."
        )))
    }
}

/// The plan for `settings` and the rows (each with the archive file it names), which it runs
/// through the API's rules in archive order. Refuses the archive when two rows share an id
/// (which one is meant cannot be told); otherwise skips the rows the API would refuse and
/// repairs the rest: names fitted, a file named by an earlier row stored again for this one
/// (deleting one asset must not take another's content), and the playing assets renumbered
/// when their positions clash.
fn vet(
    rows: Vec<(Asset, Option<String>)>,
    staged: &HashMap<String, PathBuf>,
    settings: DeviceSettings,
) -> Result<Plan, RestoreError> {
    let mut ids = std::collections::HashSet::new();
    for (a, _) in &rows {
        check_row(a)?;
        if !ids.insert(a.asset_id.as_str()) {
            return Err(RestoreError::Refused(format!(
                "the asset id {:?} appears more than once.",
                a.asset_id
            )));
        }
    }
    let mut report = Report::default();
    let mut kept: Vec<(Asset, Option<Content>)> = Vec::with_capacity(rows.len());
    // Names under which files are stored; a copy must not take one the archive still uses.
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (mut a, file) in rows {
        let local = a.uri.as_deref().is_some_and(|u| u.starts_with('/'));
        // Only a regular file with content: links, devices and sparse entries were never
        // staged, and an empty file plays nothing.
        let file = file.filter(|_| local).and_then(|name| {
            let path = staged.get(&name)?;
            std::fs::metadata(path)
                .is_ok_and(|m| m.is_file() && m.len() > 0)
                .then(|| (name, path.clone()))
        });
        match super::assets::admit(&mut a, file.is_some()) {
            Err(why) => {
                report.skipped.push(Report::note(&a, why));
                continue;
            }
            Ok(changes) => {
                for change in changes {
                    report.repaired.push(Report::note(&a, change));
                }
            }
        }
        let content = file.map(|(name, path)| {
            if used.insert(name.clone()) {
                return Content { path, name };
            }
            let copy = copy_name(&a.asset_id, &name, |n| {
                used.contains(n) || staged.contains_key(n)
            });
            used.insert(copy.clone());
            if let Some(uri) = &a.uri
                && let Some(dir) = uri.strip_suffix(name.as_str())
                && dir.ends_with('/')
            {
                a.uri = Some(format!("{dir}{copy}"));
            }
            let detail = format!(
                "Another asset names the file {name} too: this one has its own copy, {copy}."
            );
            report.repaired.push(Report::note(&a, detail));
            Content { path, name: copy }
        });
        kept.push((a, content));
    }

    // The playlist: what plays (enabled, not waiting for processing), as the API re-numbers it.
    let playing: Vec<usize> = (0..kept.len())
        .filter(|&i| kept[i].0.is_enabled && !kept[i].0.is_processing)
        .collect();
    let orders: Vec<i32> = playing.iter().map(|&i| kept[i].0.play_order).collect();
    if let Some(positions) = crate::domain::asset::renumber(&orders) {
        for (&i, position) in playing.iter().zip(positions) {
            let a = &mut kept[i].0;
            if a.play_order != position {
                let detail = format!(
                    "play_order {} is now {position}: playing assets shared positions, so the playlist was numbered 0 to {} in its order.",
                    a.play_order,
                    orders.len() - 1
                );
                a.play_order = position;
                report.repaired.push(Report::note(a, detail));
            }
        }
    }
    report.restored = kept.len();
    Ok(Plan {
        settings,
        assets: kept,
        report,
    })
}

/// A file name for an asset's own copy of `name`: the asset id with `name`'s extension, as the
/// API names stored files, or with a number added while `taken` says it is in use.
fn copy_name(asset_id: &str, name: &str, taken: impl Fn(&str) -> bool) -> String {
    let ext = name
        .rfind('.')
        .map(|i| &name[i..])
        .filter(|e| e.len() <= 11)
        .unwrap_or("");
    let mut candidate = format!("{asset_id}{ext}");
    let mut n = 1;
    while taken(&candidate) {
        candidate = format!("{asset_id}-{n}{ext}");
        n += 1;
    }
    candidate
}

fn read_small(entry: &mut impl Read) -> Result<Vec<u8>, RestoreError> {
    let mut buf = Vec::new();
    entry
        .take(MAX_META)
        .read_to_end(&mut buf)
        .map_err(|e| RestoreError::Invalid(e.to_string()))?;
    Ok(buf)
}

fn no_room(short: Shortfall) -> RestoreError {
    RestoreError::Other(Error::InsufficientStorage(short))
}

/// Copies an entry to `to`, counting every byte in `room` before it is written: whatever the
/// headers said, the copy stops where the room ends (and the partial file goes).
fn copy_entry(entry: &mut impl Read, to: &Path, room: &mut Room) -> Result<(), RestoreError> {
    use std::io::{ErrorKind, Write};
    let mut out = std::fs::File::create(to)
        .map_err(|e| RestoreError::Other(Error::Internal(e.to_string())))?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut copy = || loop {
        let n = match entry.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(RestoreError::Invalid(e.to_string())),
        };
        room.take(n as u64).map_err(no_room)?;
        if let Err(e) = out.write_all(&buf[..n]) {
            return Err(match e.kind() {
                ErrorKind::StorageFull => no_room(room.exhausted(n as u64)),
                _ => RestoreError::Other(Error::Internal(e.to_string())),
            });
        }
    };
    let copied = copy();
    if copied.is_err() {
        let _ = std::fs::remove_file(to);
    }
    copied
}

/// Restores the tenant from a local archive file. Who may sign in stays as it is on the device
/// (backups carry no password hashes; Anthias's are Django's anyway). Answers what was
/// restored, skipped and repaired.
pub async fn restore(
    state: &crate::services::context::Core,
    scope: &TenantScope,
    archive: &Path,
    work: &Path,
) -> Result<Report, RestoreError> {
    let current = state.settings(scope).await?;
    let (archive_p, work_p, scope_b, current_b) = (
        archive.to_path_buf(),
        work.to_path_buf(),
        scope.clone(),
        (*current).clone(),
    );
    // What the archive may unpack to: twice the largest file allowed, and what the disks
    // have room for: every byte lands in the staging folder, then in the storage.
    let budget = state.config.max_upload_bytes.saturating_mul(2);
    let mut room = state.storage.room_with(&[work]);
    let plan = tokio::task::spawn_blocking(move || {
        unpack(&archive_p, &work_p, &scope_b, &current_b, budget, &mut room)
    })
    .await
    .map_err(|e| RestoreError::Other(Error::Internal(e.to_string())))??;

    // Files first, under a fresh folder, so nothing current is overwritten.
    let op = state.storage.operator();
    let batch = uuid::Uuid::new_v4().simple().to_string();
    let mut placed = Vec::new();
    let mut assets = Vec::with_capacity(plan.assets.len());
    for (mut a, file) in plan.assets {
        if let Some(Content { path, name }) = file {
            let key = Storage::tenant_key(scope, &format!("assets/{batch}/{name}"));
            match state.storage.put_file(&path, &key).await {
                Ok(stored) => {
                    a.file_key = Some(key.clone());
                    a.file_size = Some(stored.size as i64);
                    a.sha256 = Some(stored.sha256);
                    placed.push(key);
                }
                Err(e) => {
                    for k in &placed {
                        let _ = op.delete(k).await;
                    }
                    return Err(RestoreError::Other(e));
                }
            }
        }
        assets.push(a);
    }

    let s = scope.clone();
    let settings_new = plan.settings.clone();
    let swapped = state
        .db
        .write(scope, move |c| {
            let old: Vec<Option<String>> = asset::list(c, &s)?
                .into_iter()
                .flat_map(|a| [a.file_key, a.thumbnail_key])
                .collect();
            asset::delete_all(c, &s)?;
            for a in &assets {
                asset::insert(c, &s, a)?;
                crate::jobs::enqueue_processing(c, &s, a)?;
            }
            settings::save(c, &s, &settings_new)?;
            Ok(old)
        })
        .await;
    let old = match swapped {
        Ok(old) => old,
        Err(e) => {
            for k in &placed {
                let _ = op.delete(k).await;
            }
            return Err(RestoreError::Other(e));
        }
    };
    state.forget_settings(scope);
    for key in old.into_iter().flatten() {
        if let Err(e) = op.delete(&key).await {
            tracing::warn!(%key, error = %e, "restore: old file not removed");
        }
    }
    let report = plan.report;
    for n in &report.skipped {
        tracing::warn!(asset_id = %n.asset_id, why = %n.detail, "restore: asset skipped");
    }
    for n in &report.repaired {
        tracing::warn!(asset_id = %n.asset_id, what = %n.detail, "restore: asset repaired");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    /// Whatever a header declared, the copy stops where the room ends, and its partial file
    /// goes.
    #[test]
    fn an_entry_is_cut_off_where_the_room_ends() {
        let dir = tempfile::tempdir().unwrap();
        let disk = crate::storage::disk::Disk::new(Some(MIB));
        disk.pretend_free(Some(16 * MIB));
        let mut room = disk.room(&[dir.path()]);
        let to = dir.path().join("bomb.png");
        let mut endless = std::io::repeat(0).take(64 * MIB);
        let err = copy_entry(&mut endless, &to, &mut room).unwrap_err();
        let RestoreError::Other(Error::InsufficientStorage(short)) = err else {
            panic!("{err:?}")
        };
        assert_eq!((short.free, short.reserve), (16 * MIB, MIB));
        assert!(short.needed > 15 * MIB && short.needed <= 15 * MIB + 256 * 1024);
        assert!(room.taken() <= 15 * MIB);
        assert!(!to.exists());
        // What fits is copied whole.
        let mut small = std::io::repeat(1).take(3 * MIB);
        let mut room = disk.room(&[dir.path()]);
        copy_entry(&mut small, &to, &mut room).unwrap();
        assert_eq!(std::fs::metadata(&to).unwrap().len(), 3 * MIB);
        assert_eq!(room.taken(), 3 * MIB);
    }

    /// A plain header may say 512 bytes while a PAX record says 64 MiB: the entry's real size is
    /// what the budget and the room are checked against.
    #[test]
    fn a_lying_header_is_judged_by_the_real_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let pax = "17 size=67108864\n";
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::XHeader);
        h.set_size(pax.len() as u64);
        h.set_path("PaxHeaders/bomb").unwrap();
        h.set_cksum();
        out.append(&h, pax.as_bytes()).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_path("signate-backup/files/bomb.png").unwrap();
        h.set_size(512);
        h.set_cksum();
        out.append(&h, std::io::repeat(0).take(64 * MIB)).unwrap();
        let archive = dir.path().join("a.tar.gz");
        std::fs::write(&archive, out.into_inner().unwrap().finish().unwrap()).unwrap();
        let scope = TenantScope::new("t");
        let staging = dir.path().join("staging");
        let settings = DeviceSettings::default();
        // The budget: 1 MiB, whatever the plain header said.
        let mut room = Room::unlimited();
        let Err(err) = unpack(&archive, &staging, &scope, &settings, MIB, &mut room) else {
            panic!("unpacked")
        };
        assert!(
            matches!(err, RestoreError::Invalid(ref why) if why.contains("more than")),
            "{err:?}"
        );
        // The room: 16 MiB free.
        let disk = crate::storage::disk::Disk::new(Some(0));
        disk.pretend_free(Some(16 * MIB));
        let mut room = disk.room(&[&staging]);
        let Err(err) = unpack(&archive, &staging, &scope, &settings, u64::MAX, &mut room) else {
            panic!("unpacked")
        };
        let RestoreError::Other(Error::InsufficientStorage(short)) = err else {
            panic!("{err:?}")
        };
        assert_eq!(short.needed, 64 * MIB);
        assert_eq!(room.taken(), 0, "refused before a byte was written");
        assert!(!staging.join("files/bomb.png").exists());
    }
}
