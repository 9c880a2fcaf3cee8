//! The API says only what is true about e-mail: `email_sent` is `true` when a message was
//! queued (and it arrives in the SMTP sink) and `false` with a reason when the server has no
//! SMTP; without e-mail an admin gets the invitation and reset links to hand over; `/readyz`
//! and `GET /api/v3/status` name the e-mail problem without failing readiness.

use reqwest::Method;
use serde_json::{Value, json};

use super::{PASSWORD, address, call, mail_to, signup, spawn, spawn_with, token_in};
use crate::helpers::{TestApp, status_json};

const NOT_CONFIGURED: &str =
    "E-mail is not set up on this server (no SMTP host is configured), so no message was sent.";

/// A cloud server with no SMTP host.
async fn without_mail() -> TestApp {
    spawn_with(|c| c.smtp.host = String::new()).await
}

/// The `token=` value of a link.
fn token_of(link: &str) -> String {
    link.split_once("token=")
        .expect("a token in the link")
        .1
        .to_string()
}

async fn invite(app: &TestApp, bearer: &str, email: &str, role: &str) -> (u16, Value) {
    call(
        app,
        Method::POST,
        "/api/v3/users/invite",
        bearer,
        Some(json!({ "email": email, "role": role })),
    )
    .await
}

/// Joins the tenant with an invitation link's token; the member's access token and id.
async fn accept(app: &TestApp, token: &str) -> (String, String) {
    let (s, joined) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": token, "password": PASSWORD, "name": "Member" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{joined}");
    (
        joined["access_token"].as_str().unwrap().into(),
        joined["user"]["id"].as_str().unwrap().into(),
    )
}

async fn forgot(app: &TestApp, email: &str) -> (u16, Value) {
    status_json(
        app.post_json("/api/v3/auth/forgot-password", &json!({ "email": email }))
            .await,
    )
    .await
}

#[tokio::test]
async fn with_smtp_every_mail_says_sent_and_arrives() {
    let app = spawn().await;
    let email = address("mailed");
    let slug = format!("mailed-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/signup",
            &json!({ "email": email, "password": PASSWORD, "name": "Ada", "tenant_name": "Mailed", "tenant_slug": slug }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["email_sent"], true, "{b}");
    assert!(b.get("email_reason").is_none(), "{b}");
    let access = b["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        mail_to(&email, 1).await.len(),
        1,
        "the confirmation arrived"
    );

    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/auth/resend-verification",
        &access,
        None,
    )
    .await;
    assert_eq!((s, &b["email_sent"]), (202, &json!(true)), "{b}");

    // Forgot password: the same answer for an account and for nobody.
    let known = forgot(&app, &email).await;
    let unknown = forgot(&app, &address("nobody")).await;
    assert_eq!(known, unknown);
    assert_eq!(known.0, 202);
    assert_eq!(known.1["email_sent"], true);

    let invitee = address("invitee");
    let (s, b) = invite(&app, &access, &invitee, "viewer").await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["email_sent"], true);
    assert!(b.get("link").is_none(), "no link beside a sent e-mail: {b}");
    let first = mail_to(&invitee, 1).await;
    assert_eq!(first.len(), 1);

    // Sent again: a new link by e-mail, the old one stops working.
    let (s, again) = call(
        &app,
        Method::POST,
        &format!(
            "/api/v3/users/invitations/{}/resend",
            b["id"].as_str().unwrap()
        ),
        &access,
        None,
    )
    .await;
    assert_eq!((s, &again["email_sent"]), (201, &json!(true)), "{again}");
    let both = mail_to(&invitee, 2).await;
    assert_eq!(both.len(), 2);
    let old = token_in(&first[0]);
    let new = both
        .iter()
        .map(token_in)
        .find(|t| *t != old)
        .expect("a new link");
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": old, "password": PASSWORD }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 400, "the replaced link no longer works");
    accept(&app, &new).await;

    let (s, st) = call(&app, Method::GET, "/api/v3/status", &access, None).await;
    assert_eq!((s, &st["email"]["state"]), (200, &json!("ok")), "{st}");
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["checks"]["email"], "ok", "{ready}");
    assert_eq!(ready["warnings"], json!([]), "{ready}");
}

