//! What a tenant's own members and keys must not be able to do: reach the host through the
//! Anthias routes (however the path is spelt), store addresses screens would run as script,
//! hand out more than they hold, or out-guess the sign-in limit by sending guesses at once.

use reqwest::Method;
use serde_json::json;

use super::{PASSWORD, api_key, asset, call, signup, spawn, spawn_with};
use crate::helpers::status_json;

#[tokio::test]
async fn legacy_routes_follow_the_route_not_the_spelling() {
    let app = spawn().await;
    let admin = signup(&app, "legacy").await;
    let cm = api_key(&app, &admin.access, "content_manager").await;
    let viewer = api_key(&app, &admin.access, "viewer").await;
    let admin_key = api_key(&app, &admin.access, "tenant_admin").await;
    let a = asset(&app, &admin.access, "shown").await;
    // Percent-encoded device routes are the same routes, with the same permission.
    let (s, b) = call(
        &app,
        Method::PATCH,
        "/api/v2/device%5Fsettings",
        &cm,
        Some(json!({ "player_name": "x" })),
    )
    .await;
    assert_eq!(s, 403, "{b}");
    let (s, _) = call(
        &app,
        Method::GET,
        &format!("/api/v1/assets/%63ontrol/asset&{a}"),
        &viewer,
        None,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = call(&app, Method::POST, "/api/v1/rec%6Fver", &cm, None).await;
    assert_eq!(s, 403);
    // Routes that act on the server itself are not a tenant's, whatever its role.
    for (method, path) in [
        (Method::POST, "/api/v1/reboot"),
        (Method::POST, "/api/v1/shutdown"),
        (Method::POST, "/api/v1/re%62oot"),
        (Method::GET, "/api/v1/info"),
        (Method::GET, "/api/v1/%69nfo"),
        (Method::POST, "/api/v2/display/off"),
        (Method::GET, "/api/v2/network/ip-addresses"),
    ] {
        let (s, b) = call(&app, method.clone(), path, &admin_key, None).await;
        assert_eq!(s, 404, "{method} {path}: {b}");
    }
    // Device settings are the tenant's, for those who manage devices.
    let (s, b) = call(
        &app,
        Method::PATCH,
        "/api/v2/device_settings",
        &admin_key,
        Some(json!({ "player_name": "Lobby" })),
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn addresses_must_suit_their_type() {
    let app = spawn().await;
    let admin = signup(&app, "uri").await;
    for uri in [
        "javascript://x/%0aalert(1)",
        "file:///etc/passwd",
        "data://x/text/html,<script>1</script>",
    ] {
        let (s, b) = call(
            &app,
            Method::POST,
            "/api/v3/assets",
            &admin.access,
            Some(json!({ "name": "s", "uri": uri, "mimetype": "streaming" })),
        )
        .await;
        assert_eq!(
            (s, b["error"]["field"].as_str()),
            (400, Some("uri")),
            "{uri}: {b}"
        );
    }
    let (s, _) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &admin.access,
        Some(json!({ "name": "cam", "uri": "rtsp://192.0.2.1/live", "mimetype": "streaming" })),
    )
    .await;
    assert_eq!(s, 201);
    // A stream address cannot become a web page by changing the type alone.
    let (_, cam) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &admin.access,
        Some(json!({ "name": "cam2", "uri": "rtmp://192.0.2.1/live", "mimetype": "streaming" })),
    )
    .await;
    let id = cam["id"].as_str().unwrap();
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/assets/{id}"),
        &admin.access,
        Some(json!({ "mimetype": "webpage" })),
    )
    .await;
    assert_eq!((s, b["error"]["field"].as_str()), (400, Some("uri")), "{b}");
    let page = asset(&app, &admin.access, "page").await;
    let (s, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/assets/{page}"),
        &admin.access,
        Some(json!({ "uri": "javascript:alert(1)" })),
    )
    .await;
    assert_eq!(s, 400);
    let (_, kept) = call(
        &app,
        Method::GET,
        &format!("/api/v3/assets/{page}"),
        &admin.access,
        None,
    )
    .await;
    assert_eq!(kept["uri"], "https://example.com/a.png");
}

