//! The v2 OpenAPI document and a docs page that renders it, both served from the binary.

use actix_web::{HttpResponse, get};

const SCHEMA: &str = include_str!("../../openapi/v2.json");
const DOCS: &str = include_str!("../../openapi/docs.html");

/// `GET /api/schema/`: OpenAPI 3 (JSON, which is also valid YAML, so `?format=json` and the
/// upstream default both work).
#[get("/api/schema/")]
pub async fn schema() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-cache"))
        .body(SCHEMA)
}

/// `GET /api/docs/`: readable docs, no CDN.
#[get("/api/docs/")]
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(DOCS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_is_openapi_json() {
        let v: serde_json::Value = serde_json::from_str(super::SCHEMA).unwrap();
        assert_eq!(v["openapi"], "3.0.3");
        assert!(v["paths"]["/api/v2/assets"].is_object());
    }
}
