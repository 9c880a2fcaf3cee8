//! File endpoints: uploads (`file_asset`, resumable), asset content, backup and recover.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use futures_util::StreamExt;
use serde_json::json;

use crate::api::error::LegacyError;
use crate::api::extract::Device;
use crate::events::Event;
use crate::host;
use crate::services::{backup, quota, uploads};
use crate::storage::Storage;
use crate::storage::scratch::Scratch;

/// Largest file the Anthias `content` endpoint inlines as base64 (it holds the file, its
/// base64 and the JSON in memory at once: ~3.5× this per request).
const MAX_INLINE_CONTENT: u64 = 16 * 1024 * 1024;

/// Python's `mimetypes.guess_type` for the types signage uses.
fn guess_type(name: &str) -> Option<String> {
    mime_guess::from_path(name)
        .first()
        .map(|m| m.essence_str().to_string())
}

/// Python's `mimetypes.guess_extension` for a type, else the name's own extension.
fn guess_extension(mime: &str, name: &str) -> String {
    let known = match mime {
        "image/jpeg" => ".jpg",
        "image/png" => ".png",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "image/svg+xml" => ".svg",
        "image/bmp" => ".bmp",
        "image/tiff" => ".tiff",
        "image/avif" => ".avif",
        "image/heic" => ".heic",
        "video/mp4" => ".mp4",
        "video/webm" => ".webm",
        "video/quicktime" => ".mov",
        "video/x-matroska" => ".mkv",
        "video/x-msvideo" => ".avi",
        "video/mpeg" => ".mpeg",
        "video/ogg" => ".ogv",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    name.rfind('.')
        .map(|i| name[i..].to_ascii_lowercase())
        .filter(|e| crate::services::content::valid_ext(e))
        .unwrap_or_default()
}

/// The request's declared length, if any.
fn content_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// `bytes S-E/T`, with upstream's two messages.
fn parse_content_range(raw: &str) -> Result<(u64, u64, u64), LegacyError> {
    let malformed = || LegacyError::scalar("Content-Range", "Malformed Content-Range header.");
    let rest = raw.trim().strip_prefix("bytes ").ok_or_else(malformed)?;
    let (range, total) = rest.split_once('/').ok_or_else(malformed)?;
    let (start, end) = range.split_once('-').ok_or_else(malformed)?;
    let num = |s: &str| -> Result<u64, LegacyError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        s.parse().map_err(|_| malformed())
    };
    let (s, e, t) = (num(start)?, num(end)?, num(total)?);
    if e < s || e >= t {
        return Err(LegacyError::scalar(
            "Content-Range",
            "Invalid Content-Range bounds.",
        ));
    }
    Ok((s, e, t))
}

