//! `GET /player/ws`: the live channel to a screen. The hub pushes commands and "reload"
//! (playlist or settings changed); the screen says what it shows and, when it is a paired
//! screen, sends heartbeats that keep it `online` (see docs/screens.md).

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use super::Screen;
use super::hub::Frame;
use crate::api::error::LegacyError;
use crate::services::screens::{self, Report};

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FromScreen {
    NowPlaying {
        asset_id: Option<String>,
    },
    Heartbeat {
        resolution: Option<String>,
        player_version: Option<String>,
        #[serde(default)]
        asset_id: Option<String>,
        /// What it could not show and skips; absent from older players.
        #[serde(default)]
        skipped: Option<Vec<crate::domain::screen::Skip>>,
    },
    Ack {},
}

/// Upgrades to a WebSocket and relays until either side goes away.
pub async fn connect(
    screen: Screen,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, LegacyError> {
    let Screen(dev, screen_id) = screen;
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
    let scope = dev.scope.clone();
    let tenant = scope.id().to_string();
    let mut reg = state.hub.register(&tenant, screen_id.clone());
    let connection = format!("{}:{}", state.events.instance(), reg.id);
    let ip = super::client_ip(&req);
    if let Some(id) = &screen_id
        && let Err(e) = screens::connected(&state.core, &scope, id, &connection, ip).await
    {
        tracing::warn!(screen = %id, error = %e, "could not record a screen's connection");
    }
    actix_web::rt::spawn(async move {
        // Pings keep proxies from closing an idle channel and reveal dead peers.
        let mut ping = tokio::time::interval(Duration::from_secs(20));
        let mut unpaired = false;
        loop {
            tokio::select! {
                frame = reg.rx.recv() => match frame {
                    Some(Frame::Text(text)) => {
                        if session.text(text.to_string()).await.is_err() {
                            break;
                        }
                    }
                    Some(Frame::Unpaired) => {
                        let _ = session.text(json!({"type": "unpaired"}).to_string()).await;
                        unpaired = true;
                        break;
                    }
                    None => break,
                },
                msg = incoming.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        heard(&state, &tenant, screen_id.as_deref(), &text);
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
        let reason = unpaired.then(|| CloseReason {
            code: CloseCode::Other(4001),
            description: Some("unpaired".into()),
        });
        let _ = session.close(reason).await;
        drop(reg);
        if let Some(id) = &screen_id {
            state.heartbeats.forget(id);
            if !unpaired
                && let Err(e) = screens::disconnected(&state.core, &scope, id, &connection).await
            {
                tracing::warn!(screen = %id, error = %e, "could not record a screen leaving");
            }
        }
    });
    Ok(response)
}

/// What the screen said: what it shows (the device's "now playing") and, for a paired screen,
/// its heartbeat.
fn heard(state: &crate::app::AppState, tenant: &str, screen_id: Option<&str>, text: &str) {
    let report = match serde_json::from_str::<FromScreen>(text) {
        Ok(FromScreen::NowPlaying { asset_id }) => Report {
            asset_id: Some(asset_id),
            ..Report::default()
        },
        Ok(FromScreen::Heartbeat {
            resolution,
            player_version,
            asset_id,
            skipped,
        }) => Report {
            resolution,
            player_version,
            asset_id: Some(asset_id),
            skipped,
        },
        Ok(FromScreen::Ack {}) | Err(_) => return,
    }
    .clean();
    if let Some(asset_id) = &report.asset_id {
        state.now_playing.set(tenant, asset_id.clone());
    }
    if let Some(id) = screen_id {
        state.heartbeats.beat(tenant, id, report);
    }
}
