//! Device sign-in under attack (issue 12, item 7): HTTP Basic and the web UI's sign-in are
//! throttled per client address and per user name, cost the same work whichever half of the
//! credentials is wrong, and the operator still gets in during a flood. Each client takes its
//! own loopback address (127.0.0.x all reach the server on Linux), so addresses are real peers.
//! The throttle lives in memory, so these run on SQLite only.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use serde_json::json;

use crate::helpers::{Backend, TestApp, status_json};

const PASSWORD: &str = "horse battery";

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

/// A client whose connections come from `127.0.0.<last>`.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, last]))
        .build()
        .unwrap()
}

/// A device with basic auth on (user `op`), its limits changed by `adjust`.
async fn device(adjust: impl FnOnce(&mut signate::config::BasicAuthConfig)) -> TestApp {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| adjust(&mut c.basic_auth)).await;
    let enable = json!({"auth_backend": "auth_basic", "username": "op", "password": PASSWORD, "password_2": PASSWORD});
    let res = app.patch_json("/api/v2/device_settings", &enable).await;
    assert_eq!(res.status(), 200);
    app
}

async fn get_as(app: &TestApp, client: &reqwest::Client, auth: &str) -> reqwest::Response {
    client
        .get(app.url("/api/v2/assets"))
        .header("Authorization", auth)
        .send()
        .await
        .unwrap()
}

async fn ui_login(app: &TestApp, client: &reqwest::Client, user: &str, pass: &str) -> u16 {
    client
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": user, "password": pass}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A 429 in DRF's throttled shape with a `Retry-After` within the 15-minute window.
async fn assert_throttled(res: reqwest::Response) {
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let (_, body) = status_json(res).await;
    assert_eq!(
        body,
        json!({"detail": format!("Request was throttled. Expected available in {retry} seconds.")})
    );
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_address() {
    let app = device(|b| b.failures_per_address = 3).await;
    let attacker = client_from(2);
    // Simultaneous guesses cannot slip past the limit: exactly three are checked.
    let guesses = (0..8).map(|i| {
        let (app, attacker) = (&app, &attacker);
        async move {
            get_as(app, attacker, &basic("op", &format!("guess {i}")))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let count = |code| statuses.iter().filter(|s| **s == code).count();
    assert_eq!((count(401), count(429)), (3, 5), "{statuses:?}");
    // A throttled address is not checked at all, even with the right password, nor through
    // the web UI's sign-in.
    assert_throttled(get_as(&app, &attacker, &basic("op", PASSWORD)).await).await;
    assert_eq!(ui_login(&app, &attacker, "op", PASSWORD).await, 429);
    // Another address is not affected.
    let owner = client_from(3);
    assert_eq!(
        get_as(&app, &owner, &basic("op", "a typo")).await.status(),
        401
    );
    assert_eq!(
        get_as(&app, &owner, &basic("op", PASSWORD)).await.status(),
        200
    );
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_account_but_known_addresses_still_sign_in() {
    let app = device(|b| {
        b.failures_per_address = 2;
        b.failures_per_account = 3;
    })
    .await;
    let owner = client_from(9);
    let good = basic("op", PASSWORD);
    assert_eq!(get_as(&app, &owner, &good).await.status(), 200);
    // A new password: the remembered credentials no longer count, the address still does.
    let change = json!({"password": "new horse battery", "password_2": "new horse battery", "current_password": PASSWORD});
    let res = owner
        .patch(app.url("/api/v2/device_settings"))
        .header("Authorization", &good)
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let good = basic("op", "new horse battery");

    // Guesses spread over addresses, each under its own limit, pass the account's.
    let (a, b) = (client_from(2), client_from(3));
    for (client, expected) in [(&a, 401), (&a, 401), (&b, 401), (&b, 429)] {
        let res = get_as(&app, client, &basic("op", "a guess")).await;
        assert_eq!(res.status(), expected);
    }
    // A new address is refused, even with the right password...
    let stranger = client_from(4);
    assert_throttled(get_as(&app, &stranger, &good).await).await;
    // ...but not the operator's address, nor a guess at another user name.
    assert_eq!(
        get_as(&app, &client_from(5), &basic("root", "a guess"))
            .await
            .status(),
        401
    );
    assert_eq!(get_as(&app, &owner, &good).await.status(), 200);
    // Once verified, the operator's credentials pass from anywhere without being checked.
    assert_eq!(get_as(&app, &stranger, &good).await.status(), 200);
}

#[tokio::test]
async fn a_wrong_user_costs_the_same_work_as_a_wrong_password() {
    let app = device(|_| {}).await;
    let client = client_from(2);
    let before = app.state.basic_auth.work();
    for (user, pass) in [
        ("op", "wrong one"),
        ("root", PASSWORD),
        ("root", "wrong one"),
    ] {
        let res = get_as(&app, &client, &basic(user, pass)).await;
        assert_eq!(
            res.headers()["www-authenticate"],
            "Basic realm=\"api\"",
            "{user}:{pass}"
        );
        assert_eq!(
            status_json(res).await,
            (401, json!({"detail": "Invalid username/password."})),
            "{user}:{pass}"
        );
    }
    // The web UI's sign-in goes the same way.
    assert_eq!(ui_login(&app, &client, "root", PASSWORD).await, 401);
    let after = app.state.basic_auth.work();
    assert_eq!(
        (
            after.verifications - before.verifications,
            after.penalties - before.penalties
        ),
        (4, 4),
        "every failure runs argon2 once and waits the same penalty"
    );
}

#[tokio::test]
async fn the_operator_is_not_queued_behind_a_flood() {
    let app = device(|_| {}).await;
    let owner = client_from(9);
    assert_eq!(
        get_as(&app, &owner, &basic("op", PASSWORD)).await.status(),
        200
    );
    // A flood from many addresses, one guess each (no address is over its limit).
    let flood = |done: Arc<AtomicUsize>| {
        let app = &app;
        futures_util::future::join_all((20..32u8).map(move |last| {
            let done = done.clone();
            async move {
                let status = get_as(app, &client_from(last), &basic("op", "a guess"))
                    .await
                    .status();
                done.fetch_add(1, Ordering::SeqCst);
                status
            }
        }))
    };

    // Credentials that verified before answer at once, through the web UI's sign-in too.
    let done = Arc::new(AtomicUsize::new(0));
    let owner_signs_in = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let status = ui_login(&app, &owner, "op", PASSWORD).await;
        (status, done.load(Ordering::SeqCst))
    };
    let (statuses, (status, finished)) = tokio::join!(flood(done.clone()), owner_signs_in);
    assert_eq!(status, 200);
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert!(
        finished <= 2,
        "the operator waited for {finished} of 12 guesses"
    );

    // New credentials (a password change) must be verified; from the operator's address that
    // does not wait behind the guesses either.
    let change = json!({"password": "new horse battery", "password_2": "new horse battery", "current_password": PASSWORD});
    let res = owner
        .patch(app.url("/api/v2/device_settings"))
        .header("Authorization", basic("op", PASSWORD))
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let done = Arc::new(AtomicUsize::new(0));
    let owner_signs_in = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let status = get_as(&app, &owner, &basic("op", "new horse battery"))
            .await
            .status();
        (status, done.load(Ordering::SeqCst))
    };
    let (statuses, (status, finished)) = tokio::join!(flood(done.clone()), owner_signs_in);
    assert_eq!(status, 200);
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert!(
        finished < 6,
        "the operator waited for {finished} of 12 guesses"
    );
}
