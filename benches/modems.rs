//! Benchmark of sending SMS through GSM modems: the real gateway process
//! drives simulated modems over real pseudo-terminals. Prints figures;
//! asserts nothing. Run: `cargo bench --bench modems [modem1|modem4|slow]`.
//!
//! Scenarios, each on a fresh database with default durable settings and
//! messages posted in batches of 100 (no delivery reports asked for):
//! 1. one modem answering at once (zero delays): the software's own cost
//!    per SMS, AT+CMGS → `> ` → PDU → `+CMGS: <mr>` → stored;
//! 2. four such modems in one pool;
//! 3. one and four modems taking 2.5 s per +CMGS, as real ones do: the
//!    modem-bound limit is 0.4 SMS/s per modem.
//!
//! For each: SMS/s (first post until the gateway has recorded every
//! `+CMGS: <mr>` answer), daemon CPU µs per SMS, daemon peak RSS.

mod common;

use common::{Gateway, start_gateway, usage};
use std::time::{Duration, Instant};
use switchboard_sim::modem::{ModemSim, ModemSimConfig, Profile, Timing};

fn report(name: &str, n: u64, elapsed: Duration, cpu_ms: f64, rss_kb: u64, limit: Option<f64>) {
    let rate = n as f64 / elapsed.as_secs_f64();
    let cpu_us = if n > 0 {
        cpu_ms * 1000.0 / n as f64
    } else {
        0.0
    };
    let of_limit = limit
        .map(|l| format!(" ({:.1} % of the modem-bound {l:.1}/s)", 100.0 * rate / l))
        .unwrap_or_default();
    println!(
        "{name:<44} {n:>6} SMS in {:>6.2} s = {rate:>7.1} SMS/s{of_limit} | daemon CPU {cpu_us:>6.1} µs/SMS | peak RSS {:.1} MB",
        elapsed.as_secs_f64(),
        rss_kb as f64 / 1024.0
    );
}

/// Modems with `cmgs_ms` per +CMGS and nothing else slow; no automatic
/// status reports (none are asked for).
async fn sims(n: usize, cmgs_ms: u64) -> Vec<ModemSim> {
    let mut out = Vec::new();
    for i in 0..n {
        let sim = ModemSim::start(ModemSimConfig {
            profile: Profile::Huawei,
            number: Some(format!("+4915900000{i:03}")),
            auto_status_reports: false,
            boot_urcs: false,
            timing: Timing {
                command_ms: 0,
                cmgs_ms,
                ..Timing::default()
            },
            ..ModemSimConfig::default()
        })
        .await
        .expect("simulated modem");
        out.push(sim);
    }
    out
}

/// The gateway's modems, pooled in one route. Health checks are rare so
/// they do not get between the submits.
fn modem_sections(sims: &[ModemSim]) -> String {
    let mut t = String::new();
    let mut names = Vec::new();
    for (i, s) in sims.iter().enumerate() {
        let name = format!("gsm{i}");
        t.push_str(&format!(
            "[[modem]]\nname = \"{name}\"\ndevice = \"{}\"\nhealth_secs = 60\nsweep_secs = 0\n\n",
            s.device()
        ));
        names.push(format!("\"{name}\""));
    }
    t.push_str(&format!(
        "[[route]]\nprefix = \"+\"\nvia = [{}]\n",
        names.join(", ")
    ));
    t
}

async fn wait_up(gw: &Gateway, n: usize) {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        let up = match client
            .get(format!("{}/api/v1/handlers", gw.url))
            .bearer_auth(&gw.key)
            .send()
            .await
        {
            Ok(r) => r
                .bytes()
                .await
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| v["handlers"].as_array().cloned())
                .map(|hs| hs.iter().filter(|h| h["state"] == "up").count())
                .unwrap_or(0),
            Err(_) => 0,
        };
        if up >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the gateway's modems never came up");
}

