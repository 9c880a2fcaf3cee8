//! Background downloads through the durable job queue: remote video files and YouTube.

use serde_json::json;

use crate::helpers::{Backend, TestApp, anthias_fixture, http_server, status_json, wait_for};

fn video(uri: String) -> serde_json::Value {
    json!({"name": "Clip", "uri": uri, "mimetype": "video", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 0, "is_enabled": true})
}

async fn remote_video_is_downloaded(backend: Backend) {
    // A real H.264 clip: with ffprobe installed the file is probed after the download, and
    // bytes that are no video are (rightly) marked failed.
    let bytes = anthias_fixture::member(anthias_fixture::MP4);
    let origin = http_server(200, bytes.clone()).await;
    let app = TestApp::spawn_with(backend, |c| c.allow_private_urls = true).await;
    let (s, a) = status_json(
        app.post_json(
            "/api/v2/assets",
            &video(format!("http://{origin}/media/clip.MP4?x=1")),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{a}");
    let id = a["asset_id"].as_str().unwrap().to_string();
    assert_eq!(a["is_processing"], true);
    assert_eq!(a["uri"], format!("{}/{id}.mp4", app.config.asset_dir()));
    assert_eq!(
        a["metadata"]["source_url"],
        format!("http://{origin}/media/clip.MP4?x=1")
    );
    let done = wait_for(&app, &format!("/api/v2/assets/{id}"), 20, |v| {
        v["is_processing"] == false
    })
    .await;
    assert_eq!(done["is_processing"], false, "{done}");
    assert!(done["metadata"].get("error_message").is_none(), "{done}");
    let c = app
        .get_json(&format!("/api/v2/assets/{id}/content"), 200)
        .await;
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(c["content"].as_str().unwrap())
            .unwrap(),
        bytes
    );
}

#[tokio::test]
async fn sqlite_remote_video_is_downloaded() {
    remote_video_is_downloaded(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_remote_video_is_downloaded() {
    remote_video_is_downloaded(Backend::Postgres).await;
}

#[tokio::test]
async fn failed_download_says_why() {
    let origin = http_server(404, vec![]).await;
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.allow_private_urls = true).await;
    let a = app
        .post_json(
            "/api/v2/assets",
            &video(format!("http://{origin}/gone.mp4")),
        )
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let id = a["asset_id"].as_str().unwrap();
    let done = wait_for(&app, &format!("/api/v2/assets/{id}"), 20, |v| {
        v["is_processing"] == false
    })
    .await;
    let msg = done["metadata"]["error_message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("404"), "{done}");
}

#[tokio::test]
async fn private_addresses_are_not_downloaded_by_default() {
    let origin = http_server(200, b"secret".to_vec()).await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let a = app
        .post_json("/api/v2/assets", &video(format!("http://{origin}/x.mp4")))
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let id = a["asset_id"].as_str().unwrap();
    let done = wait_for(&app, &format!("/api/v2/assets/{id}"), 20, |v| {
        v["is_processing"] == false
    })
    .await;
    let msg = done["metadata"]["error_message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("private network"), "{done}");
}

#[tokio::test]
async fn youtube_assets_download_through_yt_dlp() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = json!({"name": "Tube", "uri": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "mimetype": "youtube_asset", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 0, "is_enabled": true});
    let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(
        (
            a["mimetype"].clone(),
            a["is_processing"].clone(),
            a["duration"].clone()
        ),
        (json!("video"), json!(true), json!(0))
    );
    assert!(a["metadata"]["processing_started_at"].is_string());
    let bad = json!({"name": "Not tube", "uri": "https://vimeo.com/1", "mimetype": "youtube_asset", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 0, "is_enabled": true});
    assert_eq!(
        status_json(app.post_json("/api/v2/assets", &bad).await).await,
        (
            400,
            json!({"uri": ["A youtube_asset URI must point at a YouTube URL."]})
        )
    );
    // This machine has no yt-dlp (and no route to YouTube): the job gives up and says so.
    if std::process::Command::new("yt-dlp")
        .arg("--version")
        .output()
        .is_err()
    {
        let id = a["asset_id"].as_str().unwrap();
        let done = wait_for(&app, &format!("/api/v2/assets/{id}"), 20, |v| {
            v["is_processing"] == false
        })
        .await;
        assert_eq!(
            done["metadata"]["error_message"],
            "YouTube downloads need yt-dlp, which is not installed on this device."
        );
    }
}
