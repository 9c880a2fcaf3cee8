//! Programming (docs/programming.md): playlists, schedules, interrupts, timelines, the program
//! a screen gets, and reports that match the plays sent.

use std::time::Duration;

use futures_util::SinkExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::screens::{connect, pair, playable};
use super::{call, signup, spawn};
use crate::helpers::TestApp;

async fn ok(
    app: &TestApp,
    m: Method,
    path: &str,
    bearer: &str,
    body: Option<Value>,
    want: u16,
) -> Value {
    let (s, b) = call(app, m.clone(), path, bearer, body).await;
    assert_eq!(s, want, "{m} {path}: {b}");
    b
}

async fn program_of(app: &TestApp, token: &str) -> Value {
    let r = app
        .client
        .get(app.url("/api/player/playlist"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["program"].clone()
}

#[tokio::test]
async fn playlists_hold_assets_and_lose_deleted_ones() {
    let app = spawn().await;
    let a = signup(&app, "pl").await;
    let x = playable(&app, &a, "X").await;
    let y = playable(&app, &a, "Y").await;
    let p = ok(
        &app,
        Method::POST,
        "/api/v3/playlists",
        &a.access,
        Some(json!({"name": "Morning", "items": [
            {"asset_id": x, "duration": null}, {"asset_id": y, "duration": 15}, {"asset_id": x, "duration": 5}
        ]})),
        201,
    )
    .await;
    assert_eq!(
        p["items"].as_array().unwrap().len(),
        3,
        "an asset may repeat"
    );
    assert_eq!(p["items"][1], json!({"asset_id": y, "duration": 15}));
    assert_eq!(p["shuffle"], false);
    let pid = p["id"].as_str().unwrap().to_string();
    // Bad input loses nothing.
    let b = ok(
        &app,
        Method::PATCH,
        &format!("/api/v3/playlists/{pid}"),
        &a.access,
        Some(json!({"items": [{"asset_id": "nope", "duration": null}]})),
        400,
    )
    .await;
    assert_eq!(b["error"]["field"], "items");
    ok(
        &app,
        Method::PATCH,
        &format!("/api/v3/playlists/{pid}"),
        &a.access,
        Some(json!({"items": [{"asset_id": x, "duration": 0}]})),
        400,
    )
    .await;
    let same = ok(
        &app,
        Method::GET,
        &format!("/api/v3/playlists/{pid}"),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(same["items"].as_array().unwrap().len(), 3);
    // Another tenant sees nothing of it and cannot use its assets.
    let b_acc = signup(&app, "pl-b").await;
    ok(
        &app,
        Method::GET,
        &format!("/api/v3/playlists/{pid}"),
        &b_acc.access,
        None,
        404,
    )
    .await;
    ok(
        &app,
        Method::POST,
        "/api/v3/playlists",
        &b_acc.access,
        Some(json!({"name": "Theirs", "items": [{"asset_id": x}]})),
        400,
    )
    .await;
    assert_eq!(
        ok(
            &app,
            Method::GET,
            "/api/v3/playlists",
            &b_acc.access,
            None,
            200
        )
        .await,
        json!([])
    );

    // Deleting an asset takes it out, and says from where.
    let gone = ok(
        &app,
        Method::DELETE,
        &format!("/api/v3/assets/{x}"),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(
        gone["removed_from_playlists"],
        json!([{"id": pid, "name": "Morning"}])
    );
    let left = ok(
        &app,
        Method::GET,
        &format!("/api/v3/playlists/{pid}"),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(left["items"], json!([{"asset_id": y, "duration": 15}]));
    // An asset in no playlist: 204 as before.
    let z = playable(&app, &a, "Z").await;
    let (s, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v3/assets/{z}"),
        &a.access,
        None,
    )
    .await;
    assert_eq!(s, 204);

    // A playlist a schedule plays cannot go.
    let sch = ok(
        &app,
        Method::POST,
        "/api/v3/schedules",
        &a.access,
        Some(json!({"name": "Always", "playlist_id": pid, "targets": {"all": true}})),
        201,
    )
    .await;
    let b = ok(
        &app,
        Method::DELETE,
        &format!("/api/v3/playlists/{pid}"),
        &a.access,
        None,
        409,
    )
    .await;
    assert!(
        b["error"]["message"].as_str().unwrap().contains("Always"),
        "{b}"
    );
    ok(
        &app,
        Method::DELETE,
        &format!("/api/v3/schedules/{}", sch["id"].as_str().unwrap()),
        &a.access,
        None,
        204,
    )
    .await;
    ok(
        &app,
        Method::DELETE,
        &format!("/api/v3/playlists/{pid}"),
        &a.access,
        None,
        204,
    )
    .await;
}

#[tokio::test]
async fn schedules_check_their_fields_and_make_the_timeline() {
    let app = spawn().await;
    let a = signup(&app, "sch").await;
    let x = playable(&app, &a, "X").await;
    let p = ok(
        &app,
        Method::POST,
        "/api/v3/playlists",
        &a.access,
        Some(json!({"name": "Breakfast", "items": [{"asset_id": x}]})),
        201,
    )
    .await;
    let pid = p["id"].as_str().unwrap();
    let lobby = pair(&app, &a, "Lobby").await;
    for (body, field) in [
        (
            json!({"playlist_id": pid, "targets": {"all": true}}),
            "name",
        ),
        (
            json!({"name": "S", "playlist_id": "nope", "targets": {"all": true}}),
            "playlist_id",
        ),
        (
            json!({"name": "S", "playlist_id": pid, "targets": {}}),
            "targets",
        ),
        (
            json!({"name": "S", "playlist_id": pid, "targets": {"screen_ids": ["nope"]}}),
            "targets",
        ),
        (
            json!({"name": "S", "playlist_id": pid, "targets": {"all": true}, "priority": 101}),
            "priority",
        ),
        (
            json!({"name": "S", "playlist_id": pid, "targets": {"all": true}, "play_days": [0]}),
            "play_days",
        ),
        (
            json!({"name": "S", "playlist_id": pid, "targets": {"all": true}, "play_time_from": "06:00"}),
            "play_time_to",
        ),
        (
            json!({"name": "S", "playlist_id": pid, "targets": {"all": true}, "play_time_from": "6am", "play_time_to": "10:00"}),
            "play_time_from",
        ),
        (
            json!({"name": "S", "playlist_id": pid, "targets": {"all": true}, "start_date": "2027-01-02T00:00:00Z", "end_date": "2027-01-01T00:00:00Z"}),
            "end_date",
        ),
    ] {
        let b = ok(
            &app,
            Method::POST,
            "/api/v3/schedules",
            &a.access,
            Some(body),
            400,
        )
        .await;
        assert_eq!(b["error"]["field"], field, "{b}");
    }
    assert_eq!(
        ok(&app, Method::GET, "/api/v3/schedules", &a.access, None, 200).await,
        json!([])
    );
    let s = ok(&app, Method::POST, "/api/v3/schedules", &a.access, Some(json!({
        "name": "Breakfast", "playlist_id": pid, "targets": {"screen_ids": [lobby.id]},
        "play_days": [1, 2, 3, 4, 5, 6, 7], "play_time_from": "06:00", "play_time_to": "10:00", "priority": 60
    })), 201).await;
    assert_eq!(s["play_time_from"], "06:00:00", "as assets write times");
    assert_eq!(
        s["targets"],
        json!({"screen_ids": [lobby.id], "group_ids": []})
    );
    let sid = s["id"].as_str().unwrap();
    let plan = ok(
        &app,
        Method::GET,
        &format!(
            "/api/v3/screens/{}/timeline?from=2027-01-04T00:00:00Z&to=2027-01-05T00:00:00Z",
            lobby.id
        ),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(
        plan,
        json!([
            {"start": "2027-01-04T00:00:00.000Z", "end": "2027-01-04T06:00:00.000Z", "source": "default", "schedule_ids": [], "playlist_ids": [], "interrupt_id": null},
            {"start": "2027-01-04T06:00:00.000Z", "end": "2027-01-04T10:00:00.000Z", "source": "schedule", "schedule_ids": [sid], "playlist_ids": [pid], "interrupt_id": null},
            {"start": "2027-01-04T10:00:00.000Z", "end": "2027-01-05T00:00:00.000Z", "source": "default", "schedule_ids": [], "playlist_ids": [], "interrupt_id": null},
        ])
    );
    ok(
        &app,
        Method::GET,
        &format!(
            "/api/v3/screens/{}/timeline?from=2027-01-01T00:00:00Z&to=2027-03-01T00:00:00Z",
            lobby.id
        ),
        &a.access,
        None,
        400,
    )
    .await;
    // The screen's program carries the schedule and its playlist; PATCH moves the window.
    let prog = program_of(&app, &lobby.token).await;
    assert_eq!(prog["screen_id"], lobby.id.as_str());
    assert_eq!(prog["schedules"][0]["id"], sid);
    assert_eq!(prog["playlists"][pid]["items"][0]["asset_id"], x.as_str());
    let moved = ok(
        &app,
        Method::PATCH,
        &format!("/api/v3/schedules/{sid}"),
        &a.access,
        Some(json!({"play_time_from": "22:00", "play_time_to": "02:00"})),
        200,
    )
    .await;
    assert_eq!(
        (moved["play_time_from"].as_str(), moved["priority"].as_i64()),
        (Some("22:00:00"), Some(60))
    );
    // A screen it is not aimed at gets none of it.
    let other = pair(&app, &a, "Other").await;
    assert_eq!(program_of(&app, &other.token).await["schedules"], json!([]));
}

#[tokio::test]
async fn an_interrupt_reaches_the_group_and_not_the_third_screen() {
    let app = spawn().await;
    let a = signup(&app, "intr").await;
    let s1 = pair(&app, &a, "One").await;
    let s2 = pair(&app, &a, "Two").await;
    let s3 = pair(&app, &a, "Three").await;
    let g = ok(
        &app,
        Method::POST,
        "/api/v3/groups",
        &a.access,
        Some(json!({"name": "Floor"})),
        201,
    )
    .await;
    let gid = g["id"].as_str().unwrap();
    for s in [&s1, &s2] {
        ok(
            &app,
            Method::PATCH,
            &format!("/api/v3/screens/{}", s.id),
            &a.access,
            Some(json!({"group_id": gid})),
            200,
        )
        .await;
    }
    let mut ws1 = connect(&app, &s1.token).await.unwrap();
    // Bad interrupts say what is wrong.
    ok(
        &app,
        Method::POST,
        "/api/v3/interrupts",
        &a.access,
        Some(json!({"targets": {"all": true}})),
        400,
    )
    .await;
    ok(
        &app,
        Method::POST,
        "/api/v3/interrupts",
        &a.access,
        Some(json!({"targets": {"all": true}, "message": {"text": "x", "color": "red"}})),
        400,
    )
    .await;
    // A content manager may not interrupt.
    let editor = super::api_key(&app, &a.access, "content_manager").await;
    ok(
        &app,
        Method::POST,
        "/api/v3/interrupts",
        &editor,
        Some(json!({"targets": {"all": true}, "message": {"text": "Hi"}})),
        403,
    )
    .await;
    let i = ok(&app, Method::POST, "/api/v3/interrupts", &a.access, Some(json!({
        "targets": {"group_ids": [gid]},
        "message": {"text": "Fire drill: leave by the stairs", "background": "#b00020", "color": "#fff"}
    })), 201).await;
    let iid = i["id"].as_str().unwrap();
    assert_eq!(i["message"]["text"], "Fire drill: leave by the stairs");
    // Pushed at once: the screen is told to fetch its program again.
    let f = super::screens::next_frame(&mut ws1, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(f, json!({"type": "reload"}));
    for s in [&s1, &s2] {
        let prog = program_of(&app, &s.token).await;
        assert_eq!(prog["interrupts"][0]["id"], iid, "{prog}");
        assert_eq!(prog["interrupts"][0]["message"]["background"], "#b00020");
    }
    assert_eq!(program_of(&app, &s3.token).await["interrupts"], json!([]));
    let now = chrono::Utc::now();
    let tl = |id: &str| {
        format!(
            "/api/v3/screens/{id}/timeline?from={}&to={}",
            (now - chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            (now + chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    };
    let plan = ok(&app, Method::GET, &tl(&s2.id), &a.access, None, 200).await;
    assert_eq!(
        plan.as_array().unwrap().last().unwrap()["interrupt_id"],
        iid
    );
    let plan3 = ok(&app, Method::GET, &tl(&s3.id), &a.access, None, 200).await;
    assert!(
        plan3
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["source"] == "default"),
        "{plan3}"
    );
    let live = ok(
        &app,
        Method::GET,
        "/api/v3/interrupts",
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(live.as_array().unwrap().len(), 1);
    ok(
        &app,
        Method::DELETE,
        &format!("/api/v3/interrupts/{iid}"),
        &a.access,
        None,
        204,
    )
    .await;
    assert_eq!(program_of(&app, &s1.token).await["interrupts"], json!([]));
    assert_eq!(
        ok(
            &app,
            Method::GET,
            "/api/v3/interrupts",
            &a.access,
            None,
            200
        )
        .await,
        json!([])
    );
    let all = ok(
        &app,
        Method::GET,
        "/api/v3/interrupts?all=true",
        &a.access,
        None,
        200,
    )
    .await;
    assert!(all[0]["ended_at"].is_string());
    let audit = ok(
        &app,
        Method::GET,
        "/api/v3/audit-log?action=interrupt.started",
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn reports_match_the_plays_sent() {
    let app = spawn().await;
    let a = signup(&app, "rep").await;
    let x = playable(&app, &a, "Poster").await;
    let y = playable(&app, &a, "Menu").await;
    let p = ok(
        &app,
        Method::POST,
        "/api/v3/playlists",
        &a.access,
        Some(json!({"name": "P", "items": [{"asset_id": x}]})),
        201,
    )
    .await;
    let s = ok(
        &app,
        Method::POST,
        "/api/v3/schedules",
        &a.access,
        Some(json!({"name": "Sched", "playlist_id": p["id"], "targets": {"all": true}})),
        201,
    )
    .await;
    let hall = pair(&app, &a, "Hall").await;
    let plays = json!({"plays": [
        {"asset_id": x, "started_at": "2026-11-02T10:00:00Z", "duration_ms": 10000, "playlist_id": p["id"], "schedule_id": s["id"]},
        {"asset_id": x, "started_at": "2026-11-02T10:00:10Z", "duration_ms": 10000, "playlist_id": p["id"], "schedule_id": s["id"]},
        {"asset_id": y, "started_at": "2026-11-03T23:30:00Z", "duration_ms": 5000},
    ]});
    let r = app
        .client
        .post(app.url("/api/player/plays"))
        .bearer_auth(&hall.token)
        .json(&plays)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let q = "/api/v3/analytics/plays?from=2026-11-01&to=2026-11-30";
    let by_asset = ok(
        &app,
        Method::GET,
        &format!("{q}&group_by=asset"),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(
        by_asset["rows"],
        json!([
            {"key": x, "label": "Poster", "plays": 2, "seconds": 20},
            {"key": y, "label": "Menu", "plays": 1, "seconds": 5},
        ])
    );
    let by_day = ok(
        &app,
        Method::GET,
        &format!("{q}&group_by=day"),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(
        by_day["rows"],
        json!([
            {"key": "2026-11-02", "label": "2026-11-02", "plays": 2, "seconds": 20},
            {"key": "2026-11-03", "label": "2026-11-03", "plays": 1, "seconds": 5},
        ])
    );
    let by_screen = ok(
        &app,
        Method::GET,
        &format!("{q}&group_by=screen"),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(
        by_screen["rows"][0],
        json!({"key": hall.id, "label": "Hall", "plays": 3, "seconds": 25})
    );
    let by_schedule = ok(
        &app,
        Method::GET,
        &format!("{q}&group_by=schedule"),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(by_schedule["rows"][0]["key"], s["id"]);
    assert_eq!(by_schedule["rows"][1]["key"], "");
    // CSV for spreadsheets.
    let r = app
        .client
        .get(app.url(&format!("{q}&group_by=asset")))
        .bearer_auth(&a.access)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    assert_eq!(
        csv,
        format!("key,label,plays,seconds\r\n{x},Poster,2,20\r\n{y},Menu,1,5\r\n")
    );
    // Assets say how often and when they were last shown.
    let poster = ok(
        &app,
        Method::GET,
        &format!("/api/v3/assets/{x}"),
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(poster["view_count"], 2);
    assert_eq!(poster["last_viewed"], "2026-11-02T10:00:20.000Z");
    let list = ok(&app, Method::GET, "/api/v3/assets", &a.access, None, 200).await;
    let menu = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == y.as_str())
        .unwrap();
    assert_eq!(menu["view_count"], 1);
    // Out of the range, nothing; bad input, 400; another tenant, nothing.
    let none = ok(
        &app,
        Method::GET,
        "/api/v3/analytics/plays?from=2026-10-01&to=2026-10-31",
        &a.access,
        None,
        200,
    )
    .await;
    assert_eq!(none["rows"], json!([]));
    ok(
        &app,
        Method::GET,
        "/api/v3/analytics/plays?group_by=colour",
        &a.access,
        None,
        400,
    )
    .await;
    ok(
        &app,
        Method::GET,
        "/api/v3/analytics/plays?from=2020-01-01&to=2026-01-01",
        &a.access,
        None,
        400,
    )
    .await;
    let other = signup(&app, "rep-b").await;
    let theirs = ok(
        &app,
        Method::GET,
        &format!("{q}&group_by=asset"),
        &other.access,
        None,
        200,
    )
    .await;
    assert_eq!(theirs["rows"], json!([]));
    let viewer = super::api_key(&app, &a.access, "viewer").await;
    ok(&app, Method::GET, q, &viewer, None, 403).await;
}

#[tokio::test]
async fn heartbeats_add_up_to_uptime() {
    let app = spawn().await;
    let a = signup(&app, "up").await;
    let hall = pair(&app, &a, "Hall").await;
    let mut ws = connect(&app, &hall.token).await.unwrap();
    let beat = json!({"type": "heartbeat", "resolution": "1920x1080", "player_version": "t", "asset_id": null}).to_string();
    ws.send(Message::text(beat.clone())).await.unwrap();
    // Uptime counts whole seconds between the times the server handled the beats; 3.1 s apart
    // leaves a second of slack for a busy machine.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    ws.send(Message::text(beat)).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(12);
    loop {
        let rep = ok(
            &app,
            Method::GET,
            "/api/v3/analytics/screens",
            &a.access,
            None,
            200,
        )
        .await;
        // Uptime days are UTC days: near midnight the two beats may fall on two of them.
        let rows: Vec<&Value> = rep["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["screen_id"] == hall.id.as_str())
            .collect();
        let online: i64 = rows
            .iter()
            .map(|r| r["online_seconds"].as_i64().unwrap())
            .sum();
        if online >= 2 {
            for r in &rows {
                let pct = r["uptime_percent"].as_f64().unwrap();
                assert!((0.0..=100.0).contains(&pct), "{r}");
                assert_eq!(r["name"], "Hall");
            }
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no uptime recorded: {rep}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