/// `POST /api/<v>/file_asset`: multipart `file_upload`, whole or as `Content-Range` chunks of
/// one `X-Upload-Id`. Streams to storage.
pub async fn file_asset(
    dev: Device,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, LegacyError> {
    let no_file = || LegacyError::scalar("file_upload", "No file uploaded.");
    if !is_multipart(&req) {
        return Err(no_file());
    }
    let range = match req.headers().get(header::CONTENT_RANGE) {
        Some(v) => Some(parse_content_range(v.to_str().unwrap_or(""))?),
        None => None,
    };
    let upload_id = match (&range, req.headers().get("x-upload-id")) {
        (Some(_), Some(id)) => {
            let id = id.to_str().unwrap_or("").trim().to_ascii_lowercase();
            if !uploads::is_upload_id(&id) {
                return Err(LegacyError::scalar("X-Upload-Id", "Malformed upload id."));
            }
            id
        }
        _ => uuid::Uuid::new_v4().simple().to_string(),
    };
    // Limits are checked before a byte is stored: the declared size of a chunked upload against
    // the quota and the size limit; a whole upload is cut off as soon as it passes them.
    let max = dev.state.config.max_upload_bytes;
    let headroom = quota::headroom_of(&dev.ctx()).await?;
    let room = headroom.map(|(q, used)| q.saturating_sub(used));
    let too_big = || {
        LegacyError::detail(
            413,
            format!(
                "The file is larger than the {} allowed.",
                host::filesizeformat(max)
            ),
        )
    };
    let over_quota = || match headroom {
        Some((q, used)) => LegacyError::limit_exceeded(format!(
            "This upload does not fit in the storage quota: {} of {} used.",
            host::filesizeformat(used),
            host::filesizeformat(q)
        )),
        None => LegacyError::limit_exceeded("Storage quota exceeded."),
    };
    if let Some((_, _, total)) = range {
        if total > max {
            return Err(too_big());
        }
        if room.is_some_and(|r| total > r) {
            return Err(over_quota());
        }
    }
    let limit = room.map_or(max, |r| r.min(max));
    let mut form = Multipart::new(req.headers(), payload);
    while let Some(field) = form.next().await {
        let field = field
            .map_err(|e| LegacyError::detail(400, format!("Multipart form parse error - {e}")))?;
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let (true, Some(filename)) = (field.name() == Some("file_upload"), filename) else {
            continue;
        };
        let mime = guess_type(&filename)
            .filter(|m| m.starts_with("image/") || m.starts_with("video/"))
            .ok_or_else(|| {
                LegacyError::scalar("file_upload", "Invalid file type. Expected image or video.")
            })?;
        let chunk = match range {
            Some((s, e, t)) => uploads::Chunk::range(s, e, t),
            None => uploads::Chunk::whole(content_length(&req)),
        };
        let storage = &dev.state.storage;
        let written =
            uploads::write_part(storage, &dev.scope, &upload_id, chunk, limit, field).await;
        match written {
            Ok(_) => {}
            Err(uploads::UploadError::LengthMismatch) => {
                return Err(LegacyError::scalar(
                    "Content-Range",
                    "Chunk length does not match the declared range.",
                ));
            }
            Err(e @ (uploads::UploadError::DiskFull | uploads::UploadError::NoRoom(_))) => {
                return Err(LegacyError::error(507, e.to_string()));
            }
            Err(uploads::UploadError::Interrupted(e)) => {
                return Err(LegacyError::detail(
                    400,
                    format!("The upload was interrupted: {e}"),
                ));
            }
            Err(uploads::UploadError::Storage(e)) => return Err(e.into()),
            Err(uploads::UploadError::NotMedia(why)) => {
                return Err(LegacyError::scalar("file_upload", why.to_string()));
            }
            Err(uploads::UploadError::TooLarge) if room.is_some_and(|r| r < max) => {
                return Err(over_quota());
            }
            Err(uploads::UploadError::TooLarge) => return Err(too_big()),
        }
        let asset_dir = dev.state.config.asset_dir();
        return Ok(HttpResponse::Ok().json(json!({
            "uri": format!("{asset_dir}/{upload_id}.tmp"),
            "ext": guess_extension(&mime, &filename),
            "upload_id": upload_id,
        })));
    }
    Err(no_file())
}

/// `GET /api/<v>/assets/<id>/content`: the file inline (base64) or the URL.
pub async fn content(dev: Device, id: web::Path<String>) -> Result<HttpResponse, LegacyError> {
    let asset = dev.asset(&id).await?;
    if let Some(key) = &asset.file_key
        && let Ok(meta) = dev.state.storage.operator().stat(key).await
    {
        if meta.content_length() > MAX_INLINE_CONTENT {
            return Err(LegacyError::detail(
                413,
                "The file is too large to inline; download it from the asset's URI instead.",
            ));
        }
        let bytes = dev
            .state
            .storage
            .operator()
            .read(key)
            .await
            .map_err(crate::error::Error::from)?
            .to_vec();
        let name = asset.name.clone().unwrap_or_default();
        return Ok(HttpResponse::Ok().json(json!({
            "type": "file",
            "filename": name,
            "content": base64::engine::general_purpose::STANDARD.encode(bytes),
            "mimetype": guess_type(&name).unwrap_or_else(|| "application/octet-stream".into()),
        })));
    }
    match asset.uri {
        Some(uri) => Ok(HttpResponse::Ok().json(json!({ "type": "url", "url": uri }))),
        None => Err(LegacyError::detail(404, "Asset has no content URI.")),
    }
}

fn backup_key(dev: &Device, name: &str) -> String {
    Storage::tenant_key(&dev.scope, &format!("backups/{name}"))
}

/// `POST /api/<v>/backup`: writes an archive and answers its name (201), to be fetched from
/// `/static_with_mime/<name>`.
pub async fn backup(dev: Device) -> Result<HttpResponse, LegacyError> {
    let name = backup::archive_name(&dev.settings.player_name);
    let key = backup_key(&dev, &name);
    backup::create(&dev.state.db, &dev.state.storage, &dev.scope, &key).await?;
    tracing::info!(%name, "backup written");
    Ok(HttpResponse::Created().json(name))
}

/// `GET /static_with_mime/<name>[?mime=…]`: a backup made by `POST /api/<v>/backup`.
pub async fn download_backup(
    dev: Device,
    name: web::Path<String>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, LegacyError> {
    let name = name.into_inner();
    if !crate::services::content::valid_file_name(&name) {
        return Err(LegacyError::detail(404, "Not found."));
    }
    let key = backup_key(&dev, &name);
    let op = dev.state.storage.operator();
    let meta = op
        .stat(&key)
        .await
        .map_err(|_| LegacyError::detail(404, "Not found."))?;
    const ALLOWED: &[&str] = &[
        "application/gzip",
        "application/octet-stream",
        "application/x-gzip",
        "application/x-tar",
        "application/x-tgz",
        "application/zip",
    ];
    let mime = query
        .get("mime")
        .filter(|m| ALLOWED.contains(&m.as_str()))
        .cloned()
        .unwrap_or_else(|| "application/x-tgz".into());
    let stream = op
        .reader(&key)
        .await
        .map_err(crate::error::Error::from)?
        .into_bytes_stream(..)
        .await
        .map_err(crate::error::Error::from)?;
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CONTENT_LENGTH, meta.content_length()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(stream))
}

/// Whether Python's `mimetypes` calls the file a tar (with or without compression).
fn is_tar_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".taz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.z",
        ".tar.br",
    ]
    .iter()
    .any(|ext| n.ends_with(ext))
}

