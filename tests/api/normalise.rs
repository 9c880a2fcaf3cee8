//! Formats a Pi's browser cannot show are converted by a job: TIFF pictures to PNG, videos in
//! other containers or codecs to H.264 MP4 (ffmpeg from Debian's packages in CI). A file that
//! plays already is left as it is.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::TestApp;

async fn upload(app: &TestApp, bytes: Vec<u8>, file_name: &str, mimetype: &str) -> Value {
    let form = Form::new().part(
        "file_upload",
        Part::bytes(bytes).file_name(file_name.to_string()),
    );
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
    let ext = format!(".{}", file_name.rsplit('.').next().unwrap());
    let body = json!({"name": file_name, "uri": up["uri"], "ext": ext, "mimetype": mimetype, "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": if mimetype == "video" { 0 } else { 10 }, "is_enabled": true});
    let (status, made) =
        crate::helpers::status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(status, 201, "{up} → {made}");
    made
}

async fn settled(app: &TestApp, id: &str) -> Value {
    crate::helpers::wait_for(app, &format!("/api/v2/assets/{id}"), 60, |a| {
        a["is_processing"] == false
    })
    .await
}

async fn stored_key(app: &TestApp, id: &str) -> String {
    let (scope, id) = (app.tenant(), id.to_string());
    let s = scope.clone();
    app.state
        .db
        .read(&scope, move |c| signate::db::models::asset::get(c, &s, &id))
        .await
        .unwrap()
        .unwrap()
        .file_key
        .unwrap()
}

async fn tiff_becomes_png(app: TestApp) {
    let mut tiff = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        64,
        48,
        image::Rgb([200, 30, 30]),
    ))
    .write_to(&mut tiff, image::ImageFormat::Tiff)
    .unwrap();
    let a = upload(&app, tiff.into_inner(), "scan.tiff", "image").await;
    let id = a["asset_id"].as_str().unwrap().to_string();
    assert_eq!(
        a["is_processing"], true,
        "hidden from the screen until converted"
    );
    let done = settled(&app, &id).await;
    assert_eq!(done["is_processing"], false, "{done}");
    assert!(done["metadata"].get("error_message").is_none(), "{done}");
    assert!(done["uri"].as_str().unwrap().ends_with(".png"), "{done}");
    let res = app.get(&format!("/media/{id}")).await;
    assert_eq!(res.headers()["content-type"], "image/png");
    let picture = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((picture.width(), picture.height()), (64, 48));
    // Only the converted file is left in storage.
    let key = stored_key(&app, &id).await;
    assert!(key.ends_with(".png"));
    let files = app
        .state
        .storage
        .operator()
        .list_with(&format!("tenants/{}/assets/", app.tenant().id()))
        .recursive(true)
        .await
        .unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|e| e.path().to_string())
        .filter(|p| !p.ends_with('/'))
        .collect();
    assert_eq!(names, vec![key], "the TIFF is removed");
}

fn has_ffmpeg() -> bool {
    std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok()
}

fn make_video(args: &[&str], ext: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("v.{ext}"));
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=160x120:rate=10",
        ])
        .args(args)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

