//! The Anthias asset API, version by version, with the bad inputs the reference lists.

use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{TestApp, status_json};

fn v2_body() -> Value {
    json!({
        "name": "Anthias", "uri": "https://anthias.screenly.io",
        "start_date": "2019-08-24T14:15:22Z", "end_date": "2029-08-24T14:15:22Z",
        "duration": 20, "mimetype": "webpage", "is_enabled": false, "skip_asset_check": true
    })
}

async fn v2_create_matches_upstream_shape(app: TestApp) {
    let (status, body) = status_json(app.post_json("/api/v2/assets", &v2_body()).await).await;
    assert_eq!(status, 201, "{body}");
    let id = body["asset_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    let expected = json!({"asset_id": id, "name":"Anthias","uri":"https://anthias.screenly.io","start_date":"2019-08-24T14:15:22Z","end_date":"2029-08-24T14:15:22Z","duration":20,"mimetype":"webpage","is_enabled":false,"nocache":false,"play_order":0,"skip_asset_check":true,"skip_ssl_verify":false,"is_active":false,"is_processing":false,"play_days":[1,2,3,4,5,6,7],"play_time_from":null,"play_time_to":null,"is_reachable":true,"last_reachability_check":null,"metadata":{},"refresh_interval_s":0,"custom_headers":{},"page_check":null});
    assert_eq!(body, expected);
    // Key order is part of the contract.
    let text = app
        .get(&format!("/api/v2/assets/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let keys: Vec<&str> = expected
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut at = 0;
    for k in keys {
        let pos = text
            .find(&format!("\"{k}\":"))
            .unwrap_or_else(|| panic!("{k} missing"));
        assert!(pos >= at, "{k} out of order in {text}");
        at = pos;
    }
    // v1.x shows the same row with a string duration and 0/1 flags.
    let v1 = app.get_json(&format!("/api/v1/assets/{id}"), 200).await;
    assert_eq!(v1["duration"], "20");
    assert_eq!(v1["is_enabled"], 0);
    assert_eq!(v1["skip_asset_check"], 1);
    assert!(v1.get("play_days").is_none());
    let list = app.get_json("/api/v1.2/assets", 200).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

async fn v2_validation_errors(app: TestApp) {
    let (s, b) = status_json(app.post_json("/api/v2/assets", &json!({"name": "x"})).await).await;
    assert_eq!(s, 400);
    for field in [
        "uri",
        "start_date",
        "end_date",
        "duration",
        "mimetype",
        "is_enabled",
    ] {
        assert_eq!(b[field], json!(["This field is required."]), "{field}: {b}");
    }
    let cases = [
        (
            json!({"duration": -1}),
            "duration",
            json!(["Ensure this value is greater than or equal to 0."]),
        ),
        (
            json!({"duration": "abc"}),
            "duration",
            json!(["A valid integer is required."]),
        ),
        (
            json!({"is_enabled": "maybe"}),
            "is_enabled",
            json!(["Must be a valid boolean."]),
        ),
        (
            json!({"start_date": "24/08/2019"}),
            "start_date",
            json!([
                "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
            ]),
        ),
        (
            json!({"play_days": []}),
            "play_days",
            json!([
                "play_days must contain at least one day. To stop playback entirely, disable the asset (is_enabled=false)."
            ]),
        ),
        (
            json!({"play_days": [0, 3]}),
            "play_days",
            json!({"0": ["Ensure this value is greater than or equal to 1."]}),
        ),
        (
            json!({"play_days": "1,2"}),
            "play_days",
            json!(["Expected a list of items but got type \"str\"."]),
        ),
        (
            json!({"play_time_from": "25:00"}),
            "play_time_from",
            json!([
                "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
            ]),
        ),
        (
            json!({"refresh_interval_s": 86401}),
            "refresh_interval_s",
            json!(["Ensure this value is less than or equal to 86400."]),
        ),
        (
            json!({"play_time_from": "08:00"}),
            "play_time_to",
            json!(["play_time_from and play_time_to must be set together."]),
        ),
        (
            json!({"custom_headers": {"Bad Name": "x"}}),
            "custom_headers",
            json!([
                "Invalid custom headers. Each entry needs a valid header-name token (letters, digits, and !#$%&'*+-.^_`|~) and a value with no CR/LF, and at most 20 headers are allowed."
            ]),
        ),
        (
            json!({"uri": "ftp://example.com/x"}),
            "uri",
            json!(["Invalid URL. Failed to add asset."]),
        ),
        (
            json!({"uri": "/etc/passwd"}),
            "uri",
            json!(["Invalid file path. Failed to add asset."]),
        ),
    ];
    for (patch, field, want) in cases {
        let mut body = v2_body();
        body.as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        let (s, b) = status_json(app.post_json("/api/v2/assets", &body).await).await;
        assert_eq!(s, 400, "{patch} -> {b}");
        assert_eq!(b[field], want, "{patch} -> {b}");
    }
    // Video durations must be 0 on v2 (upstream: 500; here 400 with the same body).
    let mut video = v2_body();
    video["mimetype"] = json!("video");
    let (s, b) = status_json(app.post_json("/api/v2/assets", &video).await).await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"error": "Duration must be zero for video assets."})
        )
    );
    // Malformed JSON and foreign content types.
    let res = app
        .client
        .post(app.url("/api/v2/assets"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    let (s, b) = status_json(res).await;
    assert_eq!(s, 400);
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error"),
        "{b}"
    );
    let res = app
        .client
        .post(app.url("/api/v2/assets"))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (
            415,
            json!({"detail": "Unsupported media type \"text/plain\" in request."})
        )
    );
    // Nothing was stored by any of it.
    assert_eq!(app.get_json("/api/v2/assets", 200).await, json!([]));
}