/// `POST /api/<v>/recover`: multipart `backup_upload`, a Signate or an Anthias backup.
pub async fn recover(
    dev: Device,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, LegacyError> {
    let missing = || LegacyError::scalar("backup_upload", "No backup file uploaded.");
    if !is_multipart(&req) {
        return Err(missing());
    }
    // Locked while the restore runs and removed after it, or by the collector after a crash.
    let work = Scratch::create(&dev.state.config.tmp_dir(), "recover")
        .await
        .map_err(|e| LegacyError::error(500, format!("cannot stage the backup: {e}")))?;
    let result = recover_into(&dev, req, payload, work.path()).await;
    work.remove().await;
    result
}

async fn recover_into(
    dev: &Device,
    req: HttpRequest,
    payload: web::Payload,
    work: &std::path::Path,
) -> Result<HttpResponse, LegacyError> {
    use tokio::io::AsyncWriteExt;
    let archive = work.join("upload.tar.gz");
    // The archive itself lands in the staging folder: refused before it is read when its
    // declared length cannot fit, cut off when the bytes counted do not.
    let mut room = dev.state.storage.disk().room(&[work]);
    let no_room = |short| LegacyError::from(crate::error::Error::InsufficientStorage(short));
    if let Some(len) = content_length(&req) {
        room.check(len).map_err(no_room)?;
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut got = false;
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| LegacyError::detail(400, format!("Multipart form parse error - {e}")))?;
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let (true, Some(filename)) = (field.name() == Some("backup_upload"), filename) else {
            continue;
        };
        if !is_tar_name(&filename) {
            return Err(LegacyError::scalar(
                "backup_upload",
                "Incorrect file extension.",
            ));
        }
        let mut file = tokio::fs::File::create(&archive)
            .await
            .map_err(|e| LegacyError::error(500, format!("cannot stage the backup: {e}")))?;
        let max = dev.state.config.max_upload_bytes;
        let mut size = 0u64;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                LegacyError::detail(400, format!("The upload was interrupted: {e}"))
            })?;
            size += chunk.len() as u64;
            if size > max {
                return Err(LegacyError::detail(
                    413,
                    format!(
                        "The backup is larger than the {} allowed.",
                        host::filesizeformat(max)
                    ),
                ));
            }
            room.take(chunk.len() as u64).map_err(no_room)?;
            if let Err(e) = file.write_all(&chunk).await {
                return Err(match e.kind() {
                    std::io::ErrorKind::StorageFull => no_room(room.exhausted(size)),
                    _ => LegacyError::error(500, format!("cannot stage the backup: {e}")),
                });
            }
        }
        file.flush()
            .await
            .map_err(|e| LegacyError::error(500, e.to_string()))?;
        got = true;
        break;
    }
    if !got {
        return Err(LegacyError::scalar(
            "backup_upload",
            "No backup file uploaded.",
        ));
    }
    let tenant_id = dev.scope.id().to_string();
    dev.state.events.publish(Event::ViewerCommand {
        tenant_id: tenant_id.clone(),
        command: "stop".into(),
    });
    let restored = backup::restore(&dev.state, &dev.scope, &archive, work).await;
    dev.state.events.publish(Event::ViewerCommand {
        tenant_id: tenant_id.clone(),
        command: "play".into(),
    });
    match restored {
        Ok(report) => {
            tracing::info!(
                assets = report.restored,
                skipped = report.skipped.len(),
                repaired = report.repaired.len(),
                "backup restored"
            );
            dev.state.events.publish(Event::AssetsChanged {
                tenant_id: tenant_id.clone(),
                asset_id: None,
            });
            dev.state
                .events
                .publish(Event::SettingsChanged { tenant_id });
            // Anthias's answer, which clients compare; what was skipped or repaired rides in a
            // header of its own.
            Ok(HttpResponse::Ok()
                .insert_header((REPORT_HEADER, report_header(&report)))
                .json("Recovery successful."))
        }
        Err(backup::RestoreError::Refused(why)) => {
            tracing::warn!(%why, "backup refused");
            Err(LegacyError::scalar(
                "backup_upload",
                format!("Invalid backup archive: {why}"),
            ))
        }
        Err(backup::RestoreError::Invalid(why)) => {
            tracing::warn!(%why, "backup refused");
            Err(LegacyError::scalar(
                "backup_upload",
                "Invalid backup archive.",
            ))
        }
        Err(backup::RestoreError::Other(e)) => Err(e.into()),
    }
}

