//! File storage through one OpenDAL operator: the local filesystem (device default), S3
//! (cloud) or memory (tests). Keys are tenant-prefixed; see [`Storage::tenant_key`].

pub mod disk;
pub mod scratch;

use std::time::Duration;

use opendal::Operator;
use opendal::layers::{RetryLayer, TimeoutLayer};
use sha2::{Digest, Sha256};

use crate::config::{Config, StorageBackend};
use crate::error::Error;
use crate::tenancy::TenantScope;

/// A file as written: its size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
}

/// Writes one object, counting and hashing the bytes on their way through; on the local disk
/// it stops before the disk's reserve (see [`disk`]).
pub struct Sink {
    writer: opendal::Writer,
    hasher: Sha256,
    size: u64,
    room: disk::Room,
}

impl Sink {
    /// Appends `bytes`; on error (the disk's room used up included) the partial object is
    /// aborted.
    pub async fn write(&mut self, bytes: bytes::Bytes) -> Result<(), Error> {
        if let Err(short) = self.room.take(bytes.len() as u64) {
            let _ = self.writer.abort().await;
            return Err(short.into());
        }
        self.hasher.update(&bytes);
        self.size += bytes.len() as u64;
        if let Err(e) = self.writer.write(bytes).await {
            let _ = self.writer.abort().await;
            return Err(e.into());
        }
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Gives up: nothing of the object remains (on S3 the multipart upload is aborted).
    pub async fn abort(mut self) {
        let _ = self.writer.abort().await;
    }

    /// Finishes the object.
    pub async fn close(mut self) -> Result<Stored, Error> {
        self.writer.close().await?;
        let digest = self.hasher.finalize();
        Ok(Stored {
            size: self.size,
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

/// Where the disk backend keeps files being written (see `from_config`).
const PARTIAL_DIR: &str = ".partial";

/// Size of a multipart-upload part on S3.
const S3_PART: usize = 8 * 1024 * 1024;

/// The files of every tenant.
#[derive(Clone)]
pub struct Storage {
    op: Operator,
    backend: StorageBackend,
    description: String,
    /// The directory of the fs backend.
    fs_root: Option<std::path::PathBuf>,
    /// S3: serve media by presigned URLs valid this long (0: stream through the server).
    presign_media: Duration,
    /// How much of a local disk writes may take.
    disk: disk::Disk,
}

impl Storage {
    /// Builds the operator the configuration names; creates the fs root if missing.
    pub fn from_config(config: &Config) -> Result<Storage, Error> {
        // Without the `auto-register-services` constructor, S3 has no HTTP transport until
        // one is installed (idempotent; first install wins).
        opendal::install_default();
        let mut fs_root = None;
        let (op, description) = match config.storage.backend {
            StorageBackend::Fs => {
                let root = config.storage_root();
                std::fs::create_dir_all(&root).map_err(|e| {
                    Error::Startup(format!("cannot create storage dir {}: {e}", root.display()))
                })?;
                let root = root.canonicalize().map_err(|e| {
                    Error::Startup(format!(
                        "cannot resolve storage dir {}: {e}",
                        root.display()
                    ))
                })?;
                // Writes go to a file in `.partial/` and are renamed into place when complete,
                // so a half-written file is never visible under its key and an aborted write
                // (a dropped upload) removes only its own bytes.
                let partial = root.join(PARTIAL_DIR);
                let op = Operator::new(
                    opendal::services::Fs::default()
                        .root(&root.to_string_lossy())
                        .atomic_write_dir(&partial.to_string_lossy()),
                )?;
                let description = format!("fs {}", root.display());
                fs_root = Some(root);
                (op, description)
            }
            StorageBackend::S3 => {
                let s3 = &config.storage.s3;
                let mut builder = opendal::services::S3::default()
                    .bucket(&s3.bucket)
                    .root(if s3.root.is_empty() { "/" } else { &s3.root })
                    .region(if s3.region.is_empty() {
                        "us-east-1"
                    } else {
                        &s3.region
                    })
                    // Credentials come from our config only, never from ~/.aws or instance
                    // metadata, so what `signate config` shows is what is used.
                    .disable_config_load()
                    .disable_ec2_metadata();
                if !s3.endpoint.is_empty() {
                    builder = builder.endpoint(&s3.endpoint);
                }
                if !s3.access_key_id.is_empty() {
                    builder = builder
                        .access_key_id(&s3.access_key_id)
                        .secret_access_key(&s3.secret_access_key);
                }
                if s3.virtual_host_style {
                    builder = builder.enable_virtual_host_style();
                }
                let where_ = if s3.endpoint.is_empty() {
                    "aws"
                } else {
                    &s3.endpoint
                };
                (
                    Operator::new(builder)?,
                    format!("s3 bucket {} at {where_}", s3.bucket),
                )
            }
            StorageBackend::Memory => (
                Operator::new(opendal::services::Memory::default())?,
                "memory (files are lost on exit)".to_string(),
            ),
        };
        let op = op
            .layer(TimeoutLayer::new().with_timeout(Duration::from_secs(60)))
            .layer(RetryLayer::new().with_max_times(3));
        Ok(Storage {
            op,
            backend: config.storage.backend,
            description,
            fs_root,
            presign_media: Duration::from_secs(match config.storage.backend {
                StorageBackend::S3 => config.storage.s3.presign_media_seconds,
                _ => 0,
            }),
            disk: disk::Disk::new(config.min_free_bytes),
        })
    }

    /// The OpenDAL operator.
    pub fn operator(&self) -> &Operator {
        &self.op
    }

    /// Which backend is in use.
    pub fn backend(&self) -> StorageBackend {
        self.backend
    }

    /// For logs: the backend and where it keeps files.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// A streaming writer for `key`. On S3 writes are gathered into 8 MiB parts of a multipart
    /// upload (S3 refuses parts under 5 MiB but the last); on disk they go straight through.
    pub async fn writer(&self, key: &str) -> Result<opendal::Writer, opendal::Error> {
        match self.backend {
            StorageBackend::S3 => self.op.writer_with(key).chunk(S3_PART).await,
            StorageBackend::Fs | StorageBackend::Memory => self.op.writer(key).await,
        }
    }

    /// A [`Sink`] writing `key`: it counts and hashes what passes through.
    pub async fn sink(&self, key: &str) -> Result<Sink, Error> {
        Ok(Sink {
            writer: self.writer(key).await?,
            hasher: Sha256::new(),
            size: 0,
            room: self.room(),
        })
    }

    /// The disk policy (the reserve, and the free space tests pretend).
    pub fn disk(&self) -> &disk::Disk {
        &self.disk
    }

    /// Room for new files in this storage: on the local disk of the fs backend; unlimited on
    /// object stores and in memory.
    pub fn room(&self) -> disk::Room {
        self.room_with(&[])
    }

    /// Room for bytes that land on each of the local folders `local` and, on the fs backend,
    /// in this storage too (a restore stages files, then stores them).
    pub fn room_with(&self, local: &[&std::path::Path]) -> disk::Room {
        let mut places = local.to_vec();
        places.extend(self.fs_root.as_deref());
        if places.is_empty() {
            return disk::Room::unlimited();
        }
        self.disk.room(&places)
    }

    /// Streams a local file into `key`.
    pub async fn put_file(&self, path: &std::path::Path, key: &str) -> Result<Stored, Error> {
        use tokio::io::AsyncReadExt;
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
        let mut sink = self.sink(key).await?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    sink.abort().await;
                    return Err(Error::Internal(format!("{}: {e}", path.display())));
                }
            };
            if n == 0 {
                break;
            }
            sink.write(bytes::Bytes::copy_from_slice(&buf[..n])).await?;
        }
        sink.close().await
    }

    /// Whether the store answers (used by `/readyz`).
    pub async fn check(&self) -> Result<(), Error> {
        match self.backend {
            // A listing of a missing directory is empty, not an error; an unmounted disk or a
            // deleted root must show as down, so look at the root itself.
            // (OpenDAL answers a stat of "/" without touching the disk.)
            StorageBackend::Fs => {
                let root = self.fs_root.as_deref().unwrap_or(std::path::Path::new("."));
                match tokio::fs::metadata(root).await {
                    Ok(meta) if meta.is_dir() => {}
                    Ok(_) => {
                        return Err(Error::Internal(format!(
                            "{} is not a directory",
                            root.display()
                        )));
                    }
                    Err(e) => return Err(Error::Internal(format!("{}: {e}", root.display()))),
                }
            }
            StorageBackend::S3 | StorageBackend::Memory => self.op.check().await?,
        }
        Ok(())
    }

    /// The file behind `key` on the local disk, for tools that need a path (ffprobe); `None`
    /// on object stores.
    pub fn local_path(&self, key: &str) -> Option<std::path::PathBuf> {
        let root = self.fs_root.as_ref()?;
        if key.split('/').any(|s| s == "..") {
            return None;
        }
        Some(root.join(key.trim_start_matches('/')))
    }

    /// Where a tool such as ffmpeg can read `key`: the file on local disk, or a presigned URL
    /// valid for ten minutes on S3; `None` in memory.
    pub async fn tool_input(&self, key: &str) -> Option<String> {
        match self.backend {
            StorageBackend::Fs => self
                .local_path(key)
                .map(|p| p.to_string_lossy().into_owned()),
            StorageBackend::S3 => self
                .op
                .presign_read(key, Duration::from_secs(600))
                .await
                .ok()
                .map(|r| r.uri().to_string()),
            StorageBackend::Memory => None,
        }
    }

    /// Removes files a crashed process left half-written on disk (older than `age`); how many.
    pub async fn remove_stale_partials(&self, age: Duration) -> usize {
        let Some(dir) = self.fs_root.as_ref().map(|r| r.join(PARTIAL_DIR)) else {
            return 0;
        };
        tokio::task::spawn_blocking(move || {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                return 0;
            };
            entries
                .flatten()
                .filter(|e| {
                    e.metadata()
                        .ok()
                        .and_then(|m| m.modified().ok())
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|elapsed| elapsed > age)
                })
                .filter(|e| std::fs::remove_file(e.path()).is_ok())
                .count()
        })
        .await
        .unwrap_or(0)
    }

    /// A short-lived presigned URL for a player or browser to read `key` straight from S3, when
    /// `storage.s3.presign_media_seconds` is set; `None` otherwise (the server streams it).
    pub async fn media_url(&self, key: &str) -> Option<String> {
        if self.presign_media.is_zero() {
            return None;
        }
        match self.op.presign_read(key, self.presign_media).await {
            Ok(r) => Some(r.uri().to_string()),
            Err(e) => {
                tracing::warn!(%key, error = %e, "cannot presign; streaming instead");
                None
            }
        }
    }

    /// `tenants/<tenant_id>/<rest>`; `rest` must be made of checked segments (the callers build
    /// it from ids and fixed words, never from raw user input).
    pub fn tenant_key(scope: &TenantScope, rest: &str) -> String {
        debug_assert!(!rest.split('/').any(|s| s == ".." || s == "."));
        format!("tenants/{}/{}", scope.id(), rest.trim_start_matches('/'))
    }
}
