//! The event bus: what changed, for the screens' WebSockets and the UI's live updates.
//!
//! In-process it is a broadcast channel. With `redis.url` set (the `redis` feature), every
//! event is also published on a Redis channel and every instance re-publishes locally what the
//! others sent, so a command given on instance A reaches a screen connected to instance B.
//! Each instance tags what it sends with its own id and ignores its own echo.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// Something a screen or an open UI should hear about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A command for every screen of the tenant, in Anthias's words: `next`, `previous`,
    /// `asset&<id>`, `reload`, `stop`, `play`, …
    ViewerCommand { tenant_id: String, command: String },
    /// A command for some screens (API v3), by id: the command's id and the player's word
    /// for it (as above).
    ScreenCommand {
        tenant_id: String,
        screen_ids: Vec<String>,
        id: String,
        command: String,
    },
    /// A screen was removed: its connection ends and its token no longer works.
    ScreenRevoked {
        tenant_id: String,
        screen_id: String,
    },
    /// A screen connected or went away.
    ScreenStatus {
        tenant_id: String,
        screen_id: String,
        status: String,
        last_seen_at: Option<String>,
    },
    /// Screens or groups were added, changed or removed.
    ScreensChanged { tenant_id: String },
    /// An asset was created, changed or deleted (`None`: many at once).
    AssetsChanged {
        tenant_id: String,
        asset_id: Option<String>,
    },
    /// Device settings changed.
    SettingsChanged { tenant_id: String },
}

impl Event {
    /// The tenant the event belongs to; subscribers only pass on their own tenant's.
    pub fn tenant_id(&self) -> &str {
        match self {
            Event::ViewerCommand { tenant_id, .. }
            | Event::ScreenCommand { tenant_id, .. }
            | Event::ScreenRevoked { tenant_id, .. }
            | Event::ScreenStatus { tenant_id, .. }
            | Event::ScreensChanged { tenant_id }
            | Event::AssetsChanged { tenant_id, .. }
            | Event::SettingsChanged { tenant_id } => tenant_id,
        }
    }

    /// Its name on the UI's event stream.
    pub fn name(&self) -> &'static str {
        match self {
            Event::ViewerCommand { .. } => "viewer_command",
            Event::ScreenCommand { .. } => "screen_command",
            Event::ScreenRevoked { .. } => "screen_revoked",
            Event::ScreenStatus { .. } => "screen_status",
            Event::ScreensChanged { .. } => "screens_changed",
            Event::AssetsChanged { .. } => "assets_changed",
            Event::SettingsChanged { .. } => "settings_changed",
        }
    }
}

/// Publishes events to every subscriber; a slow subscriber loses old events, never blocks.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Event>,
    /// This process's id: connections are named after it, and Redis echoes carry it.
    instance: String,
    #[cfg(feature = "redis")]
    relay: Option<tokio::sync::mpsc::UnboundedSender<String>>,
}

impl Default for Events {
    fn default() -> Self {
        Events::new()
    }
}

impl Events {
    pub fn new() -> Events {
        Events {
            // Room for bursts (a restore, a bulk edit) before a slow subscriber lags and
            // resynchronises.
            tx: broadcast::channel(1024).0,
            instance: uuid::Uuid::new_v4().simple().to_string(),
            #[cfg(feature = "redis")]
            relay: None,
        }
    }

    /// This process's id.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Sends `event` here and, with Redis, to the other instances; having no subscriber is
    /// fine.
    pub fn publish(&self, event: Event) {
        tracing::debug!(?event, "event");
        #[cfg(feature = "redis")]
        if let Some(relay) = &self.relay {
            let envelope = Envelope {
                origin: self.instance.clone(),
                event: event.clone(),
            };
            if let Ok(text) = serde_json::to_string(&envelope) {
                let _ = relay.send(text);
            }
        }
        let _ = self.tx.send(event);
    }

    /// A new receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

/// An event on the Redis channel, with the instance that sent it.
#[cfg(feature = "redis")]
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    event: Event,
}

/// The Redis channel events travel on.
#[cfg(feature = "redis")]
pub const REDIS_CHANNEL: &str = "signate:events";

#[cfg(feature = "redis")]
impl Events {
    /// Connects the bus to Redis at `url`: publishes what this instance sends, re-publishes
    /// locally what the others send. Checks the server answers before returning (a wrong
    /// address fails at start-up, not at the first command); after that, a lost connection
    /// is retried in the background with a log line, and events are local meanwhile.
    pub async fn connect_redis(&mut self, url: &str) -> Result<(), String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis.url: {e}"))?;
        let mut publisher = redis::aio::ConnectionManager::new(client.clone())
            .await
            .map_err(|e| format!("cannot reach Redis at redis.url: {e}"))?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        self.relay = Some(tx);
        tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                let sent: Result<i64, _> = redis::cmd("PUBLISH")
                    .arg(REDIS_CHANNEL)
                    .arg(&text)
                    .query_async(&mut publisher)
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "could not publish an event on Redis");
                }
            }
        });
        let (local, me) = (self.tx.clone(), self.instance.clone());
        let first = client
            .get_async_pubsub()
            .await
            .map_err(|e| format!("cannot subscribe on Redis: {e}"))?;
        tokio::spawn(listen(client, first, local, me));
        tracing::info!("events are shared with other instances through Redis");
        Ok(())
    }
}

/// Re-publishes here what other instances publish, reconnecting with backoff.
#[cfg(feature = "redis")]
async fn listen(
    client: redis::Client,
    first: redis::aio::PubSub,
    local: broadcast::Sender<Event>,
    me: String,
) {
    use futures_util::StreamExt;
    let mut pubsub = Some(first);
    let mut failures = 0u32;
    loop {
        let mut ps = match pubsub.take() {
            Some(ps) => ps,
            None => match client.get_async_pubsub().await {
                Ok(ps) => ps,
                Err(e) => {
                    failures += 1;
                    let wait = std::time::Duration::from_millis(500 * 2u64.pow(failures.min(5)));
                    tracing::warn!(error = %e, ?wait, "Redis unreachable; events stay local meanwhile");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            },
        };
        if let Err(e) = ps.subscribe(REDIS_CHANNEL).await {
            tracing::warn!(error = %e, "cannot subscribe on Redis");
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        if failures > 0 {
            tracing::info!("Redis reachable again; events are shared");
        }
        let mut messages = ps.on_message();
        while let Some(msg) = messages.next().await {
            let Ok(text) = msg.get_payload::<String>() else {
                continue;
            };
            match serde_json::from_str::<Envelope>(&text) {
                Ok(env) if env.origin != me => {
                    let _ = local.send(env.event);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "unreadable event on Redis ignored"),
            }
        }
        tracing::warn!("Redis subscription ended; reconnecting");
        failures = 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_as_json() {
        let e = Event::ScreenCommand {
            tenant_id: "t".into(),
            screen_ids: vec!["a".into(), "b".into()],
            id: "c".into(),
            command: "next".into(),
        };
        let text = serde_json::to_string(&e).unwrap();
        assert!(text.starts_with(r#"{"type":"screen_command""#));
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), e);
        assert_eq!(e.name(), "screen_command");
        assert_eq!(e.tenant_id(), "t");
    }
}
