//! `TestApp::spawn` starts the real server on port 0 with a fresh database: a new SQLite file,
//! or a new PostgreSQL database made for this test and dropped after it.

use std::net::SocketAddr;

use actix_web::web::Data;
use signate::app::AppState;
use signate::config::Config;

/// The database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    #[allow(dead_code)]
    Postgres,
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
            Backend::Postgres => {
                let pg = PgDatabase::create();
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
            c.storage.backend = signate::config::StorageBackend::S3;
            c.storage.s3 = signate::config::S3Config {
                bucket: std::env::var("SIGNATE_TEST_S3_BUCKET")
                    .unwrap_or_else(|_| "signate-test".into()),
                endpoint: s3_endpoint(),
                region: "us-east-1".into(),
                access_key_id: std::env::var("SIGNATE_TEST_S3_KEY")
                    .unwrap_or_else(|_| "testkey".into()),
                secret_access_key: std::env::var("SIGNATE_TEST_S3_SECRET")
                    .unwrap_or_else(|_| "testsecret".into()),
                root: format!("/t-{}/", uuid::Uuid::new_v4().simple()),
                virtual_host_style: false,
                presign_media_seconds: 0,
            };
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
    fn create() -> PgDatabase {
        use diesel::{Connection, RunQueryDsl};
        let admin = pg_admin_url();
        let name = format!("signate_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = diesel::PgConnection::establish(&pg_url(&admin)).unwrap_or_else(|e| {
            panic!("PostgreSQL for tests at {admin} (set SIGNATE_TEST_PG_URL): {e}")
        });
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        PgDatabase {
            url: pg_url(&format!("{base}/{name}")),
            name,
        }
    }
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
