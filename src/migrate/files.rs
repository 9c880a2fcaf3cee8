//! Moving one stored file: fetched from the source into the work directory (resuming a partial
//! download with `Range` where the source allows it), hashed, then sent to the target's
//! resumable `file_asset` in chunks whose acknowledgements are written down one by one, so a
//! run killed at any byte continues where it stopped. At the end the target's copy is read
//! back and hashed.

use std::collections::BTreeSet;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use base64::Engine;
use futures_util::StreamExt;
use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::MigrateError;
use super::http::{Source, Target, cause, message};
use super::progress::Progress;
use crate::domain::migration::{SourceAsset, chunks, printable, upload_id};

/// A source file in the work directory, whole and hashed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fetched {
    pub size: u64,
    pub sha256: String,
    pub ext: String,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> MigrateError {
    MigrateError::Io(format!("{what} {}: {e}", path.display()))
}

/// Where the work directory keeps one source asset's bytes.
fn paths(work: &Path, id: &str) -> (PathBuf, PathBuf, PathBuf) {
    (
        work.join(format!("{id}.part")),
        work.join(format!("{id}.file")),
        work.join(format!("{id}.json")),
    )
}

/// The size of a source file without fetching it, when the source says (Signate's `/media`).
pub async fn source_size(source: &Source, src: &SourceAsset) -> Option<u64> {
    let resp = source
        .request(Method::HEAD, &format!("/media/{}", src.asset_id))
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    resp.headers()
        .get(reqwest::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Fetches the bytes of `src` into the work directory (or finds them there from an earlier
/// run) and answers their size and hash.
pub async fn fetch(
    source: &Source,
    src: &SourceAsset,
    work: &Path,
    progress: &mut Progress,
) -> Result<Fetched, MigrateError> {
    let (part, whole, info) = paths(work, &src.asset_id);
    if let Ok(text) = tokio::fs::read(&info).await
        && let Ok(f) = serde_json::from_slice::<Fetched>(&text)
        && tokio::fs::metadata(&whole).await.map(|m| m.len()).ok() == Some(f.size)
    {
        return Ok(f);
    }
    // Signate serves stored files at /media/<id>, with Range; Anthias only inlines them in
    // the v2 content answer, whole.
    let have = tokio::fs::metadata(&part).await.map_or(0, |m| m.len());
    let etag = tokio::fs::read_to_string(etag_path(work, &src.asset_id))
        .await
        .ok();
    let mut req = source.request(Method::GET, &format!("/media/{}", src.asset_id));
    if have > 0 {
        req = req.header(RANGE, format!("bytes={have}-"));
        // Only the same file continues; a changed one comes whole (200) and starts over.
        if let Some(tag) = &etag {
            req = req.header(reqwest::header::IF_RANGE, tag.trim());
        }
    }
    let resp = req.send().await.map_err(|e| source.unreachable(e))?;
    let status = resp.status();
    let continues_at = resp
        .headers()
        .get(reqwest::header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes "))
        .and_then(|v| v.split('-').next())
        .and_then(|v| v.parse::<u64>().ok());
    if status == StatusCode::RANGE_NOT_SATISFIABLE && have > 0 && etag.is_some() {
        // The whole file had arrived when the earlier run stopped.
    } else if status == StatusCode::OK
        || (status == StatusCode::PARTIAL_CONTENT && continues_at == Some(have))
    {
        let resumed = status == StatusCode::PARTIAL_CONTENT;
        let start = if resumed { have } else { 0 };
        if let Some(tag) = resp.headers().get(reqwest::header::ETAG)
            && let Ok(tag) = tag.to_str()
            && !resumed
        {
            let path = etag_path(work, &src.asset_id);
            tokio::fs::write(&path, tag)
                .await
                .map_err(|e| io("cannot write", &path, e))?;
        }
        let size = start + resp.content_length().unwrap_or(0);
        let mut out = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(&part)
            .await
            .map_err(|e| io("cannot write", &part, e))?;
        progress.file(&printable(&src.label()), size, start, "fetching");
        let mut at = start;
        let mut body = resp.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                MigrateError::Source(format!(
                    "the download of {} broke off at {at} bytes: {}; run again to continue",
                    printable(&src.label()),
                    cause(&e)
                ))
            })?;
            out.write_all(&chunk)
                .await
                .map_err(|e| io("cannot write", &part, e))?;
            at += chunk.len() as u64;
            progress.advance(at, 0, false);
        }
        out.flush()
            .await
            .map_err(|e| io("cannot write", &part, e))?;
        progress.file_done();
    } else if status == StatusCode::PARTIAL_CONTENT || status == StatusCode::RANGE_NOT_SATISFIABLE {
        // A range that does not continue what is here: start over.
        let _ = tokio::fs::remove_file(&part).await;
        let _ = tokio::fs::remove_file(etag_path(work, &src.asset_id)).await;
        return Box::pin(fetch(source, src, work, progress)).await;
    } else {
        let json = source.json(&source.content_path(&src.asset_id)).await?;
        let content = json
            .get("content")
            .and_then(|c| c.as_str())
            .ok_or_else(|| {
                MigrateError::Source(format!(
                    "the source sends no file for {} ({})",
                    printable(&src.label()),
                    message(&json)
                ))
            })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|e| {
                MigrateError::Source(format!(
                    "the file of {} is garbled: {e}",
                    printable(&src.label())
                ))
            })?;
        tokio::fs::write(&part, &bytes)
            .await
            .map_err(|e| io("cannot write", &part, e))?;
    }
    let (size, sha256, head) = hash_file(&part).await?;
    let ext = src
        .file_ext()
        .or_else(|| infer::get(&head).map(|t| format!(".{}", t.extension())))
        .unwrap_or_default();
    tokio::fs::rename(&part, &whole)
        .await
        .map_err(|e| io("cannot keep", &whole, e))?;
    let fetched = Fetched { size, sha256, ext };
    let text = serde_json::to_vec(&fetched).expect("plain struct");
    tokio::fs::write(&info, text)
        .await
        .map_err(|e| io("cannot write", &info, e))?;
    Ok(fetched)
}

