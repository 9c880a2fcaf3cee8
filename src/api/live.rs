//! `GET /api/events`: a Server-Sent Events stream of what changes (assets, settings, player
//! commands), so an open UI updates without reloading. Comments every 15 s keep proxies from
//! closing an idle stream.

use std::time::Duration;

use actix_web::HttpResponse;
use bytes::Bytes;
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;

use crate::api::extract::Device;
use crate::events::Event;

fn message(event: &Event) -> Bytes {
    let name = event.name();
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

/// `GET /api/events`
pub async fn events(dev: Device) -> HttpResponse {
    let rx = dev.state.events.subscribe();
    let tenant = dev.scope.id().to_string();
    let ping = tokio::time::interval(Duration::from_secs(15));
    let first = Bytes::from_static(b"retry: 3000\n: connected\n\n");
    let body = stream::unfold(
        (rx, ping, tenant, Some(first)),
        |(mut rx, mut ping, tenant, first)| async move {
            if let Some(first) = first {
                return Some((Ok::<_, actix_web::Error>(first), (rx, ping, tenant, None)));
            }
            loop {
                tokio::select! {
                    _ = ping.tick() => {
                        return Some((Ok(Bytes::from_static(b": ping\n\n")), (rx, ping, tenant, None)));
                    }
                    event = rx.recv() => match event {
                        Ok(e) if e.tenant_id() == tenant => {
                            return Some((Ok(message(&e)), (rx, ping, tenant, None)));
                        }
                        Ok(_) => {}
                        // Missed events: tell the page to reload everything.
                        Err(RecvError::Lagged(_)) => {
                            let resync = Bytes::from_static(b"event: resync\ndata: {}\n\n");
                            return Some((Ok(resync), (rx, ping, tenant, None)));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        },
    );
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}
