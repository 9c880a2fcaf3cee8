//! `signate migrate` between two real servers: a device on SQLite holding a real Anthias
//! backup (pictures, a video, web pages, disabled and scheduled assets) and a cloud tenant on
//! PostgreSQL with its files on S3. Copied, compared through the APIs, run again (nothing
//! copied twice), planned without changes, refused with one clear line, and killed half-way
//! through a file then run again (it continues).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::Digest;
use signate::migrate::{Options, Outcome, run};

use crate::cloud::{api_key, call, signup};
use crate::helpers::{Backend, TestApp, anthias_fixture, status_json};

/// A device holding the Anthias backup of the fixtures, restored.
async fn device() -> TestApp {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let bytes = anthias_fixture::archive();
    let form = Form::new().part(
        "backup_upload",
        Part::bytes(bytes).file_name("lobby.tar.gz"),
    );
    let res = app
        .client
        .post(app.url("/api/v2/recover"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    app
}

/// A cloud server with its files on S3, and an admin key of a new tenant.
async fn cloud() -> (TestApp, String, String, String) {
    let app = crate::cloud::spawn_with(crate::helpers::use_s3).await;
    let admin = signup(&app, "movers").await;
    let key = api_key(&app, &admin.access, "tenant_admin").await;
    (app, admin.access, key, admin.tenant_id)
}

/// The binary under test: `SIGNATE_BIN` when set (a copy that other builds cannot overwrite
/// meanwhile), else the one cargo built with these tests.
fn bin() -> String {
    std::env::var("SIGNATE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_signate").to_string())
}

fn options(from: &TestApp, to: &TestApp, key: &str, work: &std::path::Path) -> Options {
    Options {
        from: from.url(""),
        from_user: None,
        from_password: None,
        to: to.url(""),
        api_key: key.to_string(),
        dry_run: false,
        screen_code: None,
        plain: true,
        work_dir: Some(work.to_path_buf()),
        chunk_size: 64 * 1024,
        source_label: None,
    }
}

async fn cloud_assets(app: &TestApp, bearer: &str) -> Vec<Value> {
    let (s, page) = call(
        app,
        reqwest::Method::GET,
        "/api/v3/assets?limit=200",
        bearer,
        None,
    )
    .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

async fn bytes_of(app: &TestApp, path: &str, bearer: Option<&str>) -> Vec<u8> {
    let mut req = app.client.get(app.url(path));
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    let res = req.send().await.unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.bytes().await.unwrap().to_vec()
}

fn sha(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn instant(v: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
}

/// Every source asset has one copy, equal field by field and byte for byte.
async fn assert_same(
    device: &TestApp,
    source: &[Value],
    cloud: &TestApp,
    admin: &str,
    copies: &[Value],
) {
    assert_eq!(copies.len(), source.len());
    for src in source {
        let id = src["asset_id"].as_str().unwrap();
        let copy = copies
            .iter()
            .find(|c| c["metadata"]["migrated_from"]["asset_id"] == id)
            .unwrap_or_else(|| panic!("no copy of {id}"));
        for field in [
            "name",
            "is_enabled",
            "nocache",
            "play_days",
            "skip_asset_check",
        ] {
            assert_eq!(copy[field], src[field], "{field} of {id}");
        }
        for field in ["start_date", "end_date"] {
            assert_eq!(
                instant(&copy[field]),
                instant(&src[field]),
                "{field} of {id}"
            );
        }
        for field in ["play_time_from", "play_time_to"] {
            let hm = |v: &Value| v.as_str().map(|s| s[..5].to_string());
            assert_eq!(hm(&copy[field]), hm(&src[field]), "{field} of {id}");
        }
        if src["mimetype"] != "video" {
            assert_eq!(copy["duration"], src["duration"], "duration of {id}");
        }
        let stored = src["uri"].as_str().is_some_and(|u| u.starts_with('/'));
        if stored {
            let theirs = bytes_of(device, &format!("/media/{id}"), None).await;
            let ours = bytes_of(
                cloud,
                &format!("/media/{}", copy["id"].as_str().unwrap()),
                Some(admin),
            )
            .await;
            assert_eq!(sha(&ours), sha(&theirs), "bytes of {id}");
        } else {
            assert_eq!(copy["uri"], src["uri"]);
        }
    }
}

#[tokio::test]
async fn a_device_moves_into_a_tenant_completely_once_and_verified() {
    let device = device().await;
    let (cloud, admin, key, _) = cloud().await;
    // A schedule and a disabled asset beyond what the backup holds.
    let mut source: Vec<Value> = device
        .get_json("/api/v2/assets", 200)
        .await
        .as_array()
        .unwrap()
        .clone();
    assert!(source.len() >= 3, "the fixture holds several assets");
    let first = source[0]["asset_id"].as_str().unwrap().to_string();
    let res = device
        .patch_json(
            &format!("/api/v2/assets/{first}"),
            &json!({"play_days": [1, 3, 5], "play_time_from": "22:00", "play_time_to": "06:00", "is_enabled": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = device
        .patch_json(
            "/api/v2/device_settings",
            &json!({"default_duration": 17, "shuffle_playlist": true}),
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    source = device
        .get_json("/api/v2/assets", 200)
        .await
        .as_array()
        .unwrap()
        .clone();

    let work = tempfile::tempdir().unwrap();

    // The plan changes nothing.
    let mut plan = options(&device, &cloud, &key, work.path());
    plan.dry_run = true;
    let planned = run(&plan).await.expect("dry run");
    assert!(planned.complete, "{}", planned.render());
    assert_eq!(
        planned.counts.get("planned"),
        Some(&source.len()),
        "{}",
        planned.render()
    );
    assert!(
        planned.bytes_sent > 0,
        "stored files are sized from the device"
    );
    assert!(cloud_assets(&cloud, &admin).await.is_empty());

    let report = run(&options(&device, &cloud, &key, work.path()))
        .await
        .expect("run");
    eprintln!("{}", report.render());
    assert!(report.complete, "{}", report.render());
    assert_eq!(
        report.counts.get("copied").copied(),
        Some(source.len() + 1),
        "{}",
        report.render()
    );
    let files: Vec<_> = report
        .assets
        .iter()
        .filter(|e| e.sha256.is_some())
        .collect();
    assert!(!files.is_empty(), "the fixture has stored files");
    assert_eq!(
        planned.bytes_sent, report.bytes_sent,
        "the plan sized every file as the move sent it (HEAD /media/<id>)"
    );

    // Compared through the APIs: every field, and every file byte for byte.
    let copies = cloud_assets(&cloud, &admin).await;
    assert_same(&device, &source, &cloud, &admin, &copies).await;
    // The order of the device.
    let order = |list: &[Value], key: &str| -> Vec<String> {
        let mut l: Vec<_> = list.to_vec();
        l.sort_by_key(|a| a["play_order"].as_i64());
        l.iter()
            .map(|a| a[key].as_str().unwrap().to_string())
            .collect()
    };
    let by_copy: Vec<String> = order(&copies, "id")
        .iter()
        .map(|id| {
            copies.iter().find(|c| c["id"] == id.as_str()).unwrap()["metadata"]["migrated_from"]
                    ["asset_id"]
                    .as_str()
                    .unwrap()
                    .to_string()
        })
        .collect();
    assert_eq!(by_copy, order(&source, "asset_id"));
    // The settings with a tenant meaning.
    let (_, settings) = call(
        &cloud,
        reqwest::Method::GET,
        "/api/v2/device_settings",
        &admin,
        None,
    )
    .await;
    assert_eq!(settings["default_duration"], 17);
    assert_eq!(settings["shuffle_playlist"], true);

    // Again: nothing copied twice, everything verified again.
    let again = run(&options(&device, &cloud, &key, work.path()))
        .await
        .expect("second run");
    assert!(again.complete, "{}", again.render());
    assert_eq!(again.bytes_sent, 0);
    assert!(
        again
            .assets
            .iter()
            .all(|e| e.outcome == Outcome::AlreadyThere),
        "{}",
        again.render()
    );
    assert_eq!(cloud_assets(&cloud, &admin).await.len(), source.len());

    // A change on the device since is carried over by the next run.
    let res = device
        .patch_json(
            &format!("/api/v2/assets/{first}"),
            &json!({"is_enabled": true}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let third = run(&options(&device, &cloud, &key, work.path()))
        .await
        .expect("third run");
    assert!(third.complete, "{}", third.render());
    let updated: Vec<_> = third
        .assets
        .iter()
        .filter(|e| e.outcome == Outcome::Updated)
        .collect();
    assert_eq!(updated.len(), 1, "{}", third.render());
    assert!(updated[0].detail.as_deref().unwrap().contains("is_enabled"));
}

#[tokio::test]
async fn bad_input_gets_one_clear_line_and_changes_nothing() {
    let device = device().await;
    let (cloud, admin, _, _) = cloud().await;
    let work = tempfile::tempdir().unwrap();
    let viewer = api_key(&cloud, &admin, "viewer").await;

    let err = run(&options(&device, &cloud, &viewer, work.path()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("assets.create"), "{err}");

    let err = run(&options(&device, &cloud, "sgk_not-a-key", work.path()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused the API key"), "{err}");

    let mut closed = options(&device, &cloud, &viewer, work.path());
    closed.from = "http://127.0.0.1:9".into();
    let err = run(&closed).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot reach the source http://127.0.0.1:9"),
        "{err}"
    );

    let mut not_url = closed.clone();
    not_url.to = "acme".into();
    let err = run(&not_url).await.unwrap_err();
    assert!(err.to_string().contains("--to"), "{err}");
    assert!(cloud_assets(&cloud, &admin).await.is_empty());
}

#[tokio::test]
async fn a_tenant_without_room_is_told_how_much_is_needed_before_any_upload() {
    let device = device().await;
    let (cloud, admin, key, tenant) = cloud().await;
    let scope = signate::tenancy::TenantScope::new(tenant.clone());
    cloud
        .state
        .db
        .write(&scope, |c| {
            use diesel::prelude::*;
            diesel::sql_query("UPDATE tenants SET storage_quota_bytes = 1000").execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let err = run(&options(&device, &cloud, &key, work.path()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("storage quota"), "{err}");
    assert!(err.to_string().contains("more"), "{err}");
    assert!(cloud_assets(&cloud, &admin).await.is_empty());
}

/// A TCP relay to `to` that passes what the client sends at about `bytes_per_second` (the
/// answers at full speed): a slow uplink, as from a shop's DSL line.
async fn slow_link(to: std::net::SocketAddr, bytes_per_second: u64) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(to).await else {
                continue;
            };
            let (mut client_in, mut client_out) = client.into_split();
            let (mut server_in, mut server_out) = server.into_split();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = client_in.read(&mut buf).await {
                    if n == 0 || server_out.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    let pause = n as u64 * 1_000_000 / bytes_per_second;
                    tokio::time::sleep(std::time::Duration::from_micros(pause)).await;
                }
                let _ = server_out.shutdown().await;
            });
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut server_in, &mut client_out).await;
            });
        }
    });
    addr
}

/// A picture of noise: big (no compression helps it) and a real PNG.
fn noise_png(side: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let img = image::RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn killed_half_way_through_a_file_the_next_run_continues() {
    let device = TestApp::spawn(Backend::Sqlite).await;
    let big = noise_png(900);
    let form = Form::new().part(
        "file_upload",
        Part::bytes(big.clone()).file_name("noise.png"),
    );
    let (s, up) = status_json(
        device
            .client
            .post(device.url("/api/v2/file_asset"))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{up}");
    let body = json!({"name": "Noise", "uri": up["uri"], "ext": ".png", "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true});
    let (s, made) = status_json(device.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{made}");
    let (cloud, admin, key, _) = cloud().await;
    let work = tempfile::tempdir().unwrap();
    // The uploads go through a slow link, so the kill lands
    // half-way however busy the machine is (about 5 s for the whole file).
    let link = slow_link(cloud.addr, 500_000).await;

    let command = |work: &std::path::Path| {
        let mut c = Command::new(bin());
        c.args(["migrate", "--plain", "--chunk-size", "16384", "--from"])
            .arg(device.url(""))
            .arg("--to")
            .arg(format!("http://{link}"))
            .arg("--work-dir")
            .arg(work)
            .env("SIGNATE_API_KEY", &key)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    };
    let mut first = command(work.path()).spawn().unwrap();
    // Read off the async threads: the slow link runs on them.
    let uploading = tokio::task::spawn_blocking(move || {
        let stderr = BufReader::new(first.stderr.take().unwrap());
        let mut uploading = false;
        for line in stderr.lines() {
            let line = line.unwrap();
            uploading |= line.starts_with("uploading Noise");
            // Stopped hard a few tenths into the upload.
            if uploading && line.contains(" of ") {
                first.kill().unwrap();
                break;
            }
        }
        first.wait().unwrap();
        uploading
    })
    .await
    .unwrap();
    assert!(uploading, "the first run reached the upload");
    assert!(
        cloud_assets(&cloud, &admin).await.is_empty(),
        "nothing half-made"
    );

    let out = tokio::task::spawn_blocking({
        let mut c = command(work.path());
        move || c.output().unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    assert!(
        stderr.contains("resuming at"),
        "the upload continued: {stderr}"
    );
    assert!(
        stdout.contains("Everything is there and verified."),
        "{stdout}"
    );
    let copies = cloud_assets(&cloud, &admin).await;
    assert_eq!(copies.len(), 1);
    let ours = bytes_of(
        &cloud,
        &format!("/media/{}", copies[0]["id"].as_str().unwrap()),
        Some(&admin),
    )
    .await;
    assert_eq!(sha(&ours), sha(&big));

    // And a third run moves nothing and says so as JSON.
    let out = tokio::task::spawn_blocking({
        let mut c = command(work.path());
        c.arg("--json");
        move || c.output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["bytes_sent"], 0);
    assert_eq!(report["assets"][0]["outcome"], "already_there");
    assert_eq!(report["complete"], true);
}

/// `signate` with `args`, off the async threads; answers the exit code, stdout and stderr.
async fn signate(args: Vec<String>, env: Vec<(&'static str, String)>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(bin()).args(&args).envs(env).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn an_anthias_backup_imported_into_a_tenant_equals_it_restored_on_a_device() {
    let device = device().await;
    let source: Vec<Value> = device
        .get_json("/api/v2/assets", 200)
        .await
        .as_array()
        .unwrap()
        .clone();
    let (cloud, admin, key, _) = cloud().await;
    let work = tempfile::tempdir().unwrap();
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = vec![
            "import".into(),
            anthias_fixture::PATH.into(),
            "--to".into(),
            cloud.url(""),
            "--work-dir".into(),
        ];
        a.push(work.path().display().to_string());
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let (code, out, err) =
        signate(args(&["--dry-run"]), vec![("SIGNATE_API_KEY", key.clone())]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Nothing was changed."), "{out}");
    assert!(cloud_assets(&cloud, &admin).await.is_empty());

    let (code, out, err) = signate(args(&["--json"]), vec![("SIGNATE_API_KEY", key.clone())]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["complete"], true);
    let copies = cloud_assets(&cloud, &admin).await;
    assert_same(&device, &source, &cloud, &admin, &copies).await;

    // Imported again: nothing copied twice.
    let (code, out, _) = signate(args(&["--json"]), vec![("SIGNATE_API_KEY", key.clone())]).await;
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["bytes_sent"], 0);
    assert_eq!(cloud_assets(&cloud, &admin).await.len(), source.len());

    // Not an archive: one line, exit 2, nothing made.
    let junk = work.path().join("junk.tar.gz");
    std::fs::write(&junk, b"not a tarball").unwrap();
    let (code, _, err) = signate(
        vec![
            "import".into(),
            junk.display().to_string(),
            "--to".into(),
            cloud.url(""),
        ],
        vec![("SIGNATE_API_KEY", key.clone())],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not an archive Signate can read"), "{err}");
    assert_eq!(cloud_assets(&cloud, &admin).await.len(), source.len());
}

#[tokio::test]
async fn an_export_of_a_running_device_imports_equal() {
    let device = device().await;
    let source: Vec<Value> = device
        .get_json("/api/v2/assets", 200)
        .await
        .as_array()
        .unwrap()
        .clone();
    let (cloud, admin, key, _) = cloud().await;
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("pi.tar.gz");
    let (code, out, err) = signate(
        vec![
            "export".into(),
            archive.display().to_string(),
            "--from".into(),
            device.url(""),
        ],
        vec![],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("wrote "), "{out}");
    let (code, out, err) = signate(
        vec![
            "import".into(),
            archive.display().to_string(),
            "--to".into(),
            cloud.url(""),
            "--plain".into(),
        ],
        vec![("SIGNATE_API_KEY", key.clone())],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let copies = cloud_assets(&cloud, &admin).await;
    assert_same(&device, &source, &cloud, &admin, &copies).await;

    // From a data directory with no server: an empty device gives an archive that imports as
    // nothing at all.
    let empty = tempfile::tempdir().unwrap();
    let archive = work.path().join("empty.tar.gz");
    let (code, out, err) = signate(
        vec![
            "--data-dir".into(),
            empty.path().display().to_string(),
            "export".into(),
            archive.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let (fresh, fresh_admin, fresh_key, _) = crate::migrate::cloud().await;
    let (code, out, err) = signate(
        vec![
            "import".into(),
            archive.display().to_string(),
            "--to".into(),
            fresh.url(""),
        ],
        vec![("SIGNATE_API_KEY", fresh_key)],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(cloud_assets(&fresh, &fresh_admin).await.is_empty());
}

/// An old Anthias: API v1.2 only (v2 answers 404), assets without play days or windows.
async fn old_anthias(assets: Value) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = assets.to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let (status, body) = if request.starts_with("GET /api/v1.2/assets ") {
                    ("200 OK", body)
                } else {
                    ("404 Not Found", r#"{"detail":"Not found."}"#.to_string())
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn an_anthias_that_speaks_only_v1_2_moves_too() {
    let addr = old_anthias(json!([{
        "asset_id": "0af1d39e1c4b4c6f8e1b2a3c4d5e6f70", "name": "Weather", "uri": "https://weather.example.com/",
        "start_date": "2024-01-01T00:00:00", "end_date": "2030-01-01T00:00:00", "duration": "20",
        "mimetype": "webpage", "is_enabled": 1, "nocache": 0, "play_order": 0,
        "skip_asset_check": 0, "is_active": 1, "is_processing": 0
    }]))
    .await;
    let (cloud, admin, key, _) = cloud().await;
    let work = tempfile::tempdir().unwrap();
    let mut o = options(&cloud, &cloud, &key, work.path());
    o.from = format!("http://{addr}");
    let report = run(&o).await.expect("run");
    assert!(report.complete, "{}", report.render());
    assert!(report.settings.is_none(), "v1.2 has no settings to read");
    let copies = cloud_assets(&cloud, &admin).await;
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0]["name"], "Weather");
    assert_eq!(copies[0]["uri"], "https://weather.example.com/");
    assert_eq!(copies[0]["duration"], 20);
    assert_eq!(copies[0]["is_enabled"], true);
    assert_eq!(
        instant(&copies[0]["end_date"]),
        instant(&json!("2030-01-01T00:00:00Z"))
    );
}

#[tokio::test]
async fn the_pis_own_screen_is_claimed_for_the_tenant_once() {
    let device = TestApp::spawn(Backend::Sqlite).await;
    let res = device
        .patch_json(
            "/api/v2/device_settings",
            &json!({"player_name": "Shop window"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let (cloud, admin, key, _) = cloud().await;
    let (s, pairing) = status_json(
        cloud
            .client
            .post(cloud.url("/api/v3/screens/pair"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{pairing}");
    let code = pairing["code"].as_str().unwrap().to_string();
    let work = tempfile::tempdir().unwrap();
    let mut o = options(&device, &cloud, &key, work.path());
    o.screen_code = Some(code.to_lowercase());
    let report = run(&o).await.expect("run");
    assert!(report.complete, "{}", report.render());
    let screen = report.screen.as_ref().unwrap();
    assert_eq!(screen.outcome, Outcome::Copied, "{}", report.render());
    let (s, screens) = call(
        &cloud,
        reqwest::Method::GET,
        "/api/v3/screens",
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(screens.as_array().unwrap().len(), 1, "{screens}");
    assert_eq!(screens[0]["name"], "Shop window");
    assert_eq!(screens[0]["id"].as_str(), screen.target_id.as_deref());
    // The screen learns it is paired.
    let secret = pairing["secret"].as_str().unwrap();
    let (s, done) = status_json(cloud.get(&format!("/api/v3/screens/pair/{secret}")).await).await;
    assert_eq!(
        (s, done["status"].as_str()),
        (200, Some("paired")),
        "{done}"
    );

    // Run again: the claim is not tried twice (the code is spent) and the run is complete.
    let again = run(&o).await.expect("second run");
    assert!(again.complete, "{}", again.render());
    assert_eq!(
        again.screen.as_ref().unwrap().outcome,
        Outcome::AlreadyThere
    );

    // A code no screen shows fails that part, names it, and the exit status says so.
    let mut wrong = options(&device, &cloud, &key, tempfile::tempdir().unwrap().path());
    wrong.screen_code = Some("ZZZZZZ".into());
    let report = run(&wrong).await.expect("run");
    assert!(!report.complete);
    let screen = report.screen.as_ref().unwrap();
    assert_eq!(screen.outcome, Outcome::Failed);
    assert!(
        screen.detail.as_deref().unwrap().contains("404"),
        "{:?}",
        screen.detail
    );
}

#[tokio::test]
async fn names_taken_duplicates_and_a_second_pi_with_the_same_ids_are_handled() {
    let first = device().await;
    let source: Vec<Value> = first
        .get_json("/api/v2/assets", 200)
        .await
        .as_array()
        .unwrap()
        .clone();
    let taken = source[0]["name"].as_str().unwrap().to_string();
    let (cloud, admin, key, _) = cloud().await;
    // The tenant already has an asset of that name: the copy takes `-1`, and the move is
    // still complete at the first run.
    crate::cloud::asset(&cloud, &admin, &taken).await;
    let work = tempfile::tempdir().unwrap();
    let report = run(&options(&first, &cloud, &key, work.path()))
        .await
        .expect("run");
    assert!(report.complete, "{}", report.render());
    let copies = cloud_assets(&cloud, &admin).await;
    assert!(
        copies.iter().any(|c| c["name"] == format!("{taken}-1")),
        "{copies:?}"
    );

    // A member duplicates a copy and renames the duplicate: the next run leaves it alone.
    let copy = copies
        .iter()
        .find(|c| c["metadata"]["migrated_from"]["asset_id"] == source[1]["asset_id"])
        .unwrap();
    let (s, dup) = call(
        &cloud,
        reqwest::Method::POST,
        &format!("/api/v3/assets/{}/duplicate", copy["id"].as_str().unwrap()),
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 201, "{dup}");
    assert!(dup["metadata"].get("migrated_from").is_none(), "{dup}");
    let again = run(&options(&first, &cloud, &key, work.path()))
        .await
        .expect("run");
    assert!(again.complete, "{}", again.render());
    assert_eq!(again.counts.get("copied"), None, "{}", again.render());
    let (_, still) = call(
        &cloud,
        reqwest::Method::GET,
        &format!("/api/v3/assets/{}", dup["id"].as_str().unwrap()),
        &admin,
        None,
    )
    .await;
    assert_eq!(still["name"], dup["name"]);

    // A second Pi set up from the same backup has the same asset ids: its assets are its own
    // copies, not the first Pi's.
    let second = device().await;
    let report = run(&options(
        &second,
        &cloud,
        &key,
        tempfile::tempdir().unwrap().path(),
    ))
    .await
    .expect("run");
    assert!(report.complete, "{}", report.render());
    assert_eq!(
        report
            .assets
            .iter()
            .filter(|e| e.outcome == Outcome::Copied)
            .count(),
        source.len(),
        "{}",
        report.render()
    );
    assert_eq!(
        cloud_assets(&cloud, &admin).await.len(),
        2 * source.len() + 2
    );
}
