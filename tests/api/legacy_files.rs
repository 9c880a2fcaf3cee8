//! Uploads (whole and resumable), content, backup and restore, including a real Anthias
//! backup from `../shared/fixtures/`.

use std::io::Read;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{TestApp, anthias_fixture, status_json};

fn file_form(field: &str, name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part(
        field.to_string(),
        Part::bytes(bytes).file_name(name.to_string()),
    )
}

async fn recover(app: &TestApp, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v2/recover"))
        .multipart(file_form("backup_upload", name, bytes))
        .send()
        .await
        .unwrap();
    status_json(res).await
}

fn without_is_active(v: &Value) -> Value {
    let mut v = v.clone();
    for a in v.as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("is_active");
    }
    v
}

async fn restores_a_real_anthias_backup(app: TestApp) {
    let (s, b) = recover(
        &app,
        "Lobby-2026-11-22T16-13-16.tar.gz",
        anthias_fixture::archive(),
    )
    .await;
    assert_eq!((s, b), (200, json!("Recovery successful.")));
    let expected: Value =
        serde_json::from_slice(&anthias_fixture::read(anthias_fixture::EXPECTED)).unwrap();
    // The settings match byte for byte, the assets field for field (is_active depends on the
    // clock; the schedule module's tests replay it at the capture time).
    assert_eq!(
        app.get_json("/api/v2/device_settings", 200).await,
        expected["api_v2_device_settings"]
    );
    let mut assets = app.get_json("/api/v2/assets", 200).await;
    // `page_check` is Signate's addition (Anthias has none): no check was made yet.
    for a in assets.as_array_mut().unwrap() {
        let a = a.as_object_mut().unwrap();
        assert_eq!(a.remove("page_check"), Some(Value::Null), "{a:?}");
    }
    assert_eq!(
        without_is_active(&assets),
        without_is_active(&expected["api_v2_assets"])
    );
    // Raw text too: key order and date rendering in the device zone.
    let text = app.get("/api/v2/assets").await.text().await.unwrap();
    assert!(
        text.contains("\"start_date\":\"2026-01-01T01:00:00+01:00\""),
        "{text}"
    );
    assert!(
        text.contains("\"start_date\":\"2024-04-01T10:00:00+02:00\""),
        "{text}"
    );

    // Every uploaded file comes back through the content endpoint.
    for (id, member) in [
        (
            "049ca0fd10594fb18a6e9c64faaa4756",
            "anthias_assets/049ca0fd10594fb18a6e9c64faaa4756.png",
        ),
        (
            "b0a6d41845c64c64bb5abd71dffc40ee",
            "anthias_assets/b0a6d41845c64c64bb5abd71dffc40ee.jpg",
        ),
        (
            "00949e09c48749b2bc36c66bee2f4137",
            "anthias_assets/00949e09c48749b2bc36c66bee2f4137.mp4",
        ),
    ] {
        let c = app
            .get_json(&format!("/api/v2/assets/{id}/content"), 200)
            .await;
        assert_eq!(c["type"], "file", "{id}");
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(c["content"].as_str().unwrap())
            .unwrap();
        assert_eq!(bytes, anthias_fixture::member(member), "{id}");
    }
    let c = app
        .get_json(
            "/api/v2/assets/3e55fbe0b9bd4f578ba48e8d56288773/content",
            200,
        )
        .await;
    assert_eq!(c, json!({"type": "url", "url": "https://example.com/menu"}));
}

async fn bad_archives_leave_data_untouched(app: TestApp) {
    let body = json!({"name": "Keep me", "uri": "https://example.com", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "mimetype": "webpage", "is_enabled": true, "skip_asset_check": true});
    assert_eq!(app.post_json("/api/v2/assets", &body).await.status(), 201);
    let before = app.get_json("/api/v2/assets", 200).await;

    assert_eq!(
        recover(&app, "backup.zip", b"PK".to_vec()).await,
        (400, json!({"backup_upload": "Incorrect file extension."}))
    );
    assert_eq!(
        recover(&app, "backup.tar.gz", b"not gzip at all".to_vec()).await,
        (400, json!({"backup_upload": "Invalid backup archive."}))
    );
    // A valid tar.gz that is neither format.
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut h = tar::Header::new_gnu();
    h.set_size(2);
    h.set_cksum();
    tar.append_data(&mut h, "other/file.txt", &b"hi"[..])
        .unwrap();
    let bytes = tar.into_inner().unwrap().finish().unwrap();
    assert_eq!(
        recover(&app, "x.tgz", bytes).await,
        (400, json!({"backup_upload": "Invalid backup archive."}))
    );
    // A truncated real backup.
    let mut cut = anthias_fixture::archive();
    cut.truncate(cut.len() / 2);
    assert_eq!(
        recover(&app, "cut.tar.gz", cut).await,
        (400, json!({"backup_upload": "Invalid backup archive."}))
    );
    let res = app
        .client
        .post(app.url("/api/v2/recover"))
        .multipart(Form::new().text("x", "y"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (400, json!({"backup_upload": "No backup file uploaded."}))
    );

    assert_eq!(app.get_json("/api/v2/assets", 200).await, before);
    let staging = app.config.data_dir.join("tmp");
    let left: Vec<_> = std::fs::read_dir(&staging)
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "staging files left behind: {left:?}");
}

