//! Screens (docs/screens.md): pairing by code, the fleet, commands over real WebSockets,
//! revocation, `max_devices`, tenant isolation, heartbeats, and two instances sharing Redis.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{Account, asset, call, signup, spawn, spawn_with};
use crate::helpers::{TestApp, status_json};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A paired screen: its id and device token.
pub struct Paired {
    pub id: String,
    pub token: String,
}

/// Asks for a code as a screen does.
async fn start_pairing(app: &TestApp) -> Value {
    let (s, b) = status_json(
        app.client
            .post(app.url("/api/v3/screens/pair"))
            .json(&json!({"resolution": "1920x1080", "player_version": "test/1"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    b
}

async fn poll(app: &TestApp, secret: &str) -> (u16, Value) {
    status_json(
        app.client
            .get(app.url(&format!("/api/v3/screens/pair/{secret}")))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Pairs a new screen into `admin`'s tenant, named `name`.
pub async fn pair(app: &TestApp, admin: &Account, name: &str) -> Paired {
    let started = start_pairing(app).await;
    let (s, screen) = call(
        app,
        Method::POST,
        "/api/v3/screens",
        &admin.access,
        Some(json!({"code": started["code"], "name": name})),
    )
    .await;
    assert_eq!(s, 201, "{screen}");
    let (s, done) = poll(app, started["secret"].as_str().unwrap()).await;
    assert_eq!(s, 200, "{done}");
    Paired {
        id: screen["id"].as_str().unwrap().into(),
        token: done["device_token"].as_str().unwrap().into(),
    }
}

/// Opens the screen's WebSocket with its token as a bearer, as a non-browser player does.
pub async fn connect(app: &TestApp, token: &str) -> Result<Socket, u16> {
    let mut req = format!("ws://{}/player/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("websocket: {e}"),
    }
}

/// The next text frame within `wait`, as JSON (pings and pongs skipped).
pub async fn next_frame(ws: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match msg {
            Ok(Message::Text(t)) => return serde_json::from_str(&t).ok(),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The next command frame within `wait` (content-change `reload`s skipped).
async fn next_command(ws: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let f = next_frame(ws, left).await?;
        if f["type"] == "command" {
            return Some(f);
        }
    }
}

/// The screen as the admin API shows it.
async fn screen(app: &TestApp, admin: &Account, id: &str) -> Value {
    let (s, b) = call(
        app,
        Method::GET,
        &format!("/api/v3/screens/{id}"),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b
}

/// Waits until the admin API shows the screen with `status`.
async fn wait_status(app: &TestApp, admin: &Account, id: &str, status: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let s = screen(app, admin, id).await;
        if s["status"] == status || std::time::Instant::now() > deadline {
            assert_eq!(s["status"], status, "{s}");
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A web page that plays now (enabled, dated); its id.
pub async fn playable(app: &TestApp, admin: &Account, name: &str) -> String {
    let (s, b) = call(
        app,
        Method::POST,
        "/api/v3/assets",
        &admin.access,
        Some(json!({
            "name": name, "uri": "https://example.com/", "mimetype": "webpage",
            "start_date": "2020-01-01T00:00:00Z", "end_date": "2099-01-01T00:00:00Z",
            "is_enabled": true, "skip_asset_check": true,
        })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_str().unwrap().to_string()
}

fn player_get(app: &TestApp, path: &str, token: &str) -> reqwest::RequestBuilder {
    app.client.get(app.url(path)).bearer_auth(token)
}

#[tokio::test]
async fn a_screen_pairs_by_code_and_collects_its_token_once() {
    let app = spawn().await;
    let admin = signup(&app, "pairing").await;

    // A screen without a token is told to pair.
    let r = app.get("/api/player/playlist").await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["signate-pairing"], "required");

    let started = start_pairing(&app).await;
    let code = started["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(
        code.bytes()
            .all(|b| b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains(&b)),
        "{code}"
    );
    assert_eq!(started["poll_seconds"], 2);
    assert_eq!(
        started["claim_url"],
        format!("https://signate.test/screens/add?code={code}")
    );
    assert!(started["qr_svg"].as_str().unwrap().contains("<svg"));
    let expires = chrono::DateTime::parse_from_rfc3339(started["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let ttl = expires - chrono::Utc::now();
    assert!(ttl > chrono::Duration::minutes(9) && ttl <= chrono::Duration::minutes(10));
    let secret = started["secret"].as_str().unwrap();
    let (s, b) = poll(&app, secret).await;
    assert_eq!((s, b["status"].as_str()), (202, Some("pending")), "{b}");

    // An unknown code is 404 and creates nothing.
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/screens",
        &admin.access,
        Some(json!({"code": "ZZZZZZ", "name": "Nope"})),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{b}"
    );

    // Codes are typed loosely: case and a dash do not matter.
    let typed = format!("{}-{}", &code[..3], &code[3..]).to_lowercase();
    let (s, created) = call(
        &app,
        Method::POST,
        "/api/v3/screens",
        &admin.access,
        Some(json!({"code": typed, "name": "Lobby", "group_id": null, "tags": ["floor-1"]})),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["name"], "Lobby");
    assert_eq!(created["status"], "never_seen");
    assert_eq!(created["resolution"], "1920x1080");
    assert_eq!(created["player_version"], "test/1");
    assert_eq!(created["tags"], json!(["floor-1"]));
    assert_eq!(created["now_playing"], Value::Null);

    // The same code cannot be claimed twice.
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/screens",
        &admin.access,
        Some(json!({"code": code, "name": "Again"})),
    )
    .await;
    assert_eq!(s, 404);

    let r = app
        .client
        .get(app.url(&format!("/api/v3/screens/pair/{secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("signate_screen="))
        .expect("the token as a cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["status"], "paired");
    let token = done["device_token"].as_str().unwrap();
    assert!(token.starts_with("sgd_"));
    assert_eq!(
        done["screen"],
        json!({"id": created["id"], "name": "Lobby"})
    );
    assert_eq!(done["tenant"]["id"], admin.tenant_id.as_str());
    assert_eq!(done["tenant"]["slug"], admin.slug.as_str());
    // Once only.
    assert_eq!(poll(&app, secret).await.0, 410);
    assert_eq!(poll(&app, "sgp_unknown").await.0, 410);

    // The token plays the tenant's content, by header or by cookie, with an ETag.
    let id = playable(&app, &admin, "Poster").await;
    let r = player_get(&app, "/api/player/playlist", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["assets"][0]["asset_id"], id.as_str(), "{body}");
    let r = player_get(&app, "/api/player/playlist", token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = app
        .client
        .get(app.url("/api/player/playlist"))
        .header("Cookie", format!("signate_screen={token}"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304, "the cookie carries the token too");
    // A change makes a new ETag.
    playable(&app, &admin, "Second").await;
    let r = player_get(&app, "/api/player/playlist", token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);

    // The device token is a screen's, not an admin's: v3 refuses it.
    let (s, _) = call(&app, Method::GET, "/api/v3/screens", token, None).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn removing_a_screen_ends_its_token_and_its_connection() {
    let app = spawn().await;
    let admin = signup(&app, "revoke").await;
    let lobby = pair(&app, &admin, "Lobby").await;
    let mut ws = connect(&app, &lobby.token).await.expect("connects");
    wait_status(&app, &admin, &lobby.id, "online").await;

    let (s, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v3/screens/{}", lobby.id),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let frame = next_frame(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(frame, Some(json!({"type": "unpaired"})));
    assert!(
        next_frame(&mut ws, Duration::from_secs(5)).await.is_none(),
        "then closed"
    );

    let r = player_get(&app, "/api/player/playlist", &lobby.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["signate-pairing"], "required");
    let r = player_get(&app, "/api/player/plays", &lobby.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(connect(&app, &lobby.token).await.err(), Some(401));
    let (s, _) = call(
        &app,
        Method::GET,
        &format!("/api/v3/screens/{}", lobby.id),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_tenant_pairs_no_more_screens_than_max_devices() {
    let app = spawn().await;
    let admin = signup(&app, "limits").await;
    let scope = signate::tenancy::TenantScope::new(admin.tenant_id.clone());
    app.state
        .db
        .write(&scope, |c| {
            use diesel::prelude::*;
            diesel::sql_query("UPDATE tenants SET max_devices = 2").execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    pair(&app, &admin, "One").await;
    pair(&app, &admin, "Two").await;
    let started = start_pairing(&app).await;
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/screens",
        &admin.access,
        Some(json!({"code": started["code"], "name": "Three"})),
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
            .contains("max_devices"),
        "{b}"
    );
    let (_, list) = call(&app, Method::GET, "/api/v3/screens", &admin.access, None).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    // The code is still good for after a screen is removed.
    assert_eq!(poll(&app, started["secret"].as_str().unwrap()).await.0, 202);
}

#[tokio::test]
async fn commands_reach_the_screens_they_name_and_no_other() {
    let app = spawn().await;
    let a = signup(&app, "cmd-a").await;
    let b = signup(&app, "cmd-b").await;
    let a1 = pair(&app, &a, "A1").await;
    let a2 = pair(&app, &a, "A2").await;
    let b1 = pair(&app, &b, "B1").await;
    let b2 = pair(&app, &b, "B2").await;
    let mut ws_a1 = connect(&app, &a1.token).await.unwrap();
    let mut ws_a2 = connect(&app, &a2.token).await.unwrap();
    let mut ws_b1 = connect(&app, &b1.token).await.unwrap();
    let mut ws_b2 = connect(&app, &b2.token).await.unwrap();
    for (acc, s) in [(&a, &a1), (&a, &a2), (&b, &b1), (&b, &b2)] {
        wait_status(&app, acc, &s.id, "online").await;
    }

    let (s, sent) = call(
        &app,
        Method::POST,
        &format!("/api/v3/screens/{}/commands", a1.id),
        &a.access,
        Some(json!({"command": "next"})),
    )
    .await;
    assert_eq!(s, 202, "{sent}");
    assert_eq!(sent["sent_to"], json!([a1.id]));
    let frame = next_frame(&mut ws_a1, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(frame["type"], "command");
    assert_eq!(frame["command"], "next");
    assert_eq!(frame["id"], sent["id"]);
    for ws in [&mut ws_a2, &mut ws_b1, &mut ws_b2] {
        assert_eq!(next_frame(ws, Duration::from_millis(300)).await, None);
    }

    // Tenant B cannot command tenant A's screen, whatever id it guesses.
    let (s, _) = call(
        &app,
        Method::POST,
        &format!("/api/v3/screens/{}/commands", a1.id),
        &b.access,
        Some(json!({"command": "blank"})),
    )
    .await;
    assert_eq!(s, 404);

    // A group: both of A's screens, none of B's.
    let (s, group) = call(
        &app,
        Method::POST,
        "/api/v3/groups",
        &a.access,
        Some(json!({"name": "Lobby"})),
    )
    .await;
    assert_eq!(s, 201, "{group}");
    let gid = group["id"].as_str().unwrap();
    for s in [&a1, &a2] {
        let (st, b) = call(
            &app,
            Method::PATCH,
            &format!("/api/v3/screens/{}", s.id),
            &a.access,
            Some(json!({"group_id": gid})),
        )
        .await;
        assert_eq!((st, b["group_id"].as_str()), (200, Some(gid)), "{b}");
    }
    let (_, g) = call(
        &app,
        Method::GET,
        &format!("/api/v3/groups/{gid}"),
        &a.access,
        None,
    )
    .await;
    assert_eq!(g["screen_count"], 2);
    // B's screen cannot join A's group.
    let (s, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/screens/{}", b1.id),
        &b.access,
        Some(json!({"group_id": gid})),
    )
    .await;
    assert_eq!(s, 400);
    let poster = asset(&app, &a.access, "Poster").await;
    let (s, sent) = call(
        &app,
        Method::POST,
        &format!("/api/v3/groups/{gid}/commands"),
        &a.access,
        Some(json!({"command": "show", "asset_id": poster})),
    )
    .await;
    assert_eq!(s, 202, "{sent}");
    for ws in [&mut ws_a1, &mut ws_a2] {
        let f = next_command(ws, Duration::from_secs(2)).await.unwrap();
        assert_eq!(f["command"], format!("asset&{poster}"));
        assert_eq!(f["asset"]["asset_id"], poster.as_str());
    }
    for ws in [&mut ws_b1, &mut ws_b2] {
        assert_eq!(next_command(ws, Duration::from_millis(300)).await, None);
    }
    // Tenant B cannot show tenant A's asset.
    let (s, _) = call(
        &app,
        Method::POST,
        &format!("/api/v3/screens/{}/commands", b1.id),
        &b.access,
        Some(json!({"command": "show", "asset_id": poster})),
    )
    .await;
    assert_eq!(s, 400);

    // Bad commands say what is wrong.
    let (s, bad) = call(
        &app,
        Method::POST,
        &format!("/api/v3/screens/{}/commands", a1.id),
        &a.access,
        Some(json!({"command": "reboot"})),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        bad["error"]["message"].as_str().unwrap().contains("next"),
        "{bad}"
    );

    // An offline screen: 409 naming it, nothing sent.
    drop(ws_a2);
    wait_status(&app, &a, &a2.id, "offline").await;
    let (s, b409) = call(
        &app,
        Method::POST,
        &format!("/api/v3/screens/{}/commands", a2.id),
        &a.access,
        Some(json!({"command": "next"})),
    )
    .await;
    assert_eq!(s, 409, "{b409}");
    assert!(
        b409["error"]["message"].as_str().unwrap().contains("A2"),
        "{b409}"
    );
    // The group still reaches its online screen, and says which one was offline.
    let (s, sent) = call(
        &app,
        Method::POST,
        &format!("/api/v3/groups/{gid}/commands"),
        &a.access,
        Some(json!({"command": "blank"})),
    )
    .await;
    assert_eq!(s, 202, "{sent}");
    assert_eq!(sent["sent_to"], json!([a1.id]));
    assert_eq!(sent["offline"], json!([{"id": a2.id, "name": "A2"}]));
    assert_eq!(
        next_command(&mut ws_a1, Duration::from_secs(2))
            .await
            .unwrap()["command"],
        "blank"
    );
}

#[tokio::test]
async fn a_screen_token_reads_only_its_own_tenant() {
    let app = spawn().await;
    let a = signup(&app, "iso-a").await;
    let b = signup(&app, "iso-b").await;
    let a1 = pair(&app, &a, "A1").await;
    let b_asset =
        super::stored_picture(&app, &b.tenant_id, "B's", b"\x89PNG\r\n\x1a\nsecret").await;
    let a_asset = super::stored_picture(&app, &a.tenant_id, "A's", b"\x89PNG\r\n\x1a\nmine").await;
    let r = player_get(&app, &format!("/media/{}", a_asset.asset_id), &a1.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = player_get(&app, &format!("/media/{}", b_asset.asset_id), &a1.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "another tenant's media is not found");
    // Naming the other tenant does not help.
    let r = player_get(&app, "/api/player/playlist", &a1.token)
        .header("X-Tenant-ID", &b.tenant_id)
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let ids: Vec<&str> = body["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["asset_id"].as_str())
        .collect();
    assert!(!ids.contains(&b_asset.asset_id.as_str()), "{body}");
    // Proof of play is recorded with the screen's id, in its own tenant.
    let r = app
        .client
        .post(app.url("/api/player/plays"))
        .bearer_auth(&a1.token)
        .json(&json!({"plays": [{"asset_id": a_asset.asset_id, "started_at": "2026-12-07T10:00:00Z", "duration_ms": 10000}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let recent: Value = player_get(&app, "/api/player/plays", &a1.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(recent["plays"][0]["screen_id"], a1.id.as_str(), "{recent}");
    // B's screen list does not show A's screen; B cannot read or delete it.
    let (_, list) = call(&app, Method::GET, "/api/v3/screens", &b.access, None).await;
    assert_eq!(list, json!([]));
    for m in [Method::GET, Method::DELETE] {
        let (s, _) = call(
            &app,
            m,
            &format!("/api/v3/screens/{}", a1.id),
            &b.access,
            None,
        )
        .await;
        assert_eq!(s, 404);
    }
}

#[tokio::test]
async fn heartbeats_move_the_status_and_say_what_plays() {
    let app = spawn().await;
    let admin = signup(&app, "beats").await;
    let s1 = pair(&app, &admin, "Hall").await;
    assert_eq!(screen(&app, &admin, &s1.id).await["status"], "never_seen");
    let poster = asset(&app, &admin.access, "Poster").await;
    let mut ws = connect(&app, &s1.token).await.unwrap();
    wait_status(&app, &admin, &s1.id, "online").await;
    ws.send(Message::text(
        json!({"type": "heartbeat", "resolution": "3840x2160", "player_version": "test/2", "asset_id": poster})
            .to_string(),
    ))
    .await
    .unwrap();
    // Heartbeats are written in batches (every 5 s).
    let deadline = std::time::Instant::now() + Duration::from_secs(12);
    let shown = loop {
        let s = screen(&app, &admin, &s1.id).await;
        if s["resolution"] == "3840x2160" || std::time::Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(shown["resolution"], "3840x2160", "{shown}");
    assert_eq!(shown["player_version"], "test/2");
    assert_eq!(shown["now_playing"]["asset_id"], poster.as_str());
    assert_eq!(shown["ip"], "127.0.0.1");
    let (_, online) = call(
        &app,
        Method::GET,
        "/api/v3/screens?status=online",
        &admin.access,
        None,
    )
    .await;
    assert_eq!(online.as_array().unwrap().len(), 1);
    ws.close(None).await.unwrap();
    let gone = wait_status(&app, &admin, &s1.id, "offline").await;
    assert_eq!(gone["now_playing"], Value::Null);
    let (_, online) = call(
        &app,
        Method::GET,
        "/api/v3/screens?status=online",
        &admin.access,
        None,
    )
    .await;
    assert_eq!(online, json!([]));
    let (s, _) = call(
        &app,
        Method::GET,
        "/api/v3/screens?status=sleeping",
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn a_screen_says_what_it_skips_and_the_fleet_shows_it() {
    let app = spawn().await;
    let admin = signup(&app, "skips").await;
    let s1 = pair(&app, &admin, "Lobby").await;
    let page = asset(&app, &admin.access, "Framed news").await;
    let mut ws = connect(&app, &s1.token).await.unwrap();
    wait_status(&app, &admin, &s1.id, "online").await;
    assert_eq!(screen(&app, &admin, &s1.id).await["skipped"], json!([]));
    let reason = "This site does not allow being shown inside another page";
    let beat = |skipped: Value| {
        Message::text(
            json!({"type": "heartbeat", "resolution": "1920x1080", "player_version": "t", "asset_id": null, "skipped": skipped})
                .to_string(),
        )
    };
    // Malformed entries (no id, a control character in the id) are dropped, repeats kept once.
    ws.send(beat(json!([
        {"asset_id": page, "reason": reason},
        {"asset_id": page, "reason": "again"},
        {"asset_id": "", "reason": "nothing"},
        {"asset_id": "a\u{7}b", "reason": "bell"}
    ])))
    .await
    .unwrap();
    let read = |want: usize| {
        let (app, admin, id) = (&app, &admin, s1.id.clone());
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(12);
            loop {
                let s = screen(app, admin, &id).await;
                if s["skipped"].as_array().map(Vec::len) == Some(want)
                    || std::time::Instant::now() > deadline
                {
                    break s;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let shown = read(1).await;
    assert_eq!(
        shown["skipped"],
        json!([{"asset_id": page, "reason": reason}]),
        "{shown}"
    );
    // Shown again: the list empties.
    ws.send(beat(json!([]))).await.unwrap();
    let shown = read(0).await;
    assert_eq!(shown["skipped"], json!([]), "{shown}");
    // An older player that says nothing of skips changes nothing.
    ws.send(Message::text(
        json!({"type": "heartbeat", "resolution": "1280x720", "player_version": "old", "asset_id": null})
            .to_string(),
    ))
    .await
    .unwrap();
    ws.close(None).await.unwrap();
}

#[tokio::test]
async fn groups_have_unique_names_and_keep_their_screens_when_deleted() {
    let app = spawn().await;
    let admin = signup(&app, "groups").await;
    let (s, g) = call(
        &app,
        Method::POST,
        "/api/v3/groups",
        &admin.access,
        Some(json!({"name": "Shop floor"})),
    )
    .await;
    assert_eq!(s, 201, "{g}");
    let (s, dup) = call(
        &app,
        Method::POST,
        "/api/v3/groups",
        &admin.access,
        Some(json!({"name": "Shop floor"})),
    )
    .await;
    assert_eq!(
        (s, dup["error"]["field"].as_str()),
        (409, Some("name")),
        "{dup}"
    );
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/groups",
        &admin.access,
        Some(json!({"name": "  "})),
    )
    .await;
    assert_eq!(s, 400);
    let gid = g["id"].as_str().unwrap();
    let started = start_pairing(&app).await;
    let (s, scr) = call(
        &app,
        Method::POST,
        "/api/v3/screens",
        &admin.access,
        Some(json!({"code": started["code"], "name": "Till", "group_id": gid})),
    )
    .await;
    assert_eq!((s, scr["group_id"].as_str()), (201, Some(gid)), "{scr}");
    let (_, filtered) = call(
        &app,
        Method::GET,
        &format!("/api/v3/screens?group_id={gid}&q=TIL"),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    let (s, renamed) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/groups/{gid}"),
        &admin.access,
        Some(json!({"name": "Tills"})),
    )
    .await;
    assert_eq!((s, renamed["name"].as_str()), (200, Some("Tills")));
    let (s, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v3/groups/{gid}"),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let kept = screen(&app, &admin, scr["id"].as_str().unwrap()).await;
    assert_eq!(kept["group_id"], Value::Null);
    let (_, groups) = call(&app, Method::GET, "/api/v3/groups", &admin.access, None).await;
    assert_eq!(groups, json!([]));
    // Screens are for device operators (and admins); a content manager has no say.
    let operator = super::api_key(&app, &admin.access, "device_operator").await;
    let (s, _) = call(&app, Method::GET, "/api/v3/screens", &operator, None).await;
    assert_eq!(s, 200);
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/groups",
        &operator,
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(s, 201);
    let editor = super::api_key(&app, &admin.access, "content_manager").await;
    let (s, _) = call(&app, Method::GET, "/api/v3/screens", &editor, None).await;
    assert_eq!(s, 403);
}

/// Two instances on loopback share PostgreSQL and Redis: a command given on one reaches a
/// screen connected to the other, and each sees the other's screens online.
#[tokio::test]
async fn a_command_on_one_instance_reaches_a_screen_on_another() {
    let redis = std::env::var("SIGNATE_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let a = spawn_with(|c| c.redis.url = Some(redis.clone())).await;
    let b = a.another_instance().await;
    let admin = signup(&a, "twoinst").await;
    // Paired through A, connected to B.
    let lobby = pair(&a, &admin, "Lobby").await;
    let mut ws = connect(&b, &lobby.token).await.unwrap();
    wait_status(&a, &admin, &lobby.id, "online").await;
    let (s, sent) = call(
        &a,
        Method::POST,
        &format!("/api/v3/screens/{}/commands", lobby.id),
        &admin.access,
        Some(json!({"command": "previous"})),
    )
    .await;
    assert_eq!(s, 202, "{sent}");
    let f = next_frame(&mut ws, Duration::from_secs(3))
        .await
        .expect("a frame through Redis");
    assert_eq!(
        (f["command"].as_str(), f["id"].clone()),
        (Some("previous"), sent["id"].clone())
    );
    // Content changes made on A reach it too.
    asset(&a, &admin.access, "New").await;
    let f = next_frame(&mut ws, Duration::from_secs(3)).await.unwrap();
    assert_eq!(f, json!({"type": "reload"}));
    // Removal on A closes its connection on B.
    let (s, _) = call(
        &a,
        Method::DELETE,
        &format!("/api/v3/screens/{}", lobby.id),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        next_frame(&mut ws, Duration::from_secs(3)).await,
        Some(json!({"type": "unpaired"}))
    );
}

#[tokio::test]
async fn guessing_codes_is_stopped_after_thirty_misses() {
    let app = spawn().await;
    let admin = signup(&app, "guess").await;
    for _ in 0..30 {
        let (s, _) = call(
            &app,
            Method::POST,
            "/api/v3/screens",
            &admin.access,
            Some(json!({"code": "ZZZZZZ", "name": "Guess"})),
        )
        .await;
        assert_eq!(s, 404);
    }
    // Even a good code waits now: a guess that hit would be indistinguishable.
    let started = start_pairing(&app).await;
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/screens",
        &admin.access,
        Some(json!({"code": started["code"], "name": "Real"})),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (429, Some("rate_limited")),
        "{b}"
    );
    // Another tenant is not held up.
    let other = signup(&app, "guess-b").await;
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/screens",
        &other.access,
        Some(json!({"code": started["code"], "name": "Theirs"})),
    )
    .await;
    assert_eq!(s, 201);
}
