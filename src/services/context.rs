//! What a use case may reach. [`Core`] is the process's shared infrastructure (configuration,
//! database, storage, events, the job queue, cloud keys); [`Ctx`] is one use case's view of it:
//! the tenant it acts in, who acts, and the tenant's settings. Services and jobs take these,
//! never the HTTP layer's `AppState`, so the arrows point down (see `docs/architecture.md`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono_tz::Tz;
use tokio::sync::OnceCell;

use crate::config::{Config, Mode};
use crate::db::{AnyConnection, Db};
use crate::error::Error;
use crate::events::{Event, Events};
use crate::services::settings::{self, DeviceSettings};
use crate::storage::Storage;
use crate::tenancy::TenantScope;

/// Who acts, for the audit log (cloud mode); devices and jobs act for themselves.
#[cfg(feature = "cloud")]
pub type Actor = crate::db::models::audit::Actor;

/// Shared infrastructure, built once at start-up.
pub struct Core {
    pub config: Config,
    pub db: Db,
    pub storage: Storage,
    pub events: Events,
    pub jobs: crate::jobs::Queue,
    /// The operator's plans (cloud mode with `billing.plans`); `None`: limits are the ones on
    /// each tenant's row.
    pub catalogue: Option<Arc<crate::domain::billing::Catalogue>>,
    /// Stripe and the API-call counter (cloud mode).
    #[cfg(feature = "billing")]
    pub billing: crate::services::billing::Billing,
    /// Cloud mode's roles, token keys, sealing key and mailer; `None` on a device.
    #[cfg(feature = "cloud")]
    pub cloud: Option<Arc<crate::cloud::Cloud>>,
    /// Device mode keeps settings in memory (one process owns the database); cloud instances
    /// read them per use so that every instance sees a change at once.
    settings_cache: RwLock<HashMap<String, Arc<DeviceSettings>>>,
}

impl Core {
    pub fn new(
        config: Config,
        db: Db,
        storage: Storage,
        #[cfg(feature = "cloud")] cloud: Option<Arc<crate::cloud::Cloud>>,
    ) -> Core {
        let catalogue = (config.mode == Mode::Cloud)
            .then(|| config.billing.catalogue())
            .flatten()
            .map(Arc::new);
        Core {
            catalogue,
            #[cfg(feature = "billing")]
            billing: crate::services::billing::Billing::new(&config.billing),
            config,
            db,
            storage,
            events: Events::new(),
            jobs: Default::default(),
            #[cfg(feature = "cloud")]
            cloud,
            settings_cache: RwLock::new(HashMap::new()),
        }
    }

    /// A number that moves after every database write of this process, so caches of rendered
    /// data know they are stale.
    pub fn write_generation(&self) -> u64 {
        self.db.generation()
    }

    /// The tenant's device settings.
    pub async fn settings(&self, scope: &TenantScope) -> Result<Arc<DeviceSettings>, Error> {
        if self.config.mode == Mode::Device
            && let Some(s) = self.cache().get(scope.id())
        {
            return Ok(s.clone());
        }
        let s = scope.clone();
        let loaded = Arc::new(self.db.read(scope, move |c| settings::load(c, &s)).await?);
        if self.config.mode == Mode::Device {
            self.cache_mut()
                .insert(scope.id().to_string(), loaded.clone());
        }
        Ok(loaded)
    }

    /// Stores new device settings and tells the player.
    pub async fn save_settings(
        &self,
        scope: &TenantScope,
        new: DeviceSettings,
    ) -> Result<Arc<DeviceSettings>, Error> {
        let (s, n) = (scope.clone(), new.clone());
        self.db
            .write(scope, move |c| settings::save(c, &s, &n))
            .await?;
        let new = Arc::new(new);
        if self.config.mode == Mode::Device {
            self.cache_mut().insert(scope.id().to_string(), new.clone());
        }
        self.events.publish(Event::SettingsChanged {
            tenant_id: scope.id().to_string(),
        });
        Ok(new)
    }