/// Size, SHA-256 (hex) and the first bytes of a file.
async fn hash_file(path: &Path) -> Result<(u64, String, Vec<u8>), MigrateError> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| io("cannot read", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let (mut size, mut head) = (0u64, Vec::new());
    loop {
        let n = f
            .read(&mut buf)
            .await
            .map_err(|e| io("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        if head.is_empty() {
            head = buf[..n.min(8192)].to_vec();
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex(&hasher.finalize()), head))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the work directory remembers of one upload.
#[derive(Default, Serialize, Deserialize)]
struct UploadState {
    /// Starts of the chunks the target acknowledged.
    acked: BTreeSet<u64>,
    /// `file_asset`'s answer: where the upload is, and the extension it gets.
    uri: Option<String>,
    ext: Option<String>,
}

/// Forgets an upload (the target no longer has its parts).
pub async fn forget_upload(work: &Path, src: &SourceAsset, f: &Fetched) {
    let id = upload_id(&src.asset_id, &f.sha256);
    let _ = tokio::fs::remove_file(work.join(format!("upload-{id}.json"))).await;
}

/// Sends the fetched file to the target's `file_asset`, skipping the chunks an earlier run had
/// sent, and answers `file_asset`'s `(uri, ext)`. `sent` counts the bytes sent by this run.
pub async fn upload(
    target: &Target,
    src: &SourceAsset,
    f: &Fetched,
    work: &Path,
    chunk_size: u64,
    progress: &mut Progress,
    sent: &mut u64,
) -> Result<(String, String), MigrateError> {
    let id = upload_id(&src.asset_id, &f.sha256);
    let state_path = work.join(format!("upload-{id}.json"));
    let mut state: UploadState = match tokio::fs::read(&state_path).await {
        Ok(t) => serde_json::from_slice(&t).unwrap_or_default(),
        Err(_) => UploadState::default(),
    };
    let (_, whole, _) = paths(work, &src.asset_id);
    let mut file = tokio::fs::File::open(&whole)
        .await
        .map_err(|e| io("cannot read", &whole, e))?;
    let plan = chunks(f.size, chunk_size);
    let done: u64 = plan
        .iter()
        .filter(|(s, _)| state.acked.contains(s))
        .map(|(s, e)| e - s + 1)
        .sum();
    progress.file(&printable(&src.label()), f.size, done, "uploading");
    let mut at = done;
    let file_name = format!("{}{}", src.asset_id, f.ext);
    for (start, end) in plan {
        if state.acked.contains(&start) {
            continue;
        }
        let mut bytes = vec![0u8; (end - start + 1) as usize];
        file.seek(SeekFrom::Start(start))
            .await
            .map_err(|e| io("cannot read", &whole, e))?;
        file.read_exact(&mut bytes)
            .await
            .map_err(|e| io("cannot read", &whole, e))?;
        let answer = send_chunk(
            target,
            &id,
            &file_name,
            start,
            end,
            f.size,
            bytes::Bytes::from(bytes),
        )
        .await?;
        state.acked.insert(start);
        if let Some(uri) = answer.get("uri").and_then(|v| v.as_str()) {
            state.uri = Some(uri.to_string());
        }
        if let Some(ext) = answer.get("ext").and_then(|v| v.as_str()) {
            state.ext = Some(ext.to_string());
        }
        // Written after every chunk: this file is what lets a killed run continue.
        let text = serde_json::to_vec(&state).expect("plain struct");
        tokio::fs::write(&state_path, text)
            .await
            .map_err(|e| io("cannot write", &state_path, e))?;
        let n = end - start + 1;
        at += n;
        *sent += n;
        progress.advance(at, n, true);
    }
    progress.file_done();
    match (state.uri, state.ext) {
        (Some(uri), Some(ext)) => Ok((uri, ext)),
        _ => Err(MigrateError::Target(format!(
            "the target never said where the upload of {} went",
            printable(&src.label())
        ))),
    }
}

/// One chunk, tried up to four times when the connection or the server falters.
async fn send_chunk(
    target: &Target,
    id: &str,
    file_name: &str,
    start: u64,
    end: u64,
    total: u64,
    bytes: bytes::Bytes,
) -> Result<serde_json::Value, MigrateError> {
    let mut last = String::new();
    for attempt in 0..4u32 {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(500 << attempt)).await;
        }
        // A cheap clone: the chunk is read from disk once, whatever the retries.
        let part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::from(bytes.clone()),
            bytes.len() as u64,
        )
        .file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part("file_upload", part);
        let sent = target
            .request(Method::POST, "/api/v2/file_asset")
            .header(CONTENT_RANGE, format!("bytes {start}-{end}/{total}"))
            .header("X-Upload-Id", id)
            .multipart(form)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                last = format!("cannot reach the target {}: {}", target.base, cause(&e));
                continue;
            }
        };
        let status = resp.status();
        let json: serde_json::Value = resp
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        if status.is_success() {
            return Ok(json);
        }
        let text = format!(
            "the target refused a chunk of {file_name} ({status}): {}",
            message(&json)
        );
        if status.is_server_error() && status != StatusCode::INSUFFICIENT_STORAGE {
            last = text;
            continue;
        }
        return Err(MigrateError::Target(text));
    }
    Err(MigrateError::Target(last))
}

