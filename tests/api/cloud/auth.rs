//! Sign-up, sign-in, the token life cycle, throttling, password reset and e-mail verification
//! through the SMTP sink, and how a request names its tenant.

use reqwest::Method;
use serde_json::json;

use super::{PASSWORD, call, mail_to, signup, spawn, spawn_with, token_in};
use crate::helpers::{TestApp, status_json};

#[tokio::test]
async fn signup_checks_its_input_and_answers_with_tokens() {
    let app = spawn().await;
    let acct = signup(&app, "acme").await;
    let (s, me) = call(&app, Method::GET, "/api/v3/auth/me", &acct.access, None).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["user"]["email"], acct.email.as_str());
    assert_eq!(me["tenant"]["slug"], acct.slug.as_str());
    assert_eq!(me["role"], "tenant_admin");
    assert!(me["permissions"].as_array().unwrap().len() >= 18);

    // The same address or slug again: 409 naming the field; bad input: 400 naming the field.
    let dup = json!({ "email": acct.email, "password": PASSWORD, "name": "X", "tenant_name": "X", "tenant_slug": "other-slug-1" });
    let (s, b) = status_json(app.post_json("/api/v3/auth/signup", &dup).await).await;
    assert_eq!(
        (s, b["error"]["code"].as_str(), b["error"]["field"].as_str()),
        (409, Some("conflict"), Some("email")),
        "{b}"
    );
    let dup = json!({ "email": super::address("x"), "password": PASSWORD, "name": "X", "tenant_name": "X", "tenant_slug": acct.slug });
    let (s, b) = status_json(app.post_json("/api/v3/auth/signup", &dup).await).await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (409, Some("tenant_slug")),
        "{b}"
    );
    for (body, field) in [
        (
            json!({ "email": "not-an-address", "password": PASSWORD, "name": "X", "tenant_name": "X", "tenant_slug": "abc-1" }),
            "email",
        ),
        (
            json!({ "email": super::address("y"), "password": "short", "name": "X", "tenant_name": "X", "tenant_slug": "abc-2" }),
            "password",
        ),
        (
            json!({ "email": super::address("y"), "password": PASSWORD, "name": "X", "tenant_name": "X", "tenant_slug": "Bad Slug" }),
            "tenant_slug",
        ),
        (
            json!({ "email": super::address("y"), "password": PASSWORD, "name": "X", "tenant_name": "X", "tenant_slug": "www" }),
            "tenant_slug",
        ),
        (
            json!({ "email": super::address("y"), "password": PASSWORD, "tenant_name": "X", "tenant_slug": "abc-3" }),
            "name",
        ),
    ] {
        let (s, b) = status_json(app.post_json("/api/v3/auth/signup", &body).await).await;
        assert_eq!(
            (s, b["error"]["field"].as_str()),
            (400, Some(field)),
            "{body} → {b}"
        );
    }
    // A body that is not JSON gets the v3 error shape too.
    let res = app
        .client
        .post(app.url("/api/v3/auth/signup"))
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    let (s, b) = status_json(res).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("invalid")),
        "{b}"
    );
    // Nothing half-made: the refused sign-ups left one tenant.
    let (_, t) = call(
        &app,
        Method::GET,
        "/api/v3/tenants/current",
        &acct.access,
        None,
    )
    .await;
    assert_eq!(t["member_count"], 1);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_ends_the_session() {
    let app = spawn_with(|c| c.cloud.refresh_reuse_grace_seconds = 0).await;
    let acct = signup(&app, "rot").await;
    let (s, first) = status_json(
        app.post_json(
            "/api/v3/auth/refresh",
            &json!({ "refresh_token": acct.refresh }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{first}");
    let new_refresh = first["refresh_token"].as_str().unwrap();
    let new_access = first["access_token"].as_str().unwrap();
    assert_ne!(new_refresh, acct.refresh);
    assert_eq!(
        call(&app, Method::GET, "/api/v3/auth/me", new_access, None)
            .await
            .0,
        200
    );

    // The spent token again: refused, and the whole family (the new pair too) is revoked.
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/refresh",
            &json!({ "refresh_token": acct.refresh }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 401, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{b}"
    );
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/refresh",
            &json!({ "refresh_token": new_refresh }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 401);
    let (s, b) = call(&app, Method::GET, "/api/v3/auth/me", new_access, None).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (401, Some("unauthorized")),
        "{b}"
    );
    // An unknown token.
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/refresh",
            &json!({ "refresh_token": "sgr_nope" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn logout_ends_access_and_refresh_tokens_at_once() {
    let app = spawn().await;
    let acct = signup(&app, "out").await;
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/auth/logout",
        &acct.access,
        None,
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        call(&app, Method::GET, "/api/v3/assets", &acct.access, None)
            .await
            .0,
        401
    );
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/refresh",
            &json!({ "refresh_token": acct.refresh }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 401);
    // Signing in again opens a new session.
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/login",
            &json!({ "email": acct.email, "password": PASSWORD }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["tenant"]["slug"], acct.slug.as_str());
    assert_eq!(
        call(
            &app,
            Method::GET,
            "/api/v3/assets",
            b["access_token"].as_str().unwrap(),
            None
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn access_tokens_expire() {
    let app = spawn_with(|c| c.cloud.access_token_seconds = 1).await;
    let acct = signup(&app, "exp").await;
    assert_eq!(
        call(&app, Method::GET, "/api/v3/auth/me", &acct.access, None)
            .await
            .0,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (s, b) = call(&app, Method::GET, "/api/v3/auth/me", &acct.access, None).await;
    assert_eq!(s, 401);
    assert!(
        b["error"]["message"].as_str().unwrap().contains("expired"),
        "{b}"
    );
    // A tampered token is refused too.
    let mut forged = acct.access.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    assert_eq!(
        call(&app, Method::GET, "/api/v3/auth/me", &forged, None)
            .await
            .0,
        401
    );
}

/// A sign-in from `ip` (the test client is the trusted proxy that says so).
async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v3/auth/login"))
        .header("X-Forwarded-For", ip)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

/// A cloud server behind the test client as its proxy, with sign-in limits set by `adjust`.
async fn behind_proxy(adjust: impl FnOnce(&mut signate::config::CloudConfig)) -> TestApp {
    spawn_with(|c| {
        c.cloud.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        adjust(&mut c.cloud);
    })
    .await
}

/// A 429 with `Retry-After` within the 15-minute window, in v3's shape.
async fn assert_throttled(res: reqwest::Response) {
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    let (_, b) = status_json(res).await;
    assert_eq!(b["error"]["code"], "rate_limited");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address_not_for_the_account() {
    let app = behind_proxy(|c| c.login_failures_allowed = 3).await;
    let acct = signup(&app, "thr").await;
    let attacker = "203.0.113.9";
    for _ in 0..3 {
        let res = login_from(&app, attacker, &acct.email, "wrong password!").await;
        assert_eq!(res.status(), 401);
    }
    // That address is refused for this account, even with the right password...
    assert_throttled(login_from(&app, attacker, &acct.email, PASSWORD).await).await;
    // ...but the owner, elsewhere, is not locked out.
    let res = login_from(&app, "198.51.100.20", &acct.email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    // Another account from the same address is not throttled yet.
    let other = signup(&app, "thr2").await;
    assert_eq!(
        login_from(&app, attacker, &other.email, PASSWORD)
            .await
            .status(),
        200
    );
    // Unknown addresses get the same answer as a wrong password.
    let (s, b) =
        status_json(login_from(&app, attacker, &super::address("nobody"), PASSWORD).await).await;
    assert_eq!(
        (s, b["error"]["message"].as_str()),
        (401, Some("Incorrect e-mail address or password."))
    );
}

#[tokio::test]
async fn an_address_is_throttled_across_accounts() {
    let app = behind_proxy(|c| {
        c.login_failures_allowed = 3;
        c.login_failures_per_address = 4;
    })
    .await;
    let (a, b, c) = (
        signup(&app, "acr1").await,
        signup(&app, "acr2").await,
        signup(&app, "acr3").await,
    );
    let attacker = "203.0.113.7";
    // Two guesses at each of two accounts: every pair is under its limit, the address is not.
    for acct in [&a, &a, &b, &b] {
        let res = login_from(&app, attacker, &acct.email, "wrong password!").await;
        assert_eq!(res.status(), 401);
    }
    assert_throttled(login_from(&app, attacker, &c.email, PASSWORD).await).await;
    assert_throttled(login_from(&app, attacker, &a.email, PASSWORD).await).await;
    // The accounts' owners sign in from their own addresses.
    for acct in [&a, &c] {
        let res = login_from(&app, "198.51.100.21", &acct.email, PASSWORD).await;
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn many_addresses_slow_an_account_down_but_never_lock_it() {
    let app = behind_proxy(|c| {
        c.login_failures_allowed = 3;
        c.login_failures_per_account = 1;
    })
    .await;
    let acct = signup(&app, "ceil").await;
    // The owner has signed in from home before.
    let home = "198.51.100.30";
    assert_eq!(
        login_from(&app, home, &acct.email, PASSWORD).await.status(),
        200
    );
    // Guesses from four addresses, one each: no pair and no address is over its limit.
    for i in 1..=4 {
        let res = login_from(&app, &format!("203.0.113.{i}"), &acct.email, "wrong!").await;
        assert_eq!(res.status(), 401);
    }
    // The owner, from a new address, gets in: slowed down by a second per failure past the
    // limit, not refused.
    let began = std::time::Instant::now();
    let res = login_from(&app, "198.51.100.31", &acct.email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(
        began.elapsed() >= std::time::Duration::from_secs(4),
        "{:?}",
        began.elapsed()
    );
    // From home, where the account signed in before, without the wait.
    let began = std::time::Instant::now();
    let res = login_from(&app, home, &acct.email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(
        began.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        began.elapsed()
    );
}

#[tokio::test]
async fn a_password_reset_lifts_the_limits_of_its_account() {
    let app = behind_proxy(|c| c.login_failures_allowed = 2).await;
    let acct = signup(&app, "lift").await;
    let here = "203.0.113.50";
    for _ in 0..2 {
        let res = login_from(&app, here, &acct.email, "forgotten one").await;
        assert_eq!(res.status(), 401);
    }
    assert_throttled(login_from(&app, here, &acct.email, PASSWORD).await).await;
    let res = app
        .client
        .post(app.url("/api/v3/auth/forgot-password"))
        .header("X-Forwarded-For", here)
        .json(&json!({ "email": acct.email }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let mails = mail_to(&acct.email, 2).await;
    let reset = mails
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Reset"))
        .expect("reset mail");
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/reset-password",
            &json!({ "token": token_in(reset), "password": "a new long passphrase" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let res = login_from(&app, here, &acct.email, "a new long passphrase").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn password_reset_by_email() {
    let app = spawn().await;
    let acct = signup(&app, "reset").await;
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/forgot-password",
            &json!({ "email": acct.email }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 202, "{b}");
    // The same answer for an address without an account.
    let (s2, b2) = status_json(
        app.post_json(
            "/api/v3/auth/forgot-password",
            &json!({ "email": super::address("ghost") }),
        )
        .await,
    )
    .await;
    assert_eq!((s2, &b2), (202, &b));

    let mails = mail_to(&acct.email, 2).await; // the sign-up's verification and the reset
    let reset = mails
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Reset"))
        .expect("reset mail");
    assert!(
        reset["html"]
            .as_str()
            .unwrap()
            .contains("https://signate.test/reset-password?token=")
    );
    let token = token_in(reset);

    // Too weak a password is refused and the token stays usable.
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/reset-password",
            &json!({ "token": token, "password": "12345678" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (400, Some("password")),
        "{b}"
    );
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/reset-password",
            &json!({ "token": token, "password": "a new long passphrase" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Used once only; old sessions ended; the new password works and the old does not.
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/reset-password",
            &json!({ "token": token, "password": "another passphrase" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        call(&app, Method::GET, "/api/v3/auth/me", &acct.access, None)
            .await
            .0,
        401
    );
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/login",
            &json!({ "email": acct.email, "password": PASSWORD }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 401);
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/login",
            &json!({ "email": acct.email, "password": "a new long passphrase" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn email_verification_link() {
    let app = spawn().await;
    let acct = signup(&app, "verify").await;
    let (_, me) = call(&app, Method::GET, "/api/v3/auth/me", &acct.access, None).await;
    assert_eq!(me["user"]["email_verified"], false);
    let mails = mail_to(&acct.email, 1).await;
    let m = mails
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Confirm"))
        .expect("verification mail");
    assert!(
        m["text"]
            .as_str()
            .unwrap()
            .contains("https://signate.test/verify-email?token=")
    );
    assert!(m["html"].as_str().unwrap().contains("<a href="));
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/verify-email",
            &json!({ "token": token_in(m) }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, me) = call(&app, Method::GET, "/api/v3/auth/me", &acct.access, None).await;
    assert_eq!(me["user"]["email_verified"], true);
    let (s, _) = status_json(
        app.post_json("/api/v3/auth/verify-email", &json!({ "token": "bogus" }))
            .await,
    )
    .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn requests_name_their_tenant() {
    let app = spawn().await;
    let a = signup(&app, "name").await;
    let b = signup(&app, "other").await;
    // No tenant at all: 400 saying how to give one.
    let (s, body) = status_json(app.get("/api/v3/assets").await).await;
    assert_eq!(s, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Tenant-ID"),
        "{body}"
    );
    // A named tenant without credentials: 401; an unknown one: 404.
    let res = app
        .client
        .get(app.url("/api/v3/assets"))
        .header("X-Tenant-ID", a.slug.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .get(app.url("/api/v3/assets"))
        .header("X-Tenant-ID", "no-such-tenant")
        .send()
        .await
        .unwrap();
    let (s, body) = status_json(res).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    // By id, by slug and by subdomain, with matching credentials: fine.
    for (name, value) in [
        ("X-Tenant-ID", a.tenant_id.clone()),
        ("X-Tenant-ID", a.slug.clone()),
        ("Host", format!("{}.signate.test", a.slug)),
    ] {
        let res = app
            .client
            .get(app.url("/api/v3/assets"))
            .header(name, value.as_str())
            .bearer_auth(&a.access)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{name}: {value}");
    }
    // A's token while naming B: refused.
    for (name, value) in [
        ("X-Tenant-ID", b.slug.clone()),
        ("Host", format!("{}.signate.test", b.slug)),
    ] {
        let res = app
            .client
            .get(app.url("/api/v3/assets"))
            .header(name, value.as_str())
            .bearer_auth(&a.access)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{name}: {value}");
    }
    // A custom domain names its tenant for requests without credentials. It is an unchecked
    // claim, so it never overrides a credential of another tenant (B's token there acts in B),
    // and the service's own names cannot be claimed.
    let (s, t) = call(
        &app,
        Method::PATCH,
        "/api/v3/tenants/current",
        &a.access,
        Some(json!({ "domain": "signs.example.org" })),
    )
    .await;
    assert_eq!(
        (s, t["domain"].as_str()),
        (200, Some("signs.example.org")),
        "{t}"
    );
    let res = app
        .client
        .get(app.url("/api/v3/assets"))
        .header("Host", "signs.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        401,
        "the domain named A, which wants credentials"
    );
    let res = app
        .client
        .get(app.url("/api/v3/tenants/current"))
        .header("Host", "signs.example.org")
        .bearer_auth(&b.access)
        .send()
        .await
        .unwrap();
    let (s, t) = status_json(res).await;
    assert_eq!((s, t["id"].as_str()), (200, Some(b.tenant_id.as_str())));
    for taken in [
        "signate.test",
        "www.signate.test",
        "x.signate.test",
        "127.0.0.1",
    ] {
        let (s, t) = call(
            &app,
            Method::PATCH,
            "/api/v3/tenants/current",
            &b.access,
            Some(json!({ "domain": taken })),
        )
        .await;
        assert_eq!(
            (s, t["error"]["field"].as_str()),
            (400, Some("domain")),
            "{taken}: {t}"
        );
    }
    let (s, t) = call(
        &app,
        Method::PATCH,
        "/api/v3/tenants/current",
        &b.access,
        Some(json!({ "domain": "signs.example.org" })),
    )
    .await;
    assert_eq!(
        (s, t["error"]["field"].as_str()),
        (409, Some("domain")),
        "{t}"
    );
    let id = a.tenant_id.clone();
    app.state
        .db
        .system(move |c| {
            use diesel::prelude::*;
            use signate::db::schema::tenants;
            diesel::update(tenants::table.find(id))
                .set(tenants::is_active.eq(false))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(
        call(&app, Method::GET, "/api/v3/assets", &a.access, None)
            .await
            .0,
        404
    );
    let res = app
        .client
        .get(app.url("/api/v3/assets"))
        .header("X-Tenant-ID", a.slug.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_api_documents_itself() {
    let app = spawn().await;
    let res = app.get("/api/v3/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    // Every route the server answers is in the document, with the method it answers.
    for (method, path) in [
        ("post", "/api/v3/auth/signup"),
        ("post", "/api/v3/auth/login"),
        ("post", "/api/v3/auth/refresh"),
        ("post", "/api/v3/auth/logout"),
        ("get", "/api/v3/auth/me"),
        ("post", "/api/v3/auth/media-cookie"),
        ("post", "/api/v3/auth/forgot-password"),
        ("post", "/api/v3/auth/reset-password"),
        ("post", "/api/v3/auth/verify-email"),
        ("post", "/api/v3/auth/resend-verification"),
        ("post", "/api/v3/auth/accept-invite"),
        ("get", "/api/v3/tenants/current"),
        ("patch", "/api/v3/tenants/current"),
        ("get", "/api/v3/tenants/current/secrets"),
        ("put", "/api/v3/tenants/current/secrets/{name}"),
        ("delete", "/api/v3/tenants/current/secrets/{name}"),
        ("get", "/api/v3/assets"),
        ("post", "/api/v3/assets"),
        ("get", "/api/v3/assets/{id}"),
        ("patch", "/api/v3/assets/{id}"),
        ("delete", "/api/v3/assets/{id}"),
        ("post", "/api/v3/assets/{id}/share"),
        ("delete", "/api/v3/assets/{id}/shares"),
        ("post", "/api/v3/assets/{id}/duplicate"),
        ("get", "/share/{token}"),
        ("get", "/share/{token}/content"),
        ("get", "/api/v3/users"),
        ("post", "/api/v3/users/invite"),
        ("get", "/api/v3/users/invitations"),
        ("delete", "/api/v3/users/invitations/{id}"),
        ("patch", "/api/v3/users/{id}"),
        ("delete", "/api/v3/users/{id}"),
        ("get", "/api/v3/api-keys"),
        ("post", "/api/v3/api-keys"),
        ("delete", "/api/v3/api-keys/{id}"),
        ("get", "/api/v3/audit-log"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
    }
    let res = app.get("/api/v3/docs").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn a_refresh_repeated_at_once_is_not_theft_but_later_it_is() {
    let app = spawn_with(|c| c.cloud.refresh_reuse_grace_seconds = 2).await;
    let acct = signup(&app, "grace").await;
    let body = json!({ "refresh_token": acct.refresh });
    let (s, first) = status_json(app.post_json("/api/v3/auth/refresh", &body).await).await;
    assert_eq!(s, 200, "{first}");
    // The answer was lost; the client sends the same token again at once.
    let (s, second) = status_json(app.post_json("/api/v3/auth/refresh", &body).await).await;
    assert_eq!(s, 200, "{second}");
    assert_ne!(first["refresh_token"], second["refresh_token"]);
    let (s, _) = call(
        &app,
        Method::GET,
        "/api/v3/auth/me",
        second["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(s, 200);
    // After the grace period the same replay ends the sign-in.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (s, _) = status_json(app.post_json("/api/v3/auth/refresh", &body).await).await;
    assert_eq!(s, 401);
    let (s, _) = call(
        &app,
        Method::GET,
        "/api/v3/auth/me",
        second["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(s, 401);
}
