//! Device settings (validation, time zones, basic auth), info, integrations, power, display,
//! and reachability checks against real local HTTP servers.

use base64::Engine;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, status_json};

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

async fn settings_validation_and_time_zone(app: TestApp) {
    let cases = [
        (
            json!({"timezone": "Mars/Phobos"}),
            json!({"timezone": ["Unknown or unavailable timezone: Mars/Phobos."]}),
        ),
        (
            json!({"screen_rotation": 45}),
            json!({"screen_rotation": ["\"45\" is not a valid choice."]}),
        ),
        (
            json!({"default_duration": "abc"}),
            json!({"default_duration": ["A valid integer is required."]}),
        ),
        (
            json!({"display_power_on_time": "25:99"}),
            json!({"display_power_on_time": ["Invalid time '25:99': expected HH:MM."]}),
        ),
        (
            json!({"display_power_days": "1,9"}),
            json!({"display_power_days": ["Invalid weekday '9': expected 0-6 (Monday=0), comma-separated."]}),
        ),
        (
            json!({"auth_backend": "ldap"}),
            json!({"auth_backend": ["\"ldap\" is not a valid choice."]}),
        ),
        (
            json!({"show_splash": "perhaps"}),
            json!({"show_splash": ["Must be a valid boolean."]}),
        ),
    ];
    let before = app.get_json("/api/v2/device_settings", 200).await;
    for (body, want) in cases {
        assert_eq!(
            status_json(app.patch_json("/api/v2/device_settings", &body).await).await,
            (400, want),
            "{body}"
        );
    }
    assert_eq!(
        app.get_json("/api/v2/device_settings", 200).await,
        before,
        "nothing written"
    );

    let ok = json!({"player_name": "Lobby", "timezone": "Europe/Stockholm", "display_power_on_time": "07:30:00", "display_power_days": "4,0,4", "screen_rotation": "90", "shuffle_playlist": "on", "default_duration": "15"});
    assert_eq!(
        status_json(app.patch_json("/api/v2/device_settings", &ok).await).await,
        (200, json!({"message": "Settings were successfully saved."}))
    );
    let s = app.get_json("/api/v2/device_settings", 200).await;
    assert_eq!(
        (
            s["player_name"].clone(),
            s["timezone"].clone(),
            s["display_power_on_time"].clone(),
            s["display_power_days"].clone(),
            s["screen_rotation"].clone(),
            s["shuffle_playlist"].clone(),
            s["default_duration"].clone()
        ),
        (
            json!("Lobby"),
            json!("Europe/Stockholm"),
            json!("07:30"),
            json!("0,4"),
            json!(90),
            json!(true),
            json!(15)
        )
    );
    // Dates now render in Stockholm time.
    let body = json!({"name": "A", "uri": "https://example.com", "start_date": "2019-08-24T14:15:22Z", "end_date": "2029-08-24T14:15:22Z", "duration": 20, "mimetype": "webpage", "is_enabled": false, "skip_asset_check": true});
    let a = app
        .post_json("/api/v2/assets", &body)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(a["start_date"], "2019-08-24T16:15:22+02:00");
    let info = app.get_json("/api/v2/info", 200).await;
    assert_eq!(info["time"]["timezone"], "Europe/Stockholm");
    let offset = info["time"]["offset"].as_str().unwrap();
    assert!(offset == "UTC+01:00" || offset == "UTC+02:00", "{info}");
    assert!(
        info["time"]["iso"]
            .as_str()
            .unwrap()
            .ends_with(&offset[3..]),
        "{info}"
    );

    // Default assets come and go with their setting.
    app.patch_json("/api/v2/device_settings", &json!({"default_assets": true}))
        .await;
    let list = app.get_json("/api/v2/assets", 200).await;
    let defaults: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["asset_id"].as_str().unwrap().starts_with("default_"))
        .collect();
    assert_eq!(defaults.len(), 3);
    assert!(
        defaults
            .iter()
            .all(|a| a["is_enabled"] == true && a["duration"] == 15 && a["mimetype"] == "webpage")
    );
    app.patch_json("/api/v2/device_settings", &json!({"default_assets": false}))
        .await;
    assert_eq!(
        app.get_json("/api/v2/assets", 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn basic_auth_lifecycle(app: TestApp) {
    let patch = |body: Value, auth: Option<String>| {
        let mut req = app
            .client
            .patch(app.url("/api/v2/device_settings"))
            .json(&body);
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send()
    };
    let err = |msg: &str| (400, json!({"error": msg}));
    assert_eq!(
        status_json(
            patch(json!({"auth_backend": "auth_basic"}), None)
                .await
                .unwrap()
        )
        .await,
        err("Must provide username")
    );
    assert_eq!(
        status_json(
            patch(
                json!({"auth_backend": "auth_basic", "username": "op"}),
                None
            )
            .await
            .unwrap()
        )
        .await,
        err("Must provide password")
    );
    assert_eq!(status_json(patch(json!({"auth_backend": "auth_basic", "username": "op", "password": "horse battery", "password_2": "x"}), None).await.unwrap()).await, err("New passwords do not match!"));
    assert_eq!(status_json(patch(json!({"auth_backend": "auth_basic", "username": "op", "password": "short", "password_2": "short"}), None).await.unwrap()).await, err("This password is too short. It must contain at least 8 characters."));
    let (s, _) = status_json(patch(json!({"auth_backend": "auth_basic", "username": "op", "password": "horse battery", "password_2": "horse battery"}), None).await.unwrap()).await;
    assert_eq!(s, 200);

    // Now every API call needs the credentials.
    let res = app.get("/api/v2/assets").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers().get("www-authenticate").is_none(),
        "no browser password dialog"
    );
    let res = app
        .client
        .get(app.url("/api/v1/assets"))
        .header("Authorization", basic("op", "wrong"))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(
        status_json(res).await,
        (401, json!({"detail": "Invalid username/password."}))
    );
    let good = basic("op", "horse battery");
    let res = app
        .client
        .get(app.url("/api/v1/assets"))
        .header("Authorization", &good)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The splash screen's address list stays open; the password is never shown.
    assert_eq!(app.get("/api/v2/network/ip-addresses").await.status(), 200);
    let settings = app
        .client
        .get(app.url("/api/v2/device_settings"))
        .header("Authorization", &good)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(settings["username"], "op");
    assert!(!settings.to_string().contains("argon2"));
    // The hash at rest is argon2id, never the password.
    let stored = app.state.settings(&app.tenant()).await.unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));

    // Changing the method needs the current password; a wrong one is refused.
    assert_eq!(
        status_json(
            patch(json!({"auth_backend": ""}), Some(good.clone()))
                .await
                .unwrap()
        )
        .await,
        err("Must supply current password to change authentication method")
    );
    assert_eq!(
        status_json(
            patch(
                json!({"auth_backend": "", "current_password": "nope"}),
                Some(good.clone())
            )
            .await
            .unwrap()
        )
        .await,
        err("Incorrect current password.")
    );
    assert_eq!(
        status_json(
            patch(
                json!({"password": "new horse battery", "password_2": "new horse battery"}),
                Some(good.clone())
            )
            .await
            .unwrap()
        )
        .await,
        err("Must supply current password to change password")
    );
    let (s, _) = status_json(
        patch(
            json!({"auth_backend": "", "current_password": "horse battery"}),
            Some(good.clone()),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(app.get("/api/v2/assets").await.status(), 200);
    // Re-enabling later needs the current password too (the account was kept).
    assert_eq!(
        status_json(
            patch(json!({"auth_backend": "auth_basic"}), None)
                .await
                .unwrap()
        )
        .await,
        err("Must supply current password to change authentication method")
    );
}

async fn info_integrations_and_addresses(app: TestApp) {
    let v1 = app.get_json("/api/v1/info", 200).await;
    let keys: Vec<&String> = v1.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "viewlog",
            "loadavg",
            "free_space",
            "display_power",
            "up_to_date"
        ]
    );
    assert!(v1["loadavg"].is_number());
    assert!(v1["free_space"].as_str().unwrap().contains('\u{a0}'));
    let v2 = app.get_json("/api/v2/info", 200).await;
    for key in [
        "anthias_version",
        "device_model",
        "uptime",
        "memory",
        "under_voltage",
        "storage",
        "ip_addresses",
        "mac_address",
        "host_user",
        "time",
    ] {
        assert!(v2.get(key).is_some(), "{key} missing from {v2}");
    }
    assert!(v2["memory"]["total"].as_u64().unwrap() > 0);
    assert!(v2["uptime"]["days"].is_u64());
    // Signate's own uptime, apart from the machine's: this server started moments ago (other
    // tests in this process may have started earlier, but not days ago).
    assert_eq!(v2["signate_uptime"]["days"], 0, "{v2}");
    assert!(
        v2["signate_uptime"]["hours"].as_f64().unwrap() < 1.0,
        "{v2}"
    );
    // `time.iso` is Python's isoformat(): whole seconds and a numeric offset, even in UTC
    // (where DRF's date fields say `Z`).
    let utc = json!({"timezone": "UTC"});
    assert_eq!(
        app.patch_json("/api/v2/device_settings", &utc)
            .await
            .status(),
        200
    );
    let time = app.get_json("/api/v2/info", 200).await["time"].clone();
    let iso = time["iso"].as_str().unwrap();
    assert!(iso.ends_with("+00:00"), "{time}");
    assert!(
        chrono::DateTime::parse_from_str(iso, "%Y-%m-%dT%H:%M:%S%:z").is_ok(),
        "{time}"
    );
    assert_eq!(
        (&time["timezone"], &time["offset"]),
        (&json!("UTC"), &json!("UTC+00:00"))
    );
    let integrations = app.get_json("/api/v2/integrations", 200).await;
    assert_eq!(integrations.as_object().unwrap().len(), 7);
    assert_eq!(integrations["is_balena"], false);
    let ips = app.get_json("/api/v2/network/ip-addresses", 200).await;
    assert!(ips["ip_addresses"].is_array());
}

