//! `TestApp::spawn` starts the real server on port 0 with a fresh database: a new SQLite file,
//! or a new PostgreSQL database cloned for this test from a migrated template and dropped after
//! it.

use std::net::SocketAddr;

use actix_web::web::Data;
use signate::app::AppState;
use signate::config::Config;

/// The database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// PostgreSQL, on a clone of the migrated template.
    #[allow(dead_code)]
    Postgres,
    /// PostgreSQL on an empty database, which the server migrates at start as a new
    /// installation does.
    #[allow(dead_code)]
    PostgresUnmigrated,
}

/// A running server and a client for it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub state: Data<AppState>,
    pub config: Config,
    #[allow(dead_code)]
    pub dir: tempfile::TempDir,
    #[allow(dead_code)]
    pg: Option<PgDatabase>,
}

impl TestApp {
    /// Starts a server on `backend` with default settings.
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// Starts a server after `adjust` has changed its configuration.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("signate.db").display()),
                None,
            ),
            Backend::Postgres | Backend::PostgresUnmigrated => {
                let pg = PgDatabase::create(backend == Backend::Postgres);
                (pg.url.clone(), Some(pg))
            }
        };
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            database_url: Some(database_url),
            database_pool_size: 4,
            workers: 1,
            log: "warn".into(),
            ..Config::default()
        };
        adjust(&mut config);
        let started = signate::app::start(config.clone())
            .await
            .expect("server starts");
        tokio::spawn(started.server);
        TestApp {
            addr: started.addr,
            client: reqwest::Client::new(),
            state: started.state,
            config,
            dir,
            pg,
        }
    }

    /// A second server on the same database and storage (several instances behind a load
    /// balancer); the first keeps the database alive.
    #[allow(dead_code)]
    pub async fn another_instance(&self) -> TestApp {
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        let started = signate::app::start(config.clone())
            .await
            .expect("second instance starts");
        tokio::spawn(started.server);
        TestApp {
            addr: started.addr,
            client: reqwest::Client::new(),
            state: started.state,
            config,
            dir: tempfile::tempdir().expect("temp dir"),
            pg: None,
        }
    }

    /// `http://127.0.0.1:PORT<path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GET `path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Starts a server on `backend` whose files live in the test S3 server (see
    /// `s3_endpoint`), under a prefix of its own.
    #[allow(dead_code)]
    pub async fn spawn_s3(backend: Backend) -> TestApp {
        TestApp::spawn_s3_with(backend, |_| {}).await
    }

    /// Same as [`TestApp::spawn_s3`], with a configuration change.
    #[allow(dead_code)]
    pub async fn spawn_s3_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::spawn_with(backend, |c| {
            use_s3(c);
            adjust(c);
        })
        .await
    }

    /// The device tenant of this server.
    #[allow(dead_code)]
    pub fn tenant(&self) -> signate::tenancy::TenantScope {
        self.state.device_tenant.clone().expect("device mode")
    }
}

/// Puts `config`'s files in the test S3 server (see `s3_endpoint`), under a prefix of its own.
#[allow(dead_code)]
pub fn use_s3(config: &mut Config) {
    config.storage.backend = signate::config::StorageBackend::S3;
    config.storage.s3 = signate::config::S3Config {
        bucket: std::env::var("SIGNATE_TEST_S3_BUCKET").unwrap_or_else(|_| "signate-test".into()),
        endpoint: s3_endpoint(),
        region: "us-east-1".into(),
        access_key_id: std::env::var("SIGNATE_TEST_S3_KEY").unwrap_or_else(|_| "testkey".into()),
        secret_access_key: std::env::var("SIGNATE_TEST_S3_SECRET")
            .unwrap_or_else(|_| "testsecret".into()),
        root: format!("/t-{}/", uuid::Uuid::new_v4().simple()),
        virtual_host_style: false,
        presign_media_seconds: 0,
    };
}

