//! JSON bodies, query strings and times as API v3 takes and gives them (errors in v3's
//! shape). Served in cloud mode for all of v3, and on a device for its screens routes.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::api::error::ApiError;
use crate::error::Error;

/// JSON bodies and query strings that fail to parse answer in v3's shape, naming the problem.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(256 * 1024)
        .error_handler(|err, _req| {
            let message = match &err {
                actix_web::error::JsonPayloadError::ContentType => {
                    "Send a JSON body with Content-Type: application/json.".to_string()
                }
                actix_web::error::JsonPayloadError::Overflow { .. }
                | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                    "The JSON body is too large (256 KiB at most).".to_string()
                }
                other => format!("The JSON body is not valid: {other}"),
            };
            ApiError(Error::Invalid {
                field: None,
                message,
            })
            .into()
        })
}

/// A JSON body as v3 takes it: `web::Json`'s limit and messages (see [`json_config`]), then no
/// NUL character anywhere in it (`domain::text`; PostgreSQL cannot store one), naming the
/// field that holds it, then the handler's own type. Every v3 body comes through here.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = body.await?.into_inner();
            let nul = match &value {
                serde_json::Value::Object(map) => crate::domain::text::field_with_nul(map)
                    .map(|f| crate::api::input::nul_in(Some(f))),
                other => crate::domain::text::value_has_nul(other)
                    .then(|| crate::api::input::nul_in(None)),
            };
            if let Some(e) = nul {
                return Err(ApiError(e).into());
            }
            serde_json::from_value(value).map(Json).map_err(|e| {
                ApiError(Error::Invalid {
                    field: None,
                    message: format!("The JSON body is not valid: Json deserialize error: {e}"),
                })
                .into()
            })
        })
    }
}

/// Query strings that fail to parse answer in v3's shape.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError(Error::Invalid {
            field: None,
            message: format!("The query string is not valid: {err}"),
        })
        .into()
    })
}

/// Answers unknown v3 paths in v3's shape.
pub async fn unknown_v3(req: HttpRequest) -> HttpResponse {
    let docs = if req
        .app_data::<web::Data<crate::app::AppState>>()
        .is_some_and(|s| s.device_tenant.is_some())
    {
        "on a device API v3 serves screens and groups only; the device's API is v1–v2 at /api/v2/"
    } else {
        "see /api/v3/docs"
    };
    ApiError(Error::NotFound(format!(
        "No such API v3 endpoint: {} {} ({docs}).",
        req.method(),
        req.path()
    )))
    .error_response()
}

/// Times as clients see them: ISO 8601 in UTC.
pub fn iso(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
