//! Turns files a Pi's Chromium cannot show into ones it can: TIFF pictures into PNG (the
//! `image` crate), HEIC/HEIF pictures into JPEG (`heif-convert`, Debian's `libheif-examples`,
//! when installed), and videos whose codec or container Chromium does not play into H.264 MP4
//! (ffmpeg, when installed). Videos that play already are left alone. The asset keeps its id;
//! its file, size, SHA-256 and `uri` follow the new file, and the old file is removed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Failure, Job};
use crate::db::models::asset::{self, Asset};
use crate::events::Event;
use crate::services::context::Core;
use crate::storage::Storage;
use crate::storage::scratch::Scratch;

/// The job kind.
pub const KIND: &str = "normalise";

/// Which asset to look at.
#[derive(Debug, Serialize, Deserialize)]
pub struct Normalise {
    pub asset_id: String,
}

/// What a stored file needs, judged from its key and the asset's type.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// Shown as it is.
    Nothing,
    /// A picture in a format Chromium does not decode.
    Picture,
    /// A video in a container Chromium does not play: converted for sure.
    Video,
    /// A video in a container Chromium plays, whose codec may still need converting (HEVC).
    ProbeVideo,
}

/// The plan for `asset`'s stored file.
pub fn plan(asset: &Asset) -> Plan {
    let Some(key) = &asset.file_key else {
        return Plan::Nothing;
    };
    let ext = key.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if asset.is_video() {
        match ext.as_str() {
            "mp4" | "m4v" | "webm" | "mov" | "ogv" => Plan::ProbeVideo,
            _ => Plan::Video,
        }
    } else if matches!(ext.as_str(), "tif" | "tiff" | "heic" | "heif") {
        Plan::Picture
    } else {
        Plan::Nothing
    }
}

/// Video codecs Chromium plays on a Pi.
const PLAYABLE: &[&str] = &["h264", "vp8", "vp9", "av1", "theora"];

/// Converts one asset's file if it needs it, then queues its preview.
pub async fn run(state: &Core, job: &Job) -> Result<(), Failure> {
    let n: Normalise = job.payload()?;
    let scope = job.scope();
    let (s, id) = (scope.clone(), n.asset_id.clone());
    let Some(asset) = state
        .db
        .read(&scope, move |c| asset::get(c, &s, &id))
        .await?
    else {
        return Ok(());
    };
    let result = convert(state, &asset).await;
    let last_try = job.attempts >= job.max_attempts;
    let (new_file, failure) = match result {
        Ok(f) => (f, None),
        Err(f) if f.permanent || last_try => (None, Some(f.message.clone())),
        Err(f) => return Err(f),
    };
    let (s, id, old_key) = (scope.clone(), n.asset_id.clone(), asset.file_key.clone());
    let placed = new_file.as_ref().map(|(k, _, _)| k.clone());
    let failed = failure.clone();
    let kept = state
        .db
        .write(&scope, move |c| {
            // Locked, so an edit made meanwhile is neither lost nor able to undo this.
            let Some(a) = asset::get_locked(c, &s, &id)? else {
                return Ok(false);
            };
            if a.file_key != old_key {
                return Ok(false); // replaced meanwhile (a restore, an edit)
            }
            let mut meta = a.metadata_map();
            let mut file = (
                a.file_key.clone(),
                a.file_size,
                a.sha256.clone(),
                a.uri.clone(),
            );
            match (&new_file, &failed) {
                (Some((key, size, sha)), _) => {
                    let new_name = key.rsplit('/').next().unwrap_or_default().to_string();
                    if let (Some(uri), Some(old)) = (&a.uri, &old_key) {
                        let old_name = old.rsplit('/').next().unwrap_or_default();
                        file.3 = Some(uri.replace(old_name, &new_name));
                    }
                    file.0 = Some(key.clone());
                    file.1 = Some(*size as i64);
                    file.2 = Some(sha.clone());
                    meta.remove("error_message");
                }
                (None, Some(msg)) => {
                    meta.insert("error_message".into(), msg.clone().into());
                }
                (None, None) => {}
            }
            asset::set_file(
                c,
                &s,
                &id,
                &file,
                &serde_json::Value::Object(meta).to_string(),
            )?;
            if failed.is_none() {
                super::enqueue(
                    c,
                    &s,
                    super::thumbnail::KIND,
                    &super::thumbnail::Thumbnail {
                        asset_id: id.clone(),
                    },
                )?;
            }
            Ok(true)
        })
        .await?;
    match (kept, placed, &asset.file_key) {
        (true, Some(_), Some(old)) => {
            if let Err(e) = state.storage.operator().delete(old).await {
                tracing::warn!(key = %old, error = %e, "could not remove the original; the collector will");
            }
        }
        (false, Some(new), _) => {
            let _ = state.storage.operator().delete(&new).await;
        }
        _ => {}
    }
    if let Some(msg) = &failure {
        tracing::warn!(asset = %n.asset_id, error = %msg, "could not convert a file");
    }
    state.jobs.wake();
    state.events.publish(Event::AssetsChanged {
        tenant_id: scope.id().to_string(),
        asset_id: Some(n.asset_id),
    });
    Ok(())
}

