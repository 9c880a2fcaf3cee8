//! Portable archives for offline moves: `signate export FILE` writes a device's backup (the
//! format `POST /api/v2/backup` writes: a manifest and the files), and `signate import FILE
//! --to URL --api-key KEY` puts an archive — ours or an Anthias backup tarball — into a cloud
//! tenant.
//!
//! Import restores the archive into a throwaway device-mode server on loopback (the same code
//! that restores a backup on a device) and moves that server's content with
//! [`crate::migrate`]: an archive imported into a tenant is by construction what the same
//! archive restored on a device holds, and the import is as resumable, idempotent and
//! verified as a migration.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::config::{Config, Mode};
use crate::migrate::{MigrateError, Options, Report};

/// The longest a restored archive's files may take to settle (thumbnails, conversions) before
/// the import goes on with what is ready; the report names anything still processing.
const SETTLE_SECONDS: u64 = 600;

/// Where an export reads from.
pub enum ExportFrom {
    /// A running server, through its backup API.
    Server {
        url: String,
        user: Option<String>,
        password: Option<String>,
    },
    /// The data directory of `config`, with no server running on it.
    DataDir(Box<Config>),
}

/// Writes a backup archive to `file` and answers its size.
pub async fn export(from: ExportFrom, file: &Path) -> Result<u64, MigrateError> {
    match from {
        ExportFrom::Server {
            url,
            user,
            password,
        } => export_from_server(&url, user.as_deref(), password.as_deref(), file).await,
        ExportFrom::DataDir(config) => export_from_data_dir(*config, file).await,
    }
}

async fn export_from_server(
    url: &str,
    user: Option<&str>,
    password: Option<&str>,
    file: &Path,
) -> Result<u64, MigrateError> {
    let base = url.trim_end_matches('/');
    let http = reqwest::Client::new();
    let auth = |r: reqwest::RequestBuilder| match user {
        Some(u) => r.basic_auth(u, password),
        None => r,
    };
    let unreachable = |e: reqwest::Error| MigrateError::Source(format!("cannot reach {base}: {e}"));
    let resp = auth(http.post(format!("{base}/api/v2/backup")))
        .send()
        .await
        .map_err(unreachable)?;
    match resp.status().as_u16() {
        200 | 201 => {}
        401 | 403 => {
            return Err(MigrateError::Source(format!(
                "{base} refused to make a backup: pass --from-user and --from-password"
            )));
        }
        s => {
            return Err(MigrateError::Source(format!(
                "{base} answered {s} to POST /api/v2/backup; is it a Signate device or an Anthias?"
            )));
        }
    }
    let name: String = serde_json::from_slice(&resp.bytes().await.map_err(unreachable)?)
        .map_err(|e| MigrateError::Source(format!("{base} answered no backup name: {e}")))?;
    let resp = auth(http.get(format!("{base}/static_with_mime/{name}")))
        .send()
        .await
        .map_err(unreachable)?;
    if !resp.status().is_success() {
        return Err(MigrateError::Source(format!(
            "{base} made backup {name} but answered {} when asked for it",
            resp.status()
        )));
    }
    write_stream(resp.bytes_stream(), file).await
}

/// Writes a stream to `file` through a temporary name, so a broken export leaves no file that
/// looks whole.
async fn write_stream<S, E>(mut body: S, file: &Path) -> Result<u64, MigrateError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let part = partial(file);
    let io = |e: std::io::Error| MigrateError::Io(format!("cannot write {}: {e}", file.display()));
    let mut out = tokio::fs::File::create(&part).await.map_err(io)?;
    let mut n = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| MigrateError::Source(format!("the backup broke off: {e}")))?;
        out.write_all(&chunk).await.map_err(io)?;
        n += chunk.len() as u64;
    }
    out.flush().await.map_err(io)?;
    out.sync_all().await.map_err(io)?;
    tokio::fs::rename(&part, file).await.map_err(io)?;
    Ok(n)
}

fn partial(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    file.with_file_name(name)
}