    /// Drops cached settings (after a restore replaced them underneath).
    pub fn forget_settings(&self, scope: &TenantScope) {
        self.cache_mut().remove(scope.id());
    }

    /// A context acting in `scope` for nobody in particular (jobs, the device's own player).
    pub fn ctx(&self, scope: &TenantScope) -> Ctx<'_> {
        Ctx::new(
            self,
            scope.clone(),
            None,
            #[cfg(feature = "cloud")]
            None,
        )
    }

    fn cache(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<DeviceSettings>>> {
        self.settings_cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn cache_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<DeviceSettings>>> {
        self.settings_cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }
}

/// One use case's view: the tenant it acts in, its settings, and who acts.
#[derive(Clone)]
pub struct Ctx<'a> {
    pub core: &'a Core,
    pub scope: TenantScope,
    /// Read on first use: in cloud mode settings come from the database, and most use cases
    /// (members, keys, the audit log) never need them.
    settings: OnceCell<Arc<DeviceSettings>>,
    /// The signed-in user or API key (cloud); `None` for the device and for jobs.
    #[cfg(feature = "cloud")]
    pub actor: Option<Actor>,
}

impl<'a> Ctx<'a> {
    /// A context in `scope`; `settings` when the caller already holds them.
    pub fn new(
        core: &'a Core,
        scope: TenantScope,
        settings: Option<Arc<DeviceSettings>>,
        #[cfg(feature = "cloud")] actor: Option<Actor>,
    ) -> Ctx<'a> {
        Ctx {
            core,
            scope,
            settings: OnceCell::new_with(settings),
            #[cfg(feature = "cloud")]
            actor,
        }
    }

    /// The tenant's device settings (read once per context).
    pub async fn settings(&self) -> Result<Arc<DeviceSettings>, Error> {
        self.settings
            .get_or_try_init(|| self.core.settings(&self.scope))
            .await
            .cloned()
    }

    /// The tenant's time zone (its `timezone` setting), in which schedules are judged.
    pub async fn tz(&self) -> Result<Tz, Error> {
        Ok(self.settings().await?.tz())
    }

    pub fn tenant_id(&self) -> &str {
        self.scope.id()
    }

    /// Runs `f` in a read transaction bound to this tenant.
    pub async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut AnyConnection, &TenantScope) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let scope = self.scope.clone();
        self.core.db.read(&self.scope, move |c| f(c, &scope)).await
    }

    /// Runs `f` in a write transaction bound to this tenant.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut AnyConnection, &TenantScope) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let scope = self.scope.clone();
        self.core.db.write(&self.scope, move |c| f(c, &scope)).await
    }

    /// A recorder of audit entries, to move into a write transaction.
    pub fn audit(&self) -> Audit {
        Audit {
            #[cfg(feature = "cloud")]
            actor: self.actor.clone(),
        }
    }

    /// Tells open UIs and screens of this tenant.
    pub fn publish_assets_changed(&self, asset_id: Option<&str>) {
        self.core.events.publish(Event::AssetsChanged {
            tenant_id: self.tenant_id().to_string(),
            asset_id: asset_id.map(str::to_string),
        });
    }

    /// Asks this tenant's screens to do something (`reload`, `next`, …).
    pub fn command_screens(&self, command: &str) {
        self.core.events.publish(Event::ViewerCommand {
            tenant_id: self.tenant_id().to_string(),
            command: command.to_string(),
        });
    }
}

/// Writes audit entries in the transaction of the change they describe (cloud mode, when a
/// user or key acts); does nothing on a device.
#[derive(Clone)]
pub struct Audit {
    #[cfg(feature = "cloud")]
    actor: Option<Actor>,
}

impl Audit {
    pub fn record(
        &self,
        c: &mut AnyConnection,
        scope: &TenantScope,
        action: &str,
        object: Option<(&str, &str)>,
        details: serde_json::Value,
    ) -> Result<(), Error> {
        #[cfg(feature = "cloud")]
        if let Some(actor) = &self.actor {
            return crate::db::models::audit::insert(c, scope, actor, action, object, details);
        }
        let _ = (c, scope, action, object, details);
        Ok(())
    }
}
