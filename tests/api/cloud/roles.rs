//! Every role against every route: allowed ones succeed, the rest get 403 and change nothing.
//! Invitations through the SMTP sink, member management, API keys, limits, the audit log.

use reqwest::Method;
use serde_json::{Value, json};

use super::{PASSWORD, api_key, asset, call, mail_to, signup, spawn, token_in};
use crate::helpers::status_json;

const ROLES: [&str; 4] = [
    "tenant_admin",
    "content_manager",
    "device_operator",
    "viewer",
];

/// (method, path, body, roles allowed). `{asset}` and `{user}` are filled in per call.
fn routes() -> Vec<(Method, &'static str, Option<Value>, &'static [&'static str])> {
    let all: &'static [&'static str] = &ROLES;
    let content: &'static [&'static str] = &["tenant_admin", "content_manager"];
    let admin: &'static [&'static str] = &["tenant_admin"];
    let devices: &'static [&'static str] = &["tenant_admin", "device_operator"];
    vec![
        (Method::GET, "/api/v3/assets", None, all),
        (Method::GET, "/api/v3/assets/{asset}", None, all),
        (
            Method::POST,
            "/api/v3/assets",
            Some(json!({ "name": "n", "uri": "https://example.com/", "mimetype": "webpage" })),
            content,
        ),
        (
            Method::PATCH,
            "/api/v3/assets/{asset}",
            Some(json!({ "name": "renamed" })),
            content,
        ),
        (
            Method::POST,
            "/api/v3/assets/{asset}/share",
            Some(json!({})),
            content,
        ),
        (
            Method::POST,
            "/api/v3/assets/{asset}/duplicate",
            None,
            content,
        ),
        (Method::GET, "/api/v3/tenants/current", None, all),
        (
            Method::PATCH,
            "/api/v3/tenants/current",
            Some(json!({ "settings": { "k": 1 } })),
            admin,
        ),
        (Method::GET, "/api/v3/tenants/current/secrets", None, admin),
        (
            Method::PUT,
            "/api/v3/tenants/current/secrets/webhook",
            Some(json!({ "value": "s3cr3t" })),
            admin,
        ),
        (Method::GET, "/api/v3/users", None, admin),
        (Method::GET, "/api/v3/users/invitations", None, admin),
        (
            Method::POST,
            "/api/v3/users/invite",
            Some(json!({ "email": "invitee@example.com", "role": "viewer" })),
            admin,
        ),
        (
            Method::PATCH,
            "/api/v3/users/{user}",
            Some(json!({ "permissions": [] })),
            admin,
        ),
        (Method::GET, "/api/v3/api-keys", None, admin),
        (
            Method::POST,
            "/api/v3/api-keys",
            Some(json!({ "name": "k", "role": "viewer" })),
            admin,
        ),
        (Method::GET, "/api/v3/audit-log", None, admin),
        // The Anthias API, driven by API keys.
        (Method::GET, "/api/v2/assets", None, all),
        (
            Method::POST,
            "/api/v2/assets",
            Some(
                json!({ "name": "legacy", "uri": "https://example.com/", "mimetype": "webpage", "start_date": "2026-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "is_enabled": 1, "play_order": 0, "nocache": 0, "skip_asset_check": 1 }),
            ),
            content,
        ),
        (Method::GET, "/api/v2/device_settings", None, devices),
    ]
}

#[tokio::test]
async fn each_role_may_do_exactly_its_permissions() {
    let app = spawn().await;
    let admin = signup(&app, "roles").await;
    for role in ROLES {
        let key = api_key(&app, &admin.access, role).await;
        for (method, path, body, allowed) in routes() {
            // A fresh asset per call, so deletes and renames do not affect the next route.
            let a = asset(&app, &admin.access, &format!("{role} {path}")).await;
            let path = path
                .replace("{asset}", &a)
                .replace("{user}", &admin.user_id);
            let (s, b) = call(&app, method.clone(), &path, &key, body.clone()).await;
            if allowed.contains(&role) {
                assert!((200..300).contains(&s), "{role} {method} {path}: {s} {b}");
            } else {
                assert_eq!(s, 403, "{role} {method} {path}: {b}");
                if path.starts_with("/api/v3") {
                    assert_eq!(b["error"]["code"], "forbidden", "{b}");
                    assert!(
                        b["error"]["message"].as_str().unwrap().contains(role),
                        "{b}"
                    );
                }
            }
        }
        // Deletes last: they need a victim each.
        let a = asset(&app, &admin.access, "victim").await;
        let (s, _) = call(
            &app,
            Method::DELETE,
            &format!("/api/v3/assets/{a}"),
            &key,
            None,
        )
        .await;
        let may = ["tenant_admin", "content_manager"].contains(&role);
        assert_eq!(s, if may { 204 } else { 403 }, "{role} delete");
        let (s, _) = call(
            &app,
            Method::GET,
            &format!("/api/v3/assets/{a}"),
            &admin.access,
            None,
        )
        .await;
        assert_eq!(
            s,
            if may { 404 } else { 200 },
            "{role}: the asset is {}",
            if may { "gone" } else { "kept" }
        );
    }
    // Refused calls changed nothing: only admin-made settings are there.
    let (_, t) = call(
        &app,
        Method::GET,
        "/api/v3/tenants/current",
        &admin.access,
        None,
    )
    .await;
    assert_eq!(t["settings"], json!({ "k": 1 }));
}

#[tokio::test]
async fn invitations_members_and_the_last_admin() {
    let app = spawn().await;
    let admin = signup(&app, "team").await;
    let invitee = super::address("newbie");
    let (s, inv) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &admin.access,
        Some(json!({ "email": invitee, "role": "content_manager" })),
    )
    .await;
    assert_eq!(s, 201, "{inv}");
    let (_, pending) = call(
        &app,
        Method::GET,
        "/api/v3/users/invitations",
        &admin.access,
        None,
    )
    .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    let mails = mail_to(&invitee, 1).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]["subject"].as_str().unwrap().contains("team Inc"),
        "{}",
        mails[0]["subject"]
    );
    assert!(mails[0]["text"].as_str().unwrap().contains(&admin.email));
    let token = token_in(&mails[0]);

    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": token, "password": "short" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (400, Some("password")),
        "{b}"
    );
    let (s, joined) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": token, "password": PASSWORD, "name": "Newbie" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{joined}");
    assert_eq!(joined["role"], "content_manager");
    assert_eq!(joined["tenant"]["id"], admin.tenant_id.as_str());
    let member_token = joined["access_token"].as_str().unwrap().to_string();
    let member_id = joined["user"]["id"].as_str().unwrap().to_string();
    // Used once; the member can create content but not manage users.
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": token, "password": PASSWORD }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 400);
    asset(&app, &member_token, "by member").await;
    assert_eq!(
        call(&app, Method::GET, "/api/v3/users", &member_token, None)
            .await
            .0,
        403
    );

    // An existing account from another tenant accepts with its own password.
    let other = signup(&app, "elsewhere").await;
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &admin.access,
        Some(json!({ "email": other.email, "role": "viewer" })),
    )
    .await;
    assert_eq!(s, 201);
    let mail = mail_to(&other.email, 2)
        .await
        .into_iter()
        .find(|m| m["subject"].as_str().unwrap().contains("invited"))
        .expect("invitation");
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": token_in(&mail), "password": "not the password" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 401);
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": token_in(&mail), "password": PASSWORD }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Login picks a tenant by slug when the account has several.
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/login",
            &json!({ "email": other.email, "password": PASSWORD, "tenant": admin.slug }),
        )
        .await,
    )
    .await;
    assert_eq!((s, b["role"].as_str()), (200, Some("viewer")), "{b}");
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/login",
            &json!({ "email": other.email, "password": PASSWORD, "tenant": "not-mine" }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403, "{b}");

    let (_, users) = call(&app, Method::GET, "/api/v3/users", &admin.access, None).await;
    assert_eq!(users["items"].as_array().unwrap().len(), 3, "{users}");

    // Nobody changes their own role; the last admin cannot leave.
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/users/{}", admin.user_id),
        &admin.access,
        Some(json!({ "role": "viewer" })),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{b}"
    );
    let (s, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v3/users/{}", admin.user_id),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 409);
    // A member's role change and extra permissions take effect on the next request.
    let (s, m) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/users/{member_id}"),
        &admin.access,
        Some(json!({ "role": "viewer", "permissions": ["users.view"] })),
    )
    .await;
    assert_eq!((s, m["role"].as_str()), (200, Some("viewer")), "{m}");
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/api/v3/assets",
            &member_token,
            Some(json!({ "name": "n", "uri": "https://e.com/", "mimetype": "webpage" }))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(&app, Method::GET, "/api/v3/users", &member_token, None)
            .await
            .0,
        200
    );
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/users/{member_id}"),
        &admin.access,
        Some(json!({ "permissions": ["everything"] })),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (400, Some("permissions"))
    );
    // Removed: the member's token stops working at once.
    let (s, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v3/users/{member_id}"),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = call(&app, Method::GET, "/api/v3/assets", &member_token, None).await;
    assert!(s == 401 || s == 403, "{s}");

    let (_, log) = call(
        &app,
        Method::GET,
        "/api/v3/audit-log?limit=200",
        &admin.access,
        None,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "user.invited",
        "user.joined",
        "user.role_changed",
        "user.removed",
        "asset.created",
        "tenant.created",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let joined_entry = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.joined")
        .unwrap();
    assert_eq!(joined_entry["actor_type"], "user");
    assert_eq!(joined_entry["ip"], "127.0.0.1");
}

#[tokio::test]
async fn user_limit_is_enforced_with_a_clear_error() {
    let app = spawn().await;
    let admin = signup(&app, "small").await;
    let id = admin.tenant_id.clone();
    app.state
        .db
        .system(move |c| {
            use diesel::prelude::*;
            use signate::db::schema::tenants;
            diesel::update(tenants::table.find(id))
                .set(tenants::max_users.eq(2))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &admin.access,
        Some(json!({ "email": super::address("one"), "role": "viewer" })),
    )
    .await;
    assert_eq!(s, 201);
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &admin.access,
        Some(json!({ "email": super::address("two"), "role": "viewer" })),
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
            .contains("max_users"),
        "{b}"
    );
    let (_, pending) = call(
        &app,
        Method::GET,
        "/api/v3/users/invitations",
        &admin.access,
        None,
    )
    .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn api_keys_are_shown_once_and_revocable() {
    let app = spawn().await;
    let admin = signup(&app, "keys").await;
    let (s, created) = call(
        &app,
        Method::POST,
        "/api/v3/api-keys",
        &admin.access,
        Some(json!({ "name": "ci", "role": "content_manager" })),
    )
    .await;
    assert_eq!(s, 201);
    let secret = created["key"].as_str().unwrap().to_string();
    assert!(secret.starts_with("sgk_") && secret.starts_with(created["prefix"].as_str().unwrap()));
    let (_, list) = call(&app, Method::GET, "/api/v3/api-keys", &admin.access, None).await;
    let text = list.to_string();
    assert!(!text.contains(&secret), "the secret must not be listed");
    assert_eq!(list["items"][0]["name"], "ci");
    assert_eq!(
        call(&app, Method::GET, "/api/v3/assets", &secret, None)
            .await
            .0,
        200
    );
    let (_, me) = call(&app, Method::GET, "/api/v3/auth/me", &secret, None).await;
    assert_eq!(
        (me["api_key"]["name"].as_str(), me["role"].as_str()),
        (Some("ci"), Some("content_manager"))
    );
    for (body, field) in [
        (json!({ "role": "viewer" }), "name"),
        (json!({ "name": "x", "role": "root" }), "role"),
    ] {
        let (s, b) = call(
            &app,
            Method::POST,
            "/api/v3/api-keys",
            &admin.access,
            Some(body),
        )
        .await;
        assert_eq!((s, b["error"]["field"].as_str()), (400, Some(field)));
    }
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v3/api-keys/{id}"),
            &admin.access,
            None
        )
        .await
        .0,
        204
    );
    let (s, b) = call(&app, Method::GET, "/api/v3/assets", &secret, None).await;
    assert_eq!(s, 401, "{b}");
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v3/api-keys/{id}"),
            &admin.access,
            None
        )
        .await
        .0,
        404
    );
}
