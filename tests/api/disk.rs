//! A disk that is nearly full: restores (a gzip bomb among them), uploads and downloads that
//! would not fit are refused with 507 before the disk fills, and leave data and disk as they
//! were; working folders a crash left behind are swept. The server pretends its disk has
//! 16 MiB free (`Disk::pretend_free`), 1 MiB of them kept in reserve (`min_free_bytes`), so
//! nothing really fills the disk.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, status_json, wait_for};

const MIB: u64 = 1024 * 1024;

/// A server whose disk has 16 MiB free, 1 MiB of them kept in reserve: 15 MiB usable.
async fn small_disk(mut app: TestApp) -> TestApp {
    app.state.storage.disk().pretend_free(Some(16 * MIB));
    // A connection per request: making an archive takes seconds in a debug build, and a
    // pooled connection idle that long may be closed by the server just as it is reused.
    app.client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    app
}

fn adjust(c: &mut signate::config::Config) {
    c.min_free_bytes = Some(MIB);
    c.allow_private_urls = true;
}

/// Runs each `async fn(TestApp)` on a small disk: SQLite and PostgreSQL with files on disk,
/// and (those listed after `;`) SQLite with files on S3, where only the staging folder is on
/// the local disk.
macro_rules! small_disk_tests {
    ($($name:ident),* ; $($s3:ident),*) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Sqlite, super::adjust).await;
                    super::$name(super::small_disk(app).await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Postgres, super::adjust).await;
                    super::$name(super::small_disk(app).await).await
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test]
                async fn $s3() {
                    let app = crate::helpers::TestApp::spawn_s3_with(crate::helpers::Backend::Sqlite, super::adjust).await;
                    super::$s3(super::small_disk(app).await).await
                }
            )*
        }
    };
}

small_disk_tests!(
    restore_larger_than_the_free_space_is_refused,
    gzip_bomb_is_refused,
    uploads_that_do_not_fit_are_refused,
    downloads_that_do_not_fit_fail_their_job,
    a_backup_that_does_not_fit_is_refused,
    a_running_restore_is_not_swept;
    gzip_bomb_is_refused
);

/// The message a refusal carries, with the no-break spaces of the sizes made plain.
fn message(body: &Value) -> String {
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "one key: {body}"
    );
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{{\"error\": …}}: {body}"))
        .replace('\u{a0}', " ")
}

fn refusal(needed: &str) -> String {
    format!(
        "Not enough disk space: this needs at least {needed} but only 15.0 MB can be used (16.0 MB free, 1.0 MB kept in reserve). Free up space, for example by deleting unused assets, and try again."
    )
}

