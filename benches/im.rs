//! IM benchmark: prints figures, asserts nothing. Run: `cargo bench --bench im`.
//!
//! 1. From a received SMS at the simulated SMSC (`alice <n>` from a bound
//!    phone) to the `message` event on Alice's connected client: p50, p99
//!    and max latency at 100 and at 1,000 messages/s.
//! 2. Contact matching of 1,000 numbers (half of them registered and
//!    discoverable) against 1,000,000 users, through the API.
//!
//! The database is seeded directly (1,000,000 users with bound numbers)
//! before the daemon starts; everything after that goes through the real
//! binary, its API and the simulator. Default durable settings.

use rusqlite::params;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_sim::{MoMessage, Smsc, SmscConfig};

const USERS: u64 = 1_000_000;
const PHONES: u64 = 200;
const PHASE_SECS: u64 = 5;
const PASSWORD: &str = "bench password";

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn phone(i: u64) -> String {
    format!("+4915{:09}", i)
}

fn seed(db: &std::path::Path) {
    let started = Instant::now();
    let mut c = rusqlite::Connection::open(db).expect("open db");
    let tx = c.transaction().expect("tx");
    {
        let mut u = tx
            .prepare("INSERT INTO im_users (name, phone_only, discoverable, created_at) VALUES (?1, 1, ?2, 0)")
            .expect("prepare");
        let mut b = tx
            .prepare("INSERT INTO im_bindings (phone, user_id, created_at) VALUES (?1, ?2, 0)")
            .expect("prepare");
        for i in 0..USERS {
            u.execute(params![format!("u{i:07}"), i % 2 == 0])
                .expect("user");
            b.execute(params![phone(i), tx.last_insert_rowid()])
                .expect("binding");
        }
    }
    tx.commit().expect("commit");
    println!(
        "seeded {USERS} users with bound numbers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn cli(bin: &str, cfg: &std::path::Path, args: &[&str]) {
    let out = Command::new(bin)
        .args(args)
        .arg("--config")
        .arg(cfg)
        .env("SWITCHBOARD_PASSWORD", PASSWORD)
        .output()
        .expect("cli");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn login(http: &reqwest::Client, url: &str, id: &str) -> String {
    let v: serde_json::Value = http
        .post(format!("{url}/api/v1/login"))
        .header("content-type", "application/json")
        .body(serde_json::json!({"id": id, "password": PASSWORD}).to_string())
        .send()
        .await
        .expect("login")
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    v["token"].as_str().expect("token").to_owned()
}

type Sent = Arc<Mutex<HashMap<u64, Instant>>>;

/// Reads Alice's event stream; each `message` event's text is its number.
fn listen(mut resp: reqwest::Response, sent: Sent, lat: Arc<Mutex<Vec<Duration>>>) {
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            let now = Instant::now();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                if !block.contains("event: message") {
                    continue;
                }
                let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) else {
                    continue;
                };
                let v: serde_json::Value = serde_json::from_str(data.trim()).unwrap_or_default();
                let Some(n) = v["text"].as_str().and_then(|t| t.parse::<u64>().ok()) else {
                    continue;
                };
                if let Some(t0) = sent.lock().unwrap().remove(&n) {
                    lat.lock().unwrap().push(now - t0);
                }
            }
        }
    });
}

async fn phase(smsc: &Smsc, rate: u64, first: u64, sent: &Sent, lat: &Arc<Mutex<Vec<Duration>>>) {
    lat.lock().unwrap().clear();
    let total = rate * PHASE_SECS;
    let period = Duration::from_nanos(1_000_000_000 / rate);
    let start = tokio::time::Instant::now();
    for k in 0..total {
        tokio::time::sleep_until(start + period * k as u32).await;
        let n = first + k;
        sent.lock().unwrap().insert(n, Instant::now());
        let mo = MoMessage {
            from: phone(n % PHONES),
            to: "12345".into(),
            text: format!("alice {n}"),
            ..MoMessage::default()
        };
        if smsc.inject_mo(mo).await.is_err() {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while (lat.lock().unwrap().len() as u64) < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut l = lat.lock().unwrap().clone();
    l.sort();
    println!(
        "SMS → client event at {rate:>5}/s: {:>5} of {total} | p50 {:>6.2} ms | p99 {:>6.2} ms | max {:>7.2} ms",
        l.len(),
        ms(percentile(&l, 0.5)),
        ms(percentile(&l, 0.99)),
        ms(l.last().copied().unwrap_or_default()),
    );
}

async fn run() {
    let smsc = Smsc::start(SmscConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        control_listen: None,
        record: false,
        ..SmscConfig::default()
    })
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("im.db");
    let cfg = dir.path().join("im.toml");
    std::fs::write(
        &cfg,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[store]\npath = \"{}\"\n\
             [[smpp]]\nname = \"sim\"\nhost = \"127.0.0.1\"\nport = {}\nsystem_id = \"switchboard\"\n\
             password = \"secret\"\nwindow = 100\n\
             [im]\nenabled = true\nmatch_daily_quota = 10000000\n",
            db.display(),
            smsc.local_addr().port()
        ),
    )
    .expect("config");
    let bin = env!("CARGO_BIN_EXE_switchboard");
    cli(bin, &cfg, &["user", "add", "alice"]);
    cli(bin, &cfg, &["user", "add", "bob"]);
    seed(&db);

    let mut child = Command::new(bin)
        .args(["serve", "--config"])
        .arg(&cfg)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("daemon");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let _daemon = Daemon(child);
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    for _ in 0..200 {
        if smsc.bound_sessions() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let http = reqwest::Client::new();
    let alice = login(&http, &url, "alice").await;
    let bob = login(&http, &url, "bob").await;
    let events = http
        .get(format!("{url}/api/v1/events"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("events");
    let sent: Sent = Arc::default();
    let lat = Arc::new(Mutex::new(Vec::new()));
    listen(events, sent.clone(), lat.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Warm up (statement caches, pages), then the two rates.
    phase(&smsc, 100, 0, &sent, &lat).await;
    phase(&smsc, 100, 1_000_000, &sent, &lat).await;
    phase(&smsc, 1000, 2_000_000, &sent, &lat).await;

    // Contact matching: 1,000 numbers, every other one registered, of
    // those every other one discoverable.
    let numbers: Vec<String> = (0..1000u64)
        .map(|i| {
            if i % 2 == 0 {
                phone((i * 997 + (i / 2) % 2) % USERS)
            } else {
                format!("+4916{i:09}")
            }
        })
        .collect();
    let body = serde_json::json!({ "numbers": numbers }).to_string();
    let mut times = Vec::new();
    let mut found = 0;
    // The first requests warm the page cache of the million-row tables.
    for round in 0..55 {
        let t0 = Instant::now();
        let v: serde_json::Value = http
            .post(format!("{url}/api/v1/match"))
            .bearer_auth(&bob)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("match")
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        if round >= 5 {
            times.push(t0.elapsed());
        }
        found = v["matches"].as_array().map_or(0, Vec::len);
    }
    times.sort();
    println!(
        "contact matching, 1,000 numbers vs {USERS} users: {found} found | p50 {:.2} ms | p99 {:.2} ms over {} requests (HTTP round trip)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        times.len(),
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!("switchboard IM benchmark");
    rt.block_on(run());
}
