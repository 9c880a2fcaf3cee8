//! Builds the shared state and the actix application, and starts the server.

use std::net::{SocketAddr, TcpListener};
use std::time::Instant;

use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};

use crate::config::{Config, Mode};
use crate::db::{DatabaseUrl, Db};
use crate::error::Error;
use crate::storage::Storage;
use crate::tenancy::{self, TenantScope};

/// What every request handler can reach.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub storage: Storage,
    /// Device mode: the one tenant. Cloud mode resolves the tenant per request instead.
    pub device_tenant: Option<TenantScope>,
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
    let state = web::Data::new(AppState {
        config,
        db,
        storage,
        device_tenant,
    });
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
        .default_service(web::to(crate::web::serve));
}
