//! The `signate` binary as a user runs it: configuration errors, `config`, `migrate-db`, and a
//! real `serve` process answering `/healthz`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn signate(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_signate"));
    cmd.current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("SIGNATE_CONFIG");
    cmd
}

#[test]
fn bad_value_stops_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = signate(dir.path())
        .arg("config")
        .env("SIGNATE_LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("`listen`"), "{err}");

    let out = signate(dir.path())
        .args(["config", "--database-url", "mysql://u@h/db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("database_url") && err.contains("mysql"),
        "{err}"
    );
}

#[test]
fn precedence_is_file_then_env_then_flags_and_secrets_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("signate.toml"),
        "listen = \"127.0.0.1:7001\"\ndata_dir = \"/srv/file\"\nworkers = 3\n\
         database_url = \"postgres://app:hunter2@db/signate\"\n",
    )
    .unwrap();
    let out = signate(dir.path())
        .args(["config", "--listen", "127.0.0.1:7003"])
        .env("SIGNATE_DATA_DIR", "/srv/env")
        .env("SIGNATE_LISTEN", "127.0.0.1:7002")
        .output()
        .unwrap();
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("listen = \"127.0.0.1:7003\""), "{shown}");
    assert!(shown.contains("data_dir = \"/srv/env\""), "{shown}");
    assert!(shown.contains("workers = 3"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("postgres://app:***@db/signate"), "{shown}");
}

#[test]
fn migrate_db_applies_then_reports_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let first = signate(dir.path())
        .args(["migrate-db", "--database-url", &url])
        .output()
        .unwrap();
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied"));
    let second = signate(dir.path())
        .args(["migrate-db", "--database-url", &url])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
}

#[test]
fn serve_creates_data_dir_and_answers_healthz() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = signate(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut healthy = false;
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").unwrap();
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            healthy = buf.starts_with("HTTP/1.0 200") || buf.starts_with("HTTP/1.1 200");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(healthy, "no 200 from /healthz; log:\n{log}");
    assert!(dir.path().join("data/signate.db").exists());
    assert!(dir.path().join("data/files").is_dir());
    assert!(
        log.contains(&format!("listening on http://127.0.0.1:{port}")),
        "{log}"
    );
    assert!(log.contains("database sqlite ./data/signate.db"), "{log}");
}