/// The converted file's (key, size, sha256), or `None` when the file is fine as it is.
async fn convert(state: &Core, asset: &Asset) -> Result<Option<(String, u64, String)>, Failure> {
    let Some(key) = asset.file_key.clone() else {
        return Ok(None);
    };
    let plan = plan(asset);
    if plan == Plan::Nothing {
        return Ok(None);
    }
    let input =
        state.storage.tool_input(&key).await.ok_or_else(|| {
            Failure::permanent("this storage cannot hand files to conversion tools")
        })?;
    if plan == Plan::ProbeVideo {
        match crate::services::content::video_codec(&input).await {
            // Without ffprobe the file stays as uploaded (most files in these containers play).
            Err(()) => return Ok(None),
            // ffprobe is there and finds no video it can read: a screen could not either, so
            // the item is marked failed with the reason instead of being skipped unnoticed. A
            // file read over the network (S3) may have failed to arrive: that is tried again.
            Ok(None) => {
                let why = "This video cannot be read: no picture stream in it can be decoded. \
                           Export it again as MP4 (H.264) and upload that.";
                return Err(if !input.starts_with("http") {
                    Failure::permanent(why)
                } else {
                    Failure::retry(why)
                });
            }
            Ok(Some(codec)) if PLAYABLE.contains(&codec.as_str()) => return Ok(None),
            Ok(Some(_)) => {}
        }
    }
    // A folder of its own, locked while the tools run and removed after (or swept after a
    // crash).
    let scratch = Scratch::create(&state.config.tmp_dir(), "convert")
        .await
        .map_err(|e| Failure::retry(format!("cannot make a working folder: {e}")))?;
    let work = scratch.path().to_path_buf();
    let ext = key.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let tmp = work.join(format!(
        "{}-{}",
        asset.asset_id,
        uuid::Uuid::new_v4().simple()
    ));
    let (converted, new_ext) = match (plan, ext.as_str()) {
        (Plan::Picture, "tif" | "tiff") => (tiff_to_png(state, &key, &tmp).await, "png"),
        (Plan::Picture, _) => (heic_to_jpeg(state, &key, &tmp, &work).await, "jpg"),
        // ffmpeg's output is watched: it lands in the folder, then in the storage.
        _ => {
            let room = state.storage.room_with(&[&work]);
            let converted = scratch
                .run_within(&room, to_h264(&input, &tmp))
                .await
                .unwrap_or_else(|short| Err(Failure::permanent(short.to_string())));
            (converted, "mp4")
        }
    };
    let out = match converted {
        Ok(out) => out,
        Err(f) => {
            // Whatever a failed tool left behind goes too.
            let _ = tokio::fs::remove_file(tmp.with_extension(new_ext)).await;
            return Err(f);
        }
    };
    let scope = crate::tenancy::TenantScope::new(asset.tenant_id.clone());
    // A name of its own: an HEVC `.mp4` converts to an `.mp4` too, and the original must stay
    // intact until the row points at the new file.
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let new_key = Storage::tenant_key(
        &scope,
        &format!("assets/{}-{suffix}.{new_ext}", asset.asset_id),
    );
    let stored = state.storage.put_file(&out, &new_key).await;
    scratch.remove().await;
    let stored = stored.map_err(Failure::from)?;
    Ok(Some((new_key, stored.size, stored.sha256)))
}

/// Largest picture decoded for conversion.
const MAX_PICTURE: u64 = 128 * 1024 * 1024;

