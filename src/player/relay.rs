//! `GET /media/<asset_id>/live`: a stream the browser cannot open itself (RTSP cameras, RTMP,
//! SRT, UDP, HLS/DASH playlists…) relayed through ffmpeg as fragmented MP4, which a `<video>` element plays as it
//! arrives. The video is copied, not transcoded (H.264 cameras cost next to no CPU); ffmpeg
//! stops when the screen disconnects. Without ffmpeg the playlist keeps the stream's own URL
//! and the player skips it with a logged reason.

use std::process::Stdio;
use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use bytes::Bytes;
use futures_util::stream;
use tokio::io::AsyncReadExt;

use super::Screen;
use crate::api::error::LegacyError;
use crate::db::models::asset::Asset;
use crate::services::content;

/// Whether ffmpeg can be run here (checked once).
pub fn available() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        std::process::Command::new("ffmpeg")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Whether the screen needs the relay for this asset: a stream whose scheme a browser cannot
/// open.
pub fn needed(a: &Asset) -> bool {
    let streaming = a
        .mimetype
        .as_deref()
        .is_some_and(|m| m.contains("streaming"));
    let scheme = a
        .uri
        .as_deref()
        .and_then(|u| u.split_once("://"))
        .map(|(s, _)| s);
    streaming
        && matches!(
            scheme,
            Some("rtsp" | "rtsps" | "rtmp" | "rtmps" | "srt" | "udp" | "rtp" | "mms" | "mmsh")
        )
}

/// `GET /media/<asset_id>/live`
pub async fn live(screen: Screen, id: web::Path<String>) -> Result<HttpResponse, LegacyError> {
    let dev = screen.0;
    let asset = dev.asset(&id).await?;
    let uri = asset
        .uri
        .clone()
        .filter(|_| needed(&asset))
        .ok_or_else(|| {
            LegacyError::detail(404, "This asset is not a stream that needs relaying.")
        })?;
    if !available() {
        return Err(LegacyError::detail(
            503,
            "Relaying streams needs ffmpeg, which is not installed.",
        ));
    }
    if !content::may_fetch(&uri, dev.state.config.allow_private_urls).await {
        return Err(LegacyError::detail(
            403,
            "The stream is on a private network and allow_private_urls is off.",
        ));
    }
    let mut cmd = tokio::process::Command::new("ffmpeg");
    cmd.args([
        "-v",
        "error",
        "-nostdin",
        "-protocol_whitelist",
        content::NETWORK_PROTOCOLS,
    ]);
    if uri.starts_with("rtsp") {
        cmd.args(["-rtsp_transport", "tcp"]);
    }
    cmd.arg("-i")
        .arg(&uri)
        .args([
            "-map",
            "0:v:0",
            "-c:v",
            "copy",
            "-an",
            "-f",
            "mp4",
            "-movflags",
            "frag_keyframe+empty_moov+default_base_moof",
            "pipe:1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| LegacyError::detail(503, format!("ffmpeg could not start: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| LegacyError::error(500, "ffmpeg has no output"))?;
    tracing::info!(asset = %asset.asset_id, "relaying a stream");
    // The child travels with the stream: when the screen goes away the body is dropped, and
    // with it ffmpeg (kill_on_drop).
    let body = stream::unfold((child, stdout), |(child, mut out)| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match out.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, actix_web::Error>(Bytes::from(buf)), (child, out)))
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("video/mp4")
        .insert_header(("Cache-Control", "no-store"))
        .streaming(body))
}
