//! The page check (`jobs::page_check`): a web page is checked after it is made and after its
//! address changes, against a real local HTTP server answering `X-Frame-Options`, CSP
//! `frame-ancestors`, an error status, a header the page needs, or nothing at all (a closed
//! port); the verdict shows on v2 and in the player's playlist. On SQLite and PostgreSQL.

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, status_json, wait_for};

/// A loopback server whose answer depends on the path: `/deny` sends `X-Frame-Options: DENY`,
/// `/csp` a CSP with `frame-ancestors 'none'` (and an `X-Frame-Options: ALLOWALL` the browser
/// ignores then), `/gone` 404, `/keyed` 200 only with `X-Key: sesame` (else 401), anything
/// else a plain 200 page.
async fn pages() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = vec![0u8; 16384];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, extra) = match path.as_str() {
                    "/deny" => ("200 OK", "X-Frame-Options: DENY\r\n"),
                    "/csp" => (
                        "200 OK",
                        "X-Frame-Options: ALLOWALL\r\nContent-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n",
                    ),
                    "/gone" => ("404 Not Found", ""),
                    "/bots" => ("403 Forbidden", "X-Frame-Options: DENY\r\n"),
                    "/busy" => ("503 Service Unavailable", ""),
                    "/keyed" if request.contains("\r\nx-key: sesame\r\n") => ("200 OK", ""),
                    "/keyed" => ("401 Unauthorized", ""),
                    _ => ("200 OK", ""),
                };
                let body = "<!doctype html><title>page</title><p>hello";
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\n{extra}connection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            });
        }
    });
    addr
}

fn web(name: &str, uri: &str) -> Value {
    json!({
        "name": name, "uri": uri, "mimetype": "webpage", "duration": 10, "is_enabled": true,
        "start_date": "2020-01-01T00:00:00Z", "end_date": "2099-01-01T00:00:00Z",
    })
}

/// Creates a web page through v2 and returns its id; the answer does not wait for the check.
async fn create(app: &TestApp, body: &Value) -> String {
    let (s, a) = status_json(app.post_json("/api/v2/assets", body).await).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["page_check"], Value::Null, "{a}");
    a["asset_id"].as_str().unwrap().to_string()
}

/// The asset once its page check says something other than `not`.
async fn checked(app: &TestApp, id: &str, not: &Value) -> Value {
    let a = wait_for(app, &format!("/api/v2/assets/{id}"), 30, |a| {
        !a["page_check"].is_null() && &a["page_check"] != not
    })
    .await;
    assert_ne!(&a["page_check"], not, "{a}");
    assert!(!a["page_check"].is_null(), "never checked: {a}");
    a
}

