//! API v3 assets: validation, filters, search, ordering with cursor pages, duplicates with
//! their files and the storage quota.

use reqwest::Method;
use serde_json::{Value, json};

use super::{call, signup, spawn};

async fn make(app: &crate::helpers::TestApp, bearer: &str, body: Value) -> Value {
    let (s, b) = call(
        app,
        Method::POST,
        "/api/v3/assets",
        bearer,
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, 201, "{body} → {b}");
    b
}

#[tokio::test]
async fn create_validates_and_patch_changes_only_what_it_names() {
    let app = spawn().await;
    let a = signup(&app, "crud").await;
    let made = make(&app, &a.access, json!({ "name": "Menu", "uri": "https://example.com/menu", "mimetype": "webpage", "tags": ["lobby", "food"], "metadata": { "owner": "kitchen" }, "is_enabled": true })).await;
    assert_eq!(made["duration"], 10);
    assert_eq!(made["processing_status"], "done");
    assert_eq!(made["tags"], json!(["lobby", "food"]));
    assert_eq!(made["play_days"], json!([1, 2, 3, 4, 5, 6, 7]));
    let id = made["id"].as_str().unwrap();
    for (body, field) in [
        (
            json!({ "uri": "https://e.com", "mimetype": "webpage" }),
            "name",
        ),
        (
            json!({ "name": "x", "uri": "ftp://e.com/x", "mimetype": "webpage" }),
            "uri",
        ),
        (
            json!({ "name": "x", "uri": "https://e.com", "mimetype": "pdf" }),
            "mimetype",
        ),
        (
            json!({ "name": "x", "uri": "https://e.com", "mimetype": "webpage", "duration": -1 }),
            "duration",
        ),
        (
            json!({ "name": "x", "uri": "https://e.com", "mimetype": "webpage", "play_days": [0] }),
            "play_days",
        ),
        (
            json!({ "name": "x", "uri": "https://e.com", "mimetype": "webpage", "start_date": "yesterday" }),
            "start_date",
        ),
        (
            json!({ "name": "x", "uri": "https://e.com", "mimetype": "webpage", "tags": "a" }),
            "tags",
        ),
        (
            json!({ "name": "x", "uri": "https://e.com", "mimetype": "webpage", "sha256": "x" }),
            "sha256",
        ),
        (
            json!({ "name": "x", "uri": "https://e.com", "mimetype": "webpage", "start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z" }),
            "end_date",
        ),
    ] {
        let (s, b) = call(
            &app,
            Method::POST,
            "/api/v3/assets",
            &a.access,
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (s, b["error"]["field"].as_str()),
            (400, Some(field)),
            "{body} → {b}"
        );
    }
    let (s, patched) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/assets/{id}"),
        &a.access,
        Some(json!({ "name": "Lunch menu", "play_time_from": "11:00", "play_time_to": "14:30" })),
    )
    .await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["name"], "Lunch menu");
    assert_eq!(patched["uri"], "https://example.com/menu");
    assert_eq!(patched["tags"], json!(["lobby", "food"]));
    assert_eq!(patched["play_time_to"], "14:30:00");
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/assets/{id}"),
        &a.access,
        Some(json!({ "play_time_from": null })),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (400, Some("play_time_to")),
        "{b}"
    );
    assert_eq!(
        call(&app, Method::GET, "/api/v3/assets/nope", &a.access, None)
            .await
            .0,
        404
    );
    let (s, b) = call(&app, Method::GET, "/api/v3/nowhere", &a.access, None).await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")));
    // The Anthias API sees the same asset.
    let (s, legacy) = call(
        &app,
        Method::GET,
        &format!("/api/v2/assets/{id}"),
        &super::api_key(&app, &a.access, "viewer").await,
        None,
    )
    .await;
    assert_eq!(
        (s, legacy["name"].as_str()),
        (200, Some("Lunch menu")),
        "{legacy}"
    );
}

