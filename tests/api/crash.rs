//! Crash safety with a real server process killed by SIGKILL: a download job interrupted
//! half-way is completed after the restart, and an interrupted upload never becomes an asset.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_signate"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir)
        .env("SIGNATE_ALLOW_PRIVATE_URLS", "true")
        .env("SIGNATE_LOG", "warn")
        .env_remove("SIGNATE_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} did not come up");
}

/// Serves `body` slowly: `pieces` writes with `pause` between them, to every request.
async fn slow_server(body: Vec<u8>, pieces: usize, pause: Duration) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = std::sync::Arc::new(body);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\ncontent-type: video/mp4\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for piece in body.chunks(body.len().div_ceil(pieces)) {
                    if sock.write_all(piece).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(pause).await;
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn killed_download_job_completes_after_restart() {
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 239) as u8).collect();
    let origin = slow_server(bytes.clone(), 20, Duration::from_millis(150)).await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();

    let mut server = start(dir.path(), port);
    ready(&client, &base).await;
    let body = json!({"name": "Clip", "uri": format!("http://{origin}/clip.mp4"), "mimetype": "video", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 0, "is_enabled": true});
    let a: Value = client
        .post(format!("{base}/api/v2/assets"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = a["asset_id"].as_str().unwrap().to_string();
    assert_eq!(a["is_processing"], true);
    // Half-way through the 3-second download: kill -9.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    server.kill().unwrap();
    server.wait().unwrap();

    let mut server = start(dir.path(), port);
    ready(&client, &base).await;
    // The row never showed a half file: still processing, then done.
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let v: Value = client
            .get(format!("{base}/api/v2/assets/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["is_processing"] == false || Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(done["is_processing"], false, "{done}");
    assert!(done["metadata"].get("error_message").is_none(), "{done}");
    let c: Value = client
        .get(format!("{base}/api/v2/assets/{id}/content"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(c["content"].as_str().unwrap())
            .unwrap(),
        bytes
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn killed_upload_leaves_no_asset() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start(dir.path(), port);
    ready(&client, &base).await;
    let id = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
    let mut chunk = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk.resize(1000, 1);
    let form = reqwest::multipart::Form::new().part(
        "file_upload",
        reqwest::multipart::Part::bytes(chunk).file_name("big.png"),
    );
    let res = client
        .post(format!("{base}/api/v2/file_asset"))
        .header("Content-Range", "bytes 0-999/5000")
        .header("X-Upload-Id", id)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    server.kill().unwrap();
    server.wait().unwrap();

    let mut server = start(dir.path(), port);
    ready(&client, &base).await;
    let list: Value = client
        .get(format!("{base}/api/v2/assets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));
    let asset_dir = std::path::absolute(dir.path().join("assets")).unwrap();
    let body = json!({"name": "Half", "uri": format!("{}/{id}.tmp", asset_dir.display()), "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true});
    let res = client
        .post(format!("{base}/api/v2/assets"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        400,
        "an unfinished upload cannot become an asset"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Sets the modification time of everything under `path` (itself included) `ago` back.
fn age(path: &std::path::Path, ago: Duration) {
    let t = std::time::SystemTime::now() - ago;
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

/// A restore killed half-way leaves its staging folder; once it is older than the grace
/// period, the next start removes it (and a conversion's leftover file), keeps a fresh one, and
/// the data is as it was before the restore.
#[tokio::test]
async fn killed_restore_leaves_no_staging_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start(dir.path(), port);
    ready(&client, &base).await;
    let web = json!({"name": "Kept", "uri": "https://example.com", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "mimetype": "webpage", "is_enabled": true, "skip_asset_check": true});
    let res = client
        .post(format!("{base}/api/v2/assets"))
        .json(&web)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let before: Value = client
        .get(format!("{base}/api/v2/assets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // A restore whose upload stops half-way: 300 KB arrive, the rest never does.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    tx.send(Ok(vec![7u8; 300_000])).await.unwrap();
    let body =
        reqwest::Body::wrap_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let form = reqwest::multipart::Form::new().part(
        "backup_upload",
        reqwest::multipart::Part::stream(body).file_name("backup.tar.gz"),
    );
    let request = tokio::spawn(
        client
            .post(format!("{base}/api/v2/recover"))
            .multipart(form)
            .send(),
    );
    let tmp = dir.path().join("tmp");
    let deadline = Instant::now() + Duration::from_secs(20);
    let staging = loop {
        let found = std::fs::read_dir(&tmp).ok().and_then(|d| {
            d.flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("recover-")
            })
        });
        if let Some(p) = found
            && std::fs::metadata(p.join("upload.tar.gz")).is_ok_and(|m| m.len() >= 300_000)
        {
            break p;
        }
        assert!(Instant::now() < deadline, "no staging folder");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    server.kill().unwrap();
    server.wait().unwrap();
    drop(tx);
    let _ = request.await;
    assert!(
        staging.join("upload.tar.gz").exists(),
        "kill -9 leaves the staging folder"
    );

    // An hour and more later (and a conversion's file from the same crash): restart.
    age(&staging, Duration::from_secs(2 * 3600));
    let conversion = tmp.join("abcd-0123456789abcdef0123456789abcdef.mp4");
    std::fs::write(&conversion, vec![0u8; 1000]).unwrap();
    age(&conversion, Duration::from_secs(2 * 3600));
    let fresh = tmp.join("recover-ffffffffffffffffffffffffffffffff");
    std::fs::create_dir_all(&fresh).unwrap();
    std::fs::write(fresh.join("upload.tar.gz"), b"x").unwrap();
    let mut server = start(dir.path(), port);
    ready(&client, &base).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while staging.exists() || conversion.exists() {
        assert!(Instant::now() < deadline, "stale working files still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fresh.join("upload.tar.gz").exists(), "a fresh folder stays");
    let after: Value = client
        .get(format!("{base}/api/v2/assets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after, before, "nothing was half-restored");
    server.kill().unwrap();
    server.wait().unwrap();
}