/// Messages the gateway counts as submitted (from /metrics).
async fn submitted(gw: &Gateway) -> u64 {
    let Ok(r) = reqwest::get(format!("{}/metrics", gw.url)).await else {
        return 0;
    };
    let text = r.text().await.unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("switchboard_messages_submitted_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn sent(sims: &[ModemSim]) -> u64 {
    sims.iter().map(|s| s.sent_parts().len() as u64).sum()
}

/// Posts `total` single-part messages in batches of 100 from 4 clients.
async fn post_all(gw: &Gateway, total: u64) {
    let client = reqwest::Client::new();
    let batches = total.div_ceil(100);
    let mut tasks = Vec::new();
    for w in 0..4u64 {
        let (client, url, key) = (client.clone(), gw.url.clone(), gw.key.clone());
        tasks.push(tokio::spawn(async move {
            let mut b = w;
            while b < batches {
                let n = 100.min(total - b * 100);
                let msgs: Vec<String> = (0..n)
                    .map(|i| {
                        format!(
                            "{{\"to\":\"+49170{}\",\"text\":\"modem bench {b} {i}\"}}",
                            1_000_000 + (b * 100 + i) % 9_000_000
                        )
                    })
                    .collect();
                let r = client
                    .post(format!("{url}/api/v1/messages"))
                    .bearer_auth(&key)
                    .header("content-type", "application/json")
                    .body(format!("{{\"messages\":[{}]}}", msgs.join(",")))
                    .send()
                    .await;
                if !matches!(r, Ok(ref r) if r.status().as_u16() == 202) {
                    eprintln!("a batch was not accepted: {r:?}");
                }
                b += 4;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

async fn through_modems(name: &str, modems: usize, cmgs_ms: u64, total: u64) {
    let sims = sims(modems, cmgs_ms).await;
    let gw = start_gateway(&modem_sections(&sims));
    wait_up(&gw, modems).await;
    let (cpu0, _) = usage(gw.child.id());
    let t0 = Instant::now();
    post_all(&gw, total).await;
    let limit = Duration::from_secs(60) + Duration::from_millis(cmgs_ms * total * 2);
    while sent(&sims) < total && t0.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // A simulator records a part when it takes it, before its `+CMGS:`
    // answer (which comes `cmgs_ms` later): the end is when the gateway
    // has every message recorded as submitted.
    while submitted(&gw).await < total && t0.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = t0.elapsed();
    if submitted(&gw).await < total {
        // Say where the rest is rather than print a figure that hides it.
        let text = reqwest::get(format!("{}/metrics", gw.url))
            .await
            .ok()
            .map(|r| r.text());
        let text = match text {
            Some(t) => t.await.unwrap_or_default(),
            None => String::new(),
        };
        let states: Vec<&str> = text
            .lines()
            .filter(|l| {
                l.starts_with("switchboard_outbound_messages{")
                    || l.starts_with("switchboard_queue")
                    || l.starts_with("switchboard_in_flight")
                    || l.starts_with("switchboard_link")
            })
            .collect();
        println!(
            "    not all sent in time: the modems took {} of {total}; gateway: {}",
            sent(&sims),
            states.join("; ")
        );
    }
    let (cpu1, rss) = usage(gw.child.id());
    let bound = (cmgs_ms > 0).then(|| modems as f64 * 1000.0 / cmgs_ms as f64);
    report(name, sent(&sims), elapsed, cpu1 - cpu0, rss, bound);
    if modems > 1 {
        let shares: Vec<String> = sims
            .iter()
            .map(|s| s.sent_parts().len().to_string())
            .collect();
        println!("    per modem: {}", shares.join(" / "));
    }
    drop(gw);
    for s in sims {
        s.stop().await;
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let want = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    println!("switchboard modem benchmark (simulated modems on ptys)");
    rt.block_on(async {
        if want("modem1") {
            through_modems("1 modem, zero delays", 1, 0, 5_000).await;
        }
        if want("modem4") {
            through_modems("4 modems in a pool, zero delays", 4, 0, 10_000).await;
        }
        if want("slow") {
            through_modems("1 modem, 2.5 s per +CMGS", 1, 2_500, 12).await;
            through_modems("4 modems in a pool, 2.5 s per +CMGS", 4, 2_500, 48).await;
        }
    });
}