/// The header that reports what a restore skipped and repaired.
const REPORT_HEADER: &str = "Signate-Restore-Report";
/// Longest report header: proxies and clients refuse long header sections (8 KiB is common).
const MAX_REPORT_HEADER: usize = 6 * 1024;

/// The restore report as a header value: compact JSON `{"restored", "skipped", "repaired",
/// "omitted"}`, ASCII only (other characters as `\u` escapes, so any name can travel), and
/// bounded: notes past [`MAX_REPORT_HEADER`] are left out and counted in `omitted` (the log
/// has them all).
fn report_header(report: &backup::Report) -> String {
    let mut left = MAX_REPORT_HEADER - 100;
    let mut omitted = 0usize;
    let mut list = |notes: &[backup::Note]| {
        let mut shown = Vec::new();
        for n in notes {
            let text = ascii_json(n);
            if text.len() < left {
                left -= text.len() + 1;
                shown.push(text);
            } else {
                omitted += 1;
            }
        }
        shown.join(",")
    };
    let skipped = list(&report.skipped);
    let repaired = list(&report.repaired);
    format!(
        r#"{{"restored":{},"skipped":[{skipped}],"repaired":[{repaired}],"omitted":{omitted}}}"#,
        report.restored
    )
}

/// JSON with every character outside printable ASCII written as a `\u` escape (only strings
/// hold such characters, so the result is the same JSON).
fn ascii_json(value: &impl serde::Serialize) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 0-9/20").unwrap(), (0, 9, 20));
        assert!(parse_content_range("bytes 0-9/*").is_err());
        assert!(parse_content_range("bytes 10-9/20").is_err());
        assert!(parse_content_range("bytes 0-20/20").is_err());
        assert!(parse_content_range("items 0-1/2").is_err());
    }

    #[test]
    fn tar_names() {
        for ok in ["a.tar", "Lobby-2026.tar.gz", "x.TGZ"] {
            assert!(is_tar_name(ok), "{ok}");
        }
        for bad in ["a.zip", "a.gz", "tar"] {
            assert!(!is_tar_name(bad), "{bad}");
        }
    }

    #[test]
    fn extensions() {
        assert_eq!(guess_extension("image/jpeg", "a.jpeg"), ".jpg");
        assert_eq!(guess_extension("video/mp4", "a.MP4"), ".mp4");
        // A name's own extension is kept only when it names a picture or video type.
        assert_eq!(guess_extension("image/x-unknown", "a.xyz"), "");
        assert_eq!(guess_extension("image/x-unknown", "a.JFIF"), ".jfif");
        assert_eq!(guess_type("clip.mp4").as_deref(), Some("video/mp4"));
        assert_eq!(guess_type("doc.pdf").as_deref(), Some("application/pdf"));
    }

    #[test]
    fn restore_reports_fit_in_a_header() {
        let note = |i: usize| backup::Note {
            asset_id: format!("a{i}"),
            name: Some("Café\r\n\u{7f}".into()),
            detail: "x".repeat(200),
        };
        let report = backup::Report {
            restored: 3,
            skipped: (0..100).map(note).collect(),
            repaired: vec![note(100)],
        };
        let header = report_header(&report);
        assert!(header.len() <= MAX_REPORT_HEADER, "{}", header.len());
        assert!(actix_web::http::header::HeaderValue::from_str(&header).is_ok());
        let v: serde_json::Value = serde_json::from_str(&header).unwrap();
        assert_eq!(v["skipped"][0]["name"], "Café\r\n\u{7f}");
        let shown =
            v["skipped"].as_array().unwrap().len() + v["repaired"].as_array().unwrap().len();
        assert_eq!(shown as u64 + v["omitted"].as_u64().unwrap(), 101);
        assert!(shown > 10, "{shown}");
    }
}
