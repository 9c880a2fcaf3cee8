//! Builds the shared state and the actix application, and starts the server.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Instant;

use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};

use crate::auth::basic::BasicAuth;
use crate::config::{Config, Mode};
use crate::db::{DatabaseUrl, Db};
use crate::error::Error;
use crate::player::NowPlaying;
use crate::services::context::Core;
use crate::storage::Storage;
use crate::tenancy::{self, TenantScope};

/// What every request handler can reach: the shared [`Core`] (which it derefs to) and what
/// only the HTTP layer uses.
pub struct AppState {
    pub core: Arc<Core>,
    /// Device mode: the one tenant. Cloud mode resolves the tenant per request instead.
    pub device_tenant: Option<TenantScope>,
    pub now_playing: NowPlaying,
    /// The screens connected to this instance.
    pub hub: Arc<crate::player::hub::Hub>,
    /// Screens' heartbeats, written in batches.
    pub heartbeats: Arc<crate::services::screens::Heartbeats>,
    pub basic_auth: BasicAuth,
    pub sessions: crate::auth::session::Sessions,
    /// Rendered legacy asset lists (see `api::legacy::cache`).
    pub legacy_lists: crate::api::legacy::cache::ListCache,
}

impl std::ops::Deref for AppState {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
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
    crate::host::mark_started();
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
    #[cfg_attr(not(feature = "redis"), allow(unused_mut))]
    let mut core = Core::new(
        config,
        db,
        storage,
        #[cfg(feature = "cloud")]
        cloud,
    );
    if let Some(url) = core
        .config
        .redis
        .url
        .clone()
        .filter(|u| !u.trim().is_empty())
    {
        #[cfg(feature = "redis")]
        core.events
            .connect_redis(&url)
            .await
            .map_err(Error::Startup)?;
        #[cfg(not(feature = "redis"))]
        {
            let _ = url;
            return Err(Error::Startup(
                "redis.url is set but this build has no `redis` feature".into(),
            ));
        }
    }
    let core = Arc::new(core);
    let basic_auth = BasicAuth::new(&core.config.basic_auth);
    let state = web::Data::new(AppState {
        core,
        device_tenant,
        now_playing: NowPlaying::default(),
        hub: Default::default(),
        heartbeats: Default::default(),
        basic_auth,
        sessions: Default::default(),
        legacy_lists: Default::default(),
    });
    crate::jobs::spawn_worker(state.core.clone());
    crate::services::gc::spawn_periodic(state.core.clone());
    crate::player::power::spawn(state.core.clone(), state.device_tenant.clone());
    state.hub.clone().spawn(state.core.clone());
    crate::services::screens::spawn_flusher(state.heartbeats.clone(), state.core.clone());
    let shared = state.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            // Innermost: its refusals get the headers and the log line of any other answer.
            .wrap(from_fn(crate::api::input::refuse_nul))
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
    #[cfg(not(feature = "cloud"))]
    cfg.configure(crate::api::screens::device_routes);
    cfg.default_service(web::to(crate::web::serve));
}
