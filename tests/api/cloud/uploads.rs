//! A tenant's uploads are judged by their bytes too: text named `.jpg` is refused with the
//! reason, both when it is sent and when parts stored earlier would become an asset through
//! v3, and nothing of it stays in the tenant's storage.

use reqwest::Method;
use serde_json::json;

use super::{call, signup, spawn};
use crate::helpers::status_json;

const REASON: &str = "This file is not a picture or video we can show: it looks like text.";

#[tokio::test]
async fn text_named_as_a_picture_is_refused_through_v3() {
    let app = spawn().await;
    let a = signup(&app, "textjpg").await;
    let text = b"Opening hours: 8 to 18.\nClosed on Sundays.\n".repeat(50);
    let form = reqwest::multipart::Form::new().part(
        "file_upload",
        reqwest::multipart::Part::bytes(text.clone()).file_name("hours.jpg"),
    );
    let res = app
        .client
        .post(app.url("/api/v2/file_asset"))
        .bearer_auth(&a.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (400, json!({ "file_upload": REASON }))
    );

    // Parts already stored under an upload id are judged when they would become an asset.
    let id = "0123456789abcdef0123456789abcdef";
    let dir = format!("tenants/{}/uploads/{id}/", a.tenant_id);
    let op = app.state.storage.operator();
    op.write(&format!("{dir}{:020}", 0), text.clone())
        .await
        .unwrap();
    op.write(&format!("{dir}total"), text.len().to_string())
        .await
        .unwrap();
    let uri = format!("{}/{id}.tmp", app.config.asset_dir());
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/v3/assets",
        &a.access,
        Some(json!({ "name": "Hours", "uri": uri, "ext": ".jpg", "mimetype": "image" })),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["error"]["message"], REASON, "{b}");
    let left: Vec<String> = op
        .list_with(&format!("tenants/{}/", a.tenant_id))
        .recursive(true)
        .await
        .unwrap_or_default()
        .iter()
        .map(|e| e.path().to_string())
        .filter(|p| !p.ends_with('/'))
        .collect();
    assert!(left.is_empty(), "nothing of it is stored: {left:?}");
    let (s, list) = call(&app, Method::GET, "/api/v3/assets", &a.access, None).await;
    assert_eq!((s, &list["items"]), (200, &json!([])), "{list}");
}