async fn records_the_check_on_create_and_edit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.allow_private_urls = true).await;
    let server = pages().await;

    // Refuses framing: still reachable, and the reason names the header.
    let deny = create(&app, &web("Deny", &format!("http://{server}/deny"))).await;
    let a = checked(&app, &deny, &Value::Null).await;
    assert_eq!(a["page_check"]["status"], "not_frameable", "{a}");
    let reason = a["page_check"]["reason"].as_str().unwrap();
    assert!(reason.contains("X-Frame-Options: DENY"), "{reason}");
    assert!(a["page_check"]["checked_at"].is_string());
    assert_eq!(a["is_reachable"], true);
    assert_eq!(
        a["last_reachability_check"], a["page_check"]["checked_at"],
        "{a}"
    );

    // The player learns it with its playlist.
    let playlist = app.get_json("/api/player/playlist", 200).await;
    let item = playlist["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["asset_id"] == deny.as_str())
        .unwrap_or_else(|| panic!("{playlist}"));
    assert_eq!(item["page_check"]["status"], "not_frameable");
    assert_eq!(item["page_check"]["reason"], reason);

    // frame-ancestors 'none' refuses, and the X-Frame-Options beside it is ignored.
    let csp = create(&app, &web("Csp", &format!("http://{server}/csp"))).await;
    let a = checked(&app, &csp, &Value::Null).await;
    assert_eq!(a["page_check"]["status"], "not_frameable", "{a}");
    assert!(
        a["page_check"]["reason"]
            .as_str()
            .unwrap()
            .contains("frame-ancestors 'none'"),
        "{a}"
    );

    // An edit that leaves the address alone keeps the verdict. (The Anthias API cannot change
    // an address; v3 can: see `cloud_edit_of_the_address_checks_again`.)
    let (s, a) = status_json(
        app.patch_json(
            &format!("/api/v2/assets/{deny}"),
            &json!({"name": "Renamed"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["page_check"]["status"], "not_frameable", "{a}");

    // A page that frames fine.
    let fine = create(&app, &web("Fine", &format!("http://{server}/fine"))).await;
    let a = checked(&app, &fine, &Value::Null).await;
    assert_eq!(a["page_check"]["status"], "ok", "{a}");

    // An error status is unreachable, and so says Anthias's field (the creation-time check,
    // which would refuse it, is skipped by the client).
    let mut body = web("Gone", &format!("http://{server}/gone"));
    body["skip_asset_check"] = json!(true);
    let missing = create(&app, &body).await;
    let a = checked(&app, &missing, &Value::Null).await;
    assert_eq!(a["page_check"]["status"], "unreachable", "{a}");
    assert!(
        a["page_check"]["reason"].as_str().unwrap().contains("404"),
        "{a}"
    );
    assert_eq!(a["is_reachable"], false);

    // "Not for you" answers (bot protection, a busy server) speak of the server's request,
    // not the screen's: judged by their headers, never called unreachable.
    let mut body = web("Bots", &format!("http://{server}/bots"));
    body["skip_asset_check"] = json!(true);
    let bots = create(&app, &body).await;
    let a = checked(&app, &bots, &Value::Null).await;
    assert_eq!(a["page_check"]["status"], "not_frameable", "{a}");
    let mut body = web("Busy", &format!("http://{server}/busy"));
    body["skip_asset_check"] = json!(true);
    let busy = create(&app, &body).await;
    let a = checked(&app, &busy, &Value::Null).await;
    assert_eq!(a["page_check"]["status"], "ok", "{a}");

    // Nothing listening: unreachable too (the client skipped the creation-time check).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut body = web("Closed", &format!("http://{closed}/"));
    body["skip_asset_check"] = json!(true);
    let gone = create(&app, &body).await;
    let a = checked(&app, &gone, &Value::Null).await;
    assert_eq!(a["page_check"]["status"], "unreachable", "{a}");

    // The page's own extra request headers are sent with the check.
    let mut body = web("Keyed", &format!("http://{server}/keyed"));
    body["custom_headers"] = json!({"X-Key": "sesame"});
    // Anthias's own check at creation sends no extra headers (as upstream): skipped here.
    body["skip_asset_check"] = json!(true);
    let keyed = create(&app, &body).await;
    let a = checked(&app, &keyed, &Value::Null).await;
    assert_eq!(a["page_check"]["status"], "ok", "{a}");
}

/// Without `allow_private_urls` the server may not fetch a loopback page: no verdict is made
/// up (the screen judges), and the request still succeeds.
async fn a_guarded_address_gets_no_verdict(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let server = pages().await;
    let id = create(&app, &web("Guarded", &format!("http://{server}/deny"))).await;
    // The job ran when the queue is empty of it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let pending = app
            .state
            .db
            .system(|c| {
                use diesel::prelude::*;
                use signate::db::schema::jobs;
                Ok(jobs::table
                    .filter(jobs::kind.eq("page_check"))
                    .filter(jobs::state.ne("done"))
                    .count()
                    .get_result::<i64>(c)?)
            })
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the check never ran");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let a = app.get_json(&format!("/api/v2/assets/{id}"), 200).await;
    assert_eq!(a["page_check"], Value::Null, "{a}");
}

/// v3 (cloud, PostgreSQL): a changed address drops the old verdict in the answer and is
/// checked again; the verdict is the tenant's own.
#[tokio::test]
async fn cloud_edit_of_the_address_checks_again() {
    use crate::cloud::{call, signup, spawn_with};
    use reqwest::Method;
    let app = spawn_with(|c| c.allow_private_urls = true).await;
    let server = pages().await;
    let a = signup(&app, "pagecheck").await;
    let (s, made) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &a.access,
        Some(json!({"name": "Deny", "uri": format!("http://{server}/deny"), "mimetype": "webpage", "is_enabled": true})),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["page_check"], Value::Null);
    let id = made["id"].as_str().unwrap().to_string();
    let until = |want: &'static str| {
        let (app, id, access) = (&app, id.clone(), a.access.clone());
        async move {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                let (s, got) = call(
                    app,
                    Method::GET,
                    &format!("/api/v3/assets/{id}"),
                    &access,
                    None,
                )
                .await;
                assert_eq!(s, 200, "{got}");
                if got["page_check"]["status"] == want || std::time::Instant::now() > deadline {
                    return got;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    let got = until("not_frameable").await;
    assert_eq!(got["page_check"]["status"], "not_frameable", "{got}");
    assert!(
        got["page_check"]["checked_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let (s, changed) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/assets/{id}"),
        &a.access,
        Some(json!({"uri": format!("http://{server}/fine")})),
    )
    .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["page_check"], Value::Null, "{changed}");
    let got = until("ok").await;
    assert_eq!(got["page_check"]["status"], "ok", "{got}");

    // Another tenant does not see the asset, verdict or not.
    let other = signup(&app, "pagecheck-other").await;
    let (s, _) = call(
        &app,
        Method::GET,
        &format!("/api/v3/assets/{id}"),
        &other.access,
        None,
    )
    .await;
    assert_eq!(s, 404);
}

mod sqlite {
    use super::*;

    #[tokio::test]
    async fn records_the_check_on_create_and_edit() {
        super::records_the_check_on_create_and_edit(Backend::Sqlite).await
    }

    #[tokio::test]
    async fn a_guarded_address_gets_no_verdict() {
        super::a_guarded_address_gets_no_verdict(Backend::Sqlite).await
    }
}

mod postgres {
    use super::*;

    #[tokio::test]
    async fn records_the_check_on_create_and_edit() {
        super::records_the_check_on_create_and_edit(Backend::Postgres).await
    }

    #[tokio::test]
    async fn a_guarded_address_gets_no_verdict() {
        super::a_guarded_address_gets_no_verdict(Backend::Postgres).await
    }
}
