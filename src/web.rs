//! The embedded front end: whatever the front-end build put in `web-dist/`, served with its
//! content type, an ETag and cache headers, and `index.html` for client-side routes.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web-dist/"]
struct Dist;

/// Django's own 404 page, which upstream answers for every `/api/` path it has no route for
/// (API paths there have no trailing slash, so `/api/v2/assets/` is one of them).
const DJANGO_NOT_FOUND: &str = "
<!doctype html>
<html lang=\"en\">
<head>
  <title>Not Found</title>
</head>
<body>
  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>
</body>
</html>
";

/// Serves `web-dist/`; unknown paths without a file extension get `index.html` (SPA routes).
/// Unknown API paths never get the app: API v3 (ours) answers a JSON 404, the rest of `/api/`
/// (the Anthias surface) Django's HTML 404.
///
/// This is also the application's default service: a request no route took ends here, which
/// includes a known path asked with a method its route does not answer (actix's `web::get()`
/// routes fall through on `TRACE`). So only `GET` and `HEAD` are served; anything else is a
/// 405, never the web app with a 200.
pub async fn serve(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    if path == "api/v3" || path.starts_with("api/v3/") {
        return HttpResponse::NotFound().json(serde_json::json!({ "detail": "Not found." }));
    }
    if path == "api" || path.starts_with("api/") {
        return HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body(DJANGO_NOT_FOUND);
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .content_type("text/plain; charset=utf-8")
            .body("Method not allowed");
    }
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(file) = Dist::get(path) {
        return respond(&req, path, file);
    }
    // A directory: its own index (e.g. `/player/`).
    if path.ends_with('/') {
        let index = format!("{path}index.html");
        if let Some(file) = Dist::get(&index) {
            return respond(&req, &index, file);
        }
    }
    let last = path.rsplit('/').next().unwrap_or(path);
    if !last.contains('.')
        && let Some(file) = Dist::get("index.html")
    {
        return respond(&req, "index.html", file);
    }
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("Not found")
}

/// Whether the client already has the version `etag` names (`If-None-Match`).
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

fn respond(req: &HttpRequest, path: &str, file: rust_embed::EmbeddedFile) -> HttpResponse {
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let fresh = not_modified(req, &etag);
    // Vite puts content-hashed bundles under assets/: they never change under one name.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut res = if fresh {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok()
            .content_type(file.metadata.mimetype())
            .body(file.data.into_owned())
    };
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