/// SHA-256 of the file a target asset holds, read back through `/media/<id>`.
pub async fn target_sha256(target: &Target, asset_id: &str) -> Result<String, MigrateError> {
    let resp = target
        .request(Method::GET, &format!("/media/{asset_id}"))
        .send()
        .await
        .map_err(|e| target.unreachable(e))?;
    if !resp.status().is_success() {
        return Err(MigrateError::Target(format!(
            "the target cannot give back the file of asset {asset_id} ({})",
            resp.status()
        )));
    }
    let mut hasher = Sha256::new();
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        hasher.update(chunk.map_err(|e| target.unreachable(e))?);
    }
    Ok(hex(&hasher.finalize()))
}

/// Removes what the work directory holds of a source asset once its copy is verified.
pub async fn clean(work: &Path, src: &SourceAsset, f: &Fetched) {
    let (part, whole, info) = paths(work, &src.asset_id);
    for p in [part, whole, info, etag_path(work, &src.asset_id)] {
        let _ = tokio::fs::remove_file(p).await;
    }
    forget_upload(work, src, f).await;
}

/// [`clean`] knowing only the source asset id (a copy an earlier run made and verified).
pub async fn clean_id(work: &Path, id: &str) {
    let (part, whole, info) = paths(work, id);
    if let Ok(text) = tokio::fs::read(&info).await
        && let Ok(f) = serde_json::from_slice::<Fetched>(&text)
    {
        let upload = work.join(format!("upload-{}.json", upload_id(id, &f.sha256)));
        let _ = tokio::fs::remove_file(upload).await;
    }
    for p in [part, whole, info, etag_path(work, id)] {
        let _ = tokio::fs::remove_file(p).await;
    }
}

fn etag_path(work: &Path, id: &str) -> PathBuf {
    work.join(format!("{id}.etag"))
}
