//! Makes a small JPEG preview of a stored image (decoded with the `image` crate) or video (a
//! frame taken by ffmpeg, when installed; without it the asset simply has no preview). Big
//! pictures are refused rather than decoded, so a Pi never runs out of memory on one.

use std::io::Cursor;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};

use super::{Failure, Job};
use crate::db::models::asset;
use crate::events::Event;
use crate::services::context::Core;
use crate::storage::Storage;

/// The job kind.
pub const KIND: &str = "thumbnail";
/// The preview fits in this box.
const WIDTH: u32 = 320;
const HEIGHT: u32 = 180;
/// Largest image file decoded, and the largest decoded size accepted.
const MAX_FILE: u64 = 64 * 1024 * 1024;
const MAX_DECODED: u64 = 256 * 1024 * 1024;

/// Which asset wants a preview.
#[derive(Debug, Serialize, Deserialize)]
pub struct Thumbnail {
    pub asset_id: String,
}

/// The key a preview of `asset_id` is stored under.
pub fn key(scope: &crate::tenancy::TenantScope, asset_id: &str) -> String {
    Storage::tenant_key(scope, &format!("thumbnails/{asset_id}.jpg"))
}

/// Makes one preview.
pub async fn run(state: &Core, job: &Job) -> Result<(), Failure> {
    let t: Thumbnail = job.payload()?;
    let scope = job.scope();
    let (s, id) = (scope.clone(), t.asset_id.clone());
    let Some(asset) = state
        .db
        .read(&scope, move |c| asset::get(c, &s, &id))
        .await?
    else {
        return Ok(());
    };
    let Some(file_key) = asset.file_key.clone() else {
        return Ok(());
    };
    let jpeg = if asset.is_video() {
        match video_frame(state, &file_key).await? {
            Some(j) => j,
            None => return Ok(()), // no ffmpeg or not on local disk: no preview
        }
    } else {
        let size = state
            .storage
            .operator()
            .stat(&file_key)
            .await
            .map_err(|e| Failure::retry(e.to_string()))?
            .content_length();
        if size > MAX_FILE {
            return Err(Failure::permanent("The picture is too large to preview."));
        }
        let bytes = state
            .storage
            .operator()
            .read(&file_key)
            .await
            .map_err(|e| Failure::retry(e.to_string()))?
            .to_vec();
        tokio::task::spawn_blocking(move || image_thumbnail(&bytes))
            .await
            .map_err(|e| Failure::retry(e.to_string()))??
    };
    let thumb = key(&scope, &t.asset_id);
    state
        .storage
        .operator()
        .write(&thumb, jpeg)
        .await
        .map_err(|e| Failure::retry(e.to_string()))?;
    let (s, id, k) = (scope.clone(), t.asset_id.clone(), thumb.clone());
    let kept = state
        .db
        .write(&scope, move |c| {
            let Some(mut a) = asset::get_locked(c, &s, &id)? else {
                return Ok(false);
            };
            a.thumbnail_key = Some(k);
            asset::update(c, &s, &a)?;
            Ok(true)
        })
        .await?;
    if !kept {
        let _ = state.storage.operator().delete(&thumb).await;
        return Ok(());
    }
    state.events.publish(Event::AssetsChanged {
        tenant_id: scope.id().to_string(),
        asset_id: Some(t.asset_id),
    });
    Ok(())
}

/// Decodes, fits into the preview box and encodes as JPEG. Blocking.
pub fn image_thumbnail(bytes: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Failure::permanent(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED);
    reader.limits(limits);
    let picture = reader
        .decode()
        .map_err(|e| Failure::permanent(format!("The picture cannot be read: {e}")))?;
    let small = picture.thumbnail(WIDTH, HEIGHT);
    let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
    let mut out = Cursor::new(Vec::new());
    rgb.write_to(&mut out, ImageFormat::Jpeg)
        .map_err(|e| Failure::permanent(e.to_string()))?;
    Ok(out.into_inner())
}

/// A frame one second in (or the first), scaled to the preview box, through ffmpeg (reading
/// the file on disk, or S3 through a presigned URL).
async fn video_frame(state: &Core, file_key: &str) -> Result<Option<Vec<u8>>, Failure> {
    let Some(input) = state.storage.tool_input(file_key).await else {
        return Ok(None);
    };
    let out = match tokio::time::timeout(Duration::from_secs(60), ffmpeg_frame(&input, Some("1")))
        .await
    {
        Ok(Ok(o)) => o,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Ok(Err(e)) => return Err(Failure::retry(e.to_string())),
        Err(_) => return Err(Failure::permanent("ffmpeg took longer than a minute")),
    };
    if out.status.success() && !out.stdout.is_empty() {
        return Ok(Some(out.stdout));
    }
    // Shorter than a second: take the first frame instead.
    let out = tokio::time::timeout(Duration::from_secs(60), ffmpeg_frame(&input, None))
        .await
        .map_err(|_| Failure::permanent("ffmpeg took longer than a minute"))?
        .map_err(|e| Failure::retry(e.to_string()))?;
    if out.status.success() && !out.stdout.is_empty() {
        Ok(Some(out.stdout))
    } else {
        Err(Failure::permanent(format!(
            "ffmpeg could not take a frame: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// One JPEG frame of `input` (at `seek` seconds, else the first) on stdout.
async fn ffmpeg_frame(input: &str, seek: Option<&str>) -> std::io::Result<std::process::Output> {
    let filter = format!("scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease");
    let protocols = crate::services::content::protocols_for(input);
    let mut cmd = tokio::process::Command::new("ffmpeg");
    cmd.args(["-v", "error", "-protocol_whitelist", protocols])
        .args(["-format_whitelist", crate::services::content::FILE_FORMATS]);
    if let Some(at) = seek {
        cmd.args(["-ss", at]);
    }
    cmd.arg("-i")
        .arg(input)
        .args([
            "-frames:v",
            "1",
            "-vf",
            &filter,
            "-f",
            "image2",
            "-c:v",
            "mjpeg",
            "pipe:1",
        ])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_the_box_and_refuses_garbage() {
        let mut png = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            1600,
            400,
            image::Rgb([200, 10, 10]),
        ))
        .write_to(&mut png, ImageFormat::Png)
        .unwrap();
        let jpeg = image_thumbnail(png.get_ref()).unwrap();
        let thumb = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 80));
        assert!(image_thumbnail(b"not a picture").is_err());
    }
}