fn codec_of(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
        ])
        .arg(&path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn videos_become_h264_only_when_needed(app: TestApp) {
    assert!(
        has_ffmpeg(),
        "the tests need ffmpeg (scripts/services.sh installs it)"
    );
    // MPEG-4 Part 2 in AVI: neither plays in Chromium.
    let avi = upload(
        &app,
        make_video(&["-c:v", "mpeg4"], "avi"),
        "old.avi",
        "video",
    )
    .await;
    // H.264 in MP4 plays already: left alone, same bytes.
    let mp4_bytes = make_video(&["-c:v", "libx264", "-pix_fmt", "yuv420p"], "mp4");
    let mp4 = upload(&app, mp4_bytes.clone(), "fine.mp4", "video").await;
    assert_eq!(avi["is_processing"], true);
    let avi_id = avi["asset_id"].as_str().unwrap().to_string();
    let done = settled(&app, &avi_id).await;
    assert!(done["metadata"].get("error_message").is_none(), "{done}");
    assert!(done["uri"].as_str().unwrap().ends_with(".mp4"), "{done}");
    let converted = app
        .get(&format!("/media/{avi_id}"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert_eq!(codec_of(&converted), "h264");

    let mp4_id = mp4["asset_id"].as_str().unwrap().to_string();
    // The probe job runs and queues the preview; the preview's arrival means it is done.
    for _ in 0..200 {
        if app
            .get(&format!("/media/{mp4_id}/thumbnail"))
            .await
            .status()
            == 200
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let kept = app
        .get(&format!("/media/{mp4_id}"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert_eq!(kept, mp4_bytes, "a playable video is not re-encoded");
}

async fn unreadable_tiff_fails_visibly(app: TestApp) {
    // TIFF magic bytes followed by garbage: sniffed as TIFF, but nothing decodes it.
    let mut bytes = b"II*\x00".to_vec();
    bytes.extend(std::iter::repeat_n(0xAB, 512));
    let a = upload(&app, bytes, "broken.tif", "image").await;
    let id = a["asset_id"].as_str().unwrap().to_string();
    let done = settled(&app, &id).await;
    let msg = done["metadata"]["error_message"]
        .as_str()
        .unwrap_or_default();
    assert!(msg.contains("TIFF"), "{done}");
    let left: Vec<_> = std::fs::read_dir(app.config.data_dir.join("tmp"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a failed conversion left {left:?}");
}

async fn heic_becomes_jpeg(app: TestApp) {
    let has = |tool: &str| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok()
    };
    assert!(
        has("heif-enc") && has("heif-convert"),
        "the tests need libheif-examples (scripts/services.sh installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("in.png");
    image::RgbImage::from_pixel(64, 48, image::Rgb([10, 200, 90]))
        .save(&png)
        .unwrap();
    let heic = dir.path().join("photo.heic");
    let made = std::process::Command::new("heif-enc")
        .arg("-o")
        .arg(&heic)
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let a = upload(&app, std::fs::read(&heic).unwrap(), "photo.heic", "image").await;
    let id = a["asset_id"].as_str().unwrap().to_string();
    assert_eq!(a["is_processing"], true);
    let done = settled(&app, &id).await;
    assert!(done["metadata"].get("error_message").is_none(), "{done}");
    assert!(done["uri"].as_str().unwrap().ends_with(".jpg"), "{done}");
    let res = app.get(&format!("/media/{id}")).await;
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let picture = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((picture.width(), picture.height()), (64, 48));
}

/// An iPhone-style HEVC video in an `.mp4`: converted under a new name, the original goes only
/// once the row points at the new file.
async fn hevc_mp4_becomes_h264(app: TestApp) {
    assert!(
        has_ffmpeg(),
        "the tests need ffmpeg (scripts/services.sh installs it)"
    );
    let a = upload(
        &app,
        make_video(&["-c:v", "libx265", "-pix_fmt", "yuv420p"], "mp4"),
        "phone.mp4",
        "video",
    )
    .await;
    let id = a["asset_id"].as_str().unwrap().to_string();
    let mut key = String::new();
    for _ in 0..300 {
        key = stored_key(&app, &id).await;
        if !key.ends_with(&format!("{id}.mp4")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_ne!(key, format!("{id}.mp4"), "not converted");
    let res = app.get(&format!("/media/{id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(codec_of(&res.bytes().await.unwrap()), "h264");
    let done = app.get_json(&format!("/api/v2/assets/{id}"), 200).await;
    assert!(done["metadata"].get("error_message").is_none(), "{done}");
}

/// A playlist dressed as a video could make ffmpeg read other files (another tenant's, on a
/// shared disk): its bytes are text, so it is refused at the door and never reaches the tools,
/// neither sent now nor left over as parts of an upload from before the door judged bytes.
async fn playlists_dressed_as_video_read_nothing_else(app: TestApp) {
    let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n/etc/passwd\n#EXT-X-ENDLIST\n";
    let form = Form::new().part(
        "file_upload",
        Part::bytes(playlist.as_bytes().to_vec()).file_name("trick.mp4"),
    );
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        crate::helpers::status_json(res).await,
        (
            400,
            json!({"file_upload": "This file is not a picture or video we can show: it looks like text."})
        )
    );
    // Parts already stored under an upload id: refused when they would become an asset.
    let id = "0123456789abcdef0123456789abcdef";
    let dir = format!("tenants/{}/uploads/{id}/", app.tenant().id());
    let op = app.state.storage.operator();
    op.write(&format!("{dir}{:020}", 0), playlist.as_bytes().to_vec())
        .await
        .unwrap();
    op.write(&format!("{dir}total"), playlist.len().to_string())
        .await
        .unwrap();
    let uri = format!("{}/{id}.tmp", app.config.asset_dir());
    let body = json!({"name": "trick", "uri": uri, "ext": ".mp4", "mimetype": "video", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 0, "is_enabled": true});
    let (status, a) =
        crate::helpers::status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(status, 400, "{a}");
    assert!(a.to_string().contains("it looks like text"), "{a}");
    let left: Vec<String> = op
        .list_with(&dir)
        .recursive(true)
        .await
        .unwrap_or_default()
        .iter()
        .map(|e| e.path().to_string())
        .filter(|p| !p.ends_with('/'))
        .collect();
    assert!(left.is_empty(), "the upload's parts are gone: {left:?}");
    assert_eq!(app.get_json("/api/v2/assets", 200).await, json!([]));
}

/// An MP4 box header with nothing a decoder can read behind it passes the door (its first bytes
/// are a video's), then ffprobe finds no picture in it: the item is marked failed with the
/// reason, not left for screens to skip.
async fn unreadable_video_fails_visibly(app: TestApp) {
    assert!(
        has_ffmpeg(),
        "the tests need ffmpeg (scripts/services.sh installs it)"
    );
    let mut bytes = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41".to_vec();
    bytes.extend(std::iter::repeat_n(0xAB, 4096));
    let a = upload(&app, bytes, "broken.mp4", "video").await;
    let id = a["asset_id"].as_str().unwrap().to_string();
    // A video in a playable container is probed without being marked processing: wait for
    // the verdict itself.
    let done = crate::helpers::wait_for(&app, &format!("/api/v2/assets/{id}"), 60, |a| {
        a["metadata"].get("error_message").is_some()
    })
    .await;
    let msg = done["metadata"]["error_message"]
        .as_str()
        .unwrap_or_default();
    assert!(msg.contains("This video cannot be read"), "{done}");
}

backend_tests!(
    unreadable_video_fails_visibly,
    hevc_mp4_becomes_h264,
    playlists_dressed_as_video_read_nothing_else,
    heic_becomes_jpeg,
    tiff_becomes_png,
    videos_become_h264_only_when_needed,
    unreadable_tiff_fails_visibly
);
