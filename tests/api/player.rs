//! The player's server side: playlist, media with ranges, proof of play.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, status_json};

async fn upload_image(app: &TestApp, bytes: Vec<u8>, enabled: bool) -> String {
    let form = Form::new().part("file_upload", Part::bytes(bytes).file_name("p.png"));
    let up: Value = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = json!({"name": "pic", "uri": up["uri"], "ext": ".png", "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 7, "is_enabled": enabled, "play_days": [1, 3], "play_time_from": "08:00", "play_time_to": "18:30"});
    let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{a}");
    a["asset_id"].as_str().unwrap().to_string()
}

async fn playlist_carries_candidates_with_their_schedule(app: TestApp) {
    let id = upload_image(&app, b"\x89PNG\r\n\x1a\nimage bytes".to_vec(), true).await;
    upload_image(&app, b"\x89PNG\r\n\x1a\nother".to_vec(), false).await;
    let web = json!({"name": "Web", "uri": "https://example.com", "mimetype": "webpage", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 12, "is_enabled": true, "skip_asset_check": true, "refresh_interval_s": 30, "custom_headers": {"X-Screen": "hall"}, "play_order": 5});
    assert_eq!(app.post_json("/api/v2/assets", &web).await.status(), 201);
    let p = app.get_json("/api/player/playlist", 200).await;
    let assets = p["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 2, "the disabled asset is not sent: {p}");
    let pic = &assets[0];
    assert_eq!(pic["asset_id"], id.as_str());
    assert!(
        pic["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/media/{id}?v="))
    );
    assert_eq!(pic["duration"], 7);
    assert_eq!(
        pic["schedule"],
        json!({"is_enabled": true, "start": "2020-01-01T00:00:00Z", "end": "2030-01-01T00:00:00Z", "play_days": [1, 3], "from": "08:00:00", "to": "18:30:00"})
    );
    let web = &assets[1];
    assert_eq!(
        (
            web["url"].clone(),
            web["refresh_interval_s"].clone(),
            web["headers"].clone()
        ),
        (
            json!("https://example.com"),
            json!(30),
            json!({"X-Screen": "hall"})
        )
    );
    assert!(p["server_time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(p["settings"]["show_splash"], true);
    assert!(p["timezone"].is_string());
}

async fn media_supports_ranges_and_etags(app: TestApp) {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(&bytes);
    let id = upload_image(&app, png.clone(), true).await;
    let path = format!("/media/{id}");
    let res = app.get(&path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);

    let res = app
        .client
        .get(app.url(&path))
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 100-199/{}", png.len())
    );
    assert_eq!(res.bytes().await.unwrap().to_vec(), png[100..200].to_vec());
    let res = app
        .client
        .get(app.url(&path))
        .header("Range", "bytes=-8")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        png[png.len() - 8..].to_vec()
    );
    let res = app
        .client
        .get(app.url(&path))
        .header("Range", format!("bytes={}-", png.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes */{}", png.len())
    );
    let res = app
        .client
        .get(app.url(&path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(
        app.get("/media/00000000000000000000000000000000")
            .await
            .status(),
        404
    );
    let web = json!({"name": "Web", "uri": "https://example.com", "mimetype": "webpage", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 12, "is_enabled": true, "skip_asset_check": true});
    let w = app
        .post_json("/api/v2/assets", &web)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/media/{}", w["asset_id"].as_str().unwrap()))
            .await
            .status(),
        404
    );
}

async fn proof_of_play_batches(app: TestApp) {
    let batch = json!({"plays": [
        {"asset_id": "a1", "started_at": "2026-11-22T10:00:00Z", "duration_ms": 10000},
        {"asset_id": "a2", "started_at": "2026-11-22T10:00:10.500Z", "duration_ms": 4000}
    ]});
    assert_eq!(
        app.post_json("/api/player/plays", &batch).await.status(),
        204
    );
    let recent = app.get_json("/api/player/plays?limit=10", 200).await;
    assert_eq!(
        recent["plays"],
        json!([
            {"asset_id": "a2", "started_at": "2026-11-22T10:00:10.500Z", "duration_ms": 4000},
            {"asset_id": "a1", "started_at": "2026-11-22T10:00:00Z", "duration_ms": 10000}
        ])
    );
    // A bad record refuses the whole batch.
    let bad = json!({"plays": [
        {"asset_id": "a3", "started_at": "2026-11-22T11:00:00Z", "duration_ms": 1},
        {"asset_id": "../x", "started_at": "2026-11-22T11:00:00Z", "duration_ms": 1}
    ]});
    let (s, b) = status_json(app.post_json("/api/player/plays", &bad).await).await;
    assert_eq!(s, 400, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("Play 1"));
    let (s, _) = status_json(
        app.post_json(
            "/api/player/plays",
            &json!({"plays": [{"asset_id": "a", "started_at": "yesterday", "duration_ms": 1}]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        app.get_json("/api/player/plays", 200).await["plays"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

async fn player_page_is_served(app: TestApp) {
    let res = app.client.get(app.url("/player")).send().await.unwrap();
    assert_eq!(res.status(), 200, "redirect followed to /player/");
    assert_eq!(res.url().path(), "/player/");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

crate::s3_tests!(
    media_supports_ranges_and_etags,
    thumbnails_are_made_for_pictures_and_videos
);

backend_tests!(
    thumbnails_are_made_for_pictures_and_videos,
    ui_event_stream_reports_changes,
    playlist_carries_candidates_with_their_schedule,
    media_supports_ranges_and_etags,
    proof_of_play_batches,
    player_page_is_served,
);

async fn ui_event_stream_reports_changes(app: TestApp) {
    use futures_util::StreamExt;
    let res = app.get("/api/events").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut body = res.bytes_stream();
    let mut seen = String::new();
    // The stream opens with a comment; then a change made elsewhere arrives.
    seen.push_str(&String::from_utf8_lossy(
        &body.next().await.unwrap().unwrap(),
    ));
    let web = json!({"name": "Web", "uri": "https://example.com", "mimetype": "webpage", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 12, "is_enabled": true, "skip_asset_check": true});
    let a = app
        .post_json("/api/v2/assets", &web)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains("event: assets_changed") && std::time::Instant::now() < deadline {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), body.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: assets_changed"), "{seen}");
    assert!(seen.contains(a["asset_id"].as_str().unwrap()), "{seen}");
}

async fn thumbnails_are_made_for_pictures_and_videos(app: TestApp) {
    use std::io::Cursor;
    let mut png = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        800,
        600,
        image::Rgb([20, 120, 220]),
    ))
    .write_to(&mut png, image::ImageFormat::Png)
    .unwrap();
    let id = upload_image(&app, png.into_inner(), true).await;
    let thumb = wait_thumbnail(&app, &id).await;
    let picture = image::load_from_memory(&thumb).unwrap();
    assert_eq!((picture.width(), picture.height()), (240, 180));

    let has_ffmpeg = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok();
    let video = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/anthias-2026.08.2-lobby.tar.gz"
    ))
    .unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&video[..]));
    let mut mp4 = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy().ends_with(".mp4") {
            std::io::Read::read_to_end(&mut entry, &mut mp4).unwrap();
        }
    }
    let form = Form::new().part("file_upload", Part::bytes(mp4).file_name("clip.mp4"));
    let up: Value = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = json!({"name": "clip", "uri": up["uri"], "ext": ".mp4", "mimetype": "video", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 0, "is_enabled": true});
    let a: Value = app
        .post_json("/api/v2/assets", &body)
        .await
        .json()
        .await
        .unwrap();
    if has_ffmpeg {
        let thumb = wait_thumbnail(&app, a["asset_id"].as_str().unwrap()).await;
        assert!(image::load_from_memory(&thumb).is_ok());
    }
}

async fn wait_thumbnail(app: &TestApp, id: &str) -> Vec<u8> {
    for _ in 0..200 {
        let res = app.get(&format!("/media/{id}/thumbnail")).await;
        if res.status() == 200 {
            assert_eq!(res.headers()["content-type"], "image/jpeg");
            return res.bytes().await.unwrap().to_vec();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no thumbnail for {id}");
}

#[tokio::test]
async fn screens_need_credentials_unless_truly_local() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let enable = json!({"auth_backend": "auth_basic", "username": "op", "password": "horse battery", "password_2": "horse battery"});
    assert_eq!(
        app.patch_json("/api/v2/device_settings", &enable)
            .await
            .status(),
        200
    );
    // The kiosk browser on the device itself needs no password…
    assert_eq!(app.get("/api/player/playlist").await.status(), 200);
    // …but a request relayed by a reverse proxy on the same host does.
    let res = app
        .client
        .get(app.url("/api/player/playlist"))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .get(app.url("/media/x"))
        .header("Forwarded", "for=203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        app.get("/api/v2/assets").await.status(),
        401,
        "the API itself always asks"
    );
}

/// A stream a browser cannot open is relayed through ffmpeg as fragmented MP4. The source here
/// is an MPEG-TS stream over UDP made by a second ffmpeg (no RTSP server is available to the
/// tests; RTSP takes the same path with `-rtsp_transport tcp`).
#[tokio::test]
async fn streams_are_relayed_as_fragmented_mp4() {
    if std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_err()
    {
        panic!("the tests need ffmpeg (scripts/services.sh installs it)");
    }
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut source = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
            "-t",
            "30",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-g",
            "25",
            "-f",
            "mpegts",
        ])
        .arg(format!("udp://127.0.0.1:{port}?pkt_size=1316"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let app = TestApp::spawn_with(crate::helpers::Backend::Sqlite, |c| {
        c.allow_private_urls = true
    })
    .await;
    let scope = app.tenant();
    let mut cam = signate::db::models::asset::Asset::new(&scope);
    cam.name = Some("Camera".into());
    cam.uri = Some(format!("udp://127.0.0.1:{port}"));
    cam.mimetype = Some("streaming".into());
    cam.duration = Some(60);
    cam.is_enabled = true;
    cam.start_date = Some(chrono::Utc::now().naive_utc() - chrono::TimeDelta::days(1));
    cam.end_date = Some(chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(1));
    let id = cam.asset_id.clone();
    let s = scope.clone();
    app.state
        .db
        .write(&scope, move |c| {
            signate::db::models::asset::insert(c, &s, &cam)
        })
        .await
        .unwrap();

    let playlist = app.get_json("/api/player/playlist", 200).await;
    assert_eq!(playlist["assets"][0]["url"], format!("/media/{id}/live"));
    use futures_util::StreamExt;
    let res = app.get(&format!("/media/{id}/live")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "video/mp4");
    let mut body = res.bytes_stream();
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !(got.windows(4).any(|w| w == b"ftyp") && got.windows(4).any(|w| w == b"moof"))
        && std::time::Instant::now() < deadline
    {
        match tokio::time::timeout(std::time::Duration::from_secs(10), body.next()).await {
            Ok(Some(Ok(chunk))) => got.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let _ = source.kill();
    let _ = source.wait();
    assert!(got.windows(4).any(|w| w == b"ftyp"), "an MP4 header");
    assert!(
        got.windows(4).any(|w| w == b"moof"),
        "movie fragments ({} bytes)",
        got.len()
    );
}

/// With `storage.s3.presign_media_seconds`, screens get a short-lived S3 URL instead of bytes
/// streamed through the server; the URL serves the same bytes, ranges included.
#[tokio::test]
async fn s3_media_by_presigned_urls() {
    let app = TestApp::spawn_s3_with(Backend::Sqlite, |c| {
        c.storage.s3.presign_media_seconds = 120
    })
    .await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..=255u8).cycle().take(5_000));
    let id = upload_image(&app, png.clone(), true).await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects
        .get(app.url(&format!("/media/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&crate::helpers::s3_endpoint()),
        "{location}"
    );
    assert!(location.contains("X-Amz-Signature="), "{location}");
    let direct = reqwest::get(&location).await.unwrap();
    assert_eq!(direct.status(), 200);
    assert_eq!(direct.bytes().await.unwrap().to_vec(), png);
    let part = reqwest::Client::new()
        .get(&location)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().to_vec(), png[10..20].to_vec());
    // Still only for those who may see the asset: an unknown id is a 404, not a URL.
    let res = no_redirects
        .get(app.url("/media/00000000000000000000000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
