//! The event bus: what changed, for the player's WebSocket and the UI's live updates.
//! In-process broadcast; several instances will relay it through Redis.

use serde::Serialize;
use tokio::sync::broadcast;

/// Something a screen or an open UI should hear about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A command for the player, in Anthias's words: `next`, `previous`, `asset&<id>`,
    /// `reload`, `stop`, `play`, …
    ViewerCommand { tenant_id: String, command: String },
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
            | Event::AssetsChanged { tenant_id, .. }
            | Event::SettingsChanged { tenant_id } => tenant_id,
        }
    }
}

/// Publishes events to every subscriber; a slow subscriber loses old events, never blocks.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Event>,
}

impl Default for Events {
    fn default() -> Self {
        Events::new()
    }
}

impl Events {
    pub fn new() -> Events {
        Events {
            tx: broadcast::channel(256).0,
        }
    }

    /// Sends `event`; having no subscriber is fine.
    pub fn publish(&self, event: Event) {
        tracing::debug!(?event, "event");
        let _ = self.tx.send(event);
    }

    /// A new receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}