/// The server every PostgreSQL test database is made on (a superuser with trust auth);
/// `.ci/run` and `scripts/test` export it after making sure PostgreSQL runs. Without its query
/// string, which [`pg_url`] adds.
pub fn pg_admin_url() -> String {
    let url = std::env::var("SIGNATE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    url.split('?').next().unwrap_or(&url).to_string()
}

/// A loopback test database needs no TLS, and libpq without it does not touch OpenSSL: OpenSSL's
/// clean-up at process exit would otherwise race with server threads still holding
/// connections when a test ends (seen as a SIGSEGV after a passing test).
fn pg_url(base_and_db: &str) -> String {
    format!("{base_and_db}?sslmode=disable")
}

/// The S3-compatible server tests use (`scripts/services.sh` starts s3s-fs there).
pub fn s3_endpoint() -> String {
    std::env::var("SIGNATE_TEST_S3_ENDPOINT")
        .unwrap_or_else(|_| "http://127.0.0.1:59000".to_string())
}

/// A database that lives as long as the test.
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    /// A copy of the migrated template (`migrated`), on which the server finds no migration
    /// pending and only re-applies its idempotent grants to the app role; else an empty one.
    fn create(migrated: bool) -> PgDatabase {
        use diesel::RunQueryDsl;
        let mut conn = pg_admin_connection();
        let name = format!("signate_test_{}", uuid::Uuid::new_v4().simple());
        let sql = if migrated {
            format!("CREATE DATABASE {name} TEMPLATE {}", pg_template(&mut conn))
        } else {
            format!("CREATE DATABASE {name}")
        };
        diesel::sql_query(sql)
            .execute(&mut conn)
            .expect("create test database");
        PgDatabase {
            url: pg_database_url(&name),
            name,
        }
    }
}

fn pg_admin_connection() -> diesel::PgConnection {
    use diesel::Connection;
    let admin = pg_admin_url();
    diesel::PgConnection::establish(&pg_url(&admin)).unwrap_or_else(|e| {
        panic!("PostgreSQL for tests at {admin} (set SIGNATE_TEST_PG_URL): {e}")
    })
}

/// The URL of database `name` on the test server.
fn pg_database_url(name: &str) -> String {
    let admin = pg_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    pg_url(&format!("{base}/{name}"))
}

/// The name of the migrated template database test databases are cloned from, making it when
/// this cluster lacks it. Its name carries a digest of `migrations_postgres/`, so a template
/// made from other migrations (an older checkout, another branch on the same cluster) is
/// never used. It only counts as made once it is marked a template, which happens after the
/// migrations succeeded; test processes (nextest runs one per test) make it under an advisory
/// lock, so exactly one migrates and the others wait, never cloning a half-migrated one.
fn pg_template(admin: &mut diesel::PgConnection) -> String {
    use diesel::RunQueryDsl;
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(name) = NAME.get() {
        return name.clone();
    }
    let name = format!("signate_template_{}", migrations_digest());
    if !pg_template_ready(admin, &name) {
        // Held by this session; a process that dies while migrating releases it with its
        // connection, leaving an unmarked database the next one drops and makes again.
        diesel::sql_query(format!("SELECT pg_advisory_lock({PG_TEMPLATE_LOCK})"))
            .execute(admin)
            .expect("lock the test template");
        if !pg_template_ready(admin, &name) {
            for sql in [
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                format!("CREATE DATABASE {name}"),
            ] {
                diesel::sql_query(sql)
                    .execute(admin)
                    .expect("create the test template");
            }
            let url = signate::db::DatabaseUrl::parse(&pg_database_url(&name)).unwrap();
            signate::db::migrate(&url, &Config::default().database_app_role)
                .expect("migrate the test template");
            // No connections: cloning needs the template to have none.
            diesel::sql_query(format!(
                "ALTER DATABASE {name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
            ))
            .execute(admin)
            .expect("mark the test template");
        }
        diesel::sql_query(format!("SELECT pg_advisory_unlock({PG_TEMPLATE_LOCK})"))
            .execute(admin)
            .expect("unlock the test template");
    }
    NAME.get_or_init(|| name).clone()
}

/// The advisory lock (in the admin database) under which test processes make the template.
const PG_TEMPLATE_LOCK: i64 = 7_382_910_466;