async fn power_commands_are_opt_in(app: TestApp) {
    let (s, b) = status_json(
        app.client
            .post(app.url("/api/v2/reboot"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 503, "never reboots unless configured: {b}");
    assert!(b["detail"].as_str().unwrap().contains("reboot_command"));
    // The app learns from the info that nothing is configured, to hide the buttons.
    let info = app.get_json("/api/v2/info", 200).await;
    assert_eq!(
        info["commands"],
        json!({"reboot": false, "shutdown": false, "display_power": false, "audio_output": false})
    );
    assert_eq!(
        status_json(
            app.client
                .post(app.url("/api/v2/display/sideways"))
                .send()
                .await
                .unwrap()
        )
        .await,
        (400, json!({"message": "Invalid display state."}))
    );
    assert_eq!(
        status_json(
            app.client
                .post(app.url("/api/v2/display/on"))
                .send()
                .await
                .unwrap()
        )
        .await,
        (
            503,
            json!({"message": "No HDMI-CEC adapter detected on this device."})
        )
    );
}

#[tokio::test]
async fn configured_commands_run() {
    let marker = tempfile::tempdir().unwrap();
    let m = marker.path().to_path_buf();
    let app = TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.reboot_command = Some(format!("touch {}/rebooted", m.display()));
        c.display_power_command = Some(format!("echo {{state}} > {}/display", m.display()));
    })
    .await;
    let info = app.get_json("/api/v2/info", 200).await;
    assert_eq!(
        info["commands"],
        json!({"reboot": true, "shutdown": false, "display_power": true, "audio_output": false})
    );
    assert_eq!(
        app.client
            .post(app.url("/api/v1/reboot"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let (s, b) = status_json(
        app.client
            .post(app.url("/api/v2/display/off"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b),
        (
            200,
            json!({"message": "Display turn-off command sent to 1 display."})
        )
    );
    assert_eq!(
        std::fs::read_to_string(marker.path().join("display"))
            .unwrap()
            .trim(),
        "off"
    );
    for _ in 0..500 {
        if marker.path().join("rebooted").exists() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("reboot command did not run");
}

#[tokio::test]
async fn reachability_checks_and_ssrf_guard() {
    let ok = crate::helpers::http_server(200, vec![]).await;
    let missing = crate::helpers::http_server(404, vec![]).await;
    let body = |uri: String| json!({"name": uri.clone(), "uri": uri, "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "mimetype": "webpage", "is_enabled": true});

    // Private addresses are not fetched by default: the asset is taken, unchecked.
    let guarded = TestApp::spawn(Backend::Sqlite).await;
    let (s, a) = status_json(
        guarded
            .post_json("/api/v2/assets", &body(format!("http://{missing}/")))
            .await,
    )
    .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["last_reachability_check"], Value::Null);

    // With private fetches allowed, the check runs for real.
    let open = TestApp::spawn_with(Backend::Sqlite, |c| c.allow_private_urls = true).await;
    let (s, a) = status_json(
        open.post_json("/api/v2/assets", &body(format!("http://{ok}/page")))
            .await,
    )
    .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["is_reachable"], true);
    assert!(a["last_reachability_check"].is_string());
    let (s, b) = status_json(
        open.post_json("/api/v2/assets", &body(format!("http://{missing}/gone")))
            .await,
    )
    .await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"error": "Could not retrieve file. Check the asset URL."})
        )
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (s, _) = status_json(
        open.post_json("/api/v2/assets", &body(format!("http://{closed}/")))
            .await,
    )
    .await;
    assert_eq!(s, 400, "connection refused is unreachable");
}

async fn ui_session_login(app: TestApp) {
    // Without auth, nothing to sign in to.
    assert_eq!(
        app.get_json("/api/auth/session", 200).await,
        json!({"auth_required": false, "authenticated": true, "username": ""})
    );
    let enable = json!({"auth_backend": "auth_basic", "username": "op", "password": "horse battery", "password_2": "horse battery"});
    assert_eq!(
        app.patch_json("/api/v2/device_settings", &enable)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get_json("/api/auth/session", 200).await["authenticated"],
        false
    );

    // A browser with a cookie jar.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = browser
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "op", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (401, json!({"detail": "Invalid username or password."}))
    );
    let res = browser
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "op", "password": "horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    assert_eq!(
        browser
            .get(app.url("/api/v2/assets"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let session: Value = browser
        .get(app.url("/api/auth/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        session,
        json!({"auth_required": true, "authenticated": true, "username": "op"})
    );
    // A write from a foreign origin is refused even with the cookie.
    let res = browser
        .patch(app.url("/api/v2/device_settings"))
        .header("Origin", "http://evil.example")
        .json(&json!({"player_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let own = format!("http://{}", app.addr);
    let res = browser
        .patch(app.url("/api/v2/device_settings"))
        .header("Origin", own)
        .json(&json!({"player_name": "Hall"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Logging out ends it.
    assert_eq!(
        browser
            .post(app.url("/api/auth/logout"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        browser
            .get(app.url("/api/v2/assets"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn other_sites_cannot_drive_the_device(app: TestApp) {
    // Auth is off: any browser could reach the device, so pages of other sites are refused.
    let res = app
        .client
        .post(app.url("/api/v2/reboot"))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .get(app.url("/api/v2/assets/control/next"))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body = json!({"name": "x", "uri": "https://example.com", "mimetype": "webpage", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 5, "is_enabled": true, "skip_asset_check": true});
    let res = app
        .client
        .post(app.url("/api/v2/assets"))
        .header("Sec-Fetch-Site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.get_json("/api/v2/assets", 200).await, json!([]));
    // Reading is fine, and so are scripts (no Origin) and our own pages.
    let res = app
        .client
        .get(app.url("/api/v2/assets"))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/api/v2/assets/control/next").await.status(), 200);
    let own = format!("http://{}", app.addr);
    let res = app
        .client
        .post(app.url("/api/v2/assets"))
        .header("Origin", own)
        .header("Sec-Fetch-Site", "same-origin")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

backend_tests!(
    other_sites_cannot_drive_the_device,
    ui_session_login,
    settings_validation_and_time_zone,
    basic_auth_lifecycle,
    info_integrations_and_addresses,
    power_commands_are_opt_in,
);

#[tokio::test]
async fn display_power_schedule_runs_the_command() {
    let marker = tempfile::tempdir().unwrap();
    let m = marker.path().to_path_buf();
    let app = TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.display_power_command = Some(format!("echo {{state}} >> {}/power", m.display()));
    })
    .await;
    // An on-period that is not now: two hours from now until three hours from now, every day.
    let now = chrono::Utc::now();
    let on = (now + chrono::TimeDelta::hours(2))
        .format("%H:%M")
        .to_string();
    let off = (now + chrono::TimeDelta::hours(3))
        .format("%H:%M")
        .to_string();
    let body = json!({"timezone": "UTC", "display_power_schedule_enabled": true, "display_power_on_time": on, "display_power_off_time": off});
    assert_eq!(
        app.patch_json("/api/v2/device_settings", &body)
            .await
            .status(),
        200
    );
    let log = marker.path().join("power");
    for _ in 0..300 {
        if std::fs::read_to_string(&log).is_ok_and(|s| !s.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(std::fs::read_to_string(&log).unwrap().trim(), "off");
    // Now within the on-period: the screen comes back.
    let on = (now - chrono::TimeDelta::hours(1))
        .format("%H:%M")
        .to_string();
    let body = json!({"display_power_on_time": on});
    assert_eq!(
        app.patch_json("/api/v2/device_settings", &body)
            .await
            .status(),
        200
    );
    for _ in 0..300 {
        if std::fs::read_to_string(&log).unwrap().lines().count() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "off\non\n");
}

#[tokio::test]
async fn audio_output_follows_the_setting() {
    let marker = tempfile::tempdir().unwrap();
    let m = marker.path().to_path_buf();
    let app = TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.audio_output_command = Some(format!("echo {{output}} >> {}/audio", m.display()));
    })
    .await;
    let log = marker.path().join("audio");
    let wait_lines = |n: usize| {
        let log = log.clone();
        async move {
            for _ in 0..300 {
                if std::fs::read_to_string(&log).is_ok_and(|s| s.lines().count() >= n) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            std::fs::read_to_string(&log).unwrap_or_default()
        }
    };
    // Applied at start, then on change; not again for a change of something else.
    assert_eq!(wait_lines(1).await, "hdmi\n");
    app.patch_json("/api/v2/device_settings", &json!({"audio_output": "local"}))
        .await;
    assert_eq!(wait_lines(2).await, "hdmi\nlocal\n");
    app.patch_json("/api/v2/device_settings", &json!({"player_name": "Hall"}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "hdmi\nlocal\n");
}
