//! Cloud mode (PostgreSQL, many tenants): accounts and tokens, roles, API v3, e-mail through a
//! real SMTP sink (MailDev, started by `scripts/services.sh`), and tenant isolation.

mod assets;
mod auth;
mod billing;
mod isolation;
mod mail;
mod openapi;
mod pipeline;
mod program;
mod roles;
pub mod screens;
mod security;
mod uploads;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, status_json};

/// A cloud server on a fresh PostgreSQL database, mailing to the test SMTP sink.
pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// Same, with a configuration change.
pub async fn spawn_with(adjust: impl FnOnce(&mut signate::config::Config)) -> TestApp {
    TestApp::spawn_with(Backend::Postgres, |c| {
        c.mode = signate::config::Mode::Cloud;
        c.cloud.jwt_secret = "test-secret-0123456789abcdef-0123456789".into();
        c.cloud.secrets_key = "5a".repeat(32);
        c.cloud.base_domain = "signate.test".into();
        c.cloud.public_url = "https://signate.test".into();
        c.smtp.host =
            std::env::var("SIGNATE_TEST_SMTP_HOST").unwrap_or_else(|_| "127.0.0.1".into());
        c.smtp.port = std::env::var("SIGNATE_TEST_SMTP_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(51025);
        c.smtp.tls = signate::config::SmtpTls::None;
        c.smtp.from = "Signate <no-reply@signate.test>".into();
        adjust(c);
    })
    .await
}

/// A unique address per test run, so parallel tests read only their own mail.
pub fn address(who: &str) -> String {
    format!(
        "{who}-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// A signed-up tenant: its first admin's tokens and ids.
pub struct Account {
    pub email: String,
    pub access: String,
    pub refresh: String,
    pub tenant_id: String,
    pub slug: String,
    pub user_id: String,
}

pub const PASSWORD: &str = "correct horse battery";

/// Signs up a new tenant with its admin.
pub async fn signup(app: &TestApp, slug_hint: &str) -> Account {
    let email = address(slug_hint);
    let slug = format!(
        "{slug_hint}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let (status, body) = status_json(
        app.post_json(
            "/api/v3/auth/signup",
            &json!({ "email": email, "password": PASSWORD, "name": "Ada Admin", "tenant_name": format!("{slug_hint} Inc"), "tenant_slug": slug }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    Account {
        email,
        access: body["access_token"].as_str().unwrap().into(),
        refresh: body["refresh_token"].as_str().unwrap().into(),
        tenant_id: body["tenant"]["id"].as_str().unwrap().into(),
        slug,
        user_id: body["user"]["id"].as_str().unwrap().into(),
    }
}

/// A request with a bearer credential.
pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    bearer: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(bearer);
    if let Some(b) = body {
        req = req.json(&b);
    }
    status_json(req.send().await.expect("request")).await
}

/// Creates an API key with `role` and returns its secret.
pub async fn api_key(app: &TestApp, admin: &str, role: &str) -> String {
    let (s, b) = call(
        app,
        reqwest::Method::POST,
        "/api/v3/api-keys",
        admin,
        Some(json!({ "name": format!("{role} key"), "role": role })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    b["key"].as_str().unwrap().to_string()
}

/// Creates an asset and returns its id.
pub async fn asset(app: &TestApp, bearer: &str, name: &str) -> String {
    let (s, b) = call(
        app,
        reqwest::Method::POST,
        "/api/v3/assets",
        bearer,
        Some(json!({ "name": name, "uri": "https://example.com/a.png", "mimetype": "image" })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_str().unwrap().to_string()
}

/// The messages MailDev holds for `to`, waiting up to 20 s for at least `count`.
pub async fn mail_to(to: &str, count: usize) -> Vec<Value> {
    let base = std::env::var("SIGNATE_TEST_MAILDEV_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:51080".into());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let all: Vec<Value> = reqwest::get(format!("{base}/api/email"))
            .await
            .unwrap_or_else(|e| {
                panic!("MailDev at {base} (scripts/services.sh ensure_maildev): {e}")
            })
            .json()
            .await
            .expect("MailDev JSON");
        let mine: Vec<Value> = all
            .into_iter()
            .filter(|m| {
                m["to"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|a| a["address"] == to))
            })
            .collect();
        if mine.len() >= count || std::time::Instant::now() > deadline {
            return mine;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The `token=` value of the first link in a message's text.
pub fn token_in(mail: &Value) -> String {
    let text = mail["text"].as_str().expect("text part");
    let at = text.find("token=").expect("a link with a token") + "token=".len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// A picture stored for `tenant_id` the way an upload leaves it: the file under the tenant's
/// assets and a row pointing at it, with its size. Returns the row.
pub async fn stored_picture(
    app: &TestApp,
    tenant_id: &str,
    name: &str,
    bytes: &[u8],
) -> signate::db::models::asset::Asset {
    let scope = signate::tenancy::TenantScope::new(tenant_id);
    let mut row = signate::db::models::asset::Asset::new(&scope);
    let file = format!("{}.png", row.asset_id);
    let key = signate::storage::Storage::tenant_key(&scope, &format!("assets/{file}"));
    app.state
        .storage
        .operator()
        .write(&key, bytes.to_vec())
        .await
        .unwrap();
    row.name = Some(name.into());
    row.mimetype = Some("image".into());
    row.uri = Some(format!("/data/assets/{file}"));
    row.file_key = Some(key);
    row.file_size = Some(bytes.len() as i64);
    let (s, r) = (scope.clone(), row.clone());
    app.state
        .db
        .write(&scope, move |c| {
            signate::db::models::asset::insert(c, &s, &r)
        })
        .await
        .unwrap();
    row
}