#[tokio::test]
async fn nobody_grants_more_than_they_hold() {
    let app = spawn().await;
    let admin = signup(&app, "esc").await;
    // A content manager trusted with user and key management on top.
    let email = super::address("cm");
    let (_, inv) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &admin.access,
        Some(json!({ "email": email, "role": "content_manager" })),
    )
    .await;
    assert!(inv["id"].is_string());
    let mail = super::mail_to(&email, 1).await;
    let (_, joined) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": super::token_in(&mail[0]), "password": PASSWORD }),
        )
        .await,
    )
    .await;
    let cm_id = joined["user"]["id"].as_str().unwrap().to_string();
    let (s, _) = call(&app, Method::PATCH, &format!("/api/v3/users/{cm_id}"), &admin.access, Some(json!({ "permissions": ["users.view", "users.invite", "users.manage", "apikeys.manage"] }))).await;
    assert_eq!(s, 200);
    let cm = joined["access_token"].as_str().unwrap().to_string();

    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/users/{cm_id}"),
        &cm,
        Some(json!({ "role": "tenant_admin" })),
    )
    .await;
    assert_eq!(s, 403, "own role: {b}");
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &cm,
        Some(json!({ "email": super::address("x"), "role": "tenant_admin" })),
    )
    .await;
    assert_eq!(s, 403, "invite an admin: {b}");
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &cm,
        Some(json!({ "email": super::address("x"), "role": "device_operator" })),
    )
    .await;
    assert_eq!(s, 403, "a role with permissions the inviter lacks: {b}");
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/api-keys",
        &cm,
        Some(json!({ "name": "k", "role": "tenant_admin" })),
    )
    .await;
    assert_eq!(s, 403, "an admin key: {b}");
    let (s, b) = call(
        &app,
        Method::DELETE,
        &format!("/api/v3/users/{}", admin.user_id),
        &cm,
        None,
    )
    .await;
    assert_eq!(s, 403, "remove the admin: {b}");
    let (s, b) = call(
        &app,
        Method::PATCH,
        &format!("/api/v3/users/{}", admin.user_id),
        &cm,
        Some(json!({ "role": "viewer" })),
    )
    .await;
    assert_eq!(s, 403, "demote the admin: {b}");
    // Within what they hold, they may act.
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &cm,
        Some(json!({ "email": super::address("y"), "role": "viewer" })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/api-keys",
        &cm,
        Some(json!({ "name": "cms", "role": "content_manager" })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    // The admin is still the admin.
    let (_, me) = call(&app, Method::GET, "/api/v3/auth/me", &admin.access, None).await;
    assert_eq!(me["role"], "tenant_admin");
}

#[tokio::test]
async fn simultaneous_guesses_do_not_pass_the_limit() {
    let app = spawn_with(|c| c.cloud.login_failures_allowed = 3).await;
    let acct = signup(&app, "burst").await;
    let guesses = (0..12).map(|i| {
        let (app, email) = (&app, acct.email.clone());
        async move {
            let body = json!({ "email": email, "password": format!("guess number {i}") });
            app.post_json("/api/v3/auth/login", &body)
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (3, 9), "{statuses:?}");
}

#[tokio::test]
async fn addresses_come_from_trusted_proxies_only() {
    let app = spawn_with(|c| c.cloud.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let acct = signup(&app, "proxy").await;
    let login = |forwarded: &'static str| {
        let app = &app;
        let email = acct.email.clone();
        async move {
            app.client
                .post(app.url("/api/v3/auth/login"))
                .header("X-Forwarded-For", forwarded)
                .json(&json!({ "email": email, "password": PASSWORD }))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The client wrote the first address; the proxy appended the second, which is the one.
    assert_eq!(login("10.9.9.9, 198.51.100.7").await, 200);
    let (_, log) = call(
        &app,
        Method::GET,
        "/api/v3/audit-log?action=auth.login",
        &acct.access,
        None,
    )
    .await;
    assert_eq!(log["items"][0]["ip"], "198.51.100.7", "{log}");
}

#[tokio::test]
async fn share_links_and_invitations_can_be_withdrawn() {
    let app = spawn().await;
    let admin = signup(&app, "withdraw").await;
    let a = asset(&app, &admin.access, "poster").await;
    let (_, share) = call(
        &app,
        Method::POST,
        &format!("/api/v3/assets/{a}/share"),
        &admin.access,
        Some(json!({})),
    )
    .await;
    let token = share["share_token"].as_str().unwrap();
    assert_eq!(app.get(&format!("/share/{token}")).await.status(), 200);
    let (s, b) = call(
        &app,
        Method::DELETE,
        &format!("/api/v3/assets/{a}/shares"),
        &admin.access,
        None,
    )
    .await;
    assert_eq!((s, b["revoked"].as_u64()), (200, Some(1)));
    assert_eq!(app.get(&format!("/share/{token}")).await.status(), 404);

    let email = super::address("late");
    let (_, inv) = call(
        &app,
        Method::POST,
        "/api/v3/users/invite",
        &admin.access,
        Some(json!({ "email": email, "role": "viewer" })),
    )
    .await;
    let id = inv["id"].as_str().unwrap();
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v3/users/invitations/{id}"),
            &admin.access,
            None
        )
        .await
        .0,
        204
    );
    let mail = super::mail_to(&email, 1).await;
    let (s, _) = status_json(
        app.post_json(
            "/api/v3/auth/accept-invite",
            &json!({ "token": super::token_in(&mail[0]), "password": PASSWORD }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v3/users/invitations/{id}"),
            &admin.access,
            None
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn the_media_cookie_opens_reads_of_media_only() {
    let app = spawn().await;
    let acct = signup(&app, "cookie").await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([1u8; 100]);
    let row = super::stored_picture(&app, &acct.tenant_id, "p", &png).await;

    let media = format!("/media/{}", row.asset_id);
    assert_eq!(
        app.get(&media).await.status(),
        401,
        "no credentials: a screen to pair, or a client to sign in"
    );
    let res = app
        .client
        .post(app.url("/api/v3/auth/media-cookie"))
        .bearer_auth(&acct.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let with_cookie = |method: Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header("Cookie", cookie.clone())
            .send()
    };
    let res = with_cookie(Method::GET, &media).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    // Nothing else takes it: not the API, not a write.
    assert_eq!(
        with_cookie(Method::GET, "/api/v3/assets")
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        with_cookie(Method::GET, "/api/v2/assets")
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        with_cookie(Method::DELETE, &format!("/api/v2/assets/{}", row.asset_id))
            .await
            .unwrap()
            .status(),
        400
    );
    // An API key cannot be put in it; signing out ends it.
    let key = api_key(&app, &acct.access, "viewer").await;
    let res = app
        .client
        .post(app.url("/api/v3/auth/media-cookie"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Nor does a key planted in it by hand (a sibling subdomain can set cookies) count.
    let planted = app
        .client
        .get(app.url(&media))
        .header("Cookie", format!("signate_media={key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        planted.status(),
        400,
        "a key in the cookie is not a credential"
    );
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/api/v3/auth/logout",
            &acct.access,
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        with_cookie(Method::GET, &media).await.unwrap().status(),
        401
    );
}

#[tokio::test]
async fn text_with_nul_is_refused_naming_the_field() {
    // PostgreSQL cannot store U+0000 in text; each of these was a 500 (some without
    // credentials). Refused before any work, with the field named.
    let app = spawn().await;
    let field = |b: &serde_json::Value| b["error"]["field"].as_str().map(str::to_string);
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/login",
            &json!({ "email": "a\u{0}@example.com", "password": "x" }),
        )
        .await,
    )
    .await;
    assert_eq!((s, field(&b)), (400, Some("email".into())), "{b}");
    assert_eq!(b["error"]["code"], "invalid");
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/signup",
            &json!({ "email": super::address("nul"), "password": PASSWORD, "name": "N", "tenant_name": "Bad\u{0}Inc" }),
        )
        .await,
    )
    .await;
    assert_eq!((s, field(&b)), (400, Some("tenant_name".into())), "{b}");
    let (s, b) = status_json(
        app.post_json(
            "/api/v3/auth/forgot-password",
            &json!({ "email": "x\u{0}@example.com" }),
        )
        .await,
    )
    .await;
    assert_eq!((s, field(&b)), (400, Some("email".into())), "{b}");

    let admin = signup(&app, "nul").await;
    let a = asset(&app, &admin.access, "kept").await;
    let key = api_key(&app, &admin.access, "tenant_admin").await;
    for (method, path, body, named) in [
        (
            Method::POST,
            "/api/v3/assets".to_string(),
            json!({ "name": "a\u{0}", "uri": "https://example.com", "mimetype": "webpage" }),
            "name",
        ),
        (
            Method::POST,
            "/api/v3/assets".to_string(),
            json!({ "name": "a", "uri": "https://example.com", "mimetype": "webpage", "metadata": { "deep": { "list": ["ok", "no\u{0}"] } } }),
            "metadata",
        ),
        (
            Method::POST,
            "/api/v3/assets".to_string(),
            json!({ "name": "a", "uri": "https://example.com", "mimetype": "webpage", "metadata": { "k\u{0}": 1 } }),
            "metadata",
        ),
        (
            Method::PATCH,
            format!("/api/v3/assets/{a}"),
            json!({ "tags": ["fine", "t\u{0}"] }),
            "tags",
        ),
        (
            Method::PATCH,
            "/api/v3/tenants/current".to_string(),
            json!({ "settings": { "timezone": "UTC\u{0}" } }),
            "settings",
        ),
        (
            Method::PATCH,
            "/api/v3/tenants/current".to_string(),
            json!({ "name": "Acme\u{0}" }),
            "name",
        ),
        (
            Method::POST,
            "/api/v3/api-keys".to_string(),
            json!({ "name": "k\u{0}", "role": "viewer" }),
            "name",
        ),
        (
            Method::POST,
            "/api/v3/users/invite".to_string(),
            json!({ "email": "i\u{0}@example.com", "role": "viewer" }),
            "email",
        ),
        (
            Method::POST,
            "/api/v3/assets/order".to_string(),
            json!({ "ids": [a, "x\u{0}"] }),
            "ids",
        ),
        (
            Method::PATCH,
            "/api/v2/device_settings".to_string(),
            json!({ "player_name": "p\u{0}" }),
            "player_name",
        ),
    ] {
        let bearer = if path.starts_with("/api/v2") {
            &key
        } else {
            &admin.access
        };
        let (s, b) = call(&app, method.clone(), &path, bearer, Some(body)).await;
        let named_by = if path.starts_with("/api/v2") {
            b.as_object().and_then(|o| o.keys().next().cloned())
        } else {
            field(&b)
        };
        assert_eq!(
            (s, named_by),
            (400, Some(named.to_string())),
            "{method} {path}: {b}"
        );
    }
    // Query strings name their parameter; an id with a NUL names nothing that exists.
    for (query, named) in [
        ("q=%00", "q"),
        ("tag=a%00", "tag"),
        ("mimetype=%00", "mimetype"),
    ] {
        let (s, b) = call(
            &app,
            Method::GET,
            &format!("/api/v3/assets?{query}"),
            &admin.access,
            None,
        )
        .await;
        assert_eq!(
            (s, field(&b)),
            (400, Some(named.to_string())),
            "{query}: {b}"
        );
    }
    for (method, path) in [
        (Method::GET, "/api/v3/assets/%00"),
        (Method::PATCH, "/api/v3/assets/a%00"),
        (Method::DELETE, "/api/v3/users/%00"),
        (Method::GET, "/api/v2/assets/%00"),
        (Method::GET, "/share/%00"),
    ] {
        let bearer = if path.starts_with("/api/v2") {
            &key
        } else {
            &admin.access
        };
        let (s, b) = call(&app, method.clone(), path, bearer, Some(json!({}))).await;
        assert_eq!(s, 404, "{method} {path}: {b}");
    }
    // Nothing changed.
    let (_, list) = call(&app, Method::GET, "/api/v3/assets", &admin.access, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["tags"], json!([]));
}
