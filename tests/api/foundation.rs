//! Health probes, request ids, the embedded front end, first-start bootstrap.

use crate::backend_tests;
use crate::helpers::TestApp;

async fn healthz_answers_with_request_id_and_timing(app: TestApp) {
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "generated ids are uuid hex: {id}");
    let timing = res.headers()["x-response-time"].to_str().unwrap();
    assert!(timing.ends_with("ms"), "{timing}");
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );

    let res = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc-123");
}

async fn readyz_reports_database_and_storage(app: TestApp) {
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["storage"], "ok");

    // Take the storage away: the probe must say so, and name it.
    std::fs::remove_dir_all(app.config.storage_root()).unwrap();
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], "ok");
    assert!(
        body["checks"]["storage"]
            .as_str()
            .unwrap()
            .starts_with("down"),
        "{body}"
    );
}

async fn serves_embedded_ui_with_cache_headers_and_spa_fallback(app: TestApp) {
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(res.text().await.unwrap().contains("Signate"));

    let res = app
        .client
        .get(app.url("/"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    // A client-side route gets the app; a missing file does not.
    let res = app.get("/settings/display").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("<html"));
    assert_eq!(app.get("/missing.js").await.status(), 404);

    // Unknown API paths never get the app: upstream answers Django's HTML 404 page.
    let res = app.get("/api/v9/nothing").await;
    assert_eq!(res.status(), 404);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("<h1>Not Found</h1>") && !body.contains("Signate"),
        "{body}"
    );
}

async fn default_tenant_is_created_once(app: TestApp) {
    let first = app.tenant();
    let again = signate::tenancy::ensure_default(&app.state.db)
        .await
        .unwrap();
    assert_eq!(first, again);
    // A second server on the same database finds the same tenant.
    let mut config = app.config.clone();
    config.listen = "127.0.0.1:0".parse().unwrap();
    let second = signate::app::start(config).await.unwrap();
    assert_eq!(second.state.device_tenant.as_ref(), Some(&first));
}

backend_tests!(
    healthz_answers_with_request_id_and_timing,
    readyz_reports_database_and_storage,
    serves_embedded_ui_with_cache_headers_and_spa_fallback,
    default_tenant_is_created_once,
);

#[tokio::test]
async fn readyz_checks_s3_for_real() {
    use crate::helpers::{Backend, s3_endpoint};
    let app = TestApp::spawn_s3(Backend::Sqlite).await;
    let body = app.get_json("/readyz", 200).await;
    assert_eq!(body["checks"]["storage"], "ok");
    // A wrong secret is noticed by the S3 server (s3s-fs checks signatures).
    let bad = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.storage.backend = signate::config::StorageBackend::S3;
        c.storage.s3.bucket = "signate-test".into();
        c.storage.s3.endpoint = s3_endpoint();
        c.storage.s3.access_key_id = "testkey".into();
        c.storage.s3.secret_access_key = "wrong-secret".into();
    })
    .await;
    let res = bad.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["checks"]["storage"]
            .as_str()
            .unwrap()
            .starts_with("down"),
        "{body}"
    );
}