async fn export_from_data_dir(mut config: Config, file: &Path) -> Result<u64, MigrateError> {
    if config.mode != Mode::Device {
        return Err(MigrateError::Usage(
            "export reads a device's data directory; for a cloud tenant use migrate or its API"
                .into(),
        ));
    }
    // Its own loopback port: a server of the same data directory may not be running.
    config.listen = "127.0.0.1:0".parse().expect("loopback");
    let started = crate::app::start(config)
        .await
        .map_err(|e| MigrateError::Source(format!("cannot open the data directory: {e}")))?;
    let state = started.state.clone();
    let scope = state
        .device_tenant
        .clone()
        .ok_or_else(|| MigrateError::Usage("not a device".into()))?;
    let key = crate::storage::Storage::tenant_key(
        &scope,
        &format!("backups/export-{}.tar.gz", uuid::Uuid::new_v4().simple()),
    );
    crate::services::backup::create(&state.core.db, &state.core.storage, &scope, &key)
        .await
        .map_err(|e| MigrateError::Source(format!("cannot make the backup: {e}")))?;
    let op = state.core.storage.operator();
    let stream = op
        .reader(&key)
        .await
        .map_err(|e| MigrateError::Source(e.to_string()))?
        .into_bytes_stream(..)
        .await
        .map_err(|e| MigrateError::Source(e.to_string()))?;
    let written = write_stream(stream, file).await;
    let _ = op.delete(&key).await;
    written
}

/// Imports the archive `file` into the tenant of `options.to` (whose `from` is ignored).
pub async fn import(file: &Path, mut options: Options) -> Result<Report, MigrateError> {
    let bytes = tokio::fs::metadata(file)
        .await
        .map_err(|e| MigrateError::Usage(format!("cannot read {}: {e}", file.display())))?
        .len();
    let scratch = Scratch::new()?;
    let config = Config {
        mode: Mode::Device,
        listen: "127.0.0.1:0".parse().expect("loopback"),
        data_dir: scratch.path().to_path_buf(),
        database_url: Some(format!(
            "sqlite://{}",
            scratch.path().join("signate.db").display()
        )),
        workers: 1,
        log: "warn".into(),
        ..Config::default()
    };
    let started = crate::app::start(config)
        .await
        .map_err(|e| MigrateError::Io(format!("cannot start the scratch server: {e}")))?;
    let addr = started.addr;
    let server = started.server;
    let handle = server.handle();
    tokio::spawn(server);
    let base = format!("http://{addr}");

    let result = async {
        restore(&base, file, bytes).await?;
        settle(&base).await;
        options.from = base.clone();
        options.from_user = None;
        options.from_password = None;
        // The copies name the archive by its file name (every member can read metadata); the
        // work directory of a resumed import is found by its full path.
        let canonical = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        let name = canonical
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        options.source_label = Some(format!("archive:{name}"));
        if options.work_dir.is_none() {
            options.work_dir = Some(crate::migrate::default_work_dir(
                &format!("archive:{}", canonical.display()),
                &options.to,
            ));
        }
        crate::migrate::run(&options).await
    }
    .await;
    handle.stop(true).await;
    result
}

/// A directory of its own under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, MigrateError> {
        let dir =
            std::env::temp_dir().join(format!("signate-import-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| MigrateError::Io(format!("cannot make {}: {e}", dir.display())))?;
        Ok(Scratch(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `POST /api/v2/recover` of the scratch server, streaming the archive.
async fn restore(base: &str, file: &Path, bytes: u64) -> Result<(), MigrateError> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup.tar.gz".into());
    let f = tokio::fs::File::open(file)
        .await
        .map_err(|e| MigrateError::Usage(format!("cannot read {}: {e}", file.display())))?;
    let stream = tokio_util_stream(f);
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), bytes)
            .file_name(name);
    let form = reqwest::multipart::Form::new().part("backup_upload", part);
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v2/recover"))
        .multipart(form)
        .send()
        .await
        .map_err(|e| MigrateError::Io(format!("the scratch server failed: {e}")))?;
    if resp.status().is_success() {
        return Ok(());
    }
    let status = resp.status();
    let json: serde_json::Value = resp
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    Err(MigrateError::Usage(format!(
        "{} is not an archive Signate can read ({status}): {}",
        file.display(),
        crate::migrate::error_message(&json)
    )))
}

/// A file as a stream of chunks (what reqwest's body wants), without another crate.
fn tokio_util_stream(
    f: tokio::fs::File,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(f, |mut f| async move {
        let mut buf = vec![0u8; 256 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    })
}

/// Waits until no restored asset is processing (conversions a restore starts), at most
/// [`SETTLE_SECONDS`].
async fn settle(base: &str) {
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(SETTLE_SECONDS);
    while std::time::Instant::now() < deadline {
        let busy = match http.get(format!("{base}/api/v2/assets")).send().await {
            Ok(r) => r
                .bytes()
                .await
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| {
                    v.as_array()
                        .map(|a| a.iter().any(|x| x["is_processing"] == true))
                })
                .unwrap_or(false),
            Err(_) => false,
        };
        if !busy {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
