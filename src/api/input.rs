//! The rule every request's text meets before a handler sees it: no NUL character
//! (`domain::text`). Bodies are judged where they are parsed (`legacy::body` for the Anthias
//! API, `v3::Json` for v3); the address is judged here, once for every route, because actix
//! decodes `%00` in a path or query string into a real NUL that would otherwise reach a query
//! (PostgreSQL then fails the statement: a 500).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

use crate::api::error::{ApiError, LegacyError};
use crate::domain::text;
use crate::error::Error;

/// v3's words for a field holding a NUL character.
pub fn nul_in(field: Option<&str>) -> Error {
    match field {
        Some(field) => Error::invalid(
            field,
            format!("{field} may not contain a NUL character (U+0000)."),
        ),
        None => Error::Invalid {
            field: None,
            message: "The body may not contain a NUL character (U+0000).".into(),
        },
    }
}

/// Whether the request is API v3's, which answers in its own error shape.
fn is_v3(path: &str) -> bool {
    path == "/api/v3" || path.starts_with("/api/v3/")
}

/// The answer to an address holding a NUL, if it does: no resource is named with one (404); a
/// query parameter is a field like any other (400 naming it).
fn judge(req: &ServiceRequest) -> Option<HttpResponse> {
    let raw_path = req.uri().path();
    let v3 = is_v3(raw_path);
    if raw_path.contains("%00") {
        return Some(if v3 {
            ApiError(Error::NotFound(
                "Nothing here is named with a NUL character.".into(),
            ))
            .error_response()
        } else {
            LegacyError::detail(404, "Not found.").error_response()
        });
    }
    let query = req.query_string();
    if !query.contains("%00") {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let param = text::pair_with_nul(&pairs)?;
    Some(if v3 {
        ApiError(nul_in(Some(param))).error_response()
    } else {
        LegacyError::fields_one(param, crate::api::legacy::fields::NO_NUL).error_response()
    })
}

/// Middleware: refuses an address with a NUL character before routing.
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(answer) = judge(&req) {
        return Ok(req.into_response(answer).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
