//! `GET /player/ws`: the live channel to a screen. The server pushes commands and "reload"
//! (playlist or settings changed) from the event bus; the screen says what it shows.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::Message;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::Screen;
use crate::api::error::LegacyError;
use crate::events::Event;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FromScreen {
    NowPlaying { asset_id: Option<String> },
}

/// The frame a screen gets for an event of its tenant.
fn frame(event: &Event) -> String {
    match event {
        Event::ViewerCommand { command, .. } if command == "reload" => json!({"type": "reload"}),
        Event::ViewerCommand { command, .. } => json!({"type": "command", "command": command}),
        Event::AssetsChanged { .. } => json!({"type": "reload"}),
        Event::SettingsChanged { .. } => json!({"type": "settings"}),
    }
    .to_string()
}

/// The frame for `event`; an `asset&<id>` command carries the asset itself, so the screen can
/// show it even when it is not in its playlist (disabled or undated), as Anthias does.
async fn with_asset(state: &crate::app::AppState, tenant: &str, event: &Event) -> String {
    let Event::ViewerCommand { command, .. } = event else {
        return frame(event);
    };
    let Some(id) = command.strip_prefix("asset&") else {
        return frame(event);
    };
    let scope = crate::tenancy::TenantScope::new(tenant);
    let found = crate::services::assets::get(&state.ctx(&scope), id)
        .await
        .ok();
    match found.as_ref().and_then(super::playlist::item) {
        Some(item) => json!({"type": "command", "command": command, "asset": item}).to_string(),
        None => frame(event),
    }
}

/// Upgrades to a WebSocket and relays until either side goes away.
pub async fn connect(
    screen: Screen,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, LegacyError> {
    let dev = screen.0;
    // Browsers send an Origin on WebSocket upgrades and do not enforce same-origin on them:
    // only the player page of this server may open the channel.
    if let Some(origin) = req.headers().get("origin").and_then(|v| v.to_str().ok()) {
        let host = req.connection_info().host().to_string();
        if origin.split_once("://").map(|(_, h)| h) != Some(host.as_str()) {
            return Err(LegacyError::detail(
                403,
                "WebSocket from another site refused.",
            ));
        }
    }
    let (response, mut session, mut incoming) = actix_ws::handle(&req, body)
        .map_err(|e| LegacyError::detail(400, format!("WebSocket upgrade failed: {e}")))?;
    let state = dev.state.clone();
    let tenant = dev.scope.id().to_string();
    let mut events = state.events.subscribe();
    actix_web::rt::spawn(async move {
        // Pings keep proxies from closing an idle channel and reveal dead peers.
        let mut ping = tokio::time::interval(Duration::from_secs(20));
        loop {
            tokio::select! {
                event = events.recv() => {
                    let text = match event {
                        Ok(e) if e.tenant_id() == tenant => with_asset(&state, &tenant, &e).await,
                        Ok(_) => continue,
                        // Missed events: a full refetch covers whatever they were.
                        Err(RecvError::Lagged(_)) => json!({"type": "reload"}).to_string(),
                        Err(RecvError::Closed) => break,
                    };
                    if session.text(text).await.is_err() {
                        break;
                    }
                }
                msg = incoming.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        if let Ok(FromScreen::NowPlaying { asset_id }) = serde_json::from_str(&text) {
                            // An id with a NUL names no asset (and PostgreSQL could not look it up).
                            let asset_id = asset_id.filter(|id| {
                                !id.is_empty() && !crate::domain::text::has_nul(id)
                            });
                            state.now_playing.set(&tenant, asset_id);
                        }
                    }
                    Some(Ok(Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            break;
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if session.ping(b"").await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_frames() {
        let t = || "t".to_string();
        let cmd = |c: &str| Event::ViewerCommand {
            tenant_id: t(),
            command: c.into(),
        };
        assert_eq!(
            frame(&cmd("next")),
            r#"{"type":"command","command":"next"}"#
        );
        assert_eq!(
            frame(&cmd("asset&abc")),
            r#"{"type":"command","command":"asset&abc"}"#
        );
        assert_eq!(frame(&cmd("reload")), r#"{"type":"reload"}"#);
        assert_eq!(
            frame(&Event::AssetsChanged {
                tenant_id: t(),
                asset_id: None
            }),
            r#"{"type":"reload"}"#
        );
        assert_eq!(
            frame(&Event::SettingsChanged { tenant_id: t() }),
            r#"{"type":"settings"}"#
        );
    }
}
