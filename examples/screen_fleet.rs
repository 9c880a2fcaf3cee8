//! A fleet of simulated screens for `bench/screens` (issue 13's benchmark): pairs N screens
//! into a group, holds N WebSockets on `/player/ws` with heartbeats, and measures how long a
//! group command takes to reach every screen, and what the connections cost the server (its
//! RSS and open descriptors, read from `/proc/<pid>`).
//!
//! Run by `bench/screens`, which starts the server, signs up a tenant and makes the group and
//! the key; see bench/README.md. Prints figures; asserts nothing about them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::{SinkExt, StreamExt, stream};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8080
    #[arg(long)]
    base: String,
    /// A key (or access token) with devices.manage in the tenant.
    #[arg(long)]
    key: String,
    /// The group the screens are claimed into and the commands go to.
    #[arg(long)]
    group: String,
    /// How many screens.
    #[arg(long)]
    screens: usize,
    /// The server's process id (for VmRSS and /proc/<pid>/fd).
    #[arg(long)]
    server_pid: u32,
    /// How many group commands to send, one after another.
    #[arg(long, default_value_t = 20)]
    commands: usize,
    #[arg(long, default_value_t = 64)]
    pair_concurrency: usize,
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// Seconds between a screen's heartbeats (the browser player: 25).
    #[arg(long, default_value_t = 25)]
    heartbeat_secs: u64,
    /// Seconds the screens stay connected before the commands: past the server's first ping
    /// (20 s) and the screens' second heartbeat, so the RSS is that of settled connections.
    #[arg(long, default_value_t = 30)]
    settle_secs: u64,
    /// Written once the measurements are done: a device token and the playlist's ETag, one a
    /// line. The screens then stay connected until `done_file` exists.
    #[arg(long)]
    ready_file: PathBuf,
    #[arg(long)]
    done_file: PathBuf,
}

const HEARTBEAT: &str =
    r#"{"type":"heartbeat","resolution":"1920x1080","player_version":"bench","asset_id":null}"#;

/// When each screen received each command (by the command's id), and what else came.
#[derive(Default)]
struct Receipts {
    by_command: Mutex<HashMap<String, Vec<Instant>>>,
    other_frames: Mutex<HashMap<String, usize>>,
    /// Sockets that ended before the bench asked them to.
    dropped: AtomicUsize,
}

#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

impl Receipts {
    fn heard(&self, text: &str, at: Instant) {
        match serde_json::from_str::<Frame>(text) {
            Ok(Frame { kind, id: Some(id) }) if kind == "command" => self
                .by_command
                .lock()
                .unwrap()
                .entry(id)
                .or_default()
                .push(at),
            Ok(f) => *self.other_frames.lock().unwrap().entry(f.kind).or_default() += 1,
            Err(_) => {
                *self
                    .other_frames
                    .lock()
                    .unwrap()
                    .entry("(not JSON)".into())
                    .or_default() += 1
            }
        }
    }

    fn count(&self, id: &str) -> usize {
        self.by_command.lock().unwrap().get(id).map_or(0, Vec::len)
    }
}

fn proc_status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

/// The server's RSS and descriptors now, printed under `label`; returns the RSS in kB.
fn server_usage(pid: u32, label: &str) -> (u64, usize) {
    let (rss, n) = (proc_status_kb(pid, "VmRSS:"), fds(pid));
    println!("server {label:<34} RSS {:>10}   open fds {n:>6}", mb(rss));
    (rss, n)
}

fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!(
        "p50 {:>8.1} ms   p99 {:>8.1} ms   max {:>8.1} ms   (n={})",
        pct(&v, 0.50),
        pct(&v, 0.99),
        v.last().copied().unwrap_or(f64::NAN),
        v.len()
    )
}

