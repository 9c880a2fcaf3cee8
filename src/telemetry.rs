//! Logs through `tracing`, a request id on every request, `X-Response-Time` on every response.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

/// Header that carries the request id in both directions.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Header with the time the server spent on the request.
pub const RESPONSE_TIME: HeaderName = HeaderName::from_static("x-response-time");

/// Installs the global subscriber, writing to stderr (stdout stays for command output). `RUST_LOG`, when set, wins over the configured filter.
pub fn init(filter: &str) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| filter.to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// A caller's id is kept when it is short and printable, so ids can be followed across a load
/// balancer; otherwise a new one is made.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
}

/// Middleware: one span and one log line per request, with id and timing headers.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let id = request_id(&req);
    let span = tracing::info_span!("request", id = %id);
    let method = req.method().clone();
    // A pairing's secret is in its path while it waits to be claimed: never in the log.
    let path = match req.path().split_once("/screens/pair/") {
        Some((head, _)) => format!("{head}/screens/pair/…"),
        None => req.path().to_string(),
    };
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = start.elapsed();
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{:.3}ms", elapsed.as_secs_f64() * 1000.0)) {
        headers.insert(RESPONSE_TIME, v);
    }
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(%method, %path, status, ms = elapsed.as_secs_f64() * 1000.0, "request");
    });
    Ok(res)
}
