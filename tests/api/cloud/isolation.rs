//! Two tenants with data. Everything tenant A can send with tenant B's ids, slugs, share
//! tokens and keys answers 404 or 403 and changes nothing of B's; PostgreSQL with no tenant
//! set shows no rows of any tenant table.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use signate::db::AnyConnection;

use super::{api_key, asset, call, signup, spawn};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn snapshot(app: &crate::helpers::TestApp, bearer: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        "/api/v3/assets?limit=200",
        "/api/v3/users",
        "/api/v3/api-keys",
        "/api/v3/tenants/current",
        "/api/v3/tenants/current/secrets",
        "/api/v3/users/invitations",
    ] {
        let (s, mut b) = call(app, Method::GET, path, bearer, None).await;
        assert_eq!(s, 200, "{path}: {b}");
        if let Some(items) = b["items"].as_array_mut() {
            for i in items {
                // Clock-dependent or touched-by-use fields.
                if let Some(o) = i.as_object_mut() {
                    o.remove("is_active");
                    o.remove("last_used_at");
                }
            }
        }
        out.push(b);
    }
    out
}

#[tokio::test]
async fn tenant_a_cannot_reach_tenant_b() {
    let app = spawn().await;
    let a = signup(&app, "alpha").await;
    let b = signup(&app, "beta").await;
    let a_key = api_key(&app, &a.access, "tenant_admin").await;
    let b_key = api_key(&app, &b.access, "tenant_admin").await;
    let b_asset = asset(&app, &b.access, "B's poster").await;
    asset(&app, &a.access, "A's poster").await;
    let (_, share) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{b_asset}/share"),
        &b.access,
        Some(json!({})),
    )
    .await;
    let b_share = share["share_token"].as_str().unwrap().to_string();
    let (_, keys) = call(&app, Method::GET, "/api/v3/api-keys", &b.access, None).await;
    let b_key_id = keys["items"][0]["id"].as_str().unwrap().to_string();
    call(
        &app,
        Method::PUT,
        "/api/v3/tenants/current/secrets/stripe",
        &b.access,
        Some(json!({ "value": "sk_b_secret" })),
    )
    .await;
    let (_, inv) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &b.access,
        Some(json!({ "email": super::address("b-invitee"), "role": "viewer" })),
    )
    .await;
    let b_invitation = inv["id"].as_str().unwrap().to_string();
    let before = snapshot(&app, &b.access).await;

    let attempts: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v3/assets/{b_asset}"), None),
        (
            Method::PATCH,
            format!("/api/v3/assets/{b_asset}"),
            Some(json!({ "name": "pwned" })),
        ),
        (Method::DELETE, format!("/api/v3/assets/{b_asset}"), None),
        (
            Method::POST,
            format!("/api/v3/assets/{b_asset}/share"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v3/assets/{b_asset}/duplicate"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v3/users/{}", b.user_id),
            Some(json!({ "role": "viewer" })),
        ),
        (Method::DELETE, format!("/api/v3/users/{}", b.user_id), None),
        (Method::DELETE, format!("/api/v3/api-keys/{b_key_id}"), None),
        (
            Method::DELETE,
            format!("/api/v3/users/{b_invitation}"),
            None,
        ),
        (
            Method::DELETE,
            "/api/v3/tenants/current/secrets/stripe".into(),
            None,
        ),
        (Method::GET, format!("/api/v2/assets/{b_asset}"), None),
        (
            Method::PUT,
            format!("/api/v2/assets/{b_asset}"),
            Some(json!({ "name": "pwned" })),
        ),
        (
            Method::PATCH,
            format!("/api/v2/assets/{b_asset}"),
            Some(json!({ "name": "pwned" })),
        ),
        (Method::DELETE, format!("/api/v2/assets/{b_asset}"), None),
        (Method::DELETE, format!("/api/v1/assets/{b_asset}"), None),
        (Method::GET, format!("/api/v1.2/assets/{b_asset}"), None),
    ];
    for cred in [&a.access, &a_key] {
        for (method, path, body) in &attempts {
            let (s, r) = call(&app, method.clone(), path, cred, body.clone()).await;
            assert!(
                s == 404 || s == 403,
                "{method} {path} with A's credential: {s} {r}"
            );
        }
        // Naming B while holding A's credential.
        for header in [b.slug.as_str(), b.tenant_id.as_str()] {
            for path in ["/api/v3/assets", "/api/v3/users", "/api/v2/assets"] {
                let res = app
                    .client
                    .get(app.url(path))
                    .header("X-Tenant-ID", header)
                    .bearer_auth(cred)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 403, "{path} naming {header}");
            }
        }
        // A's lists show none of B's things.
        let (_, list) = call(&app, Method::GET, "/api/v3/assets?limit=200", cred, None).await;
        assert!(!list.to_string().contains(&b_asset));
        let (_, log) = call(
            &app,
            Method::GET,
            &format!("/api/v3/audit-log?object_id={b_asset}"),
            cred,
            None,
        )
        .await;
        assert_eq!(log["items"], json!([]));
        let (_, legacy) = call(&app, Method::GET, "/api/v2/assets", cred, None).await;
        assert!(!legacy.to_string().contains(&b_asset));
    }
    // B's key works for B only; B's share link shows B's asset to anyone, and nothing else.
    let (s, _) = call(
        &app,
        Method::GET,
        &format!("/api/v3/assets/{b_asset}"),
        &b_key,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let res = app
        .client
        .get(app.url(&format!("/api/v3/assets?x={b_share}")))
        .bearer_auth(&b_share)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a share token is not a credential");
    // Refresh tokens and invitation tokens of B do not open A.
    let (s, _) = crate::helpers::status_json(
        app.post_json("/api/v3/auth/refresh", &json!({ "refresh_token": b_share }))
            .await,
    )
    .await;
    assert_eq!(s, 401);

    assert_eq!(snapshot(&app, &b.access).await, before, "B's data changed");

    // With no tenant set, the app role sees no row of any tenant table.
    let mut conn = app.state.db.conn().unwrap();
    let AnyConnection::Postgresql(pg) = &mut *conn else {
        panic!("postgres")
    };
    for table in [
        "assets",
        "settings",
        "play_events",
        "memberships",
        "auth_sessions",
        "refresh_tokens",
        "api_keys",
        "invitations",
        "user_tokens",
        "shares",
        "audit_log",
        "tenant_secrets",
        "users",
    ] {
        let c: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result(pg)
            .unwrap();
        assert_eq!(c.n, 0, "{table} shows rows without a tenant");
    }
    // The secrets are sealed at rest: the table holds no plaintext.
    let mut owner =
        diesel::PgConnection::establish(&app.config.database_url.clone().unwrap()).unwrap();
    #[derive(QueryableByName)]
    struct Sealed {
        #[diesel(sql_type = diesel::sql_types::Text)]
        ciphertext: String,
    }
    // The test database's owner is a superuser, which row-level security does not bind.
    let rows: Vec<Sealed> = diesel::sql_query("SELECT ciphertext FROM tenant_secrets")
        .load(&mut owner)
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].ciphertext.contains("sk_b_secret"));
}