/// Every file under `dir` with its size, sorted (an absent folder is empty).
fn files(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                out.push((
                    e.path().strip_prefix(dir).unwrap().to_path_buf(),
                    meta.len(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// What a refusal must leave as it was: the assets, the settings, the stored files.
struct Snapshot {
    assets: Value,
    settings: Value,
    stored: Vec<(PathBuf, u64)>,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    Snapshot {
        assets: app.get_json("/api/v2/assets", 200).await,
        settings: app.get_json("/api/v2/device_settings", 200).await,
        stored: files(&app.config.storage_root()),
    }
}

async fn assert_unchanged(app: &TestApp, before: &Snapshot) {
    assert_eq!(app.get_json("/api/v2/assets", 200).await, before.assets);
    assert_eq!(
        app.get_json("/api/v2/device_settings", 200).await,
        before.settings
    );
    assert_eq!(files(&app.config.storage_root()), before.stored);
    let left = files(&app.config.tmp_dir());
    assert!(left.is_empty(), "working files left behind: {left:?}");
    let dirs: Vec<_> = std::fs::read_dir(app.config.tmp_dir())
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(dirs.is_empty(), "working folders left behind: {dirs:?}");
}

/// A PNG signature followed by zeros: `size` bytes that sniff as a picture.
fn png(size: u64) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.resize(size as usize, 0);
    v
}

fn upload_form(name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part(
        "file_upload",
        Part::bytes(bytes).file_name(name.to_string()),
    )
}

/// Uploads `bytes` whole and makes a picture asset of them.
async fn picture(app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(upload_form("a.png", bytes))
        .send()
        .await
        .unwrap();
    let (s, up) = status_json(res).await;
    assert_eq!(s, 200, "{up}");
    let body = json!({"name": name, "uri": up["uri"], "ext": ".png", "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true});
    let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{a}");
    a
}

/// An asset and a setting to keep.
async fn some_data(app: &TestApp) {
    picture(app, "Kept", png(2000)).await;
    let web = json!({"name": "Web", "uri": "https://example.com", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "mimetype": "webpage", "is_enabled": true, "skip_asset_check": true});
    assert_eq!(app.post_json("/api/v2/assets", &web).await.status(), 201);
    let res = app
        .patch_json("/api/v2/device_settings", &json!({"player_name": "Lobby"}))
        .await;
    assert_eq!(res.status(), 200);
}

async fn recover(app: &TestApp, bytes: Vec<u8>) -> (u16, Value) {
    let form = Form::new().part(
        "backup_upload",
        Part::bytes(bytes).file_name("backup.tar.gz"),
    );
    let res = app
        .client
        .post(app.url("/api/v2/recover"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    status_json(res).await
}

/// A backup of the server as it is now.
async fn backup(app: &TestApp) -> Vec<u8> {
    let res = app
        .client
        .post(app.url("/api/v2/backup"))
        .send()
        .await
        .unwrap();
    let (s, name) = status_json(res).await;
    assert_eq!(s, 201, "{name}");
    let res = app
        .get(&format!("/static_with_mime/{}", name.as_str().unwrap()))
        .await;
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

/// The archive's entries with their bytes, each passed through `change`.
fn repack(archive: &[u8], change: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::Read;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let bytes = change(&path, bytes);
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        out.append_data(&mut h, &path, &bytes[..]).unwrap();
    }
    out.into_inner().unwrap().finish().unwrap()
}

async fn restore_larger_than_the_free_space_is_refused(app: TestApp) {
    some_data(&app).await;
    let archive = backup(&app).await;
    // The same backup, its picture grown to 20 MiB: the archive stays small (zeros), what it
    // unpacks to does not fit.
    let big = repack(&archive, |path, bytes| {
        if path.starts_with("signate-backup/files/") {
            png(20 * MIB)
        } else {
            bytes
        }
    });
    assert!(big.len() < MIB as usize, "{} bytes", big.len());
    // Something changes after the backup, so a restore would show.
    let res = app
        .patch_json("/api/v2/device_settings", &json!({"player_name": "Hall"}))
        .await;
    assert_eq!(res.status(), 200);
    let before = snapshot(&app).await;

    let (s, body) = recover(&app, big.clone()).await;
    assert_eq!(s, 507, "{body}");
    // Staged, then stored: every byte lands twice on the one disk.
    assert_eq!(message(&body), refusal("40.0 MB"));
    assert_unchanged(&app, &before).await;

    // With room on the disk the same archive restores: it was the space, nothing else.
    app.state.storage.disk().pretend_free(Some(64 * MIB));
    assert_eq!(
        recover(&app, big).await,
        (200, json!("Recovery successful."))
    );
    let settings = app.get_json("/api/v2/device_settings", 200).await;
    assert_eq!(settings["player_name"], "Lobby");
    let stored = files(&app.config.storage_root());
    assert!(
        stored.iter().any(|(_, size)| *size == 20 * MIB),
        "{stored:?}"
    );
}

/// A tar entry of `size` zeros at `path`; with `lie`, the plain header says 512 bytes and a
/// PAX record says the real size.
fn zeros_entry(out: &mut tar::Builder<impl std::io::Write>, path: &str, size: u64, lie: bool) {
    if lie {
        let record = format!("size={size}\n");
        // The length prefix counts itself and the space.
        let mut len = record.len() + 2;
        if format!("{len} {record}").len() != len {
            len += 1;
        }
        let pax = format!("{len} {record}");
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::XHeader);
        h.set_size(pax.len() as u64);
        h.set_path("PaxHeaders/bomb").unwrap();
        h.set_cksum();
        out.append(&h, pax.as_bytes()).unwrap();
    }
    let mut h = tar::Header::new_ustar();
    h.set_path(path).unwrap();
    h.set_size(if lie { 512 } else { size });
    h.set_mode(0o644);
    h.set_cksum();
    out.append(&h, std::io::Read::take(std::io::repeat(0), size))
        .unwrap();
}

fn bomb(lie: bool) -> Vec<u8> {
    let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    zeros_entry(&mut out, "signate-backup/files/bomb.png", 64 * MIB, lie);
    let manifest = json!({"format": "signate-backup", "version": 1, "signate_version": "0", "created_at": "2026-01-01T00:00:00", "settings": {}, "assets": []});
    let manifest = manifest.to_string().into_bytes();
    let mut h = tar::Header::new_ustar();
    h.set_size(manifest.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    out.append_data(&mut h, "signate-backup/manifest.json", &manifest[..])
        .unwrap();
    out.into_inner().unwrap().finish().unwrap()
}

async fn gzip_bomb_is_refused(app: TestApp) {
    some_data(&app).await;
    let before = snapshot(&app).await;
    let on_disk = app.state.storage.backend() == signate::config::StorageBackend::Fs;
    for (lie, archive) in [(false, bomb(false)), (true, bomb(true))] {
        // 64 MiB of zeros in about 64 KiB.
        assert!(archive.len() < 128 * 1024, "{} bytes", archive.len());
        let (s, body) = recover(&app, archive).await;
        assert_eq!(s, 507, "lie {lie}: {body}");
        // On disk the file would be staged and then stored; on S3 only staged.
        let needed = if on_disk { "128.0 MB" } else { "64.0 MB" };
        assert_eq!(message(&body), refusal(needed), "lie {lie}");
        assert_unchanged(&app, &before).await;
    }
}

async fn uploads_that_do_not_fit_are_refused(app: TestApp) {
    some_data(&app).await;
    let before = snapshot(&app).await;
    // A whole upload of 10 MiB: its parts and then the asset's file need 20 MiB.
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(upload_form("big.png", png(10 * MIB)))
        .send()
        .await
        .unwrap();
    let (s, body) = status_json(res).await;
    assert_eq!(s, 507, "{body}");
    assert_eq!(message(&body), refusal("20.0 MB"));
    // The first chunk of a 10 MiB resumable upload: refused before a byte is stored.
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .header("Content-Range", format!("bytes 0-{}/{}", MIB - 1, 10 * MIB))
        .header("X-Upload-Id", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")
        .multipart(upload_form("big.png", png(MIB)))
        .send()
        .await
        .unwrap();
    let (s, body) = status_json(res).await;
    assert_eq!(s, 507, "{body}");
    assert_eq!(message(&body), refusal("20.0 MB"));
    assert_unchanged(&app, &before).await;

    // A 4 MiB upload in two chunks fits.
    let id = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c";
    let data = png(4 * MIB);
    for (s, e) in [(0, 2 * MIB - 1), (2 * MIB, 4 * MIB - 1)] {
        let res = app
            .client
            .post(app.url("/api/v2/file_asset"))
            .header("Content-Range", format!("bytes {s}-{e}/{}", 4 * MIB))
            .header("X-Upload-Id", id)
            .multipart(upload_form(
                "four.png",
                data[s as usize..=e as usize].to_vec(),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    // The disk fills meanwhile: joining the parts into the asset's file (4 MiB) is refused, and
    // no asset is made.
    app.state.storage.disk().pretend_free(Some(3 * MIB));
    let uri = format!("{}/{id}.tmp", app.config.asset_dir());
    let body = json!({"name": "Four", "uri": uri, "ext": ".png", "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true});
    let (s, refused) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 507, "{refused}");
    assert_eq!(
        message(&refused),
        "Not enough disk space: this needs at least 4.0 MB but only 2.0 MB can be used (3.0 MB free, 1.0 MB kept in reserve). Free up space, for example by deleting unused assets, and try again."
    );
    assert_eq!(app.get_json("/api/v2/assets", 200).await, before.assets);
    // Once there is room again, the same upload becomes the asset.
    app.state.storage.disk().pretend_free(Some(16 * MIB));
    let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{a}");
    let stored = files(&app.config.storage_root());
    let id = a["asset_id"].as_str().unwrap();
    assert!(
        stored
            .iter()
            .any(|(p, size)| p.ends_with(format!("{id}.png")) && *size == 4 * MIB),
        "{stored:?}"
    );
}

async fn a_backup_that_does_not_fit_is_refused(app: TestApp) {
    app.state.storage.disk().pretend_free(Some(64 * MIB));
    for name in ["A", "B", "C"] {
        picture(&app, name, png(6 * MIB)).await;
    }
    app.state.storage.disk().pretend_free(Some(16 * MIB));
    let before = snapshot(&app).await;
    // Pictures and videos hardly compress: 18 MiB of files make an archive of about 18 MiB.
    let res = app
        .client
        .post(app.url("/api/v2/backup"))
        .send()
        .await
        .unwrap();
    let (s, body) = status_json(res).await;
    assert_eq!(s, 507, "{body}");
    assert_eq!(message(&body), refusal("18.0 MB"));
    assert_unchanged(&app, &before).await;
    // With room, the backup is made.
    app.state.storage.disk().pretend_free(Some(64 * MIB));
    let res = app
        .client
        .post(app.url("/api/v2/backup"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

/// Serves `size` zeros to every request without saying how many (no `Content-Length`): only
/// counting can stop it.
async fn unsized_server(size: u64) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\nconnection: close\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() || buf[..n].starts_with(b"HEAD") {
                    return;
                }
                let chunk = vec![0u8; 256 * 1024];
                let mut sent = 0;
                while sent < size {
                    if sock.write_all(&chunk).await.is_err() {
                        return;
                    }
                    sent += chunk.len() as u64;
                }
            });
        }
    });
    addr
}

async fn downloads_that_do_not_fit_fail_their_job(app: TestApp) {
    let declared = crate::helpers::http_server(200, vec![0u8; 20 * MIB as usize]).await;
    let no_length = unsized_server(20 * MIB).await;
    let before = files(&app.config.storage_root());
    for (url, counted) in [
        (format!("http://{declared}/big.mp4"), false),
        (format!("http://{no_length}/big.mp4"), true),
    ] {
        let body = json!({"name": "Clip", "uri": url, "mimetype": "video", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 0, "is_enabled": true});
        let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
        assert_eq!(s, 201, "{a}");
        let id = a["asset_id"].as_str().unwrap();
        let done = wait_for(&app, &format!("/api/v2/assets/{id}"), 30, |v| {
            v["is_processing"] == false
        })
        .await;
        assert_eq!(done["is_processing"], false, "{done}");
        let msg = done["metadata"]["error_message"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message: {done}"))
            .replace('\u{a0}', " ");
        let prefix = format!("Could not download {url}: ");
        if counted {
            // Stopped by counting, at the first piece past the room.
            assert_eq!(
                msg,
                format!(
                    "{prefix}Not enough disk space: this needs more than the 15.0 MB that can be used (16.0 MB free, 1.0 MB kept in reserve). Free up space, for example by deleting unused assets, and try again."
                )
            );
        } else {
            assert_eq!(msg, format!("{prefix}{}", refusal("20.0 MB")));
        }
        // Nothing of it was kept, and the job is not retried.
        assert_eq!(files(&app.config.storage_root()), before);
        let jobs = app
            .state
            .db
            .system(|c| {
                use diesel::prelude::*;
                use signate::db::schema::jobs;
                Ok(jobs::table
                    .filter(jobs::kind.eq("download"))
                    .select((jobs::state, jobs::attempts))
                    .load::<(String, i32)>(c)?)
            })
            .await
            .unwrap();
        assert!(
            jobs.iter()
                .all(|(state, attempts)| state == "failed" && *attempts == 1),
            "{jobs:?}"
        );
    }
}

/// Sets the modification time of everything under `path` (itself included) `ago` back.
fn age(path: &Path, ago: Duration) {
    let t = SystemTime::now() - ago;
    let mut stack = vec![path.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap().flatten() {
                stack.push(e.path());
            }
        }
        std::fs::File::open(&p).unwrap().set_modified(t).unwrap();
    }
}

/// A restore whose upload is still arriving: its staging folder is locked, so the collector
/// leaves it alone however old it looks, and the restore then completes.
async fn a_running_restore_is_not_swept(app: TestApp) {
    some_data(&app).await;
    let archive = backup(&app).await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let half = archive.len() / 2;
    tx.send(Ok(archive[..half].to_vec())).await.unwrap();
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let form = Form::new().part(
        "backup_upload",
        Part::stream(body).file_name("backup.tar.gz"),
    );
    let request = app
        .client
        .post(app.url("/api/v2/recover"))
        .multipart(form)
        .send();
    let request = tokio::spawn(request);
    // Wait for the staging folder and the first half of the archive in it.
    let tmp = app.config.tmp_dir();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let staging = loop {
        let found = std::fs::read_dir(&tmp).ok().and_then(|d| {
            d.flatten()
                .map(|e| e.path())
                .find(|p| p.join("upload.tar.gz").exists())
        });
        if let Some(p) = found
            && std::fs::metadata(p.join("upload.tar.gz")).unwrap().len() > 0
        {
            break p;
        }
        assert!(std::time::Instant::now() < deadline, "no staging folder");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // It looks abandoned for hours, and a crash's folder lies beside it.
    age(&staging, Duration::from_secs(3 * 3600));
    let dead = tmp.join("recover-0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(dead.join("files")).unwrap();
    std::fs::write(dead.join("files/x.png"), png(1000)).unwrap();
    age(&dead, Duration::from_secs(3 * 3600));
    let swept =
        signate::services::gc::sweep_scratch(&app.state, signate::services::gc::GRACE).await;
    assert_eq!(swept.entries, 1);
    assert!(!dead.exists());
    assert!(
        staging.join("upload.tar.gz").exists(),
        "the live folder stays"
    );

    tx.send(Ok(archive[half..].to_vec())).await.unwrap();
    drop(tx);
    let res = request.await.unwrap().unwrap();
    assert_eq!(status_json(res).await, (200, json!("Recovery successful.")));
    assert!(!staging.exists(), "removed when the restore ended");
}

/// A receiver as a stream of body pieces.
fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Working files a crash left in `<data_dir>/tmp` (a restore's staging, a conversion's
/// output) go once they are older than the grace period; fresh ones stay.
async fn stale_working_files_are_swept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tmp = app.config.tmp_dir();
    let old_staging = tmp.join("recover-11111111111111111111111111111111");
    std::fs::create_dir_all(old_staging.join("files")).unwrap();
    std::fs::write(old_staging.join("upload.tar.gz"), vec![1u8; 5000]).unwrap();
    std::fs::write(old_staging.join("files/a.png"), png(3000)).unwrap();
    let old_conversion = tmp.join("2b2b2b2b-0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f.mp4");
    std::fs::write(&old_conversion, vec![2u8; 700]).unwrap();
    let old_convert_dir = tmp.join("convert-22222222222222222222222222222222");
    std::fs::create_dir_all(&old_convert_dir).unwrap();
    std::fs::write(old_convert_dir.join("x.heic"), vec![3u8; 300]).unwrap();
    for p in [&old_staging, &old_conversion, &old_convert_dir] {
        age(p, Duration::from_secs(2 * 3600));
    }
    let fresh_staging = tmp.join("recover-33333333333333333333333333333333");
    std::fs::create_dir_all(&fresh_staging).unwrap();
    std::fs::write(fresh_staging.join("upload.tar.gz"), b"arriving").unwrap();
    let fresh_conversion = tmp.join("4c4c4c4c-0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e.png");
    std::fs::write(&fresh_conversion, b"converting").unwrap();

    // The sweep at start-up may take some of them first: what counts is what is left.
    signate::services::gc::sweep_scratch(&app.state, signate::services::gc::GRACE).await;
    assert!(!old_staging.exists() && !old_conversion.exists() && !old_convert_dir.exists());
    assert!(fresh_staging.join("upload.tar.gz").exists() && fresh_conversion.exists());
    assert_eq!(
        signate::services::gc::sweep_scratch(&app.state, signate::services::gc::GRACE)
            .await
            .entries,
        0
    );
}

#[tokio::test]
async fn sqlite_stale_working_files_are_swept() {
    stale_working_files_are_swept(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_stale_working_files_are_swept() {
    stale_working_files_are_swept(Backend::Postgres).await;
}
