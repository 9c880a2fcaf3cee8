//! Downloads a remote video (or a YouTube video through `yt-dlp`) into storage and makes the
//! asset play the local copy. While it runs the asset shows `is_processing`; when it gives up
//! the asset keeps its row with `metadata.error_message` saying why.

use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::{Failure, Job};
use crate::db::models::asset;
use crate::error::Error;
use crate::events::Event;
use crate::services::content::{self, FetchError};
use crate::services::context::Core;
use crate::services::quota;
use crate::storage::disk::Shortfall;
use crate::storage::scratch::Scratch;
use crate::storage::{Storage, Stored};

/// The job kind.
pub const KIND: &str = "download";

/// What to fetch for which asset.
#[derive(Debug, Serialize, Deserialize)]
pub struct Download {
    pub asset_id: String,
    pub url: String,
    /// The file extension the local copy gets (`.mp4`, …).
    pub ext: String,
    pub youtube: bool,
}

/// Runs one download.
pub async fn run(state: &Core, job: &Job) -> Result<(), Failure> {
    let d: Download = job.payload()?;
    let scope = job.scope();
    let (s, id) = (scope.clone(), d.asset_id.clone());
    let Some(asset) = state
        .db
        .read(&scope, move |c| asset::get(c, &s, &id))
        .await?
    else {
        return Ok(()); // deleted meanwhile: nothing left to do
    };
    let settings = state.settings(&scope).await?;
    let file = format!("{}{}", d.asset_id, d.ext);
    let key = Storage::tenant_key(&scope, &format!("assets/{file}"));
    // The copy must fit the size limit and the tenant's quota, like an upload.
    let (s, rules) = (scope.clone(), crate::services::limits::Rules::of(state));
    let headroom = state
        .db
        .read(&scope, move |c| quota::headroom(c, &s, &rules))
        .await?;
    let limit = headroom.map_or(state.config.max_upload_bytes, |(q, used)| {
        q.saturating_sub(used).min(state.config.max_upload_bytes)
    });
    let stored = if d.youtube {
        youtube(state, &d, &key).await?
    } else {
        let verify = settings.verify_ssl && !asset.skip_ssl_verify;
        http(state, &d.url, verify, &key, limit).await?
    };
    if stored.size > limit {
        let _ = state.storage.operator().delete(&key).await;
        return Err(Failure::permanent(format!(
            "The video ({} bytes) does not fit the size limit or the storage quota.",
            stored.size
        )));
    }
    let duration = content::probe_stored_duration(&state.storage, &key).await;
    let uri = format!("{}/{file}", state.config.asset_dir());
    let (s, id, k) = (scope.clone(), d.asset_id.clone(), key.clone());
    let kept = state
        .db
        .write(&scope, move |c| {
            let Some(mut a) = asset::get_locked(c, &s, &id)? else {
                return Ok(false);
            };
            a.file_key = Some(k);
            a.file_size = Some(stored.size as i64);
            a.sha256 = Some(stored.sha256);
            a.uri = Some(uri);
            a.is_processing = false;
            if let Some(d) = duration {
                a.duration = Some(d);
            }
            let mut meta = a.metadata_map();
            meta.remove("error_message");
            a.set_metadata(meta);
            asset::update(c, &s, &a)?;
            super::enqueue_processing(c, &s, &a)?;
            Ok(true)
        })
        .await?;
    if !kept {
        let _ = state.storage.operator().delete(&key).await;
        return Ok(());
    }
    state.events.publish(Event::AssetsChanged {
        tenant_id: scope.id().to_string(),
        asset_id: Some(d.asset_id),
    });
    Ok(())
}

