//! Public share links: `GET /share/{token}` shows one asset to anyone holding the link until
//! it expires; `GET /share/{token}/content` serves its stored file.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::ApiError;
use crate::app::AppState;
use crate::cloud::mail::escape;
use crate::error::Error;
use crate::services::shares::{self, Found};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/share/{token}", web::get().to(page))
        .route("/share/{token}/content", web::get().to(content));
}

fn page_html(status: u16, title: &str, body: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{t} · Signate</title>\
         <style>body{{margin:0;font-family:system-ui,sans-serif;background:#111;color:#eee;\
         display:flex;flex-direction:column;align-items:center;justify-content:center;min-height:100vh}}\
         main{{max-width:96vw;text-align:center}}img,video{{max-width:96vw;max-height:80vh}}\
         iframe{{width:90vw;height:75vh;border:0;background:#fff}}a{{color:#8ab4ff}}</style></head>\
         <body><main><h1>{t}</h1>{body}</main></body></html>",
        t = escape(title)
    );
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        // The page shows one asset; nothing on it runs script.
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; img-src 'self' https: http:; media-src 'self' https: http:; \
             frame-src https: http:; style-src 'unsafe-inline'",
        ))
        .body(html)
}

/// `GET /share/{token}`
async fn page(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    let asset = match shares::find(&state.core, &token).await {
        Found::Live(a) => a,
        Found::Expired => {
            return page_html(
                410,
                "This link has expired",
                "<p>Ask whoever shared it for a new one.</p>",
            );
        }
        Found::Missing => {
            return page_html(
                404,
                "Nothing here",
                "<p>This share link does not exist.</p>",
            );
        }
    };
    let name = asset.name.clone().unwrap_or_default();
    let src = if asset.file_key.is_some() {
        format!("/share/{}/content", escape(&token))
    } else {
        escape(asset.uri.as_deref().unwrap_or(""))
    };
    let mime = asset.mimetype.as_deref().unwrap_or("");
    let body = if mime.contains("image") {
        format!("<img src=\"{src}\" alt=\"{}\">", escape(&name))
    } else if mime.contains("video") {
        format!("<video src=\"{src}\" controls autoplay muted playsinline></video>")
    } else if mime == "webpage" && src.starts_with("http") {
        format!(
            "<iframe src=\"{src}\" sandbox title=\"{}\"></iframe><p><a href=\"{src}\" rel=\"noopener noreferrer\">Open the page</a></p>",
            escape(&name)
        )
    } else {
        format!("<p><a href=\"{src}\" rel=\"noopener noreferrer\">Open</a></p>")
    };
    page_html(200, &name, &body)
}

/// `GET /share/{token}/content`
async fn content(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match shares::find(&state.core, &token).await {
        Found::Live(asset) if asset.file_key.is_some() => {
            match crate::api::media::stored_file(&state.storage, &req, &asset).await {
                Ok(r) => r,
                Err(e) => e.error_response(),
            }
        }
        Found::Expired => {
            ApiError(Error::Gone("This share link has expired.".into())).error_response()
        }
        _ => ApiError(Error::NotFound(
            "No such share link (or no stored file).".into(),
        ))
        .error_response(),
    }
}
