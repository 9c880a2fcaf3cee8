//! API v3 and the Anthias API share one asset pipeline (`services::assets`): what v2 does with
//! a YouTube link, an upload or an order, v3 does the same way.

use reqwest::Method;
use serde_json::{Value, json};

use super::{call, signup, spawn};
use crate::helpers::{TestApp, status_json};

async fn until_processed(app: &TestApp, bearer: &str, id: &str) -> Value {
    for _ in 0..100 {
        let (s, b) = call(
            app,
            Method::GET,
            &format!("/api/v3/assets/{id}"),
            bearer,
            None,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        if b["is_processing"] == false {
            return b;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("asset {id} still processing after 20 s");
}

#[tokio::test]
async fn a_youtube_link_made_through_v3_is_downloaded_as_a_video() {
    let app = spawn().await;
    let a = signup(&app, "tube").await;
    let (s, made) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &a.access,
        Some(json!({ "name": "Tube", "uri": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "mimetype": "youtube_asset", "is_enabled": true })),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    // Queued like v2 does it: a video, processing until the file is here, source recorded.
    assert_eq!(made["mimetype"], "video");
    assert_eq!(made["processing_status"], "processing");
    assert_eq!(made["duration"], 0);
    assert_eq!(
        made["metadata"]["source_url"],
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    );
    let id = made["id"].as_str().unwrap();
    assert!(
        made["uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{id}.mp4"))
    );
    // Not a YouTube address: refused as v2 refuses it.
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &a.access,
        Some(json!({ "name": "Not tube", "uri": "https://vimeo.com/1", "mimetype": "youtube_asset" })),
    )
    .await;
    assert_eq!(
        (
            s,
            b["error"]["field"].clone(),
            b["error"]["message"].clone()
        ),
        (
            400,
            json!("uri"),
            json!("A youtube_asset URI must point at a YouTube URL.")
        )
    );
    // This machine has no yt-dlp (and no route to YouTube): the job runs, gives up and says so.
    if std::process::Command::new("yt-dlp")
        .arg("--version")
        .output()
        .is_err()
    {
        let done = until_processed(&app, &a.access, id).await;
        assert_eq!(done["processing_status"], "failed", "{done}");
        assert_eq!(
            done["processing_error"],
            "YouTube downloads need yt-dlp, which is not installed on this device."
        );
    }
}

#[tokio::test]
async fn an_upload_becomes_an_asset_through_v3() {
    let app = spawn().await;
    let a = signup(&app, "upload").await;
    let png = {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_pixel(4, 3, image::Rgb([200, 30, 30]))
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    };
    let form = reqwest::multipart::Form::new().part(
        "file_upload",
        reqwest::multipart::Part::bytes(png.clone()).file_name("red.png"),
    );
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .bearer_auth(&a.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (s, up) = status_json(res).await;
    assert_eq!(s, 200, "{up}");
    let (s, made) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &a.access,
        Some(json!({ "name": "Red", "uri": up["uri"], "ext": up["ext"], "mimetype": "image", "is_enabled": true })),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["file_size"], png.len());
    let id = made["id"].as_str().unwrap();
    assert!(
        made["uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{id}.png"))
    );
    let res = app
        .client
        .get(app.url(&format!("/media/{id}")))
        .bearer_auth(&a.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    // The upload was consumed: a second asset from the same uri is refused, nothing is made.
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &a.access,
        Some(json!({ "name": "Again", "uri": up["uri"], "mimetype": "image" })),
    )
    .await;
    assert_eq!((s, b["error"]["field"].clone()), (400, json!("uri")), "{b}");
    let (_, list) = call(&app, Method::GET, "/api/v3/assets", &a.access, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn v3_appends_new_assets_and_reorders_the_playlist() {
    let app = spawn().await;
    let a = signup(&app, "order").await;
    let mut ids = vec![];
    for name in ["one", "two", "three"] {
        let (s, b) = call(
            &app,
            Method::POST,
            "/api/v3/assets",
            &a.access,
            Some(json!({ "name": name, "uri": "https://example.com/", "mimetype": "webpage", "is_enabled": true })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        ids.push(b["id"].as_str().unwrap().to_string());
    }
    let order = |list: &Value| -> Vec<(String, i64)> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().unwrap().to_string(),
                    a["play_order"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let (_, list) = call(&app, Method::GET, "/api/v3/assets", &a.access, None).await;
    assert_eq!(
        order(&list),
        vec![("one".into(), 0), ("two".into(), 1), ("three".into(), 2)]
    );
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/assets/order",
        &a.access,
        Some(json!({ "ids": [ids[2], ids[0], ids[1]] })),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (_, list) = call(&app, Method::GET, "/api/v3/assets", &a.access, None).await;
    assert_eq!(
        order(&list),
        vec![("three".into(), 0), ("one".into(), 1), ("two".into(), 2)]
    );
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/assets/order",
        &a.access,
        Some(json!({ "ids": "a,b" })),
    )
    .await;
    assert_eq!((s, b["error"]["field"].clone()), (400, json!("ids")), "{b}");
    // A viewer may not reorder.
    let viewer = super::api_key(&app, &a.access, "viewer").await;
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/assets/order",
        &viewer,
        Some(json!({ "ids": [ids[0]] })),
    )
    .await;
    assert_eq!(s, 403);
    // The change is in the audit log, made by the member.
    let (_, log) = call(
        &app,
        Method::GET,
        "/api/v3/audit-log?action=asset.reordered",
        &a.access,
        None,
    )
    .await;
    assert_eq!(log["items"].as_array().map(Vec::len), Some(1), "{log}");
}