#[tokio::test]
async fn share_links_are_public_until_they_expire() {
    let app = spawn().await;
    let a = signup(&app, "share").await;
    let id = asset(&app, &a.access, "Lobby <poster>").await;
    let (s, share) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{id}/share"),
        &a.access,
        Some(json!({ "expires_in_hours": 1 })),
    )
    .await;
    assert_eq!(s, 201, "{share}");
    let token = share["share_token"].as_str().unwrap();
    assert_eq!(
        share["share_url"],
        format!("https://signate.test/share/{token}")
    );
    let res = app.get(&format!("/share/{token}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Lobby &lt;poster&gt;") && !html.contains("<poster>"),
        "{html}"
    );
    assert!(html.contains("https://example.com/a.png"));
    assert_eq!(app.get("/share/not-a-token").await.status(), 404);
    let (s, b) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{id}/share"),
        &a.access,
        Some(json!({ "expires_in_hours": 10000 })),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (400, Some("expires_in_hours"))
    );
    // Expired: 410.
    let hash = signate::cloud::tokens::hash(token);
    let scope = signate::tenancy::TenantScope::new(a.tenant_id.clone());
    app.state
        .db
        .write(&scope, move |c| {
            use signate::db::schema::shares;
            diesel::update(shares::table.find(hash))
                .set(
                    shares::expires_at
                        .eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)),
                )
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(app.get(&format!("/share/{token}")).await.status(), 410);
    // Deleting the asset ends its links.
    let (_, share) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{id}/share"),
        &a.access,
        Some(json!({})),
    )
    .await;
    let token = share["share_token"].as_str().unwrap();
    assert_eq!(app.get(&format!("/share/{token}")).await.status(), 200);
    call(
        &app,
        Method::DELETE,
        &format!("/api/v3/assets/{id}"),
        &a.access,
        None,
    )
    .await;
    assert_eq!(app.get(&format!("/share/{token}")).await.status(), 404);
}

#[tokio::test]
async fn a_shared_upload_serves_its_file_to_anyone_with_the_link() {
    let app = spawn().await;
    let a = signup(&app, "sharefile").await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([9u8; 300]);
    let row = super::stored_picture(&app, &a.tenant_id, "Flyer", &png).await;
    let (status, share) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{}/share", row.asset_id),
        &a.access,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 201, "{share}");
    let token = share["share_token"].as_str().unwrap();
    let page = app
        .get(&format!("/share/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/share/{token}/content")), "{page}");
    let res = app.get(&format!("/share/{token}/content")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    let res = app
        .client
        .get(app.url(&format!("/share/{token}/content")))
        .header("Range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(app.get("/share/nope/content").await.status(), 404);
}