#[tokio::test]
async fn filters_search_ordering_and_cursor_pages() {
    let app = spawn().await;
    let a = signup(&app, "list").await;
    for i in 0..25 {
        let (mime, uri) = if i % 2 == 0 {
            ("image", "https://e.com/p.png")
        } else {
            ("webpage", "https://e.com/")
        };
        make(&app, &a.access, json!({
            "name": format!("item {i:02}"), "uri": uri, "mimetype": mime, "play_order": 24 - i,
            "is_enabled": i % 3 == 0, "tags": if i % 5 == 0 { json!(["promo"]) } else { json!(["other"]) },
            "metadata": { "note": if i == 7 { "Summer SALE 50%" } else { "plain" } },
        })).await;
    }
    let get = |q: &'static str| {
        let app = &app;
        let token = a.access.clone();
        async move {
            let (s, b) = call(
                app,
                Method::GET,
                &format!("/api/v3/assets{q}"),
                &token,
                None,
            )
            .await;
            assert_eq!(s, 200, "{q}: {b}");
            b
        }
    };
    let names = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        get("?mimetype=image&limit=200").await["items"]
            .as_array()
            .unwrap()
            .len(),
        13
    );
    assert_eq!(
        get("?is_enabled=true&limit=200").await["items"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(
        names(&get("?tag=promo&ordering=name").await),
        ["item 00", "item 05", "item 10", "item 15", "item 20"]
    );
    assert_eq!(names(&get("?q=summer%20sale").await), ["item 07"]);
    assert_eq!(names(&get("?q=ITEM%2007").await), ["item 07"]);
    assert_eq!(
        get("?q=%25").await["items"].as_array().unwrap().len(),
        1,
        "a % is matched literally"
    );
    // Default order is play_order: item 24 first.
    assert_eq!(names(&get("?limit=2").await), ["item 24", "item 23"]);
    assert_eq!(
        names(&get("?ordering=-name&limit=2").await),
        ["item 24", "item 23"]
    );
    assert_eq!(
        names(&get("?ordering=created_at&limit=2").await),
        ["item 00", "item 01"]
    );

    // Walk every ordering in pages of 7: all 25, once each, in order.
    for ordering in [
        "play_order",
        "-play_order",
        "name",
        "-name",
        "created_at",
        "-created_at",
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v3/assets?limit=7&ordering={ordering}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (s, b) = call(&app, Method::GET, &path, &a.access, None).await;
            assert_eq!(s, 200, "{b}");
            seen.extend(names(&b));
            match b["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 25, "{ordering}: {seen:?}");
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 25, "{ordering}: duplicates in {seen:?}");
        let mut expected = sorted.clone();
        if ordering == "play_order" || ordering.starts_with('-') && ordering != "-play_order" {
            expected.reverse();
        }
        assert_eq!(seen, expected, "{ordering}");
    }
    for (q, field) in [
        ("?ordering=size", "ordering"),
        ("?limit=0", "limit"),
        ("?cursor=garbage", "cursor"),
        ("?is_enabled=maybe", "is_enabled"),
    ] {
        let (s, b) = call(
            &app,
            Method::GET,
            &format!("/api/v3/assets{q}"),
            &a.access,
            None,
        )
        .await;
        assert_eq!(
            (s, b["error"]["field"].as_str()),
            (400, Some(field)),
            "{q}: {b}"
        );
    }
}

#[tokio::test]
async fn duplicate_copies_the_file_within_the_quota() {
    let app = spawn().await;
    let a = signup(&app, "dup").await;
    // A stored file, as an upload leaves it.
    let bytes = vec![7u8; 4000];
    let row = super::stored_picture(&app, &a.tenant_id, "Poster", &bytes).await;
    let key = row.file_key.clone().unwrap();

    let (s, copy) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{}/duplicate", row.asset_id),
        &a.access,
        None,
    )
    .await;
    assert_eq!(s, 201, "{copy}");
    assert_eq!(copy["name"], "Poster (Copy)");
    assert_ne!(copy["id"], row.asset_id.as_str());
    assert_eq!(copy["file_size"], 4000);
    // Its own file: deleting the original leaves the copy's bytes.
    call(
        &app,
        Method::DELETE,
        &format!("/api/v3/assets/{}", row.asset_id),
        &a.access,
        None,
    )
    .await;
    assert!(!app.state.storage.operator().exists(&key).await.unwrap());
    let copy_id = copy["id"].as_str().unwrap().to_string();
    let (_, t) = call(
        &app,
        Method::GET,
        "/api/v3/tenants/current",
        &a.access,
        None,
    )
    .await;
    assert_eq!(t["storage_used_bytes"], 4000);

    // A quota with room for one file only: the next copy is refused and leaves no file.
    let id = a.tenant_id.clone();
    app.state
        .db
        .system(move |c| {
            use diesel::prelude::*;
            use signate::db::schema::tenants;
            diesel::update(tenants::table.find(id))
                .set(tenants::storage_quota_bytes.eq(6000i64))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let before = app
        .state
        .storage
        .operator()
        .list_with(&format!("tenants/{}/", a.tenant_id))
        .recursive(true)
        .await
        .unwrap()
        .len();
    let (s, b) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{copy_id}/duplicate"),
        &a.access,
        None,
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (403, Some("limit_exceeded")),
        "{b}"
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("storage_quota_bytes")
    );
    let after = app
        .state
        .storage
        .operator()
        .list_with(&format!("tenants/{}/", a.tenant_id))
        .recursive(true)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "a refused copy must leave no file");
    let (_, list) = call(&app, Method::GET, "/api/v3/assets", &a.access, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn names_have_one_limit_and_a_copy_keeps_to_it() {
    let app = spawn().await;
    let a = signup(&app, "names").await;
    let longest = "n".repeat(255);
    let page =
        |name: &str| json!({ "name": name, "uri": "https://example.com/p", "mimetype": "webpage" });
    let field = |b: &Value| b["error"]["field"].as_str().map(str::to_string);
    for name in ["n".repeat(256), "n".repeat(60_000)] {
        let (s, b) = call(
            &app,
            Method::POST,
            "/api/v3/assets",
            &a.access,
            Some(page(&name)),
        )
        .await;
        assert_eq!((s, field(&b)), (400, Some("name".into())), "{b}");
    }
    let made = make(&app, &a.access, page(&longest)).await;
    assert_eq!(made["name"], json!(longest));
    let id = made["id"].as_str().unwrap();
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/assets/{id}"),
        &a.access,
        Some(json!({ "name": "n".repeat(256) })),
    )
    .await;
    assert_eq!((s, field(&b)), (400, Some("name".into())), "{b}");
    // A taken name and a copy get their suffix within the limit.
    let again = make(&app, &a.access, page(&longest)).await;
    let name = again["name"].as_str().unwrap();
    assert_eq!(
        (name.chars().count(), name.ends_with("-1")),
        (255, true),
        "{name}"
    );
    let (s, copy) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{id}/duplicate"),
        &a.access,
        None,
    )
    .await;
    assert_eq!(s, 201, "{copy}");
    let name = copy["name"].as_str().unwrap();
    assert_eq!(
        (name.chars().count(), name.ends_with(" (Copy)")),
        (255, true),
        "{name}"
    );
    // Searches are bounded like what they search.
    for (query, named) in [
        (format!("q={}", "q".repeat(256)), "q"),
        (format!("tag={}", "t".repeat(51)), "tag"),
    ] {
        let (s, b) = call(
            &app,
            Method::GET,
            &format!("/api/v3/assets?{query}"),
            &a.access,
            None,
        )
        .await;
        assert_eq!((s, field(&b)), (400, Some(named.to_string())), "{b}");
    }
    let (s, b) = call(
        &app,
        Method::GET,
        &format!("/api/v3/assets?q={}", "n".repeat(255)),
        &a.access,
        None,
    )
    .await;
    // Only the first keeps all 255 characters; the other two gave room to their suffix.
    assert_eq!(
        (s, b["items"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{b}"
    );
}

#[tokio::test]
async fn a_youtube_asset_must_point_at_youtube_on_create_and_change() {
    let app = spawn().await;
    let a = signup(&app, "yt").await;
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &a.access,
        Some(json!({ "name": "Not tube", "uri": "https://example.com/watch?v=x", "mimetype": "youtube_asset" })),
    )
    .await;
    assert_eq!((s, b["error"]["field"].as_str()), (400, Some("uri")), "{b}");
    let page = make(
        &app,
        &a.access,
        json!({ "name": "Page", "uri": "https://example.com/p", "mimetype": "webpage" }),
    )
    .await;
    let id = page["id"].as_str().unwrap();
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/assets/{id}"),
        &a.access,
        Some(json!({ "mimetype": "youtube_asset" })),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (400, Some("mimetype")),
        "{b}"
    );
    // Even pointing at YouTube, a change cannot make one: only a new asset is downloaded, and
    // an answer never shows `youtube_asset`.
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/assets/{id}"),
        &a.access,
        Some(json!({ "mimetype": "youtube_asset", "uri": "https://www.youtube.com/watch?v=x" })),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (400, Some("mimetype")),
        "{b}"
    );
    let (_, kept) = call(
        &app,
        Method::GET,
        &format!("/api/v3/assets/{id}"),
        &a.access,
        None,
    )
    .await;
    assert_eq!(
        (kept["mimetype"].as_str(), kept["uri"].as_str()),
        (Some("webpage"), Some("https://example.com/p"))
    );
}
