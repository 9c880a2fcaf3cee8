//! Fault injection (issue 12): a TCP proxy between the server and PostgreSQL that a test cuts
//! and restores, in the manner of crates.io's chaos proxy. While the database is away requests
//! answer 503 (not 500, not a hang), nothing is half-written, and service resumes by itself.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{Backend, TestApp, pg_admin_url, status_json};

/// Forwards TCP to `target` until cut; while cut, live connections are dropped and new ones are
/// closed at once (what a dead network path or a stopped server looks like to a client).
struct ChaosProxy {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    kill: watch::Sender<u64>,
}

impl ChaosProxy {
    async fn start(target: SocketAddr) -> ChaosProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let (kill, _) = watch::channel(0u64);
        let (is_cut, kills) = (cut.clone(), kill.subscribe());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if is_cut.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut kills = kills.clone();
                kills.mark_unchanged();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = kills.changed() => {}
                    }
                });
            }
        });
        ChaosProxy { addr, cut, kill }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.kill.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// host:port of a `postgres://user@host:port/db` URL.
fn pg_target(url: &str) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let host_port = rest.split('/').next().unwrap();
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    use std::net::ToSocketAddrs;
    host_port.to_socket_addrs().unwrap().next().unwrap()
}

fn webpage(name: &str) -> Value {
    json!({
        "name": name, "uri": "https://example.com/", "mimetype": "webpage",
        "start_date": "2020-01-01T00:00:00Z", "end_date": "2099-01-01T00:00:00Z",
        "duration": 10, "is_enabled": true, "skip_asset_check": true
    })
}

#[tokio::test]
async fn a_database_outage_gives_503s_loses_nothing_and_heals() {
    let target = pg_target(&pg_admin_url());
    let proxy = ChaosProxy::start(target).await;
    let through = format!("127.0.0.1:{}", proxy.addr.port());
    // Migrations go straight to the database; the requests' pool goes through the proxy.
    let app = TestApp::spawn_with(Backend::Postgres, |c| {
        let direct = c.database_url.clone().unwrap();
        let host_port = direct
            .split("://")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        let host_port = host_port
            .rsplit_once('@')
            .map_or(host_port, |(_, h)| h)
            .to_string();
        c.database_owner_url = Some(direct.clone());
        c.database_url = Some(direct.replacen(&host_port, &through, 1));
    })
    .await;
    let (s, before) = status_json(app.post_json("/api/v2/assets", &webpage("before")).await).await;
    assert_eq!(s, 201, "{before}");

    proxy.cut();
    for i in 0..3 {
        let (s, b) = status_json(app.get("/api/v2/assets").await).await;
        assert_eq!(s, 503, "a read while the database is away: {b}");
        let (s, b) = status_json(
            app.post_json("/api/v2/assets", &webpage(&format!("during-{i}")))
                .await,
        )
        .await;
        assert_eq!(s, 503, "a write while the database is away: {b}");
        assert_eq!(
            b["detail"], "The database is unavailable; try again shortly.",
            "{b}"
        );
    }
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503, "/readyz says the database is down");

    proxy.restore();
    // Service resumes by itself (bounded wait: the pool reconnects on the next checkout).
    let mut list = Value::Null;
    for _ in 0..100 {
        let (s, b) = status_json(app.get("/api/v2/assets").await).await;
        if s == 200 {
            list = b;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: Vec<&str> = list
        .as_array()
        .expect("the list answers again after the outage")
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["before"], "nothing half-written during the outage");
    let (s, b) = status_json(app.post_json("/api/v2/assets", &webpage("after")).await).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(app.get("/readyz").await.status(), 200);
}