fn pg_template_ready(admin: &mut diesel::PgConnection, name: &str) -> bool {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        #[allow(dead_code)]
        datistemplate: bool,
    }
    let found: Vec<Found> = diesel::sql_query(
        "SELECT datistemplate FROM pg_database WHERE datname = $1 AND datistemplate",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .load(admin)
    .expect("look up the test template");
    !found.is_empty()
}

/// The first 16 hex digits of a SHA-256 over every file under `migrations_postgres/` (relative
/// path and contents, in path order).
fn migrations_digest() -> String {
    use sha2::{Digest, Sha256};
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read migrations_postgres") {
            let path = entry.expect("read migrations_postgres").path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                files.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations_postgres");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy();
        let body = std::fs::read(file).expect("read a migration");
        hasher.update(relative.as_bytes());
        hasher.update([0]);
        hasher.update((body.len() as u64).to_le_bytes());
        hasher.update(&body);
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // The server's pool may still hold connections: FORCE ends them.
        let _ = std::thread::spawn(move || {
            use diesel::{Connection, RunQueryDsl};
            if let Ok(mut conn) = diesel::PgConnection::establish(&pg_url(&pg_admin_url())) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        })
        .join();
    }
}

/// Runs each listed `async fn(TestApp)` with its files on S3 (SQLite database), as
/// `s3::<name>`; pair it with `backend_tests!` for the filesystem runs.
#[macro_export]
macro_rules! s3_tests {
    ($($name:ident),* $(,)?) => {
        mod s3 {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::helpers::TestApp::spawn_s3($crate::helpers::Backend::Sqlite).await).await
                }
            )*
        }
    };
}

/// Runs each listed `async fn(TestApp)` once on SQLite and once on PostgreSQL, as
/// `sqlite::<name>` and `postgres::<name>`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await).await
                }
            )*
        }
    };
}

impl TestApp {
    /// POST a JSON body.
    #[allow(dead_code)]
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// PATCH a JSON body.
    #[allow(dead_code)]
    pub async fn patch_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// GET and parse JSON, asserting the status.
    #[allow(dead_code)]
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), status, "GET {path}");
        res.json().await.expect("json")
    }
}

/// The status and the JSON body of a response.
#[allow(dead_code)]
pub async fn status_json(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|_| serde_json::Value::String(text));
    (status, json)
}

/// A one-route HTTP server on loopback answering `status` and `body` to every request (HEAD
/// included, without the body).
#[allow(dead_code)]
pub async fn http_server(status: u16, body: Vec<u8>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = std::sync::Arc::new(body);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\ncontent-type: video/mp4\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                if !buf[..n].starts_with(b"HEAD") {
                    let _ = sock.write_all(&body).await;
                }
            });
        }
    });
    addr
}

/// Polls `GET path` until `done` says yes (at most `secs` seconds) and returns the last body.
#[allow(dead_code)]
pub async fn wait_for(
    app: &TestApp,
    path: &str,
    secs: u64,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let v = app.get_json(path, 200).await;
        if done(&v) || std::time::Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The real Anthias backup in `../shared/fixtures/` (beside the checkout), whole or by member.
pub mod anthias_fixture {
    use std::io::Read;

    /// The backup archive's path.
    pub const PATH: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/anthias-2026.08.2-lobby.tar.gz"
    );
    /// What restoring it must give.
    pub const EXPECTED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/anthias-2026.08.2-lobby.expected.json"
    );
    /// An H.264 clip inside it.
    pub const MP4: &str = "anthias_assets/00949e09c48749b2bc36c66bee2f4137.mp4";

    /// A fixture file's bytes.
    pub fn read(path: &str) -> Vec<u8> {
        std::fs::read(path).unwrap_or_else(|e| {
            panic!("fixture {path}: {e} (the tests expect ../shared/ beside the checkout)")
        })
    }

    /// The archive's bytes.
    pub fn archive() -> Vec<u8> {
        read(PATH)
    }

    /// One member of the archive.
    pub fn member(path: &str) -> Vec<u8> {
        let bytes = archive();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.path().unwrap().to_string_lossy() == path {
                let mut out = Vec::new();
                entry.read_to_end(&mut out).unwrap();
                return out;
            }
        }
        panic!("{path} not in the fixture")
    }
}
