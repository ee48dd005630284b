//! End-to-end benchmark of the gateway process against the simulated SMSC.
//! Prints figures; asserts nothing. Run: `cargo bench --bench e2e`
//! (`wrk` must be installed; `scripts/bench` installs it).
//!
//! Scenarios, each on a fresh database with default durable settings:
//! 1. one message per HTTP request, 32 connections from `wrk`;
//! 2. batches of 100 messages per request;
//! 3. received SMS: deliver_sm from the simulator until stored and acked;
//! 4. one bind, window 10, an SMSC that answers after 50 ms.
//!
//! For each: messages/s, daemon CPU µs per message, daemon peak RSS.

mod common;

use common::{Gateway, usage};
use std::process::Command;
use std::time::{Duration, Instant};
use switchboard_sim::{MoMessage, Smsc, SmscConfig};

const SECS: u64 = 10;

/// The throughput scenarios use a window of 100: a message's credit on a
/// link comes back only when its submit is committed (that bounds resends
/// after a crash to the window), so a window of 10 caps one bind at 10 per
/// commit cycle. Operators set the window their SMSC allows.
const WIDE: &str = "window = 100\n";

fn start_gateway(smsc_port: u16, extra: &str) -> Gateway {
    common::start_gateway(&format!(
        "[[smpp]]\nname = \"sim\"\nhost = \"127.0.0.1\"\nport = {smsc_port}\n\
         system_id = \"switchboard\"\npassword = \"secret\"\n{extra}"
    ))
}

async fn sim(dlr_delay_ms: u64, response_delay_ms: u64) -> Smsc {
    Smsc::start(SmscConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        control_listen: None,
        dlr_delay_ms,
        response_delay_ms,
        record: false,
        ..SmscConfig::default()
    })
    .await
    .expect("start sim")
}