/// Pairs one screen as a player and an admin do: a code, the claim into the group, the token.
async fn pair_one(http: &reqwest::Client, a: &Args, i: usize) -> anyhow::Result<String> {
    let r = http
        .post(format!("{}/api/v3/screens/pair", a.base))
        .json(&json!({"resolution": "1920x1080", "player_version": "bench"}))
        .send()
        .await?;
    if r.status() != 201 {
        bail!(
            "pair: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
    }
    let started: Value = r.json().await?;
    let r = http
        .post(format!("{}/api/v3/screens", a.base))
        .bearer_auth(&a.key)
        .json(
            &json!({"code": started["code"], "name": format!("bench {i:05}"),
                      "group_id": a.group}),
        )
        .send()
        .await?;
    if r.status() != 201 {
        bail!(
            "claim: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
    }
    let secret = started["secret"].as_str().context("no secret")?;
    let r = http
        .get(format!("{}/api/v3/screens/pair/{secret}", a.base))
        .send()
        .await?;
    if r.status() != 200 {
        bail!(
            "poll: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
    }
    let done: Value = r.json().await?;
    Ok(done["device_token"]
        .as_str()
        .context("no device_token")?
        .to_string())
}

/// Opens one screen's WebSocket, says a heartbeat, and leaves a task holding it: it records
/// the frames it gets and beats every `heartbeat` until `stop`.
async fn connect_one(
    a: &Args,
    token: &str,
    receipts: Arc<Receipts>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let ws_url = format!("{}/player/ws", a.base.replacen("http", "ws", 1));
    let mut req = ws_url.into_client_request()?;
    req.headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse()?);
    let (ws, _) = tokio_tungstenite::connect_async(req).await?;
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::text(HEARTBEAT)).await?;
    let every = Duration::from_secs(a.heartbeat_secs);
    Ok(tokio::spawn(async move {
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                msg = rx.next() => match msg {
                    Some(Ok(Message::Text(t))) => receipts.heard(&t, Instant::now()),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                        receipts.dropped.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    // Pings are answered by tungstenite itself on the next read or write.
                    Some(Ok(_)) => {}
                },
                _ = beat.tick() => {
                    if tx.send(Message::text(HEARTBEAT)).await.is_err() {
                        receipts.dropped.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
                _ = stop.changed() => {
                    let _ = tx.send(Message::Close(None)).await;
                    return;
                }
            }
        }
    }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let pid = a.server_pid;
    let n = a.screens;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.pair_concurrency.max(a.connect_concurrency))
        .build()?;
    server_usage(pid, "before pairing");

    // ---- pairing ----
    let t = Instant::now();
    let results: Vec<anyhow::Result<String>> = stream::iter(0..n)
        .map(|i| {
            let (http, a) = (&http, &a);
            async move { pair_one(http, a, i).await }
        })
        .buffer_unordered(a.pair_concurrency)
        .collect()
        .await;
    let secs = t.elapsed().as_secs_f64();
    let mut tokens = Vec::with_capacity(n);
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(tok) => tokens.push(tok),
            Err(e) => failed.push(e),
        }
    }
    println!(
        "paired {} screens in {secs:.1} s ({:.0} screens/s, 3 requests each, {} at a time){}",
        tokens.len(),
        tokens.len() as f64 / secs,
        a.pair_concurrency,
        if failed.is_empty() {
            String::new()
        } else {
            format!("; {} FAILED, first: {:#}", failed.len(), failed[0])
        }
    );
    if tokens.is_empty() {
        bail!("no screen paired");
    }
    // Pairing's own connections are not the screens'.
    drop(http);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss0, fds0) = server_usage(pid, "paired, 0 screens connected");

    // ---- connecting ----
    let receipts = Arc::new(Receipts::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let t = Instant::now();
    let results: Vec<anyhow::Result<tokio::task::JoinHandle<()>>> = stream::iter(tokens.iter())
        .map(|tok| connect_one(&a, tok, receipts.clone(), stop_rx.clone()))
        .buffer_unordered(a.connect_concurrency)
        .collect()
        .await;
    let secs = t.elapsed().as_secs_f64();
    let mut tasks = Vec::with_capacity(n);
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(h) => tasks.push(h),
            Err(e) => failed.push(e),
        }
    }
    let connected = tasks.len();
    println!(
        "connected {connected} WebSockets in {secs:.1} s ({:.0}/s, {} at a time){}",
        connected as f64 / secs,
        a.connect_concurrency,
        if failed.is_empty() {
            String::new()
        } else {
            format!("; {} FAILED, first: {:#}", failed.len(), failed[0])
        }
    );
    // Past one heartbeat flush (every 5 s) and the connections' first writes.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let (rss1, fds1) = server_usage(pid, &format!("{connected} connected, 7 s later"));
    tokio::time::sleep(Duration::from_secs(a.settle_secs.saturating_sub(7))).await;
    let (rss2, _) = server_usage(
        pid,
        &format!("{connected} connected, {} s later", a.settle_secs),
    );
    if connected > 0 {
        let per = |rss: u64| (rss as f64 - rss0 as f64) / 1024.0 / connected as f64 * 1000.0;
        println!(
            "server RSS per 1,000 connected screens: {:.1} MB at 7 s, {:.1} MB at {} s;   fds per screen: {:.2}",
            per(rss1),
            per(rss2),
            a.settle_secs,
            (fds1 as f64 - fds0 as f64) / connected as f64
        );
    }

    // ---- fan-out ----
    let admin = reqwest::Client::new();
    let mut first = Vec::with_capacity(a.commands);
    let mut last = Vec::with_capacity(a.commands);
    let mut all = Vec::with_capacity(a.commands * connected);
    let mut post = Vec::with_capacity(a.commands);
    let mut short = 0usize;
    let url = format!("{}/api/v3/groups/{}/commands", a.base, a.group);
    for k in 0..a.commands {
        let t0 = Instant::now();
        let r = admin
            .post(&url)
            .bearer_auth(&a.key)
            .json(&json!({"command": "next"}))
            .send()
            .await?;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or_default();
        post.push(t0.elapsed().as_secs_f64() * 1000.0);
        if status != 202 {
            bail!("command {k}: {status} {body}");
        }
        let id = body["id"].as_str().context("no id in the 202")?.to_string();
        let sent_to = body["sent_to"].as_array().map_or(0, Vec::len);
        if sent_to != connected {
            println!(
                "  command {k}: sent to {sent_to} screens, {} offline, {connected} connected",
                body["offline"].as_array().map_or(0, Vec::len)
            );
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while receipts.count(&id) < connected && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let times: Vec<f64> = receipts
            .by_command
            .lock()
            .unwrap()
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|at| at.saturating_duration_since(t0).as_secs_f64() * 1000.0)
            .collect();
        if times.len() < connected {
            short += connected - times.len();
        }
        first.push(times.iter().copied().fold(f64::INFINITY, f64::min));
        last.push(times.iter().copied().fold(0.0, f64::max));
        all.extend(times);
        if k == 0 {
            server_usage(pid, "after the first command");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "{} group commands (POST /api/v3/groups/{{id}}/commands, one after another):",
        a.commands
    );
    println!("  POST answered (202)             {}", summary(post));
    println!("  first screen received it        {}", summary(first));
    println!("  last of the screens received it {}", summary(last));
    println!("  every receipt                   {}", summary(all));
    if short > 0 {
        println!("  MISSED: {short} receipts did not arrive within 30 s");
    }
    let others = receipts.other_frames.lock().unwrap().clone();
    if !others.is_empty() {
        println!("  other frames the screens got: {others:?}");
    }
    let dropped = receipts.dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        println!("  DROPPED: {dropped} WebSockets ended on their own");
    }
    server_usage(pid, "after the commands");
    println!(
        "server peak RSS (VmHWM) so far: {}",
        mb(proc_status_kb(pid, "VmHWM:"))
    );

    // ---- hand over to the playlist phase, screens still connected ----
    let r = admin
        .get(format!("{}/api/player/playlist", a.base))
        .bearer_auth(&tokens[0])
        .send()
        .await?;
    let status = r.status();
    let etag = r
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = r.text().await.unwrap_or_default();
    if status != 200 || etag.is_empty() {
        bail!("playlist: {status} (ETag {etag:?}) {body}");
    }
    println!("playlist: {} bytes, ETag {etag}", body.len());
    std::fs::write(&a.ready_file, format!("{}\n{etag}\n", tokens[0]))?;
    let deadline = Instant::now() + Duration::from_secs(1800);
    while !a.done_file.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dropped_before = receipts.dropped.load(Ordering::Relaxed);
    let _ = stop_tx.send(true);
    let t = Instant::now();
    for h in tasks {
        let _ = h.await;
    }
    let dropped = receipts.dropped.load(Ordering::Relaxed);
    if dropped > dropped_before {
        println!(
            "DROPPED during the playlist phase: {} WebSockets",
            dropped - dropped_before
        );
    }
    println!(
        "closed {connected} WebSockets in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