async fn upload_then_create_image_and_video(app: TestApp) {
    let png = anthias_fixture::member("anthias_assets/049ca0fd10594fb18a6e9c64faaa4756.png");
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(file_form("file_upload", "Welcome.png", png.clone()))
        .send()
        .await
        .unwrap();
    let (s, up) = status_json(res).await;
    assert_eq!(s, 200, "{up}");
    assert_eq!(up["ext"], ".png");
    let upload_id = up["upload_id"].as_str().unwrap();
    assert_eq!(
        up["uri"],
        format!("{}/{upload_id}.tmp", app.config.asset_dir())
    );
    let body = json!({"name": "Welcome", "uri": up["uri"], "ext": up["ext"], "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true});
    let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{a}");
    let id = a["asset_id"].as_str().unwrap();
    assert_eq!(a["uri"], format!("{}/{id}.png", app.config.asset_dir()));
    let c = app
        .get_json(&format!("/api/v2/assets/{id}/content"), 200)
        .await;
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(c["content"].as_str().unwrap())
            .unwrap(),
        png
    );
    // The file's SHA-256 was recorded as it was written.
    let (scope, asset_id) = (app.tenant(), id.to_string());
    let row = app
        .state
        .db
        .read(&app.tenant(), move |c| {
            signate::db::models::asset::get(c, &scope, &asset_id)
        })
        .await
        .unwrap()
        .unwrap();
    use sha2::Digest;
    let want: String = sha2::Sha256::digest(&png)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(row.sha256.as_deref(), Some(want.as_str()));
    assert_eq!(row.file_size, Some(png.len() as i64));
    // The upload is consumed: using its path again is refused.
    let (s, b) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"uri": ["Invalid file path. Failed to add asset."]})
        )
    );

    // Deleting the asset removes its file.
    assert_eq!(
        app.client
            .delete(app.url(&format!("/api/v2/assets/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let key = format!("tenants/{}/assets/{id}.png", app.tenant().id());
    assert!(!app.state.storage.operator().exists(&key).await.unwrap());

    // A video upload: duration must be sent as 0.
    let mp4 = anthias_fixture::member("anthias_assets/00949e09c48749b2bc36c66bee2f4137.mp4");
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(file_form("file_upload", "clip.mp4", mp4))
        .send()
        .await
        .unwrap();
    let (_, up) = status_json(res).await;
    let body = json!({"name": "Clip", "uri": up["uri"], "ext": up["ext"], "mimetype": "video", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 0, "is_enabled": true});
    let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["mimetype"], "video");
    let probed = std::process::Command::new("ffprobe")
        .arg("-version")
        .output()
        .is_ok();
    assert_eq!(
        a["duration"],
        if probed { 3 } else { 0 },
        "ffprobe installed: {probed}"
    );
}

async fn resumable_upload_out_of_order(app: TestApp) {
    // A JPEG's first bytes, then a pattern: the door judges the start of the file.
    let mut data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    data[..12].copy_from_slice(b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01");
    let id = "0123456789abcdef0123456789abcdef";
    let chunks = [
        (200_000usize, 299_999usize),
        (0, 99_999),
        (100_000, 199_999),
    ];
    for (n, (s, e)) in chunks.iter().enumerate() {
        let res = app
            .client
            .post(app.url("/api/v1/file_asset"))
            .header("Content-Range", format!("bytes {s}-{e}/{}", data.len()))
            .header("X-Upload-Id", id.to_uppercase())
            .multipart(file_form("file_upload", "big.jpg", data[*s..=*e].to_vec()))
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(res).await;
        assert_eq!(status, 200, "chunk {n}: {body}");
        assert_eq!(body["upload_id"], id);
    }
    let uri = format!("{}/{id}.tmp", app.config.asset_dir());
    let body = json!({"name": "Big", "uri": uri, "ext": ".jpg", "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": 1});
    let (s, a) = status_json(app.post_json("/api/v1.2/assets", &body).await).await;
    assert_eq!(s, 201, "{a}");
    let c = app
        .get_json(
            &format!("/api/v1/assets/{}/content", a["asset_id"].as_str().unwrap()),
            200,
        )
        .await;
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(c["content"].as_str().unwrap())
            .unwrap(),
        data
    );
}

async fn upload_errors(app: TestApp) {
    let post = |form: Form, headers: Vec<(&'static str, String)>| {
        let mut req = app
            .client
            .post(app.url("/api/v2/file_asset"))
            .multipart(form);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let cases = [
        (
            file_form("file_upload", "doc.pdf", b"%PDF".to_vec()),
            vec![],
            json!({"file_upload": "Invalid file type. Expected image or video."}),
        ),
        (
            Form::new().text("other", "x"),
            vec![],
            json!({"file_upload": "No file uploaded."}),
        ),
        (
            file_form("file_upload", "a.png", b"x".to_vec()),
            vec![("Content-Range", "bytes 0-0/*".to_string())],
            json!({"Content-Range": "Malformed Content-Range header."}),
        ),
        (
            file_form("file_upload", "a.png", b"x".to_vec()),
            vec![("Content-Range", "bytes 5-1/10".to_string())],
            json!({"Content-Range": "Invalid Content-Range bounds."}),
        ),
        (
            file_form("file_upload", "a.png", b"x".to_vec()),
            vec![
                ("Content-Range", "bytes 0-0/10".to_string()),
                ("X-Upload-Id", "../../x".to_string()),
            ],
            json!({"X-Upload-Id": "Malformed upload id."}),
        ),
        (
            file_form("file_upload", "a.png", b"\x89PNG\r\n\x1a\n".to_vec()),
            vec![
                ("Content-Range", "bytes 0-9/10".to_string()),
                (
                    "X-Upload-Id",
                    "ffffffffffffffffffffffffffffffff".to_string(),
                ),
            ],
            json!({"Content-Range": "Chunk length does not match the declared range."}),
        ),
    ];
    for (form, headers, want) in cases {
        let res = post(form, headers).await.unwrap();
        assert_eq!(status_json(res).await, (400, want.clone()), "{want}");
    }
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (400, json!({"file_upload": "No file uploaded."}))
    );
    // An incomplete upload cannot become an asset.
    let uri = format!(
        "{}/ffffffffffffffffffffffffffffffff.tmp",
        app.config.asset_dir()
    );
    let body = json!({"name": "Half", "uri": uri, "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true});
    assert_eq!(
        status_json(app.post_json("/api/v2/assets", &body).await)
            .await
            .0,
        400
    );
}

async fn backup_round_trip(app: TestApp) {
    app.patch_json(
        "/api/v2/device_settings",
        &json!({"player_name": "Hall", "timezone": "Europe/Stockholm"}),
    )
    .await;
    let png = anthias_fixture::member("anthias_assets/049ca0fd10594fb18a6e9c64faaa4756.png");
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(file_form("file_upload", "a.png", png.clone()))
        .send()
        .await
        .unwrap();
    let up: Value = res.json().await.unwrap();
    let body = json!({"name": "Pic", "uri": up["uri"], "ext": ".png", "mimetype": "image", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": true, "play_days": [1, 2], "play_time_from": "22:00", "play_time_to": "06:00", "custom_headers": {"X-A": "b"}});
    assert_eq!(app.post_json("/api/v2/assets", &body).await.status(), 201);
    let web = json!({"name": "Web", "uri": "https://example.com", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "mimetype": "webpage", "is_enabled": false, "skip_asset_check": true});
    assert_eq!(app.post_json("/api/v2/assets", &web).await.status(), 201);
    let assets_before = app.get_json("/api/v2/assets", 200).await;
    let settings_before = app.get_json("/api/v2/device_settings", 200).await;

    let (s, name) = status_json(
        app.client
            .post(app.url("/api/v2/backup"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201);
    let name = name.as_str().unwrap().to_string();
    assert!(
        name.starts_with("Hall-") && name.ends_with(".tar.gz"),
        "{name}"
    );
    let res = app
        .get(&format!("/static_with_mime/{name}?mime=application/x-tgz"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/x-tgz");
    let archive = res.bytes().await.unwrap().to_vec();

    // Change everything, then restore.
    for a in assets_before.as_array().unwrap() {
        app.client
            .delete(app.url(&format!(
                "/api/v2/assets/{}",
                a["asset_id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap();
    }
    app.patch_json(
        "/api/v2/device_settings",
        &json!({"player_name": "Other", "timezone": ""}),
    )
    .await;
    assert_eq!(
        recover(&app, &name, archive).await,
        (200, json!("Recovery successful."))
    );
    assert_eq!(
        app.get_json("/api/v2/device_settings", 200).await,
        settings_before
    );
    assert_eq!(
        without_is_active(&app.get_json("/api/v2/assets", 200).await),
        without_is_active(&assets_before)
    );
    let pic = assets_before
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Pic")
        .unwrap();
    let c = app
        .get_json(
            &format!(
                "/api/v2/assets/{}/content",
                pic["asset_id"].as_str().unwrap()
            ),
            200,
        )
        .await;
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(c["content"].as_str().unwrap())
            .unwrap(),
        png
    );
    assert_eq!(app.get("/static_with_mime/..%2Fx").await.status(), 404);
}

crate::s3_tests!(
    restores_a_real_anthias_backup,
    upload_then_create_image_and_video,
    resumable_upload_out_of_order,
    backup_round_trip,
);

async fn backups_carry_no_credentials_and_restores_keep_the_devices(app: TestApp) {
    let enable = json!({"auth_backend": "auth_basic", "username": "op", "password": "horse battery", "password_2": "horse battery"});
    assert_eq!(
        app.patch_json("/api/v2/device_settings", &enable)
            .await
            .status(),
        200
    );
    let auth = format!("Basic {}", {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode("op:horse battery")
    });
    let res = app
        .client
        .post(app.url("/api/v2/backup"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    let name: String = res.json().await.unwrap();
    let archive = app
        .client
        .get(app.url(&format!("/static_with_mime/{name}")))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&archive[..]));
    let mut manifest = String::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().ends_with("manifest.json") {
            entry.read_to_string(&mut manifest).unwrap();
        }
    }
    let m: Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        m["settings"]["password_hash"], "",
        "no hash leaves the device"
    );
    // Turn auth off, then restore the backup made while it was on: the device's choice stands.
    let off = json!({"auth_backend": "", "current_password": "horse battery"});
    let res = app
        .client
        .patch(app.url("/api/v2/device_settings"))
        .header("Authorization", &auth)
        .json(&off)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        recover(&app, &name, archive).await,
        (200, json!("Recovery successful."))
    );
    assert_eq!(
        app.get("/api/v2/assets").await.status(),
        200,
        "still no password needed"
    );
    assert_eq!(
        app.get_json("/api/v2/device_settings", 200).await["auth_backend"],
        ""
    );
}

async fn backup(app: &TestApp) -> String {
    let (s, name) = status_json(
        app.client
            .post(app.url("/api/v2/backup"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{name}");
    name.as_str().unwrap().to_string()
}

async fn backups_are_named_like_upstream(app: TestApp) {
    // No player name: `anthias-backup-<UTC time>.tar.gz`, as upstream names it.
    let name = backup(&app).await;
    let time = name
        .strip_prefix("anthias-backup-")
        .and_then(|n| n.strip_suffix(".tar.gz"))
        .unwrap_or_else(|| panic!("{name}"));
    let time = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%dT%H-%M-%S")
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let age = chrono::Utc::now().naive_utc() - time;
    assert!(age.num_seconds().abs() < 60, "{name} is not UTC now");
    let res = app.get(&format!("/static_with_mime/{name}")).await;
    assert_eq!(res.status(), 200, "{name}");

    // A named player: its name comes first.
    let lobby = json!({"player_name": "Lobby"});
    assert_eq!(
        app.patch_json("/api/v2/device_settings", &lobby)
            .await
            .status(),
        200
    );
    let name = backup(&app).await;
    assert!(
        name.starts_with("Lobby-2") && name.ends_with(".tar.gz"),
        "{name}"
    );
}

/// Every file under the tenant's storage, folders left out.
async fn stored_files(app: &TestApp) -> Vec<String> {
    let dir = format!("tenants/{}/", app.tenant().id());
    app.state
        .storage
        .operator()
        .list_with(&dir)
        .recursive(true)
        .await
        .unwrap_or_default()
        .iter()
        .map(|e| e.path().to_string())
        .filter(|p| !p.ends_with('/'))
        .collect()
}

/// The bytes decide, not the name: text named `.jpg` is refused with the reason, whole or in
/// chunks (whatever order they come in), and nothing of it stays in storage.
async fn text_named_as_a_picture_is_refused(app: TestApp) {
    let text = b"Dear customer,\nthis is a letter, not a photo.\n".repeat(400);
    let want = json!({"file_upload": "This file is not a picture or video we can show: it looks like text."});
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .multipart(file_form("file_upload", "photo.jpg", text.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(res).await, (400, want.clone()));
    assert_eq!(stored_files(&app).await, Vec::<String>::new());

    // In chunks, the start last: the chunks already stored go with it.
    let id = "abcdefabcdefabcdefabcdefabcdef12";
    let half = text.len() / 2;
    let chunk = |s: usize, e: usize| {
        app.client
            .post(app.url("/api/v2/file_asset"))
            .header("Content-Range", format!("bytes {s}-{e}/{}", text.len()))
            .header("X-Upload-Id", id)
            .multipart(file_form("file_upload", "photo.jpg", text[s..=e].to_vec()))
            .send()
    };
    let (s, b) = status_json(chunk(half, text.len() - 1).await.unwrap()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        status_json(chunk(0, half - 1).await.unwrap()).await,
        (400, want)
    );
    assert_eq!(stored_files(&app).await, Vec::<String>::new());
    assert_eq!(app.get_json("/api/v2/assets", 200).await, json!([]));

    // Other things dressed as pictures are named.
    for (name, bytes, says) in [
        (
            "menu.png",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj".to_vec(),
            "a document (PDF)",
        ),
        (
            "clip.mp4",
            b"PK\x03\x04\x14\0\0\0\x08\0".to_vec(),
            "an archive (ZIP)",
        ),
        (
            "logo.svg",
            b"<?xml version=\"1.0\"?><note>hi</note>".to_vec(),
            "not an SVG picture",
        ),
    ] {
        let res = app
            .client
            .post(app.url("/api/v2/file_asset"))
            .multipart(file_form("file_upload", name, bytes))
            .send()
            .await
            .unwrap();
        let (s, b) = status_json(res).await;
        assert_eq!(s, 400, "{name}: {b}");
        assert!(
            b["file_upload"].as_str().unwrap().contains(says),
            "{name}: {b}"
        );
    }
    assert_eq!(stored_files(&app).await, Vec::<String>::new());
}

/// Real pictures and videos still pass the door and become assets: PNG, JPEG, SVG and MP4.
async fn real_pictures_and_videos_are_accepted(app: TestApp) {
    let encoded = |format: image::ImageFormat| {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_pixel(4, 3, image::Rgb([20, 120, 200]))
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    };
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"><rect width="4" height="3" fill="blue"/></svg>"#.to_vec();
    let mp4 = anthias_fixture::member("anthias_assets/00949e09c48749b2bc36c66bee2f4137.mp4");
    for (name, bytes, mimetype) in [
        ("tiny.png", encoded(image::ImageFormat::Png), "image"),
        ("tiny.jpg", encoded(image::ImageFormat::Jpeg), "image"),
        ("tiny.svg", svg, "image"),
        ("tiny.mp4", mp4, "video"),
    ] {
        let res = app
            .client
            .post(app.url("/api/v2/file_asset"))
            .multipart(file_form("file_upload", name, bytes))
            .send()
            .await
            .unwrap();
        let (s, up) = status_json(res).await;
        assert_eq!(s, 200, "{name}: {up}");
        let body = json!({"name": name, "uri": up["uri"], "ext": up["ext"], "mimetype": mimetype, "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": if mimetype == "video" { 0 } else { 10 }, "is_enabled": true});
        let (s, a) = status_json(app.post_json("/api/v2/assets", &body).await).await;
        assert_eq!(s, 201, "{name}: {a}");
    }
}

backend_tests!(
    text_named_as_a_picture_is_refused,
    real_pictures_and_videos_are_accepted,
    backups_are_named_like_upstream,
    backups_carry_no_credentials_and_restores_keep_the_devices,
    restores_a_real_anthias_backup,
    bad_archives_leave_data_untouched,
    upload_then_create_image_and_video,
    resumable_upload_out_of_order,
    upload_errors,
    backup_round_trip,
);