async fn tiff_to_png(state: &Core, key: &str, tmp: &Path) -> Result<PathBuf, Failure> {
    let op = state.storage.operator();
    let size = op
        .stat(key)
        .await
        .map_err(|e| Failure::retry(e.to_string()))?
        .content_length();
    if size > MAX_PICTURE {
        return Err(Failure::permanent(
            "The TIFF is too large to convert (128 MB at most).",
        ));
    }
    let bytes = op
        .read(key)
        .await
        .map_err(|e| Failure::retry(e.to_string()))?
        .to_vec();
    let out = tmp.with_extension("png");
    let path = out.clone();
    tokio::task::spawn_blocking(move || {
        let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| Failure::permanent(e.to_string()))?;
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(1024 * 1024 * 1024);
        reader.limits(limits);
        let picture = reader
            .decode()
            .map_err(|e| Failure::permanent(format!("The TIFF cannot be read: {e}")))?;
        picture
            .save_with_format(&path, image::ImageFormat::Png)
            .map_err(|e| Failure::retry(e.to_string()))
    })
    .await
    .map_err(|e| Failure::retry(e.to_string()))??;
    Ok(out)
}

async fn heic_to_jpeg(
    state: &Core,
    key: &str,
    tmp: &Path,
    work: &Path,
) -> Result<PathBuf, Failure> {
    // heif-convert reads files only: copy the picture out of the storage first.
    let input = work.join(format!(
        "{}.heic",
        tmp.file_name().and_then(|n| n.to_str()).unwrap_or("in")
    ));
    let size = state
        .storage
        .operator()
        .stat(key)
        .await
        .map_err(|e| Failure::retry(e.to_string()))?
        .content_length();
    if size > MAX_PICTURE {
        return Err(Failure::permanent(
            "The HEIC picture is too large to convert (128 MB at most).",
        ));
    }
    let bytes = state
        .storage
        .operator()
        .read(key)
        .await
        .map_err(|e| Failure::retry(e.to_string()))?
        .to_vec();
    tokio::fs::write(&input, bytes)
        .await
        .map_err(|e| Failure::retry(e.to_string()))?;
    let out = tmp.with_extension("jpg");
    let result = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new("heif-convert")
            .args(["-q", "90"])
            .arg(&input)
            .arg(&out)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await;
    let _ = tokio::fs::remove_file(&input).await;
    match result {
        Err(_) => Err(Failure::permanent(
            "heif-convert took longer than two minutes",
        )),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(Failure::permanent(
            "HEIC pictures need heif-convert to be shown (Debian package libheif-examples); install it and upload again",
        )),
        Ok(Err(e)) => Err(Failure::retry(e.to_string())),
        Ok(Ok(o)) if o.status.success() => Ok(out),
        Ok(Ok(o)) => Err(Failure::permanent(format!(
            "heif-convert could not read the picture: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ))),
    }
}

async fn to_h264(input: &str, tmp: &Path) -> Result<PathBuf, Failure> {
    let out = tmp.with_extension("mp4");
    let result = tokio::time::timeout(
        Duration::from_secs(3 * 3600),
        tokio::process::Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-nostdin",
                "-protocol_whitelist",
                crate::services::content::protocols_for(input),
            ])
            .args(["-format_whitelist", crate::services::content::FILE_FORMATS])
            .arg("-i")
            .arg(input)
            .args([
                "-map",
                "0:v:0",
                "-map",
                "0:a:0?",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "23",
                "-pix_fmt",
                "yuv420p",
                "-vf",
                "scale=trunc(iw/2)*2:trunc(ih/2)*2",
                "-c:a",
                "aac",
                "-b:a",
                "128k",
                "-movflags",
                "+faststart",
                "-y",
            ])
            .arg(&out)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await;
    match result {
        Err(_) => {
            let _ = tokio::fs::remove_file(&out).await;
            Err(Failure::permanent(
                "converting the video took longer than three hours",
            ))
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(Failure::permanent(
            "this video format needs ffmpeg to be converted for the screen (Debian package ffmpeg); install it and upload again",
        )),
        Ok(Err(e)) => Err(Failure::retry(e.to_string())),
        Ok(Ok(o)) if o.status.success() => Ok(out),
        Ok(Ok(o)) => {
            let _ = tokio::fs::remove_file(&out).await;
            Err(Failure::permanent(format!(
                "ffmpeg could not convert the video: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )))
        }
    }
}