async fn v2_form_bodies_and_coercions(app: TestApp) {
    let form = [
        ("name", "Form"),
        ("uri", "https://example.com/a?x=1&amp;y=<2>"),
        ("start_date", "2020-01-01"),
        ("end_date", "2030-01-01T00:00:00+01:00"),
        ("duration", "15.0"),
        ("mimetype", "webpage"),
        ("skip_asset_check", "on"),
        ("play_days", "3"),
        ("play_days", "1"),
        ("play_days", "3"),
    ];
    let res = app
        .client
        .post(app.url("/api/v2/assets"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let (s, b) = status_json(res).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["is_enabled"], false, "a missing checkbox is false");
    assert_eq!(b["duration"], 15);
    assert_eq!(b["play_days"], json!([1, 3]));
    assert_eq!(b["end_date"], "2029-12-31T23:00:00Z");
    assert_eq!(b["uri"], "https://example.com/a?x=1&y=&lt;2&gt;");
}

async fn unique_names_and_reindexing(app: TestApp) {
    let active = |name: &str, order: i64| {
        let mut b = v2_body();
        b["name"] = json!(name);
        b["is_enabled"] = json!(true);
        b["play_order"] = json!(order);
        b
    };
    let a = app
        .post_json("/api/v2/assets", &active("Menu", 0))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let b = app
        .post_json("/api/v2/assets", &active("Menu", 0))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let c = app
        .post_json("/api/v2/assets", &active("Menu", 5))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(b["name"], "Menu-1");
    assert_eq!(c["name"], "Menu-2");
    let order = |id: &Value| {
        let id = id.as_str().unwrap().to_string();
        let app = &app;
        async move { app.get_json(&format!("/api/v2/assets/{id}"), 200).await["play_order"].clone() }
    };
    // The second was put at 0, pushing the first to 1; the third went to the end.
    assert_eq!(order(&b["asset_id"]).await, 0);
    assert_eq!(order(&a["asset_id"]).await, 1);
    assert_eq!(order(&c["asset_id"]).await, 2);

    // Explicit order through the order endpoint (form body, unknown ids ignored).
    let ids = format!(
        "{},{},nope,{}",
        c["asset_id"].as_str().unwrap(),
        a["asset_id"].as_str().unwrap(),
        b["asset_id"].as_str().unwrap()
    );
    let res = app
        .client
        .post(app.url("/api/v2/assets/order"))
        .form(&[("ids", ids)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(order(&c["asset_id"]).await, 0);
    assert_eq!(order(&a["asset_id"]).await, 1);
    // Positions count every listed id, known or not (upstream enumerates the raw list).
    assert_eq!(order(&b["asset_id"]).await, 3);
    let res = app.post_json("/api/v1/assets/order", &json!(["x"])).await;
    assert_eq!(
        status_json(res).await,
        (
            400,
            json!({"ids": "Expected an object body with an \"ids\" field."})
        )
    );
}

async fn update_patch_put_and_delete(app: TestApp) {
    let created = app
        .post_json("/api/v2/assets", &v2_body())
        .await
        .json::<Value>()
        .await
        .unwrap();
    let id = created["asset_id"].as_str().unwrap();
    let path = format!("/api/v2/assets/{id}");
    let (s, b) = status_json(
        app.patch_json(
            &path,
            &json!({"refresh_interval_s": 45, "custom_headers": {"X-Screen": "lobby"}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["refresh_interval_s"], 45);
    assert_eq!(
        b["metadata"],
        json!({"refresh_interval_s": 45, "headers": {"X-Screen": "lobby"}})
    );
    assert_eq!(b["custom_headers"], json!({"X-Screen": "lobby"}));
    let (_, b) = status_json(app.patch_json(&path, &json!({"custom_headers": {}})).await).await;
    assert_eq!(b["metadata"], json!({"refresh_interval_s": 45}));
    let (s, b) = status_json(app.patch_json(&path, &json!({"duration": -1})).await).await;
    assert_eq!(s, 400);
    assert!(b.get("duration").is_some());
    let (s, b) = status_json(
        app.patch_json(
            &path,
            &json!({"play_time_from": "22:00", "play_time_to": "06:00", "play_days": [5]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (
            b["play_time_from"].clone(),
            b["play_time_to"].clone(),
            b["play_days"].clone()
        ),
        (json!("22:00:00"), json!("06:00:00"), json!([5]))
    );
    // The both-or-neither rule is judged on the merged state.
    let (s, b) = status_json(app.patch_json(&path, &json!({"play_time_to": null})).await).await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"play_time_to": ["play_time_from and play_time_to must be set together."]})
        )
    );
    // PUT needs the full set; uri and mimetype cannot change.
    let put = app.client.put(app.url(&path)).json(&json!({"name": "Renamed", "uri": "https://evil.example", "start_date": "2020-01-01T00:00:00Z", "end_date": "2031-01-01T00:00:00Z", "duration": 30, "is_enabled": true, "play_days": []})).send().await.unwrap();
    let (s, b) = status_json(put).await;
    assert_eq!(s, 400, "{b}");
    assert!(b.get("play_days").is_some());
    let put = app.client.put(app.url(&path)).json(&json!({"name": "Renamed", "uri": "https://evil.example", "start_date": "2020-01-01T00:00:00Z", "end_date": "2031-01-01T00:00:00Z", "duration": 30, "is_enabled": true})).send().await.unwrap();
    let (s, b) = status_json(put).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["name"].clone(), b["uri"].clone(), b["duration"].clone()),
        (
            json!("Renamed"),
            json!("https://anthias.screenly.io"),
            json!(30)
        )
    );
    // v1.1 PUT with the `model` field.
    let model = json!({"name": "V1", "start_date": "2020-01-01T00:00:00Z", "end_date": "2031-01-01T00:00:00Z", "duration": "12", "is_enabled": 0}).to_string();
    let res = app
        .client
        .put(app.url(&format!("/api/v1.1/assets/{id}")))
        .form(&[("model", model)])
        .send()
        .await
        .unwrap();
    let (s, b) = status_json(res).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (
            b["name"].clone(),
            b["duration"].clone(),
            b["is_enabled"].clone()
        ),
        (json!("V1"), json!("12"), json!(0))
    );

    assert_eq!(
        app.client
            .delete(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        status_json(app.get(&path).await).await,
        (404, json!({"detail": "No Asset matches the given query."}))
    );
    assert_eq!(
        app.client
            .delete(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

async fn v1_model_parsing_and_errors(app: TestApp) {
    let model = json!({"name": "Old script", "uri": "https://example.com", "mimetype": "webpage", "duration": "10", "is_enabled": 1, "skip_asset_check": 1, "play_order": 7, "start_date": "2020-01-01T00:00:00", "end_date": "2030-01-01T00:00:00"});
    let res = app
        .client
        .post(app.url("/api/v1/assets"))
        .form(&[("model", model.to_string())])
        .send()
        .await
        .unwrap();
    let (s, b) = status_json(res).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["play_order"], 0, "v1 ignores play_order");
    assert_eq!(b["duration"], "10");
    assert_eq!(b["is_active"], 1);
    // A bare JSON string body is a model too. v1.1 gives a taken name the `-1` suffix
    // (its view calls `get_unique_name`); v1 keeps the name as it is.
    let res = app
        .client
        .post(app.url("/api/v1.1/assets"))
        .json(&json!(model.to_string()))
        .send()
        .await
        .unwrap();
    let (s, b) = status_json(res).await;
    assert_eq!((s, b["name"].clone()), (201, json!("Old script-1")), "{b}");
    let res = app
        .client
        .post(app.url("/api/v1/assets"))
        .form(&[("model", model.to_string())])
        .send()
        .await
        .unwrap();
    let (s, b) = status_json(res).await;
    assert_eq!((s, b["name"].clone()), (201, json!("Old script")), "{b}");
    // No model at all: upstream's KeyError body, as a 400.
    let (s, b) = status_json(app.post_json("/api/v1/assets", &json!({"name": "x"})).await).await;
    assert_eq!((s, b), (400, json!({"error": "'model'"})));
    // Non-video without duration.
    let m = json!({"name": "n", "uri": "https://example.com", "mimetype": "webpage"});
    let res = app
        .client
        .post(app.url("/api/v1/assets"))
        .form(&[("model", m.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (
            400,
            json!({"duration": ["This field is required for non-video assets."]})
        )
    );
    let m = json!({"name": "n", "uri": "https://example.com", "mimetype": "webpage", "duration": "99999999"});
    let res = app
        .client
        .post(app.url("/api/v1/assets"))
        .form(&[("model", m.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (
            400,
            json!({"duration": ["duration must be between 0 and 31536000 seconds."]})
        )
    );
}

async fn method_not_allowed_and_unknown_paths(app: TestApp) {
    let res = app
        .client
        .delete(app.url("/api/v2/assets"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.headers()["allow"].to_str().unwrap().contains("GET"));
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"detail": "Method \"DELETE\" not allowed."})
    );
    // `order` is matched before `<asset_id>` (upstream's quirk).
    assert_eq!(app.get("/api/v2/assets/order").await.status(), 405);
    // v1.1 has no PATCH.
    assert_eq!(
        app.client
            .patch(app.url("/api/v1.1/assets/x"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    // API paths have no trailing slash; with one, or unknown, they are Django's HTML 404 page,
    // not JSON and not the web app, whatever the method.
    for (method, path) in [
        (reqwest::Method::GET, "/api/v2/assets/"),
        (reqwest::Method::POST, "/api/v1/assets/"),
        (reqwest::Method::GET, "/api/v1.1/assets/"),
        (
            reqwest::Method::GET,
            "/api/v1.2/assets/6ee2394e760643748b9353f06f405424/",
        ),
        (reqwest::Method::GET, "/api/v2/info/"),
        (reqwest::Method::POST, "/api/v2/backup/"),
        (reqwest::Method::GET, "/api/v2/device_settings/"),
        (reqwest::Method::GET, "/api/v2/nothing"),
        (reqwest::Method::DELETE, "/api/v1/nothing/at/all"),
        (reqwest::Method::GET, "/api/v9/assets"),
        (reqwest::Method::GET, "/api/"),
    ] {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{method} {path}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(
            content_type.starts_with("text/html"),
            "{method} {path}: {content_type}"
        );
        let body = res.text().await.unwrap();
        assert!(
            body.contains("<h1>Not Found</h1>") && !body.contains("Signate"),
            "{method} {path}: {body}"
        );
    }
    // API v3 is ours, not Anthias's: its unknown paths stay JSON.
    let res = app.get("/api/v3/nothing").await;
    assert_eq!(res.status(), 404);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(res.json::<Value>().await.is_ok());
}

async fn control_is_forwarded_to_the_player(app: TestApp) {
    let mut events = app.state.events.subscribe();
    let (s, b) = status_json(
        app.get("/api/v2/assets/control/asset&6ee2394e760643748b9353f06f405424")
            .await,
    )
    .await;
    assert_eq!((s, b), (200, json!("Asset switched")));
    let event = events.recv().await.unwrap();
    assert_eq!(
        event,
        signate::events::Event::ViewerCommand {
            tenant_id: app.tenant().id().into(),
            command: "asset&6ee2394e760643748b9353f06f405424".into()
        }
    );
    // Nothing reported as playing yet: upstream's empty array.
    assert_eq!(
        app.get_json("/api/v1/viewer_current_asset", 200).await,
        json!([])
    );
}

async fn another_tenants_assets_are_invisible(app: TestApp) {
    use signate::db::models::asset::{self, Asset};
    use signate::db::models::tenant::Tenant;
    use signate::tenancy::TenantScope;
    let other = TenantScope::new(
        signate::tenancy::create(&app.state.db, Tenant::new("other", "Other"))
            .await
            .unwrap()
            .id,
    );
    let mut foreign = Asset::new(&other);
    foreign.name = Some("secret".into());
    let id = foreign.asset_id.clone();
    let s = other.clone();
    app.state
        .db
        .write(&other, move |c| asset::insert(c, &s, &foreign))
        .await
        .unwrap();
    assert_eq!(app.get_json("/api/v2/assets", 200).await, json!([]));
    assert_eq!(app.get(&format!("/api/v2/assets/{id}")).await.status(), 404);
    assert_eq!(
        app.client
            .delete(app.url(&format!("/api/v1/assets/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let res = app
        .client
        .post(app.url("/api/v2/assets/order"))
        .form(&[("ids", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let s = other.clone();
    let still = app
        .state
        .db
        .read(&other, move |c| asset::get(c, &s, &id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        still.play_order, 0,
        "the order request of one tenant never touches another's rows"
    );
}

async fn lists_never_show_stale_data(app: TestApp) {
    let a = app
        .post_json("/api/v2/assets", &v2_body())
        .await
        .json::<Value>()
        .await
        .unwrap();
    let id = a["asset_id"].as_str().unwrap();
    // Warm the rendered-list cache, then change the row through each kind of write.
    assert_eq!(
        app.get_json("/api/v2/assets", 200).await[0]["name"],
        "Anthias"
    );
    app.patch_json(&format!("/api/v2/assets/{id}"), &json!({"name": "Changed"}))
        .await;
    assert_eq!(
        app.get_json("/api/v2/assets", 200).await[0]["name"],
        "Changed"
    );
    assert_eq!(
        app.get_json("/api/v1/assets", 200).await[0]["name"],
        "Changed"
    );
    app.patch_json(
        "/api/v2/device_settings",
        &json!({"timezone": "Asia/Tokyo"}),
    )
    .await;
    assert_eq!(
        app.get_json("/api/v2/assets", 200).await[0]["start_date"],
        "2019-08-24T23:15:22+09:00"
    );
    app.client
        .delete(app.url(&format!("/api/v2/assets/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(app.get_json("/api/v2/assets", 200).await, json!([]));
}

async fn extreme_play_orders_do_not_break_ordering(app: TestApp) {
    let mut body = v2_body();
    body["is_enabled"] = json!(true);
    let a = app
        .post_json("/api/v2/assets", &body)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let id = a["asset_id"].as_str().unwrap();
    let (s, b) = status_json(
        app.patch_json(
            &format!("/api/v2/assets/{id}"),
            &json!({"play_order": -2147483648i64}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["play_order"], 0, "re-indexed to the front");
    body["name"] = json!("Second");
    body["play_order"] = json!(2147483647i64);
    let (s, b) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["play_order"], 1, "re-indexed to the end");
}

/// DRF's `ProhibitNullCharactersValidator` message, which Anthias's `CharField`s answer.
const NO_NUL: &str = "Null characters are not allowed.";

async fn nul_characters_are_refused_by_field(app: TestApp) {
    // PostgreSQL cannot store U+0000 in text: every way text comes in is refused first, with
    // the field named, on both backends alike.
    let mut body = v2_body();
    body["name"] = json!("a\u{0}b");
    assert_eq!(
        status_json(app.post_json("/api/v2/assets", &body).await).await,
        (400, json!({"name": [NO_NUL]}))
    );
    let res = app
        .client
        .post(app.url("/api/v2/assets"))
        .form(&[
            ("name", "Form"),
            ("uri", "https://example.com/\u{0}"),
            ("start_date", "2020-01-01"),
            ("end_date", "2030-01-01"),
            ("duration", "10"),
            ("mimetype", "webpage"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(res).await, (400, json!({"uri": [NO_NUL]})));
    // v1's `model` is JSON inside a form field: the NUL is found after it is read.
    let model = json!({"name": "Old\u{0}", "uri": "https://example.com", "mimetype": "webpage", "duration": "10", "skip_asset_check": 1});
    let res = app
        .client
        .post(app.url("/api/v1/assets"))
        .form(&[("model", model.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(res).await, (400, json!({"name": [NO_NUL]})));
    // Nested values count too, under the field that holds them.
    let mut body = v2_body();
    body["custom_headers"] = json!({"X-Screen": "lobby\u{0}"});
    let (s, b) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!((s, b), (400, json!({"custom_headers": [NO_NUL]})));

    let made = app
        .post_json("/api/v2/assets", &v2_body())
        .await
        .json::<Value>()
        .await
        .unwrap();
    let id = made["asset_id"].as_str().unwrap();
    let (s, b) = status_json(
        app.patch_json(&format!("/api/v2/assets/{id}"), &json!({"name": "x\u{0}"}))
            .await,
    )
    .await;
    assert_eq!((s, b), (400, json!({"name": [NO_NUL]})));
    let put = app
        .client
        .put(app.url(&format!("/api/v1.2/assets/{id}")))
        .json(&json!({"name": "x", "start_date": "2020-01-01T00:00:00Z\u{0}", "end_date": "2031-01-01T00:00:00Z", "duration": 30, "is_enabled": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(put).await,
        (400, json!({"start_date": [NO_NUL]}))
    );
    let res = app
        .client
        .post(app.url("/api/v2/assets/order"))
        .form(&[("ids", format!("{id},x\u{0}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(res).await, (400, json!({"ids": [NO_NUL]})));
    let (s, b) = status_json(
        app.patch_json(
            "/api/v2/device_settings",
            &json!({"player_name": "Lobby\u{0}"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, b), (400, json!({"player_name": [NO_NUL]})));
    // In the address: no asset is called that; a query parameter is named.
    for path in [
        "/api/v2/assets/%00",
        "/api/v1/assets/a%00b",
        "/media/%00",
        "/api/v2/assets/%00/content",
    ] {
        let (s, b) = status_json(app.get(path).await).await;
        assert_eq!(s, 404, "GET {path} → {b}");
    }
    let res = app
        .client
        .delete(app.url("/api/v2/assets/%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (s, b) = status_json(app.get("/api/v2/assets?search=%00").await).await;
    assert_eq!((s, b), (400, json!({"search": [NO_NUL]})));

    // Nothing was stored by any of it.
    let list = app.get_json("/api/v2/assets", 200).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["name"], "Anthias");
    let settings = app.get_json("/api/v2/device_settings", 200).await;
    assert_ne!(settings["player_name"], "Lobby\u{0}");
}

/// DRF's `max_length` message.
fn too_long(max: usize) -> Value {
    json!([format!(
        "Ensure this field has no more than {max} characters."
    )])
}

async fn names_and_addresses_have_a_limit(app: TestApp) {
    let longest = "n".repeat(255);
    let over = "n".repeat(256);
    let model = |name: &str| {
        json!({"name": name, "uri": "https://example.com", "mimetype": "webpage", "duration": "10", "is_enabled": 1, "skip_asset_check": 1, "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z"})
            .to_string()
    };
    // Every version's create refuses a name of 256 characters, naming the field.
    for v in ["v1", "v1.1"] {
        let res = app
            .client
            .post(app.url(&format!("/api/{v}/assets")))
            .form(&[("model", model(&over))])
            .send()
            .await
            .unwrap();
        assert_eq!(
            status_json(res).await,
            (400, json!({"name": too_long(255)})),
            "{v}"
        );
    }
    for v in ["v1.2", "v2"] {
        let mut body = v2_body();
        body["name"] = json!(over);
        let (s, b) = status_json(app.post_json(&format!("/api/{v}/assets"), &body).await).await;
        assert_eq!((s, b), (400, json!({"name": too_long(255)})), "{v}");
    }
    // A name far past SQLite's LIKE pattern limit is a 400 too, not a 500.
    let mut body = v2_body();
    body["name"] = json!("n".repeat(60_000));
    let (s, b) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!((s, b), (400, json!({"name": too_long(255)})));
    // 255 characters are fine, and a taken one gets its suffix within the limit.
    let mut body = v2_body();
    body["name"] = json!(longest);
    let (s, first) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["name"], json!(longest));
    let (s, second) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{second}");
    let second_name = second["name"].as_str().unwrap();
    assert_eq!(second_name.chars().count(), 255, "{second_name}");
    assert!(second_name.ends_with("n-1"), "{second_name}");
    let res = app
        .client
        .post(app.url("/api/v1.1/assets"))
        .form(&[("model", model(&longest))])
        .send()
        .await
        .unwrap();
    let (s, third) = status_json(res).await;
    assert_eq!(s, 201, "{third}");
    assert_eq!(
        third["name"]
            .as_str()
            .map(|n| (n.chars().count(), n.ends_with("n-2"))),
        Some((255, true))
    );
    // Updates of every version.
    let id = first["asset_id"].as_str().unwrap();
    let (s, b) = status_json(
        app.patch_json(&format!("/api/v2/assets/{id}"), &json!({"name": over}))
            .await,
    )
    .await;
    assert_eq!((s, b), (400, json!({"name": too_long(255)})));
    let put = app
        .client
        .put(app.url(&format!("/api/v1.2/assets/{id}")))
        .json(&json!({"name": over, "start_date": "2020-01-01T00:00:00Z", "end_date": "2031-01-01T00:00:00Z", "duration": 30, "is_enabled": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(put).await,
        (400, json!({"name": too_long(255)}))
    );
    let res = app
        .client
        .put(app.url(&format!("/api/v1/assets/{id}")))
        .form(&[("model", model(&over))])
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (400, json!({"name": too_long(255)}))
    );
    // Addresses: 2048 characters at most; other free text (mimetype) 255.
    let mut body = v2_body();
    body["uri"] = json!(format!("https://example.com/{}", "a".repeat(2048)));
    let (s, b) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!((s, b), (400, json!({"uri": too_long(2048)})));
    let mut body = v2_body();
    body["mimetype"] = json!(format!("text/{}", "x".repeat(255)));
    let (s, b) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!((s, b), (400, json!({"mimetype": too_long(255)})));
    let (s, b) = status_json(
        app.patch_json(
            "/api/v2/device_settings",
            &json!({"player_name": "p".repeat(256)}),
        )
        .await,
    )
    .await;
    assert_eq!((s, b), (400, json!({"player_name": too_long(255)})));
    // The refused ones left nothing behind.
    let names: Vec<usize> = app
        .get_json("/api/v2/assets", 200)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().chars().count())
        .collect();
    assert_eq!(names, vec![255, 255, 255]);
    // LIKE's own characters in a name are matched as themselves.
    let mut body = v2_body();
    body["name"] = json!("50%_off\\");
    for want in ["50%_off\\", "50%_off\\-1"] {
        let (s, b) = status_json(app.post_json("/api/v2/assets", &body).await).await;
        assert_eq!((s, b["name"].as_str()), (201, Some(want)), "{b}");
    }
}

async fn old_dates_render_as_valid_rfc3339(app: TestApp) {
    // Before standard time, zones had local mean time offsets in seconds (Berlin's, which
    // Stockholm now links to, is +00:53:28). RFC 3339 offsets are whole minutes.
    let (s, b) = status_json(
        app.patch_json(
            "/api/v2/device_settings",
            &json!({"timezone": "Europe/Stockholm"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let mut body = v2_body();
    body["start_date"] = json!("1850-06-01T12:00:00Z");
    body["end_date"] = json!("1899-12-31T23:59:59.250000Z");
    let (s, made) = status_json(app.post_json("/api/v2/assets", &body).await).await;
    assert_eq!(s, 201, "{made}");
    let id = made["asset_id"].as_str().unwrap();
    let want = [
        ("start_date", "1850-06-01T12:00:00Z"),
        ("end_date", "1899-12-31T23:59:59.250Z"),
    ];
    let v2 = app.get_json(&format!("/api/v2/assets/{id}"), 200).await;
    let v1 = app.get_json(&format!("/api/v1/assets/{id}"), 200).await;
    let list = app.get_json("/api/v2/assets", 200).await;
    for shown in [&made, &v2, &v1, &list[0]] {
        for (field, instant) in want {
            let text = shown[field].as_str().unwrap();
            let parsed = chrono::DateTime::parse_from_rfc3339(text)
                .unwrap_or_else(|e| panic!("{field} {text:?} is not RFC 3339: {e}"));
            assert_eq!(
                parsed,
                chrono::DateTime::parse_from_rfc3339(instant).unwrap(),
                "{field} {text:?} is another instant"
            );
        }
    }
    assert_eq!(v2["start_date"], "1850-06-01T12:53:00+00:53");
}

async fn unknown_methods_are_never_answered_ok(app: TestApp) {
    let made = app
        .post_json("/api/v2/assets", &v2_body())
        .await
        .json::<Value>()
        .await
        .unwrap();
    let id = made["asset_id"].as_str().unwrap();
    for method in ["TRACE", "PROPFIND", "PATCH"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        for path in [
            "/".to_string(),
            "/index.html".to_string(),
            "/player/".to_string(),
            "/schedule".to_string(),
            format!("/media/{id}"),
            "/share/sometoken".to_string(),
            "/api/v3/assets".to_string(),
            "/api/v2/assets".to_string(),
            "/api/auth/login".to_string(),
            "/healthz".to_string(),
        ] {
            let res = app
                .client
                .request(method.clone(), app.url(&path))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert!(
                status == 405 || status == 404,
                "{method} {path} answered {status}"
            );
            if status == 405 {
                assert!(res.headers().contains_key("allow"), "{method} {path}");
            }
        }
    }
    // What the pages do answer still works.
    assert_eq!(app.get("/").await.status(), 200);
    let res = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

backend_tests!(
    extreme_play_orders_do_not_break_ordering,
    lists_never_show_stale_data,
    v2_create_matches_upstream_shape,
    v2_validation_errors,
    v2_form_bodies_and_coercions,
    unique_names_and_reindexing,
    update_patch_put_and_delete,
    v1_model_parsing_and_errors,
    method_not_allowed_and_unknown_paths,
    control_is_forwarded_to_the_player,
    another_tenants_assets_are_invisible,
    nul_characters_are_refused_by_field,
    names_and_addresses_have_a_limit,
    old_dates_render_as_valid_rfc3339,
    unknown_methods_are_never_answered_ok,
);
