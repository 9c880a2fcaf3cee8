//! Resumable uploads: each chunk is stored as its own object under
//! `tenants/<t>/uploads/<upload_id>/<offset>`, so chunks may arrive in any order and a retried
//! chunk simply replaces itself; when an asset is made from the upload the parts are streamed
//! into one object (a multipart upload on S3) and removed. Memory stays flat whatever the size.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::domain::media;
use crate::error::Error;
use crate::storage::{Storage, Stored};
use crate::tenancy::TenantScope;

/// Why a chunk was not stored.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("Chunk length does not match the declared range.")]
    LengthMismatch,
    #[error(
        "The device disk is full. Free up space — for example by deleting unused assets — and try again."
    )]
    DiskFull,
    /// The disk has no room for it next to its reserve (declared or counted).
    #[error("{0}")]
    NoRoom(crate::storage::disk::Shortfall),
    #[error("upload interrupted: {0}")]
    Interrupted(String),
    /// The bytes say it is not an image or a video, whatever the name says.
    #[error("{0}")]
    NotMedia(crate::domain::media::NotMedia),
    /// Writing it would pass the byte limit given.
    #[error("The upload is larger than allowed.")]
    TooLarge,
    #[error(transparent)]
    Storage(#[from] Error),
}

/// Whether `s` is a valid upload id (32 lowercase hex, as Anthias requires).
pub fn is_upload_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn dir(scope: &TenantScope, id: &str) -> String {
    Storage::tenant_key(scope, &format!("uploads/{id}/"))
}

/// Where a chunk goes in its file.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    pub start: u64,
    /// The length the Content-Range declared.
    pub expected: Option<u64>,
    /// The file's full size, when known.
    pub total: Option<u64>,
    /// The whole file in one request: earlier chunks of the id are dropped.
    pub whole: bool,
    /// What the client says a whole upload weighs (its request's length), to refuse it before
    /// a byte is stored when the disk has no room.
    pub declared: Option<u64>,
}

impl Chunk {
    /// A whole file in one request.
    pub fn whole(declared: Option<u64>) -> Chunk {
        Chunk {
            start: 0,
            expected: None,
            total: None,
            whole: true,
            declared,
        }
    }

    /// Bytes `start..=end` of a file of `total` bytes.
    pub fn range(start: u64, end: u64, total: u64) -> Chunk {
        Chunk {
            start,
            expected: Some(end - start + 1),
            total: Some(total),
            whole: false,
            declared: Some(end - start + 1),
        }
    }

    /// Bytes this upload still needs on disk at its peak, from this chunk on: the rest of the
    /// file (if the chunks come in order), and one more copy of all of it when the parts are
    /// joined into the asset's file.
    fn peak_need(&self) -> u64 {
        match (self.total, self.declared) {
            (Some(total), _) => total.saturating_sub(self.start).saturating_add(total),
            (None, Some(size)) => size.saturating_mul(2),
            (None, None) => 0,
        }
    }
}

/// Stores one chunk of upload `id`, writing at most `limit` bytes.
pub async fn write_part<S, E>(
    storage: &Storage,
    scope: &TenantScope,
    id: &str,
    chunk: Chunk,
    limit: u64,
    body: S,
) -> Result<u64, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let Chunk {
        start,
        expected,
        total,
        whole,
        ..
    } = chunk;
    // On the local disk: refused before a byte is stored when the declared size cannot fit
    // next to the reserve, and cut off as soon as the counted bytes do not.
    let mut room = storage.room();
    room.check(chunk.peak_need()).map_err(UploadError::NoRoom)?;
    let op = storage.operator();
    let dir = dir(scope, id);
    // The start of the file is judged before a byte is stored: enough of it is gathered first,
    // since a network chunk may hold only a few bytes. Fused: a multipart field must not be
    // polled again once it has ended.
    let mut body = body.fuse();
    let mut first = None;
    if start == 0 {
        let mut head = bytes::BytesMut::new();
        while head.len() < media::SNIFF_LEN {
            match body.next().await {
                Some(Ok(c)) => head.extend_from_slice(&c),
                Some(Err(e)) => return Err(UploadError::Interrupted(e.to_string())),
                None => break,
            }
        }
        if let Err(why) = media::sniff(&head[..head.len().min(media::SNIFF_LEN)]) {
            // Without its start the upload can never become an asset: its other chunks go too.
            op.delete_with(&dir)
                .recursive(true)
                .await
                .map_err(Error::from)?;
            return Err(UploadError::NotMedia(why));
        }
        first = Some(Ok(head.freeze()));
    }
    let mut body = futures_util::stream::iter(first).chain(body);
    if whole {
        op.delete_with(&dir)
            .recursive(true)
            .await
            .map_err(Error::from)?;
    }
    let key = format!("{dir}{start:020}");
    // Aborting removes only this attempt's bytes (a temporary file on disk, a multipart upload
    // on S3): a retry of the same chunk that finished meanwhile is never deleted by the late
    // clean-up of a dead connection.
    let mut writer = storage.writer(&key).await.map_err(storage_error)?;
    let mut written = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(UploadError::Interrupted(e.to_string()));
            }
        };
        written += chunk.len() as u64;
        if written > limit {
            let _ = writer.abort().await;
            return Err(UploadError::TooLarge);
        }
        if expected.is_some_and(|n| written > n) {
            let _ = writer.abort().await;
            return Err(UploadError::LengthMismatch);
        }
        if let Err(short) = room.take(chunk.len() as u64) {
            let _ = writer.abort().await;
            return Err(UploadError::NoRoom(short));
        }
        if let Err(e) = writer.write(chunk).await {
            let _ = writer.abort().await;
            return Err(storage_error(e));
        }
    }
    if expected.is_some_and(|n| written != n) {
        let _ = writer.abort().await;
        return Err(UploadError::LengthMismatch);
    }
    writer.close().await.map_err(storage_error)?;
    let total = total.or(whole.then_some(written));
    if let Some(total) = total {
        op.write(&format!("{dir}total"), total.to_string())
            .await
            .map_err(storage_error)?;
    }
    Ok(written)
}

