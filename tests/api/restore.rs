//! Restores take only what the API would take (issue 12, item 6): crafted Signate and Anthias
//! archives whose rows the API would refuse are refused whole (duplicate ids) or repaired row
//! by row (skipped, renumbered, given their own file), and the answer reports it.

use std::collections::HashMap;
use std::io::Read;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{TestApp, anthias_fixture, status_json};

const PNG: &str = "anthias_assets/049ca0fd10594fb18a6e9c64faaa4756.png";

/// What one archive entry is.
enum Entry {
    File(Vec<u8>),
    Symlink(&'static str),
    HardLink(&'static str),
    /// A GNU sparse file: these bytes, then a hole up to 1 MiB.
    Sparse(Vec<u8>),
    CharDevice,
}

/// A `.tar.gz` of `(path, entry)`, in that order.
fn archive(entries: Vec<(String, Entry)>) -> Vec<u8> {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, entry) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match entry {
            Entry::File(bytes) => {
                h.set_size(bytes.len() as u64);
                tar.append_data(&mut h, &path, &bytes[..]).unwrap();
            }
            Entry::Symlink(target) | Entry::HardLink(target) => {
                h.set_entry_type(if matches!(entry, Entry::Symlink(_)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_size(0);
                tar.append_link(&mut h, &path, target).unwrap();
            }
            Entry::Sparse(bytes) => {
                h.set_entry_type(tar::EntryType::GNUSparse);
                h.set_size(bytes.len() as u64);
                let gnu = h.as_gnu_mut().unwrap();
                gnu.sparse[0].set_offset(0);
                gnu.sparse[0].set_length(bytes.len() as u64);
                gnu.sparse[1].set_offset(1 << 20);
                gnu.sparse[1].set_length(0);
                gnu.set_real_size(1 << 20);
                tar.append_data(&mut h, &path, &bytes[..]).unwrap();
            }
            Entry::CharDevice => {
                h.set_entry_type(tar::EntryType::Char);
                h.set_size(0);
                h.set_device_major(1).unwrap();
                h.set_device_minor(3).unwrap();
                tar.append_data(&mut h, &path, std::io::empty()).unwrap();
            }
        }
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// A Signate backup with these manifest rows and these files under `files/`.
fn signate_backup(rows: Vec<Value>, files: Vec<(&str, Entry)>) -> Vec<u8> {
    let manifest = json!({
        "format": "signate-backup",
        "version": 1,
        "signate_version": "0.0.0",
        "created_at": "2026-01-01T00:00:00",
        "settings": {},
        "assets": rows,
    });
    let mut entries = vec![(
        "signate-backup/manifest.json".to_string(),
        Entry::File(serde_json::to_vec(&manifest).unwrap()),
    )];
    entries.extend(
        files
            .into_iter()
            .map(|(name, e)| (format!("signate-backup/files/{name}"), e)),
    );
    archive(entries)
}

/// A manifest row: an enabled asset named after its id, shown 2020–2099, `extra` on top.
fn row(asset_id: &str, mimetype: &str, uri: &str, extra: Value) -> Value {
    let mut r = json!({
        "asset_id": asset_id,
        "name": asset_id,
        "uri": uri,
        "mimetype": mimetype,
        "start_date": "2020-01-01T00:00:00",
        "end_date": "2099-01-01T00:00:00",
        "duration": 10,
        "is_enabled": true,
        "is_processing": false,
        "nocache": false,
        "play_order": 0,
        "skip_asset_check": true,
        "skip_ssl_verify": false,
        "play_days": "[1, 2, 3, 4, 5, 6, 7]",
        "is_reachable": true,
        "metadata": "{}",
    });
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// POSTs the archive to `/api/v2/recover`: the status, the body and the report header.
async fn restore(app: &TestApp, bytes: Vec<u8>) -> (u16, Value, Value) {
    let res = app
        .client
        .post(app.url("/api/v2/recover"))
        .multipart(Form::new().part(
            "backup_upload",
            Part::bytes(bytes).file_name("backup.tar.gz"),
        ))
        .send()
        .await
        .unwrap();
    let report = res
        .headers()
        .get("signate-restore-report")
        .map(|h| serde_json::from_str(h.to_str().expect("ASCII")).expect("JSON"))
        .unwrap_or(Value::Null);
    let (status, body) = status_json(res).await;
    (status, body, report)
}

/// The tenant's assets by id (v2 view).
async fn assets(app: &TestApp) -> HashMap<String, Value> {
    app.get_json("/api/v2/assets", 200)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["asset_id"].as_str().unwrap().to_string(), a.clone()))
        .collect()
}

/// The ids a report lists under `list` ("skipped" or "repaired").
fn reported(report: &Value, list: &str) -> Vec<String> {
    let mut ids: Vec<String> = report[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {report}"))
        .iter()
        .map(|n| n["asset_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The bytes `/content` serves for a stored file (panics if it answers with an address).
async fn content(app: &TestApp, id: &str) -> Vec<u8> {
    let c = app
        .get_json(&format!("/api/v2/assets/{id}/content"), 200)
        .await;
    assert_eq!(c["type"], "file", "{id}: {c}");
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(c["content"].as_str().unwrap())
        .unwrap()
}

async fn delete(app: &TestApp, id: &str) {
    let res = app
        .client
        .delete(app.url(&format!("/api/v2/assets/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "delete {id}");
}

/// Two rows with one `asset_id` cannot both be restored, and which one is meant is anyone's
/// guess: the whole archive is refused, saying why, and nothing changes (was a 500).
async fn restore_refuses_duplicate_asset_ids(app: TestApp) {
    let body = json!({"name": "Keep me", "uri": "https://example.com", "start_date": "2020-01-01T00:00:00Z", "end_date": "2099-01-01T00:00:00Z", "duration": 10, "mimetype": "webpage", "is_enabled": true, "skip_asset_check": true});
    assert_eq!(app.post_json("/api/v2/assets", &body).await.status(), 201);
    let before = app.get_json("/api/v2/assets", 200).await;

    let twice = signate_backup(
        vec![
            row("same", "webpage", "https://example.com/a", json!({})),
            row("other", "webpage", "https://example.com/b", json!({})),
            row("same", "webpage", "https://example.com/c", json!({})),
        ],
        vec![],
    );
    let (status, body, _) = restore(&app, twice).await;
    assert_eq!(status, 400, "{body}");
    let message = body["backup_upload"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Invalid backup archive") && message.contains("\"same\""),
        "{body}"
    );
    assert_eq!(app.get_json("/api/v2/assets", 200).await, before);
}

/// Two rows naming one file each get their own stored copy: deleting one leaves the other's
/// picture whole (they shared one object, so it went with the first).
async fn restore_gives_each_asset_its_own_file(app: TestApp) {
    let png = anthias_fixture::member(PNG);
    let rows = vec![
        row(
            "first",
            "image",
            "/data/assets/pic.png",
            json!({"file": "pic.png"}),
        ),
        row(
            "second",
            "image",
            "/data/assets/pic.png",
            json!({"file": "pic.png", "play_order": 1}),
        ),
    ];
    let (status, body, report) = restore(
        &app,
        signate_backup(rows, vec![("pic.png", Entry::File(png.clone()))]),
    )
    .await;
    assert_eq!((status, body), (200, json!("Recovery successful.")));
    let restored = assets(&app).await;
    assert_eq!(restored.len(), 2);
    delete(&app, "first").await;
    assert_eq!(content(&app, "second").await, png);
    assert_ne!(
        restored["first"]["uri"], restored["second"]["uri"],
        "the copy's address names its own file"
    );
    assert_eq!(report["restored"], 2, "{report}");
    assert_eq!(reported(&report, "repaired"), ["second"], "{report}");
    assert_eq!(reported(&report, "skipped"), Vec::<String>::new());
}

/// Playing assets that share a position are numbered 0..n in their order, ties in manifest
/// order; disabled ones keep theirs (the API re-numbers only what plays).
async fn restore_renumbers_tied_play_orders(app: TestApp) {
    let rows = vec![
        row(
            "a",
            "webpage",
            "https://example.com/a",
            json!({"play_order": 0}),
        ),
        row(
            "off",
            "webpage",
            "https://example.com/off",
            json!({"play_order": 0, "is_enabled": false}),
        ),
        row(
            "c",
            "webpage",
            "https://example.com/c",
            json!({"play_order": 5}),
        ),
        row(
            "b",
            "webpage",
            "https://example.com/b",
            json!({"play_order": 0}),
        ),
    ];
    let (status, _, report) = restore(&app, signate_backup(rows, vec![])).await;
    assert_eq!(status, 200);
    let orders: HashMap<String, i64> = assets(&app)
        .await
        .into_iter()
        .map(|(id, a)| (id, a["play_order"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        orders,
        HashMap::from([
            ("a".to_string(), 0),
            ("b".to_string(), 1),
            ("c".to_string(), 2),
            ("off".to_string(), 0),
        ])
    );
    assert_eq!(reported(&report, "repaired"), ["b", "c"], "{report}");

    // Distinct positions are a valid playlist and come back as they were.
    let rows = vec![
        row(
            "x",
            "webpage",
            "https://example.com/x",
            json!({"play_order": 3}),
        ),
        row(
            "y",
            "webpage",
            "https://example.com/y",
            json!({"play_order": 1}),
        ),
    ];
    let (status, _, report) = restore(&app, signate_backup(rows, vec![])).await;
    assert_eq!(status, 200);
    let restored = assets(&app).await;
    assert_eq!(
        (&restored["x"]["play_order"], &restored["y"]["play_order"]),
        (&json!(3), &json!(1))
    );
    assert_eq!(reported(&report, "repaired"), Vec::<String>::new());
}

/// An address the API would refuse for its kind is not restored; the rest of the archive is.
async fn restore_skips_addresses_the_api_refuses(app: TestApp) {
    let rows = vec![
        row("passwd", "webpage", "/etc/passwd", json!({})),
        row("page", "webpage", "https://example.com/", json!({})),
    ];
    let (status, _, report) = restore(&app, signate_backup(rows, vec![])).await;
    assert_eq!(status, 200);
    let restored = assets(&app).await;
    assert!(!restored.contains_key("passwd"), "{restored:?}");
    assert!(restored.contains_key("page"));
    assert_eq!(reported(&report, "skipped"), ["passwd"], "{report}");

    let rows = vec![
        row("rtmp-page", "webpage", "rtmp://example.com/live", json!({})),
        row("camera", "streaming", "rtmp://example.com/live", json!({})),
        row(
            "not-tube",
            "youtube_asset",
            "https://vimeo.com/1",
            json!({}),
        ),
        row("local-file", "video", "file:///etc/passwd", json!({})),
        row("script", "webpage", "javascript:alert(1)", json!({})),
        row(
            "remote-pic",
            "image",
            "https://example.com/a.png",
            json!({}),
        ),
    ];
    let (status, body, report) = restore(&app, signate_backup(rows, vec![])).await;
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<String> = assets(&app).await.into_keys().collect();
    ids.sort();
    assert_eq!(ids, ["camera", "remote-pic"], "the API takes these two");
    assert_eq!(
        reported(&report, "skipped"),
        ["local-file", "not-tube", "rtmp-page", "script"],
        "{report}"
    );
    for note in report["skipped"].as_array().unwrap() {
        assert!(
            !note["detail"].as_str().unwrap_or_default().is_empty(),
            "{note}"
        );
    }
}

/// A picture or video whose archive entry is missing, empty or not a regular file (a link, a
/// device, a sparse file) is not restored: it would play nothing (they came back enabled).
async fn restore_skips_file_assets_without_a_regular_file(app: TestApp) {
    let png = anthias_fixture::member(PNG);
    let image = |id: &str, file: Value| {
        row(
            id,
            "image",
            &format!("/data/assets/{id}.png"),
            json!({ "file": file }),
        )
    };
    let rows = vec![
        image("real", json!("real.png")),
        image("symlink", json!("symlink.png")),
        image("hardlink", json!("hardlink.png")),
        image("sparse", json!("sparse.png")),
        image("device", json!("device.png")),
        image("empty", json!("empty.png")),
        image("missing", json!("missing.png")),
        image("none", Value::Null),
    ];
    let files = vec![
        ("real.png", Entry::File(png.clone())),
        ("symlink.png", Entry::Symlink("/etc/passwd")),
        (
            "hardlink.png",
            Entry::HardLink("signate-backup/files/real.png"),
        ),
        ("sparse.png", Entry::Sparse(png.clone())),
        ("device.png", Entry::CharDevice),
        ("empty.png", Entry::File(Vec::new())),
    ];
    let (status, body, report) = restore(&app, signate_backup(rows, files)).await;
    assert_eq!(status, 200, "{body}");
    let restored = assets(&app).await;
    let mut ids: Vec<&String> = restored.keys().collect();
    ids.sort();
    assert_eq!(ids, ["real"]);
    assert_eq!(content(&app, "real").await, png);
    assert_eq!(
        reported(&report, "skipped"),
        [
            "device", "empty", "hardlink", "missing", "none", "sparse", "symlink"
        ],
        "{report}"
    );
    assert_eq!(report["restored"], 1);
}

/// Names follow the API's rule (no NUL, at most 255 characters) and are fitted to it; any other
/// text with a NUL cannot be stored (PostgreSQL) and its row is skipped.
async fn restore_fits_names_and_skips_nul_text(app: TestApp) {
    let long = "é".repeat(300);
    let rows = vec![
        row(
            "long",
            "webpage",
            "https://example.com/long",
            json!({ "name": long }),
        ),
        row(
            "nul-name",
            "webpage",
            "https://example.com/n",
            json!({"name": "Me\u{0}nu"}),
        ),
        row(
            "nul-uri",
            "webpage",
            "https://example.com/\u{0}x",
            json!({}),
        ),
        row(
            "nul-meta",
            "webpage",
            "https://example.com/m",
            json!({"metadata": "{\"a\":\"\u{0}\"}"}),
        ),
    ];
    let (status, body, report) = restore(&app, signate_backup(rows, vec![])).await;
    assert_eq!(status, 200, "{body}");
    let restored = assets(&app).await;
    let mut ids: Vec<&String> = restored.keys().collect();
    ids.sort();
    assert_eq!(ids, ["long", "nul-name"]);
    assert_eq!(restored["long"]["name"], "é".repeat(255));
    assert_eq!(restored["nul-name"]["name"], "Menu");
    assert_eq!(
        reported(&report, "repaired"),
        ["long", "nul-name"],
        "{report}"
    );
    assert_eq!(
        reported(&report, "skipped"),
        ["nul-meta", "nul-uri"],
        "{report}"
    );
}

/// The real Anthias backup, its database changed: the menu board points at `/etc/passwd`, the
/// night promo at the welcome picture's file, and the camera shares the welcome picture's
/// position. The rows go through the same rules as a Signate backup's.
async fn restore_checks_anthias_rows_too(app: TestApp) {
    let original = anthias_fixture::archive();
    let db = app.dir.path().join("crafted-anthias.db");
    std::fs::write(&db, anthias_fixture::member(".anthias/anthias.db")).unwrap();
    {
        use diesel::{Connection, RunQueryDsl};
        let mut conn = diesel::SqliteConnection::establish(&db.display().to_string()).unwrap();
        for sql in [
            "PRAGMA journal_mode = DELETE",
            "UPDATE assets SET uri = '/etc/passwd' WHERE asset_id = '3e55fbe0b9bd4f578ba48e8d56288773'",
            "UPDATE assets SET uri = '/data/anthias_assets/049ca0fd10594fb18a6e9c64faaa4756.png' WHERE asset_id = 'b0a6d41845c64c64bb5abd71dffc40ee'",
            "UPDATE assets SET play_order = 1 WHERE asset_id = '5ead87c1fcc947d0bfc709c64ce0ba7c'",
        ] {
            diesel::sql_query(sql).execute(&mut conn).unwrap();
        }
    }
    let crafted_db = std::fs::read(&db).unwrap();
    let mut entries = Vec::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&original[..]));
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if path == ".anthias/anthias.db" {
            bytes = crafted_db.clone();
        }
        entries.push((path, Entry::File(bytes)));
    }
    let (status, body, report) = restore(&app, archive(entries)).await;
    assert_eq!((status, body), (200, json!("Recovery successful.")));

    let restored = assets(&app).await;
    let order = |id: &str| restored[id]["play_order"].as_i64().unwrap();
    assert!(!restored.contains_key("3e55fbe0b9bd4f578ba48e8d56288773"));
    // The playing ones in their order, the tie in database order; the processing video and
    // the disabled campaign keep theirs.
    assert_eq!(order("049ca0fd10594fb18a6e9c64faaa4756"), 0);
    assert_eq!(order("5ead87c1fcc947d0bfc709c64ce0ba7c"), 1);
    assert_eq!(order("b0a6d41845c64c64bb5abd71dffc40ee"), 2);
    assert_eq!(order("00949e09c48749b2bc36c66bee2f4137"), 2);
    assert_eq!(order("f261bb98518b49cdabea9b375fdf5c5d"), 0);
    delete(&app, "049ca0fd10594fb18a6e9c64faaa4756").await;
    assert_eq!(
        content(&app, "b0a6d41845c64c64bb5abd71dffc40ee").await,
        anthias_fixture::member(PNG)
    );
    assert_eq!(
        reported(&report, "skipped"),
        ["3e55fbe0b9bd4f578ba48e8d56288773"],
        "{report}"
    );
    assert_eq!(
        reported(&report, "repaired"),
        [
            "049ca0fd10594fb18a6e9c64faaa4756",
            "b0a6d41845c64c64bb5abd71dffc40ee"
        ],
        "{report}"
    );
}

backend_tests!(
    restore_refuses_duplicate_asset_ids,
    restore_gives_each_asset_its_own_file,
    restore_renumbers_tied_play_orders,
    restore_skips_addresses_the_api_refuses,
    restore_skips_file_assets_without_a_regular_file,
    restore_fits_names_and_skips_nul_text,
    restore_checks_anthias_rows_too,
);