/// Streams `url` into `key`; 4xx answers are permanent failures, the rest are retried.
async fn http(
    state: &Core,
    url: &str,
    verify: bool,
    key: &str,
    limit: u64,
) -> Result<Stored, Failure> {
    let res = content::guarded_request(
        reqwest::Method::GET,
        url,
        verify,
        state.config.allow_private_urls,
        Duration::from_secs(3600),
    )
    .await
    .map_err(|e| match e {
        FetchError::Refused => Failure::permanent(format!("Could not download {url}: {e}.")),
        FetchError::Failed(e) => Failure::retry(format!("Could not download {url}: {e}")),
    })?;
    let status = res.status();
    if !status.is_success() {
        let msg = format!("Could not download {url}: the server answered {status}.");
        return Err(if status.is_client_error() {
            Failure::permanent(msg)
        } else {
            Failure::retry(msg)
        });
    }
    if res.content_length().is_some_and(|n| n > limit) {
        return Err(Failure::permanent(format!(
            "{url} is larger than {limit} bytes."
        )));
    }
    let no_room = |e: Error| match e {
        Error::InsufficientStorage(short) => {
            Failure::permanent(format!("Could not download {url}: {short}"))
        }
        e => Failure::from(e),
    };
    // The declared length must fit on the disk before a byte is stored; the sink counts what
    // really comes (a server may send more than it said, or say nothing).
    if let Some(n) = res.content_length() {
        state
            .storage
            .room()
            .check(n)
            .map_err(|s| no_room(s.into()))?;
    }
    let mut sink = state.storage.sink(key).await.map_err(Failure::from)?;
    let mut body = res.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(c) if sink.size() + c.len() as u64 > limit => {
                sink.abort().await;
                return Err(Failure::permanent(format!(
                    "{url} is larger than {limit} bytes."
                )));
            }
            Ok(c) => c,
            Err(e) => {
                sink.abort().await;
                return Err(Failure::retry(format!("Download of {url} broke off: {e}")));
            }
        };
        sink.write(chunk).await.map_err(no_room)?;
    }
    Ok(sink.close().await?)
}

/// Runs `yt-dlp` into a working folder, then moves the file into storage. yt-dlp's own size
/// limit believes what the site declares, so the folder is watched as well and the download
/// stopped when what it holds no longer fits on the disk.
async fn youtube(state: &Core, d: &Download, key: &str) -> Result<Stored, Failure> {
    let dir = Scratch::create(&state.config.tmp_dir(), "yt")
        .await
        .map_err(|e| Failure::retry(e.to_string()))?;
    let no_room =
        |short: Shortfall| Failure::permanent(format!("Could not download {}: {short}", d.url));
    // Every byte lands in the folder, then in the storage.
    let room = state.storage.room_with(&[dir.path()]);
    room.check(1).map_err(no_room)?;
    let max = room.allowance().map_or(state.config.max_upload_bytes, |a| {
        a.min(state.config.max_upload_bytes)
    });
    let out = dir.path().join(format!("{}.mp4", d.asset_id));
    let run = tokio::process::Command::new("yt-dlp")
        .args([
            "--no-playlist",
            "--quiet",
            "--no-progress",
            "-f",
            "best[ext=mp4]/best",
            "--remux-video",
            "mp4",
        ])
        .arg("--max-filesize")
        .arg(max.to_string())
        .arg("-o")
        .arg(&out)
        .arg(&d.url)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let watched = dir.run_within(&room, run);
    let result = match tokio::time::timeout(Duration::from_secs(3600), watched).await {
        Err(_) => Err(Failure::retry("yt-dlp took longer than an hour")),
        Ok(Err(short)) => Err(no_room(short)),
        Ok(Ok(run)) => match run {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Failure::permanent(
                "YouTube downloads need yt-dlp, which is not installed on this device.",
            )),
            Err(e) => Err(Failure::retry(format!("yt-dlp could not start: {e}"))),
            Ok(o) if !o.status.success() => Err(Failure::retry(format!(
                "yt-dlp failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))),
            Ok(_) => state
                .storage
                .put_file(&out, key)
                .await
                .map_err(|e| match e {
                    Error::InsufficientStorage(short) => no_room(short),
                    e => Failure::from(e),
                }),
        },
    };
    dir.remove().await;
    result
}

/// The download will not happen: the asset stops "processing" and says why.
pub async fn gave_up(state: &Core, job: &Job, message: &str) {
    let Ok(d) = job.payload::<Download>() else {
        return;
    };
    let scope = job.scope();
    let (s, id, msg) = (scope.clone(), d.asset_id.clone(), message.to_string());
    let updated = state
        .db
        .write(&scope, move |c| {
            let Some(mut a) = asset::get_locked(c, &s, &id)? else {
                return Ok(());
            };
            a.is_processing = false;
            let mut meta = a.metadata_map();
            meta.insert("error_message".into(), msg.into());
            meta.insert("failed_at".into(), Utc::now().to_rfc3339().into());
            a.set_metadata(meta);
            asset::update(c, &s, &a)
        })
        .await;
    if let Err(e) = updated {
        tracing::error!(error = %e, "could not mark a failed download");
    }
    state.events.publish(Event::AssetsChanged {
        tenant_id: scope.id().to_string(),
        asset_id: Some(d.asset_id),
    });
}
