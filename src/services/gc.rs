//! Garbage collection of stored files: an asset file no row points to (a crash between writing
//! a file and committing its row, a delete whose file removal failed) and upload chunks
//! abandoned for a day are removed once they are older than a grace period, so that nothing in
//! flight is touched; backups are kept for a week. Working folders and files a crash left in
//! `<data_dir>/tmp` (a restore's staging, a download, a conversion) go too, at start-up and
//! then hourly, once unchanged for the grace period and not locked by a live process.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;

use crate::db::schema::assets;
use crate::error::Error;
use crate::services::context::Core;
use crate::storage::Storage;
use crate::storage::scratch::{self, Swept};
use crate::tenancy::TenantScope;

/// Age after which an unreferenced asset file is removed.
pub const GRACE: Duration = Duration::from_secs(3600);
/// Age after which the chunks of an unfinished upload are removed.
pub const UPLOAD_GRACE: Duration = Duration::from_secs(24 * 3600);
/// How long a backup made with `POST /api/v2/backup` stays downloadable.
pub const BACKUP_KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// What one collection removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Asset files and previews no row points to.
    pub files: usize,
    pub bytes: u64,
    pub upload_parts: usize,
    pub backups: usize,
}

/// Seconds since `key` was last written (stat when the listing did not say).
async fn age(op: &opendal::Operator, entry: &opendal::Entry) -> Option<u64> {
    let modified = match entry.metadata().last_modified() {
        Some(t) => t,
        None => op.stat(entry.path()).await.ok()?.last_modified()?,
    };
    let now = opendal::raw::Timestamp::now().into_inner().as_second();
    Some(now.saturating_sub(modified.into_inner().as_second()).max(0) as u64)
}

/// Removes the tenant's orphaned files older than `grace` and upload chunks older than
/// `upload_grace`.
pub async fn collect(
    state: &Core,
    scope: &TenantScope,
    grace: Duration,
    upload_grace: Duration,
) -> Result<Report, Error> {
    let s = scope.clone();
    // Read the referenced keys after listing would race with new uploads; before listing, a
    // file created meanwhile is simply younger than the grace period.
    let referenced: HashSet<String> = state
        .db
        .read(scope, move |c| {
            Ok(assets::table
                .filter(assets::tenant_id.eq(s.id()))
                .select((assets::file_key, assets::thumbnail_key))
                .load::<(Option<String>, Option<String>)>(c)?
                .into_iter()
                .flat_map(|(f, t)| [f, t])
                .flatten()
                .collect())
        })
        .await?;
    let op = state.storage.operator();
    let mut report = Report::default();
    let mut owned = list(op, &Storage::tenant_key(scope, "assets/")).await?;
    owned.extend(list(op, &Storage::tenant_key(scope, "thumbnails/")).await?);
    for entry in owned {
        if !entry.metadata().is_file() || referenced.contains(entry.path()) {
            continue;
        }
        if age(op, &entry).await.is_some_and(|a| a >= grace.as_secs()) {
            let size = op
                .stat(entry.path())
                .await
                .map(|m| m.content_length())
                .unwrap_or(0);
            op.delete(entry.path()).await?;
            tracing::info!(key = %entry.path(), size, "removed an orphaned file");
            report.files += 1;
            report.bytes += size;
        }
    }
    // An upload is abandoned when its newest part is old: a slow resumable upload that has
    // been going for days keeps its first chunks as long as new ones keep arriving.
    let uploads = Storage::tenant_key(scope, "uploads/");
    let mut by_upload: std::collections::BTreeMap<String, (u64, Vec<String>)> = Default::default();
    for entry in list(op, &uploads).await? {
        if !entry.metadata().is_file() {
            continue;
        }
        let Some(rest) = entry.path().strip_prefix(&uploads) else {
            continue;
        };
        let id = rest.split('/').next().unwrap_or_default().to_string();
        let entry_age = age(op, &entry).await.unwrap_or(0);
        let slot = by_upload.entry(id).or_insert((u64::MAX, Vec::new()));
        slot.0 = slot.0.min(entry_age);
        slot.1.push(entry.path().to_string());
    }
    for (_, (newest, parts)) in by_upload {
        if newest >= upload_grace.as_secs() {
            for part in parts {
                op.delete(&part).await?;
                report.upload_parts += 1;
            }
        }
    }
    let backups = Storage::tenant_key(scope, "backups/");
    for entry in list(op, &backups).await? {
        if entry.metadata().is_file()
            && age(op, &entry)
                .await
                .is_some_and(|a| a >= BACKUP_KEEP.as_secs())
        {
            op.delete(entry.path()).await?;
            report.backups += 1;
        }
    }
    Ok(report)
}

/// Removes what is stale in `<data_dir>/tmp`: unchanged for `grace` and not locked by a live
/// process (see `storage::scratch`).
pub async fn sweep_scratch(state: &Core, grace: Duration) -> Swept {
    let tmp = state.config.tmp_dir();
    let swept = tokio::task::spawn_blocking(move || scratch::sweep(&tmp, grace))
        .await
        .unwrap_or_default();
    if swept.entries > 0 {
        tracing::info!(
            entries = swept.entries,
            bytes = swept.bytes,
            "removed working files left by a crash"
        );
    }
    swept
}

async fn list(op: &opendal::Operator, dir: &str) -> Result<Vec<opendal::Entry>, Error> {
    match op.list_with(dir).recursive(true).await {
        Ok(entries) => Ok(entries),
        Err(e) if e.kind() == opendal::ErrorKind::NotFound => Ok(vec![]),
        Err(e) => Err(e.into()),
    }
}

/// Sweeps `<data_dir>/tmp` at once, then collects every tenant's garbage once an hour,
/// starting a minute after start-up.
pub fn spawn_periodic(state: std::sync::Arc<Core>) {
    tokio::spawn(async move {
        sweep_scratch(&state, GRACE).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            sweep_scratch(&state, GRACE).await;
            let partials = state.storage.remove_stale_partials(UPLOAD_GRACE).await;
            if partials > 0 {
                tracing::info!(
                    files = partials,
                    "removed half-written files left by a crash"
                );
            }
            let tenants = state
                .db
                .system(|c| {
                    use crate::db::schema::tenants;
                    Ok(tenants::table.select(tenants::id).load::<String>(c)?)
                })
                .await;
            for id in tenants.unwrap_or_default() {
                let scope = TenantScope::new(id);
                match collect(&state, &scope, GRACE, UPLOAD_GRACE).await {
                    Ok(r) if r == Report::default() => {}
                    Ok(r) => {
                        tracing::info!(tenant = %scope.id(), files = r.files, bytes = r.bytes, upload_parts = r.upload_parts, "garbage collected")
                    }
                    Err(e) => {
                        tracing::warn!(tenant = %scope.id(), error = %e, "garbage collection failed")
                    }
                }
            }
        }
    });
}
