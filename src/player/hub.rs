//! The screens connected to this instance, and the one task that routes events to them.
//!
//! One subscriber to the event bus per process (not one per screen): an event is turned into
//! its frame once and handed to the connections it concerns, found by tenant and screen id.
//! Ten thousand sockets then cost a map lookup per event, not ten thousand wake-ups and
//! string compares.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::events::Event;
use crate::services::context::Core;
use crate::tenancy::TenantScope;

/// What the hub hands a connection.
#[derive(Debug, Clone)]
pub enum Frame {
    Text(Arc<str>),
    /// The screen was removed: say so, then close.
    Unpaired,
}

/// Frames queued for one socket before it counts as stuck (further frames are dropped; the
/// next `reload` covers them).
const QUEUE: usize = 64;

struct Conn {
    screen_id: Option<String>,
    tx: mpsc::Sender<Frame>,
}

/// The connections of this instance, by tenant.
#[derive(Default)]
pub struct Hub {
    by_tenant: RwLock<HashMap<String, HashMap<u64, Conn>>>,
    next: AtomicU64,
}

/// A connection's registration; dropping it unregisters.
pub struct Registration {
    hub: Arc<Hub>,
    tenant: String,
    pub id: u64,
    pub rx: mpsc::Receiver<Frame>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut map = self
            .hub
            .by_tenant
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(conns) = map.get_mut(&self.tenant) {
            conns.remove(&self.id);
            if conns.is_empty() {
                map.remove(&self.tenant);
            }
        }
    }
}

impl Hub {
    /// Registers a socket of `tenant` (of a paired screen when `screen_id`).
    pub fn register(self: &Arc<Hub>, tenant: &str, screen_id: Option<String>) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(QUEUE);
        self.by_tenant
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(tenant.to_string())
            .or_default()
            .insert(id, Conn { screen_id, tx });
        Registration {
            hub: self.clone(),
            tenant: tenant.to_string(),
            id,
            rx,
        }
    }

    /// How many sockets are open here.
    pub fn connections(&self) -> usize {
        self.by_tenant
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(HashMap::len)
            .sum()
    }

    /// Hands `frame` to the tenant's sockets that `to` selects.
    fn deliver(&self, tenant: &str, to: impl Fn(&Conn) -> bool, frame: Frame) {
        let map = self.by_tenant.read().unwrap_or_else(|p| p.into_inner());
        let Some(conns) = map.get(tenant) else {
            return;
        };
        for conn in conns.values().filter(|c| to(c)) {
            if conn.tx.try_send(frame.clone()).is_err() {
                tracing::debug!(
                    screen = conn.screen_id.as_deref().unwrap_or("-"),
                    "screen socket full or closing; frame dropped"
                );
            }
        }
    }

    /// Drops the tenant's sockets of a screen (their connections end when their queue drains).
    fn forget_screen(&self, tenant: &str, screen_id: &str) {
        let mut map = self.by_tenant.write().unwrap_or_else(|p| p.into_inner());
        if let Some(conns) = map.get_mut(tenant) {
            conns.retain(|_, c| c.screen_id.as_deref() != Some(screen_id));
        }
    }

    fn deliver_all(&self, frame: Frame) {
        let tenants: Vec<String> = self
            .by_tenant
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        for t in tenants {
            self.deliver(&t, |_| true, frame.clone());
        }
    }

    /// Routes the bus's events to the sockets until the bus closes.
    pub fn spawn(self: Arc<Hub>, core: Arc<Core>) {
        let mut events = core.events.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => self.route(&core, &event).await,
                    // Missed events: every screen fetches everything again.
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "screens missed events; asking all to reload");
                        self.deliver_all(text(json!({"type": "reload"})));
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        });
    }

    async fn route(&self, core: &Core, event: &Event) {
        let tenant = event.tenant_id();
        if !self
            .by_tenant
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(tenant)
        {
            return;
        }
        match event {
            Event::ViewerCommand { command, .. } => {
                let frame = command_frame(core, tenant, None, command).await;
                self.deliver(tenant, |_| true, frame);
            }
            Event::ScreenCommand {
                screen_ids,
                id,
                command,
                ..
            } => {
                let frame = command_frame(core, tenant, Some(id), command).await;
                let ids: std::collections::HashSet<&str> =
                    screen_ids.iter().map(String::as_str).collect();
                self.deliver(
                    tenant,
                    |c| c.screen_id.as_deref().is_some_and(|s| ids.contains(s)),
                    frame,
                );
            }
            Event::ScreenRevoked { screen_id, .. } => {
                self.deliver(
                    tenant,
                    |c| c.screen_id.as_deref() == Some(screen_id),
                    Frame::Unpaired,
                );
                // Out of the map too: should the frame not fit in a stuck socket's queue, the
                // dropped sender still ends its connection, and nothing more reaches it.
                self.forget_screen(tenant, screen_id);
            }
            Event::AssetsChanged { .. } => {
                self.deliver(tenant, |_| true, text(json!({"type": "reload"})))
            }
            Event::SettingsChanged { .. } => {
                self.deliver(tenant, |_| true, text(json!({"type": "settings"})))
            }
            Event::ScreenStatus { .. } | Event::ScreensChanged { .. } => {}
        }
    }
}

fn text(v: serde_json::Value) -> Frame {
    Frame::Text(Arc::from(v.to_string()))
}

/// The frame of a command. Anthias's `reload` means "fetch the playlist again"; a v3 command
/// (with an id) `reload` reloads the player page. An `asset&<id>` command carries the asset,
/// so the screen can show it even when it is not in its playlist (disabled or undated), as
/// Anthias does.
async fn command_frame(core: &Core, tenant: &str, id: Option<&str>, command: &str) -> Frame {
    if id.is_none() && command == "reload" {
        return text(json!({"type": "reload"}));
    }
    let mut frame = json!({"type": "command", "command": command});
    if let Some(id) = id {
        frame["id"] = id.into();
    }
    if let Some(asset_id) = command.strip_prefix("asset&") {
        let scope = TenantScope::new(tenant);
        let found = crate::services::assets::get(&core.ctx(&scope), asset_id)
            .await
            .ok();
        if let Some(item) = found.as_ref().and_then(super::playlist::item) {
            frame["asset"] = serde_json::to_value(item).unwrap_or_default();
        }
    }
    text(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_reach_only_the_screens_they_name() {
        let hub = Arc::new(Hub::default());
        let mut a = hub.register("t1", Some("a".into()));
        let mut b = hub.register("t1", Some("b".into()));
        let mut other = hub.register("t2", Some("a".into()));
        assert_eq!(hub.connections(), 3);
        hub.deliver(
            "t1",
            |c| c.screen_id.as_deref() == Some("a"),
            text(json!({"x": 1})),
        );
        assert!(matches!(a.rx.try_recv(), Ok(Frame::Text(t)) if &*t == r#"{"x":1}"#));
        assert!(b.rx.try_recv().is_err());
        assert!(other.rx.try_recv().is_err());
        drop(b);
        assert_eq!(hub.connections(), 2);
        hub.deliver_all(Frame::Unpaired);
        assert!(matches!(a.rx.try_recv(), Ok(Frame::Unpaired)));
        assert!(matches!(other.rx.try_recv(), Ok(Frame::Unpaired)));
    }
}