fn storage_error(e: opendal::Error) -> UploadError {
    if e.to_string().contains("No space left") {
        UploadError::DiskFull
    } else {
        UploadError::Storage(e.into())
    }
}

/// The parts of an upload as (offset, key, size), sorted, and the declared total.
async fn parts(
    storage: &Storage,
    scope: &TenantScope,
    id: &str,
) -> Result<(Vec<(u64, String, u64)>, Option<u64>), Error> {
    let op = storage.operator();
    let dir = dir(scope, id);
    let mut parts = Vec::new();
    let mut total = None;
    let entries = match op.list(&dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == opendal::ErrorKind::NotFound => return Ok((parts, None)),
        Err(e) => return Err(e.into()),
    };
    for entry in entries {
        let name = entry.name();
        if name == "total" {
            total = parse_u64(&op.read(entry.path()).await?.to_vec());
        } else if let Ok(offset) = name.parse::<u64>() {
            let size = op.stat(entry.path()).await?.content_length();
            parts.push((offset, entry.path().to_string(), size));
        }
    }
    parts.sort_by_key(|p| p.0);
    Ok((parts, total))
}

fn parse_u64(bytes: &[u8]) -> Option<u64> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

/// The size of the upload when its chunks cover `0..total` without gaps; `None` while any
/// chunk is missing (or the upload does not exist).
pub async fn completed_size(
    storage: &Storage,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<u64>, Error> {
    let (parts, total) = parts(storage, scope, id).await?;
    Ok(tiled(&parts, total))
}

fn tiled(parts: &[(u64, String, u64)], total: Option<u64>) -> Option<u64> {
    let total = total?;
    let mut at = 0u64;
    for (offset, _, size) in parts {
        if *offset != at {
            return None;
        }
        at += size;
    }
    (at == total && !parts.is_empty()).then_some(total)
}

/// The first bytes of a completed upload (for type sniffing).
pub async fn head(
    storage: &Storage,
    scope: &TenantScope,
    id: &str,
    n: u64,
) -> Result<Vec<u8>, Error> {
    let (parts, _) = parts(storage, scope, id).await?;
    let Some((_, key, size)) = parts.first() else {
        return Ok(vec![]);
    };
    Ok(storage
        .operator()
        .read_with(key)
        .range(0..n.min(*size))
        .await?
        .to_vec())
}

/// Streams the completed upload into `dest`. The parts stay until the caller has committed the
/// asset and calls [`discard`]: if the row cannot be written, the upload can be used again.
pub async fn assemble(
    storage: &Storage,
    scope: &TenantScope,
    id: &str,
    dest: &str,
) -> Result<Stored, Error> {
    let (parts, total) = parts(storage, scope, id).await?;
    if tiled(&parts, total).is_none() {
        return Err(Error::invalid("uri", "The upload is not complete."));
    }
    // Chunks may have come in any order, and parts stored before the door checked bytes may
    // still be waiting: look at the real start of the file now.
    if let Err(why) = media::sniff(&head(storage, scope, id, media::SNIFF_LEN as u64).await?) {
        discard(storage, scope, id).await?;
        return Err(Error::invalid("uri", why.to_string()));
    }
    // On disk the kernel joins the parts (copy_file_range) instead of every byte streaming
    // through the server again; the joined copy must fit next to the parts.
    if let Some(total) = total {
        storage.room().check(total)?;
    }
    let local: Option<Vec<std::path::PathBuf>> = parts
        .iter()
        .map(|(_, key, _)| storage.local_path(key))
        .collect();
    if let (Some(sources), Some(target)) = (local, storage.local_path(dest)) {
        let t = target.clone();
        let stored = tokio::task::spawn_blocking(move || join_local(&sources, &t))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
            .map_err(|e| Error::Internal(format!("joining the upload's parts: {e}")))?;
        // A chunk re-sent with another length between the listing and the join.
        if Some(stored.size) != total {
            let _ = std::fs::remove_file(&target);
            return Err(Error::invalid(
                "uri",
                "The upload changed while it was being joined; send it again.",
            ));
        }
        return Ok(stored);
    }
    let op = storage.operator();
    let mut sink = storage.sink(dest).await?;
    for (_, key, _) in &parts {
        // Streamed in one read per part (a chunk size would be a ranged GET per chunk on S3).
        let mut stream = op.reader(key).await?.into_bytes_stream(..).await?;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) => sink.write(c).await?,
                Err(e) => {
                    sink.abort().await;
                    return Err(Error::Internal(format!("reading upload part: {e}")));
                }
            }
        }
    }
    sink.close().await
}

