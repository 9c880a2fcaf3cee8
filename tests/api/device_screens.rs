//! Screens of the LAN pair with a device (docs/screens.md) the way cloud screens pair with a
//! tenant: the device's operator (its password) claims the code, the screen gets a device
//! token. The kiosk on the device itself still needs nothing. Requests whose Host names the
//! device by its LAN name are not "local", whatever address they come from.

use std::time::Duration;

use serde_json::{Value, json};

use crate::cloud::screens::{connect, next_frame};
use crate::helpers::{Backend, TestApp, status_json};

const PASSWORD: &str = "horse battery";
const HOST: &str = "signage.lan";

fn basic() -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("op:{PASSWORD}"))
    )
}

/// A request as a screen elsewhere on the LAN sends it.
fn lan(app: &TestApp, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("Host", HOST)
}

#[tokio::test]
async fn a_lan_screen_pairs_with_the_device_and_obeys_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let enable = json!({"auth_backend": "auth_basic", "username": "op", "password": PASSWORD, "password_2": PASSWORD});
    assert_eq!(
        app.patch_json("/api/v2/device_settings", &enable)
            .await
            .status(),
        200
    );
    // The kiosk on the device itself plays without pairing.
    assert_eq!(app.get("/api/player/playlist").await.status(), 200);

    // A screen elsewhere is told to pair.
    let r = lan(&app, reqwest::Method::GET, "/api/player/playlist")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["signate-pairing"], "required");
    let (s, started) = status_json(
        lan(&app, reqwest::Method::POST, "/api/v3/screens/pair")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{started}");
    let code = started["code"].as_str().unwrap();
    assert_eq!(
        started["claim_url"],
        format!("http://{HOST}/screens/add?code={code}")
    );

    // Only the operator claims it.
    let claim = json!({"code": code, "name": "Window"});
    let (s, refused) = status_json(
        lan(&app, reqwest::Method::POST, "/api/v3/screens")
            .json(&claim)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, refused["error"]["code"].as_str()),
        (401, Some("unauthorized")),
        "{refused}"
    );
    let (s, screen) = status_json(
        lan(&app, reqwest::Method::POST, "/api/v3/screens")
            .header("Authorization", basic())
            .json(&claim)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{screen}");
    let id = screen["id"].as_str().unwrap();
    let (s, done) = status_json(
        lan(
            &app,
            reqwest::Method::GET,
            &format!(
                "/api/v3/screens/pair/{}",
                started["secret"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["tenant"]["id"], app.tenant().id());
    let token = done["device_token"].as_str().unwrap();

    // The token plays the device's content from the LAN, and carries commands.
    let r = lan(&app, reqwest::Method::GET, "/api/player/playlist")
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut ws = connect(&app, token).await.expect("connects");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let listed = loop {
        let (_, list) = status_json(
            lan(&app, reqwest::Method::GET, "/api/v3/screens")
                .header("Authorization", basic())
                .send()
                .await
                .unwrap(),
        )
        .await;
        if list[0]["status"] == "online" || std::time::Instant::now() > deadline {
            break list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["status"], "online", "{listed}");
    let (s, sent) = status_json(
        lan(
            &app,
            reqwest::Method::POST,
            &format!("/api/v3/screens/{id}/commands"),
        )
        .header("Authorization", basic())
        .json(&json!({"command": "next"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 202, "{sent}");
    let f: Value = next_frame(&mut ws, Duration::from_secs(2)).await.unwrap();
    assert_eq!(f["command"], "next");

    // Removed: told, closed, and its token no longer plays.
    let r = lan(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v3/screens/{id}"),
    )
    .header("Authorization", basic())
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        next_frame(&mut ws, Duration::from_secs(2)).await,
        Some(json!({"type": "unpaired"}))
    );
    let r = lan(&app, reqwest::Method::GET, "/api/player/playlist")
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["signate-pairing"], "required");
}
