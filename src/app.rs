//! Builds the shared state and the actix application, and starts the server.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};

use crate::auth::basic::VerifiedCache;
use crate::config::{Config, Mode};
use crate::db::{DatabaseUrl, Db};
use crate::error::Error;
use crate::events::{Event, Events};
use crate::player::NowPlaying;
use crate::services::settings::{self, DeviceSettings};
use crate::storage::Storage;
use crate::tenancy::{self, TenantScope};

/// What every request handler can reach.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub storage: Storage,
    /// Device mode: the one tenant. Cloud mode resolves the tenant per request instead.
    pub device_tenant: Option<TenantScope>,
    pub events: Events,
    pub now_playing: NowPlaying,
    pub basic_auth: VerifiedCache,
    pub sessions: crate::auth::session::Sessions,
    pub jobs: crate::jobs::Queue,
    /// Cloud mode's accounts, roles, tokens and mail; `None` on a device.
    #[cfg(feature = "cloud")]
    pub cloud: Option<Arc<crate::cloud::Cloud>>,
    /// Rendered legacy asset lists (see `api::legacy::cache`).
    pub legacy_lists: crate::api::legacy::cache::ListCache,
    /// Device mode keeps settings in memory (one process owns the database); cloud instances
    /// read them per request so that every instance sees a change at once.
    settings_cache: RwLock<HashMap<String, Arc<DeviceSettings>>>,
}

impl AppState {
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

/// A server that is bound and running (await `server` to wait for it to stop).
pub struct Started {
    pub server: actix_web::dev::Server,
    pub addr: SocketAddr,
    pub state: web::Data<AppState>,
}

/// Opens the database (running migrations) and the storage, binds the listener and starts
/// serving. Logs one line saying where it listens and what it uses.
pub async fn start(config: Config) -> Result<Started, Error> {
    let began = Instant::now();
    let cfg = config.clone();
    let (db, storage) = tokio::task::spawn_blocking(move || {
        Ok::<_, Error>((Db::connect(&cfg)?, Storage::from_config(&cfg)?))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))??;
    let device_tenant = match config.mode {
        Mode::Device => Some(tenancy::ensure_default(&db).await?),
        Mode::Cloud => None,
    };
    #[cfg(feature = "cloud")]
    let cloud = match config.mode {
        Mode::Cloud => Some(Arc::new(crate::cloud::Cloud::new(&config).await?)),
        Mode::Device => None,
    };
    let listener = TcpListener::bind(config.listen)
        .map_err(|e| Error::Startup(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Startup(e.to_string()))?;
    let database = DatabaseUrl::parse(&config.database_url())?.describe();
    let workers = match config.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // Port 0 means "any free port": record the one the system gave.
    let mut config = config;
    config.listen = addr;
    let state = web::Data::new(AppState {
        config,
        db,
        storage,
        device_tenant,
        events: Events::new(),
        now_playing: NowPlaying::default(),
        basic_auth: VerifiedCache::default(),
        sessions: Default::default(),
        jobs: Default::default(),
        #[cfg(feature = "cloud")]
        cloud,
        legacy_lists: Default::default(),
        settings_cache: RwLock::new(HashMap::new()),
    });
    crate::jobs::spawn_worker(state.clone());
    crate::services::gc::spawn_periodic(state.clone());
    crate::player::power::spawn(state.clone());
    let shared = state.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .wrap(Compress::default())
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "SAMEORIGIN"))
                    .add(("Referrer-Policy", "same-origin")),
            )
            .wrap(from_fn(crate::telemetry::request_context))
            .configure(routes)
    })
    .workers(workers)
    .listen(listener)
    .map_err(|e| Error::Startup(format!("cannot serve on {addr}: {e}")))?
    .run();
    tracing::info!(
        "Signate {} listening on http://{addr} (mode {:?}, database {database}, storage {}), ready in {} ms",
        env!("CARGO_PKG_VERSION"),
        state.config.mode,
        state.storage.describe(),
        began.elapsed().as_millis(),
    );
    Ok(Started {
        server,
        addr,
        state,
    })
}

/// Every route of the application.
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::api::health::healthz)
        .service(crate::api::health::readyz)
        .service(crate::api::docs::schema)
        .service(crate::api::docs::docs)
        .configure(crate::api::legacy::routes)
        .configure(crate::player::routes)
        .configure(crate::api::session::routes);
    #[cfg(feature = "cloud")]
    cfg.configure(crate::api::v3::routes);
    cfg.default_service(web::to(crate::web::serve));
}