#[tokio::test]
async fn without_smtp_nothing_claims_to_be_sent() {
    let app = without_mail().await;
    let email = address("unmailed");
    let slug = format!(
        "unmailed-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/signup",
            &json!({ "email": email, "password": PASSWORD, "name": "Ada", "tenant_name": "Unmailed", "tenant_slug": slug }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["email_sent"], false, "{b}");
    assert_eq!(b["email_reason"], NOT_CONFIGURED);
    let admin = b["access_token"].as_str().unwrap().to_string();

    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/auth/resend-verification",
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["email_sent"], false, "{b}");
    assert_eq!(b["email_reason"], NOT_CONFIGURED);
    assert!(!b["status"].as_str().unwrap().contains("on its way"), "{b}");

    // Forgot password: the answer depends on the server, never on the account.
    let known = forgot(&app, &email).await;
    let unknown = forgot(&app, &address("nobody")).await;
    assert_eq!(known, unknown, "the answer does not tell accounts apart");
    assert_eq!(known.0, 202);
    assert_eq!(known.1["email_sent"], false);
    assert_eq!(known.1["email_reason"], NOT_CONFIGURED);
    assert!(
        known.1["status"].as_str().unwrap().contains("Ask an admin"),
        "{}",
        known.1
    );

    // An admin inviting gets the link, and the link works.
    let invitee = address("handed");
    let (s, b) = invite(&app, &admin, &invitee, "content_manager").await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["email_sent"], false, "{b}");
    assert_eq!(b["email_reason"], NOT_CONFIGURED);
    let link = b["link"].as_str().expect("the link for the admin");
    assert!(
        link.starts_with("https://signate.test/accept-invite?token="),
        "{link}"
    );
    let (member, member_id) = accept(&app, &token_of(link)).await;

    // Someone who may invite but not manage users is not handed the link.
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/users/{member_id}"),
        &admin,
        Some(json!({ "permissions": ["users.invite"] })),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = invite(&app, &member, &address("other"), "viewer").await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["email_sent"], false, "{b}");
    assert!(
        b.get("link").is_none(),
        "only user managers hold links: {b}"
    );
    // …and resending it hands the link to the admin, not to them.
    let (s, again) = call(
        &app,
        Method::POST,
        &format!(
            "/api/v3/users/invitations/{}/resend",
            b["id"].as_str().unwrap()
        ),
        &member,
        None,
    )
    .await;
    assert_eq!(s, 201, "{again}");
    assert!(again.get("link").is_none(), "{again}");
    let (s, again) = call(
        &app,
        Method::POST,
        &format!(
            "/api/v3/users/invitations/{}/resend",
            again["id"].as_str().unwrap()
        ),
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 201, "{again}");
    assert!(again["link"].as_str().is_some(), "{again}");

    assert!(
        mail_to(&invitee, 0).await.is_empty(),
        "nothing reached any mailbox"
    );

    let (s, st) = call(&app, Method::GET, "/api/v3/status", &member, None).await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["email"]["state"], "not_configured");
}

#[tokio::test]
async fn readyz_names_the_mail_problem_but_stays_ready() {
    let app = without_mail().await;
    let res = app.get("/readyz").await;
    assert_eq!(
        res.status(),
        200,
        "no e-mail does not make the server unready"
    );
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["status"], "ok");
    assert_eq!(b["checks"]["email"], "not_configured", "{b}");
    let warning = b["warnings"][0].as_str().unwrap_or_default();
    assert!(warning.starts_with("email: E-mail is not set up"), "{b}");

    // Configured, but nothing listens there.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = spawn_with(|c| {
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = dead;
    })
    .await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["checks"]["email"], "unreachable", "{b}");
    assert!(
        b["warnings"][0]
            .as_str()
            .unwrap_or_default()
            .contains("does not answer"),
        "{b}"
    );
    let a = signup(&app, "deadmail").await;
    let (s, st) = call(&app, Method::GET, "/api/v3/status", &a.access, None).await;
    assert_eq!(
        (s, &st["email"]["state"]),
        (200, &json!("unreachable")),
        "{st}"
    );
}

#[tokio::test]
async fn admins_hand_over_reset_links_for_their_members_only() {
    let app = without_mail().await;
    let admin = signup(&app, "resets").await;
    let (_, b) = invite(&app, &admin.access, &address("member"), "content_manager").await;
    let (member, member_id) = accept(&app, &token_of(b["link"].as_str().unwrap())).await;
    let path = format!("/api/v3/users/{member_id}/reset-link");

    // Not for someone without users.manage.
    let (s, b) = call(&app, Method::POST, &path, &member, None).await;
    assert_eq!(s, 403, "{b}");
    // Not across tenants: the other tenant's admin does not find the member.
    let stranger = signup(&app, "stranger").await;
    let (s, b) = call(&app, Method::POST, &path, &stranger.access, None).await;
    assert_eq!(s, 404, "{b}");
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/users/not-a-member/reset-link",
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 404);

    // The admin gets a link; it sets the password, once, and is in the audit log.
    let (s, b) = call(&app, Method::POST, &path, &admin.access, None).await;
    assert_eq!(s, 201, "{b}");
    let link = b["link"].as_str().unwrap();
    assert!(
        link.starts_with("https://signate.test/reset-password?token="),
        "{link}"
    );
    assert!(b["expires_at"].as_str().is_some(), "{b}");
    let reset = json!({ "token": token_of(link), "password": "a brand new passphrase" });
    let (s, b) = status_json(app.post_json("/api/v3/auth/reset-password", &reset).await).await;
    assert_eq!(s, 200, "{b}");
    let (s, _) = status_json(app.post_json("/api/v3/auth/reset-password", &reset).await).await;
    assert_eq!(s, 400, "the link works once");
    let (s, log) = call(&app, Method::GET, "/api/v3/audit-log", &admin.access, None).await;
    assert_eq!(s, 200);
    assert!(log.to_string().contains("user.reset_link_created"), "{log}");
    // The member's sessions ended with the reset.
    let (s, _) = call(&app, Method::GET, "/api/v3/auth/me", &member, None).await;
    assert_eq!(s, 401);

    // Someone who also belongs to another tenant is theirs to reset, not this admin's.
    let (_, b) = invite(&app, &stranger.access, &admin.email, "viewer").await;
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": token_of(b["link"].as_str().unwrap()), "password": PASSWORD }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, b) = call(
        &app,
        Method::POST,
        &format!("/api/v3/users/{}/reset-link", admin.user_id),
        &stranger.access,
        None,
    )
    .await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another organisation"),
        "{b}"
    );
}