async fn wait_bound(smsc: &Smsc) {
    for _ in 0..200 {
        if smsc.bound_sessions() > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the gateway never bound to the simulator");
}

async fn wait_count(f: impl Fn() -> u64, n: u64, limit: Duration) -> Instant {
    let start = Instant::now();
    while f() < n && start.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Instant::now()
}

fn report(name: &str, n: u64, elapsed: Duration, cpu_ms: f64, rss_kb: u64) {
    let rate = n as f64 / elapsed.as_secs_f64();
    let cpu_us = if n > 0 {
        cpu_ms * 1000.0 / n as f64
    } else {
        0.0
    };
    println!(
        "{name:<44} {n:>7} msgs in {:>6.2} s = {rate:>8.0} msg/s | daemon CPU {cpu_us:>6.1} µs/msg | peak RSS {:.1} MB",
        elapsed.as_secs_f64(),
        rss_kb as f64 / 1024.0
    );
}

async fn single_per_request() {
    let smsc = sim(0, 0).await;
    let gw = start_gateway(smsc.local_addr().port(), WIDE);
    wait_bound(&smsc).await;
    let script = gw.dir.path().join("post.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Authorization\"] = \"Bearer {}\"\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\ncounter = 0\n\
             request = function()\n  counter = counter + 1\n  \
             return wrk.format(nil, nil, nil, '{{\"to\":\"+49170' .. (1000000 + math.random(0, 8999999)) .. '\",\"text\":\"bench message ' .. counter .. '\"}}')\nend\n",
            gw.key
        ),
    )
    .expect("lua");
    let (cpu0, _) = usage(gw.child.id());
    let t0 = Instant::now();
    let out = Command::new("wrk")
        .args(["-t2", "-c32", &format!("-d{SECS}s"), "-s"])
        .arg(&script)
        .arg(format!("{}/api/v1/messages", gw.url))
        .output()
        .expect("run wrk (install it: apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let requests: u64 = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let non2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .unwrap_or("")
        .trim()
        .to_owned();
    let done = wait_count(|| smsc.stats().accepted, requests, Duration::from_secs(60)).await;
    let (cpu1, rss) = usage(gw.child.id());
    let accepted = smsc.stats().accepted;
    report(
        "1 message per request, wrk 32 conns",
        accepted,
        done - t0,
        cpu1 - cpu0,
        rss,
    );
    if !non2xx.is_empty() {
        println!("    wrk: {non2xx}");
    }
    if let Some(lat) = text.lines().find(|l| l.trim_start().starts_with("Latency")) {
        println!("    wrk HTTP {}", lat.trim());
    }
    smsc.stop().await;
}

async fn batches() {
    let smsc = sim(0, 0).await;
    let gw = start_gateway(smsc.local_addr().port(), WIDE);
    wait_bound(&smsc).await;
    let client = reqwest::Client::new();
    let (cpu0, _) = usage(gw.child.id());
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(SECS);
    let mut tasks = Vec::new();
    for w in 0..8u64 {
        let (client, url, key) = (client.clone(), gw.url.clone(), gw.key.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = 0u64;
            let mut n = 0u64;
            while Instant::now() < deadline {
                let msgs: Vec<String> = (0..100)
                    .map(|i| {
                        format!(
                            "{{\"to\":\"+49170{}\",\"text\":\"batch {w} {n} {i}\"}}",
                            1_000_000 + (w * 7919 + n * 104_729 + i) % 9_000_000
                        )
                    })
                    .collect();
                n += 1;
                let body = format!("{{\"messages\":[{}]}}", msgs.join(","));
                let r = client
                    .post(format!("{url}/api/v1/messages"))
                    .bearer_auth(&key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                if matches!(r, Ok(ref r) if r.status().as_u16() == 202) {
                    sent += 100;
                }
            }
            sent
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap_or(0);
    }
    let done = wait_count(|| smsc.stats().accepted, sent, Duration::from_secs(60)).await;
    let (cpu1, rss) = usage(gw.child.id());
    report(
        "batches of 100, 8 concurrent requests",
        smsc.stats().accepted,
        done - t0,
        cpu1 - cpu0,
        rss,
    );
    smsc.stop().await;
}

async fn received() {
    let smsc = Smsc::start(SmscConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        control_listen: None,
        record: false,
        deliver_window: 10,
        ..SmscConfig::default()
    })
    .await
    .expect("sim");
    let gw = start_gateway(smsc.local_addr().port(), "");
    wait_bound(&smsc).await;
    let n: u64 = 50_000;
    let (cpu0, _) = usage(gw.child.id());
    let t0 = Instant::now();
    for i in 0..n {
        let mo = MoMessage {
            from: "+491701234567".into(),
            to: "12345".into(),
            text: format!("received message {i}"),
            parts_order: None,
            coding: None,
        };
        if smsc.inject_mo(mo).await.is_err() {
            break;
        }
    }
    let done = wait_count(|| smsc.stats().mo_acked, n, Duration::from_secs(120)).await;
    let (cpu1, rss) = usage(gw.child.id());
    report(
        "received: deliver_sm to stored and acked",
        smsc.stats().mo_acked,
        done - t0,
        cpu1 - cpu0,
        rss,
    );
    smsc.stop().await;
}

async fn slow_smsc_window() {
    // Reports come half a second later, as the simulator does by default
    // (real SMSCs take seconds).
    let smsc = sim(500, 50).await;
    let gw = start_gateway(smsc.local_addr().port(), "window = 10\n");
    wait_bound(&smsc).await;
    let client = reqwest::Client::new();
    let n = 2000u64;
    for b in 0..n / 100 {
        let msgs: Vec<String> = (0..100)
            .map(|i| format!("{{\"to\":\"+491701234567\",\"text\":\"slow {b} {i}\"}}"))
            .collect();
        let _ = client
            .post(format!("{}/api/v1/messages", gw.url))
            .bearer_auth(&gw.key)
            .header("content-type", "application/json")
            .body(format!("{{\"messages\":[{}]}}", msgs.join(",")))
            .send()
            .await;
    }
    // Time from the first accepted submit to the last: the bind's rate.
    let start = wait_count(|| smsc.stats().accepted, 1, Duration::from_secs(10)).await;
    let (cpu0, _) = usage(gw.child.id());
    let done = wait_count(|| smsc.stats().accepted, n, Duration::from_secs(60)).await;
    let (cpu1, rss) = usage(gw.child.id());
    report(
        "one bind, window 10, SMSC answers in 50 ms",
        smsc.stats().accepted,
        done - start,
        cpu1 - cpu0,
        rss,
    );
    smsc.stop().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let want = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    println!(
        "switchboard end-to-end benchmark ({} s per load phase)",
        SECS
    );
    rt.block_on(async {
        if want("single") {
            single_per_request().await;
        }
        if want("batch") {
            batches().await;
        }
        if want("received") {
            received().await;
        }
        if want("window") {
            slow_smsc_window().await;
        }
    });
}
