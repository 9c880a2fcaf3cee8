//! Limits and hygiene of stored files: quotas, type sniffing, garbage collection.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{TestApp, status_json};

fn file(name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part(
        "file_upload",
        Part::bytes(bytes).file_name(name.to_string()),
    )
}

async fn upload_keys(app: &TestApp) -> Vec<String> {
    let dir = format!("tenants/{}/uploads/", app.tenant().id());
    match app
        .state
        .storage
        .operator()
        .list_with(&dir)
        .recursive(true)
        .await
    {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| e.metadata().is_file())
            .map(|e| e.path().to_string())
            .collect(),
        Err(_) => vec![],
    }
}

async fn quota_is_enforced_before_bytes_are_stored(app: TestApp) {
    use diesel::prelude::*;
    use signate::db::schema::tenants;
    let id = app.tenant().id().to_string();
    app.state
        .db
        .system(move |c| {
            Ok(diesel::update(tenants::table.find(id))
                .set(tenants::storage_quota_bytes.eq(1000i64))
                .execute(c)?)
        })
        .await
        .unwrap();
    let png = |n: usize| {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.resize(n, 7);
        b
    };
    // A chunked upload that declares more than the quota is refused before its first chunk.
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .header("Content-Range", "bytes 0-99/5000")
        .header("X-Upload-Id", "abababababababababababababababab")
        .multipart(file("big.png", png(100)))
        .send()
        .await
        .unwrap();
    let (s, b) = status_json(res).await;
    assert_eq!(s, 403, "{b}");
    assert_eq!(b["error"], "limit_exceeded");
    // A whole upload is cut off once it passes the quota.
    let (s, b) = status_json(
        app.client
            .post(app.url("/api/v2/file_asset"))
            .multipart(file("big.png", png(2000)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["error"].clone()), (403, json!("limit_exceeded")));
    assert!(upload_keys(&app).await.is_empty(), "nothing written");
    // What fits is taken.
    let (s, _) = status_json(
        app.client
            .post(app.url("/api/v2/file_asset"))
            .multipart(file("ok.png", png(900)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
}

async fn spoofed_extensions_are_refused(app: TestApp) {
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    let (s, b) = status_json(
        app.client
            .post(app.url("/api/v2/file_asset"))
            .multipart(file("photo.png", pdf.clone()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"file_upload": "This file is not a picture or video we can show: it looks like a document (PDF)."})
        )
    );
    let mut zip = b"PK\x03\x04".to_vec();
    zip.resize(64, 0);
    let (s, _) = status_json(
        app.client
            .post(app.url("/api/v2/file_asset"))
            .multipart(file("clip.mp4", zip))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 400);
    assert!(upload_keys(&app).await.is_empty(), "nothing kept");
    // Chunks out of order: the start of the file is judged when the asset is made.
    let id = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";
    let mut data = pdf;
    data.resize(200, b' ');
    for (s, e) in [(100usize, 199usize), (0, 99)] {
        let res = app
            .client
            .post(app.url("/api/v2/file_asset"))
            .header("Content-Range", format!("bytes {s}-{e}/200"))
            .header("X-Upload-Id", id)
            .multipart(file("doc.png", data[s..=e].to_vec()))
            .send()
            .await
            .unwrap();
        if s == 0 {
            assert_eq!(
                res.status(),
                400,
                "the first chunk is sniffed as it arrives"
            );
        }
    }
    assert!(
        upload_keys(&app).await.is_empty(),
        "the chunk that came first went with the refused start"
    );
}

async fn garbage_collection_removes_only_orphans(app: TestApp) {
    let png = b"\x89PNG\r\n\x1a\nkept file".to_vec();
    let up: serde_json::Value = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(file("kept.png", png))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = json!({"name": "Kept", "uri": up["uri"], "ext": ".png", "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true});
    let a: serde_json::Value = app
        .post_json("/api/v2/assets", &body)
        .await
        .json()
        .await
        .unwrap();
    let op = app.state.storage.operator();
    let t = app.tenant();
    let orphan = format!("tenants/{}/assets/orphan.png", t.id());
    op.write(&orphan, b"left behind by a crash".to_vec())
        .await
        .unwrap();
    let part = format!(
        "tenants/{}/uploads/efefefefefefefefefefefefefefefef/00000000000000000000",
        t.id()
    );
    op.write(&part, b"abandoned".to_vec()).await.unwrap();

    // Young files are left alone.
    let r = signate::services::gc::collect(
        &app.state,
        &t,
        signate::services::gc::GRACE,
        signate::services::gc::UPLOAD_GRACE,
    )
    .await
    .unwrap();
    assert_eq!(r, signate::services::gc::Report::default());
    assert!(op.exists(&orphan).await.unwrap());
    // Past the grace period only what no row points to goes.
    let r = signate::services::gc::collect(&app.state, &t, Duration::ZERO, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!((r.files, r.bytes, r.upload_parts), (1, 22, 1));
    assert_eq!(r.backups, 0, "backups are kept for a week");
    assert!(!op.exists(&orphan).await.unwrap());
    assert!(!op.exists(&part).await.unwrap());
    let c = app
        .get_json(
            &format!("/api/v2/assets/{}/content", a["asset_id"].as_str().unwrap()),
            200,
        )
        .await;
    assert_eq!(c["type"], "file", "the referenced file is still there");
}

/// A resumable upload that has been going for longer than the grace period keeps its first
/// chunks while new ones arrive; only an upload whose newest chunk is old is abandoned.
async fn slow_uploads_keep_their_first_chunks(app: TestApp) {
    use std::time::Duration;
    let op = app.state.storage.operator();
    let dir = format!(
        "tenants/{}/uploads/abababababababababababababababab/",
        app.tenant().id()
    );
    let first = format!("{dir}00000000000000000000");
    op.write(&first, b"first chunk".to_vec()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(4100)).await;
    let second = format!("{dir}00000000000000000011");
    op.write(&second, b"second chunk".to_vec()).await.unwrap();
    // Ages are whole seconds and a listing of a busy S3 server can take a while: a grace of 4 s
    // leaves the fresh chunk three seconds to be listed in.
    let grace = Duration::from_secs(4);
    let t = app.tenant();
    let r = signate::services::gc::collect(&app.state, &t, Duration::ZERO, grace)
        .await
        .unwrap();
    assert_eq!(
        r.upload_parts, 0,
        "the first chunk is old, the upload is not"
    );
    assert!(op.exists(&first).await.unwrap());
    tokio::time::sleep(Duration::from_millis(4100)).await;
    let r = signate::services::gc::collect(&app.state, &t, Duration::ZERO, grace)
        .await
        .unwrap();
    assert_eq!(
        r.upload_parts, 2,
        "now nothing has arrived for the whole grace period"
    );
    assert!(!op.exists(&second).await.unwrap());
}

crate::s3_tests!(
    slow_uploads_keep_their_first_chunks,
    quota_is_enforced_before_bytes_are_stored,
    spoofed_extensions_are_refused,
    garbage_collection_removes_only_orphans,
);

backend_tests!(
    slow_uploads_keep_their_first_chunks,
    quota_is_enforced_before_bytes_are_stored,
    spoofed_extensions_are_refused,
    garbage_collection_removes_only_orphans,
);

/// 200 MB in 8 MB chunks sent out of order, one of them first sent cut short (what a dropped
/// connection leaves the server with) and then again; the asset's recorded size and SHA-256
/// match the original.
async fn large_upload_out_of_order_with_a_dropped_chunk(app: TestApp) {
    use sha2::Digest;
    const SIZE: usize = 200 * 1024 * 1024;
    const CHUNK: usize = 8 * 1024 * 1024;
    let mut data = vec![0u8; SIZE];
    data[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut x: u32 = 12345;
    for b in data[8..].iter_mut() {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        *b = (x >> 24) as u8;
    }
    let id = "9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f";
    let mut starts: Vec<usize> = (0..SIZE).step_by(CHUNK).collect();
    // A fixed shuffle: odd chunks first, then even ones backwards.
    starts.sort_by_key(|s| ((s / CHUNK).is_multiple_of(2), std::cmp::Reverse(*s)));
    let send = |start: usize, body: Vec<u8>, end: usize| {
        app.client
            .post(app.url("/api/v2/file_asset"))
            .header("Content-Range", format!("bytes {start}-{end}/{SIZE}"))
            .header("X-Upload-Id", id)
            .multipart(file("big.png", body))
            .send()
    };
    for (n, start) in starts.iter().enumerate() {
        let end = (start + CHUNK).min(SIZE) - 1;
        if n == 3 {
            // Only half of the chunk arrives: refused, and nothing of it is kept.
            let half = data[*start..start + CHUNK / 2].to_vec();
            let res = send(*start, half, end).await.unwrap();
            assert_eq!(res.status(), 400);
            // The connection itself drops in the middle of the body: nothing is kept either.
            drop_mid_body(
                &app,
                id,
                *start,
                end,
                SIZE,
                &data[*start..start + CHUNK / 2],
            )
            .await;
            let mut kept = 0;
            for _ in 0..50 {
                kept = upload_keys(&app)
                    .await
                    .iter()
                    .filter(|k| !k.ends_with("/total"))
                    .count();
                if kept == n {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert_eq!(
                kept, n,
                "a chunk cut off by a dropped connection left something"
            );
        }
        let res = send(*start, data[*start..=end].to_vec(), end)
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "chunk at {start}");
    }
    let uri = format!("{}/{id}.tmp", app.config.asset_dir());
    let body = json!({"name": "Big", "uri": uri, "ext": ".png", "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true});
    let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{a}");
    let (scope, asset_id) = (app.tenant(), a["asset_id"].as_str().unwrap().to_string());
    let row = app
        .state
        .db
        .read(&app.tenant(), move |c| {
            signate::db::models::asset::get(c, &scope, &asset_id)
        })
        .await
        .unwrap()
        .unwrap();
    let want: String = sha2::Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(row.file_size, Some(SIZE as i64));
    assert_eq!(row.sha256.as_deref(), Some(want.as_str()));
    let meta = app
        .state
        .storage
        .operator()
        .stat(row.file_key.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(meta.content_length(), SIZE as u64);
    assert!(
        upload_keys(&app).await.is_empty(),
        "the chunks are gone once the asset exists"
    );
}

/// Sends a chunk's request over a raw TCP connection that announces the whole body, writes only
/// `part` of it, and closes: what a phone losing its signal leaves the server with.
async fn drop_mid_body(
    app: &TestApp,
    id: &str,
    start: usize,
    end: usize,
    total: usize,
    part: &[u8],
) {
    use tokio::io::AsyncWriteExt;
    let boundary = "signatetestboundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file_upload\"; filename=\"big.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let length = head.len() + (end - start + 1) + tail.len();
    let request = format!(
        "POST /api/v2/file_asset HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {length}\r\nContent-Range: bytes {start}-{end}/{total}\r\nX-Upload-Id: {id}\r\n\r\n",
        app.addr
    );
    let mut sock = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    sock.write_all(request.as_bytes()).await.unwrap();
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(part).await.unwrap();
    sock.flush().await.unwrap();
    drop(sock);
}

#[tokio::test]
async fn fs_large_upload_out_of_order_with_a_dropped_chunk() {
    large_upload_out_of_order_with_a_dropped_chunk(
        TestApp::spawn(crate::helpers::Backend::Sqlite).await,
    )
    .await;
}

#[tokio::test]
async fn s3_large_upload_out_of_order_with_a_dropped_chunk() {
    large_upload_out_of_order_with_a_dropped_chunk(
        TestApp::spawn_s3(crate::helpers::Backend::Sqlite).await,
    )
    .await;
}
