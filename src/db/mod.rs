//! The database: one connection type over the compiled-in backends, a pool, migrations, and
//! tenant-scoped transactions.
//!
//! Every query that touches tenant data runs inside [`Db::read`] or [`Db::write`], which take a
//! [`TenantScope`]; on PostgreSQL the same transaction sets `app.current_tenant_id`, so row-level
//! security hides every other tenant's rows even from a query that forgot its filter.

pub mod models;
pub mod schema;
mod url;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::Connection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};

use crate::config::Config;
use crate::error::Error;
use crate::tenancy::TenantScope;

pub use url::{Backend, DatabaseUrl, UrlError};

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("enable at least one database backend: the `sqlite` or the `postgres` feature");

/// A connection to whichever backend the database URL named.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    #[cfg(feature = "postgres")]
    Postgresql(diesel::PgConnection),
    #[cfg(feature = "sqlite")]
    Sqlite(diesel::SqliteConnection),
}

/// Opens connections of the backend the URL names (never guessing: SQLite would accept a
/// PostgreSQL URL as a file name) and prepares each one.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    /// PostgreSQL: the role each connection switches to.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    app_role: Option<String>,
}

impl Manager {
    fn open(&self) -> Result<AnyConnection, diesel::ConnectionError> {
        match &self.url {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(path) => {
                use diesel::RunQueryDsl;
                let mut conn = diesel::SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; the busy timeout makes a second
                // writer wait instead of failing; SQLite leaves foreign keys off unless asked.
                for pragma in [
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA busy_timeout = 10000",
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA synchronous = NORMAL",
                ] {
                    diesel::sql_query(pragma)
                        .execute(&mut conn)
                        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                }
                Ok(AnyConnection::Sqlite(conn))
            }
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(url) => {
                use diesel::RunQueryDsl;
                let mut conn = diesel::PgConnection::establish(url)?;
                if let Some(role) = &self.app_role {
                    // The role name was checked to be a plain identifier in `Config::check`.
                    diesel::sql_query(format!("SET ROLE \"{role}\""))
                        .execute(&mut conn)
                        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                }
                Ok(AnyConnection::Postgresql(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        self.open().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// The pool of connections, shared by every request.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// SQLite allows one writer at a time; writers queue here instead of failing with
    /// SQLITE_BUSY when two deferred transactions both try to upgrade to a write lock.
    write_lock: Arc<Mutex<()>>,
    /// Moves after every write transaction, so caches of rendered data know they are stale.
    generation: Arc<AtomicU64>,
}

impl Db {
    /// Runs pending migrations, prepares the PostgreSQL app role, and opens the pool.
    pub fn connect(config: &Config) -> Result<Db, Error> {
        let url = DatabaseUrl::parse(&config.database_url())?;
        let owner_url = match &config.database_owner_url {
            Some(owner) => DatabaseUrl::parse(owner)?,
            None => url.clone(),
        };
        #[cfg(feature = "sqlite")]
        if let DatabaseUrl::Sqlite(path) = &url
            && !path.starts_with("file:")
            && let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Startup(format!("cannot create {}: {e}", dir.display())))?;
        }
        let applied = migrate(&owner_url, &config.database_app_role)?;
        for version in &applied {
            tracing::info!(%version, "applied database migration");
        }
        let app_role = match url.backend() {
            Backend::Postgres => Some(config.database_app_role.clone()),
            Backend::Sqlite => None,
        };
        let manager = Manager {
            url: url.clone(),
            app_role,
        };
        let pool = r2d2::Pool::builder()
            .max_size(config.database_pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(|e| Error::Startup(format!("cannot open the database: {e}")))?;
        let db = Db {
            pool,
            backend: url.backend(),
            write_lock: Arc::new(Mutex::new(())),
            generation: Arc::new(AtomicU64::new(0)),
        };
        #[cfg(feature = "postgres")]
        if db.backend == Backend::Postgres {
            db.check_rls_role()?;
        }
        Ok(db)
    }

    /// A number that changes after every write (in this process).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The backend this pool talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A raw pooled connection, outside any tenant: for tenant resolution, health checks and
    /// tests. Tenant data must go through [`Db::read`] or [`Db::write`].
    pub fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, Error> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` in a read transaction bound to `scope`, on a blocking thread.
    pub async fn read<T, F>(&self, scope: &TenantScope, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        let scope = scope.clone();
        blocking(move || db.tenant_transaction(&scope, f)).await
    }

    /// Runs `f` in a write transaction bound to `scope`, on a blocking thread.
    pub async fn write<T, F>(&self, scope: &TenantScope, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        let scope = scope.clone();
        blocking(move || {
            let _guard = match db.backend {
                Backend::Sqlite => Some(db.write_lock.lock().unwrap_or_else(|p| p.into_inner())),
                Backend::Postgres => None,
            };
            let result = db.tenant_transaction(&scope, f);
            db.generation.fetch_add(1, Ordering::AcqRel);
            result
        })
        .await
    }

    /// Runs `f` in a transaction that is not bound to a tenant (tenants table, health checks).
    pub async fn system<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        self.bound(Binding::default(), f).await
    }

    /// Runs `f` in a transaction bound to what `binding` names: a tenant, a user acting across
    /// their tenants, and/or the hash of a secret the caller presented. Row-level security on
    /// PostgreSQL shows exactly the rows those handles open (see migration 0007).
    pub async fn bound<T, F>(&self, binding: Binding, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        blocking(move || {
            let _guard = match db.backend {
                Backend::Sqlite => Some(db.write_lock.lock().unwrap_or_else(|p| p.into_inner())),
                Backend::Postgres => None,
            };
            let mut conn = db.pool.get()?;
            let result = (*conn).transaction(|conn| {
                set_binding(conn, &binding)?;
                f(conn)
            });
            db.generation.fetch_add(1, Ordering::AcqRel);
            result
        })
        .await
    }

    /// Same as [`Db::write`] but synchronous, for code already on a blocking thread.
    pub fn write_blocking<T, F>(&self, scope: &TenantScope, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, Error>,
    {
        let _guard = match self.backend {
            Backend::Sqlite => Some(self.write_lock.lock().unwrap_or_else(|p| p.into_inner())),
            Backend::Postgres => None,
        };
        let result = self.tenant_transaction(scope, f);
        self.generation.fetch_add(1, Ordering::AcqRel);
        result
    }

    fn tenant_transaction<T, F>(&self, scope: &TenantScope, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, Error>,
    {
        let mut conn = self.pool.get()?;
        (*conn).transaction(|conn| {
            set_tenant(conn, scope)?;
            f(conn)
        })
    }

    /// Refuses to serve when requests would run as a role that bypasses row-level security.
    #[cfg(feature = "postgres")]
    #[allow(irrefutable_let_patterns)] // a postgres-only build has just the one variant
    fn check_rls_role(&self) -> Result<(), Error> {
        use diesel::RunQueryDsl;
        use diesel::sql_types::{Bool, Text};
        #[derive(diesel::QueryableByName)]
        struct RoleInfo {
            #[diesel(sql_type = Text)]
            role: String,
            #[diesel(sql_type = Bool)]
            bypasses: bool,
        }
        let mut conn = self.pool.get()?;
        let AnyConnection::Postgresql(pg) = &mut *conn else {
            return Ok(());
        };
        let info: RoleInfo = diesel::sql_query(
            "SELECT current_user::text AS role, \
               (r.rolsuper OR r.rolbypassrls OR EXISTS ( \
                  SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' \
                  AND t.tablename = 'settings' AND t.tableowner = current_user)) AS bypasses \
             FROM pg_roles r WHERE r.rolname = current_user",
        )
        .get_result(pg)?;
        if info.bypasses {
            return Err(Error::Startup(format!(
                "PostgreSQL role {:?} is a superuser, can bypass row-level security or owns the \
                 tables; requests must run as an unprivileged role",
                info.role
            )));
        }
        tracing::debug!(role = %info.role, "requests run as an unprivileged PostgreSQL role");
        Ok(())
    }
}

/// What a [`Db::bound`] transaction acts for.
#[derive(Debug, Clone, Default)]
pub struct Binding {
    pub tenant: Option<String>,
    pub user: Option<String>,
    /// The hash of a presented secret (API key, refresh token, invitation, share) or an
    /// e-mail address being signed in with.
    pub lookup: Option<String>,
}

impl Binding {
    /// A binding to one tenant.
    pub fn tenant(scope: &TenantScope) -> Binding {
        Binding {
            tenant: Some(scope.id().to_string()),
            ..Binding::default()
        }
    }

    /// A binding that can see the rows opened by `key`.
    pub fn lookup(key: impl Into<String>) -> Binding {
        Binding {
            lookup: Some(key.into()),
            ..Binding::default()
        }
    }

    /// A binding to one user's own rows.
    pub fn user(id: impl Into<String>) -> Binding {
        Binding {
            user: Some(id.into()),
            ..Binding::default()
        }
    }

    /// Adds the tenant.
    pub fn with_tenant(mut self, scope: &TenantScope) -> Binding {
        self.tenant = Some(scope.id().to_string());
        self
    }

    /// Adds the user.
    pub fn with_user(mut self, id: impl Into<String>) -> Binding {
        self.user = Some(id.into());
        self
    }

    /// Adds a lookup key.
    pub fn with_lookup(mut self, key: impl Into<String>) -> Binding {
        self.lookup = Some(key.into());
        self
    }
}

fn set_binding(conn: &mut AnyConnection, binding: &Binding) -> Result<(), Error> {
    // Nothing to bind (`Db::system`): transaction-local settings start empty anyway, so skip
    // the round trip on the paths that resolve tenants and credentials.
    if binding.tenant.is_none() && binding.user.is_none() && binding.lookup.is_none() {
        return Ok(());
    }
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(pg) => {
            use diesel::RunQueryDsl;
            use diesel::sql_types::Text;
            diesel::sql_query(
                "SELECT set_config('app.current_tenant_id', $1, true), \
                        set_config('app.current_user_id', $2, true), \
                        set_config('app.lookup_key', $3, true)",
            )
            .bind::<Text, _>(binding.tenant.as_deref().unwrap_or(""))
            .bind::<Text, _>(binding.user.as_deref().unwrap_or(""))
            .bind::<Text, _>(binding.lookup.as_deref().unwrap_or(""))
            .execute(pg)?;
            Ok(())
        }
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(_) => {
            let _ = binding;
            Ok(())
        }
    }
}

/// Binds the transaction to a tenant. SQLite has no row-level security; there the tenant
/// filter in every query is the only guard, which is why each query takes the scope.
fn set_tenant(conn: &mut AnyConnection, scope: &TenantScope) -> Result<(), Error> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(pg) => {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT set_config('app.current_tenant_id', $1, true)")
                .bind::<diesel::sql_types::Text, _>(scope.id())
                .execute(pg)?;
            Ok(())
        }
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(_) => {
            let _ = scope;
            Ok(())
        }
    }
}

/// Diesel is synchronous; keep it off the async executor.
async fn blocking<T, F>(f: F) -> Result<T, Error>
where
    F: FnOnce() -> Result<T, Error> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("database task failed: {e}")))?
}

#[cfg(feature = "sqlite")]
const SQLITE_MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations_sqlite");
#[cfg(feature = "postgres")]
const POSTGRES_MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations_postgres");

/// Applies pending migrations with a connection of the tables' owner; on PostgreSQL also
/// makes sure the unprivileged app role exists and may use the tables. Returns the versions
/// applied.
pub fn migrate(url: &DatabaseUrl, app_role: &str) -> Result<Vec<String>, Error> {
    use diesel_migrations::MigrationHarness;
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| {
        Error::Startup(format!("database migration failed: {e}"))
    };
    let manager = Manager {
        url: url.clone(),
        app_role: None,
    };
    let conn = manager
        .open()
        .map_err(|e| Error::Startup(format!("cannot connect to the database: {e}")))?;
    match conn {
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(mut c) => {
            let _ = app_role;
            let done = c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(fail)?;
            Ok(done.iter().map(|v| v.to_string()).collect())
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(mut c) => {
            use diesel::RunQueryDsl;
            // Two servers starting at once must not both migrate.
            diesel::sql_query("SELECT pg_advisory_lock(7382910465)").execute(&mut c)?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map_err(fail);
            let done = result.map(|d| d.iter().map(|v| v.to_string()).collect::<Vec<_>>());
            let granted = done.is_ok().then(|| grant_app_role(&mut c, app_role));
            diesel::sql_query("SELECT pg_advisory_unlock(7382910465)").execute(&mut c)?;
            if let Some(granted) = granted {
                granted?;
            }
            done
        }
    }
}

/// Creates the unprivileged role requests run as (no login, no superuser, no BYPASSRLS) and
/// gives it exactly the data rights it needs.
#[cfg(feature = "postgres")]
fn grant_app_role(conn: &mut diesel::PgConnection, role: &str) -> Result<(), Error> {
    use diesel::RunQueryDsl;
    // Roles are cluster-wide; several databases (tests, tenants) may race to create it.
    let create = format!(
        "DO $$ BEGIN \
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN \
             CREATE ROLE \"{role}\" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; \
           END IF; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; \
         END $$"
    );
    let statements = [
        create,
        format!("GRANT USAGE ON SCHEMA public TO \"{role}\""),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{role}\""
        ),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \"{role}\""),
        format!("REVOKE ALL ON TABLE __diesel_schema_migrations FROM \"{role}\""),
    ];
    for sql in statements {
        diesel::sql_query(sql).execute(conn)?;
    }
    // The owner needs membership to SET ROLE (a superuser has it implicitly). A failure here
    // shows up below as a clear start-up error from SET ROLE.
    let membership = format!(
        "DO $$ BEGIN \
           IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN \
             EXECUTE format('GRANT %I TO %I', '{role}', current_user); \
           END IF; \
         EXCEPTION WHEN insufficient_privilege THEN NULL; \
         END $$"
    );
    diesel::sql_query(membership).execute(conn)?;
    Ok(())
}

/// Holds a transaction-scoped lock named `key` until the transaction ends (PostgreSQL's
/// advisory locks), so transactions that must not interleave (re-numbering a playlist, adding
/// screens against a limit) queue instead of racing. SQLite has one writer at a time already.
pub fn transaction_lock(conn: &mut AnyConnection, key: &str) -> Result<(), Error> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(pg) => {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<diesel::sql_types::Text, _>(key)
                .execute(pg)?;
            Ok(())
        }
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(_) => {
            let _ = key;
            Ok(())
        }
    }
}

/// A trivial query: whether the connection's database answers.
pub fn probe(conn: &mut AnyConnection) -> Result<(), Error> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// An insert's outcome where a unique value already taken means "someone was first": `false`
/// then, the error otherwise (PostgreSQL ends the transaction's writes there, so only a
/// caller with nothing more to write may carry on).
pub fn inserted(result: diesel::QueryResult<usize>) -> Result<bool, Error> {
    match result {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