/// Joins `parts` into `target` on the local disk, syncs it, and hashes it. The parts stay as
/// they are until the caller discards them.
fn join_local(parts: &[std::path::PathBuf], target: &std::path::Path) -> std::io::Result<Stored> {
    use sha2::Digest;
    use std::io::Read;
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(target);
    let joined = (|| {
        // std::io::copy between files is copy_file_range on Linux: the kernel moves the
        // bytes (or shares extents on filesystems that can).
        let mut out = std::fs::File::create(target)?;
        for part in parts {
            std::io::copy(&mut std::fs::File::open(part)?, &mut out)?;
        }
        let file = std::fs::File::open(target)?;
        file.sync_all()?;
        let mut hasher = sha2::Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 1024 * 1024];
        let mut reader = std::io::BufReader::with_capacity(0, file);
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        Ok(Stored {
            size,
            sha256: hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
    })();
    if joined.is_err() {
        let _ = std::fs::remove_file(target);
    }
    joined
}

/// Removes an upload's parts.
pub async fn discard(storage: &Storage, scope: &TenantScope, id: &str) -> Result<(), Error> {
    storage
        .operator()
        .delete_with(&dir(scope, id))
        .recursive(true)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ids() {
        assert!(is_upload_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_upload_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_upload_id("../../etc/passwd"));
        assert!(!is_upload_id(""));
    }

    #[tokio::test]
    async fn bytes_past_the_room_are_not_stored_whatever_was_declared() {
        const MIB: u64 = 1024 * 1024;
        let dir = tempfile::tempdir().unwrap();
        let config = crate::config::Config {
            data_dir: dir.path().to_path_buf(),
            min_free_bytes: Some(0),
            ..Default::default()
        };
        let storage = Storage::from_config(&config).unwrap();
        storage.disk().pretend_free(Some(MIB));
        let scope = TenantScope::new("t");
        let id = "0123456789abcdef0123456789abcdef";
        let chunk = |first: bool| {
            let mut v = vec![0u8; (MIB / 4) as usize];
            if first {
                v[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
            }
            Ok::<_, std::io::Error>(Bytes::from(v))
        };
        // Nothing declared (a whole upload without a length): counted, and cut off at 1 MiB.
        let body = futures_util::stream::iter((0..8).map(|i| chunk(i == 0)));
        let err = write_part(&storage, &scope, id, Chunk::whole(None), u64::MAX, body)
            .await
            .unwrap_err();
        let UploadError::NoRoom(short) = err else {
            panic!("{err:?}")
        };
        assert_eq!((short.needed, short.free), (MIB + MIB / 4, MIB));
        let left: Vec<_> = walk(dir.path());
        assert!(left.is_empty(), "{left:?}");
        // Declared too big: refused before a byte is read.
        let body = futures_util::stream::iter((0..1).map(|i| chunk(i == 0)));
        let err = write_part(
            &storage,
            &scope,
            id,
            Chunk::whole(Some(MIB)),
            u64::MAX,
            body,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, UploadError::NoRoom(ref s) if s.needed == 2 * MIB),
            "{err:?}"
        );
        // What fits is stored.
        let body = futures_util::stream::iter((0..2).map(|i| chunk(i == 0)));
        write_part(&storage, &scope, id, Chunk::whole(None), u64::MAX, body)
            .await
            .unwrap();
        assert_eq!(
            completed_size(&storage, &scope, id).await.unwrap(),
            Some(MIB / 2)
        );
    }

    /// Files under `dir`, folders left out.
    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }

    #[test]
    fn tiling() {
        let p = |o: u64, s: u64| (o, String::new(), s);
        assert_eq!(tiled(&[p(0, 5), p(5, 5)], Some(10)), Some(10));
        assert_eq!(tiled(&[p(0, 5), p(6, 4)], Some(10)), None);
        assert_eq!(tiled(&[p(0, 5)], Some(10)), None);
        assert_eq!(tiled(&[p(0, 10)], None), None);
        assert_eq!(tiled(&[], Some(0)), None);
    }
}
