//! What each tenant's screen shows now, as its player reports it.

use std::collections::HashMap;
use std::sync::RwLock;

/// The asset on screen per tenant (absent: nothing reported, or nothing playing).
#[derive(Default)]
pub struct NowPlaying {
    by_tenant: RwLock<HashMap<String, String>>,
}

impl NowPlaying {
    /// Records what the tenant's screen shows (`None`: nothing).
    pub fn set(&self, tenant_id: &str, asset_id: Option<String>) {
        let mut map = self.by_tenant.write().unwrap_or_else(|p| p.into_inner());
        match asset_id {
            Some(id) => map.insert(tenant_id.to_string(), id),
            None => map.remove(tenant_id),
        };
    }

    /// The asset on the tenant's screen.
    pub fn get(&self, tenant_id: &str) -> Option<String> {
        self.by_tenant
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(tenant_id)
            .cloned()
    }
}
