//! Simulated GSM modems for the integration tests: each on its own
//! pseudo-terminal (a real tty the gateway opens through tokio-serial), and
//! `[[modem]]` tables pointing at them.

use super::{Gateway, SECOND, eventually};
use serde_json::Value;
use std::time::Duration;
use switchboard_sim::modem::{ModemSim, ModemSimConfig, Profile};

/// A simulated modem of `profile` with zero delays, short rings and the SIM
/// number `number` (answered by +CNUM); `adjust` can change anything.
pub async fn start_modem(
    profile: Profile,
    number: &str,
    adjust: impl FnOnce(&mut ModemSimConfig),
) -> ModemSim {
    let mut cfg = ModemSimConfig::for_tests(profile);
    cfg.number = Some(number.to_owned());
    adjust(&mut cfg);
    ModemSim::start(cfg)
        .await
        .expect("the simulated modem starts on a pty")
}

/// A `[[modem]]` table for `device` with quick health checks, reopening and
/// timeouts, so a dead modem is noticed in seconds; `extra` holds more
/// `key = value` lines, which replace these defaults when they name the
/// same key.
pub fn modem_table(name: &str, device: &str, extra: &str) -> String {
    let defaults = [
        ("health_secs", "1"),
        ("ring_timeout_secs", "2"),
        ("command_timeout_ms", "1500"),
        ("send_timeout_ms", "3000"),
        ("reopen_min_ms", "200"),
        ("reopen_max_ms", "1000"),
        ("retry_min_secs", "1"),
        ("retry_max_secs", "2"),
        ("call_poll_ms", "200"),
    ];
    let given: Vec<&str> = extra
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    let mut t = format!("[[modem]]\nname = \"{name}\"\ndevice = \"{device}\"\n");
    for (k, v) in defaults {
        if !given.contains(&k) {
            t.push_str(&format!("{k} = {v}\n"));
        }
    }
    t.push_str(extra);
    t.push('\n');
    t
}

/// The handler `name` as GET /api/v1/handlers shows it.
pub async fn handler(gw: &Gateway, name: &str) -> Value {
    gw.api
        .handlers()
        .await
        .into_iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no handler {name} in GET /api/v1/handlers"))
}

/// Waits until the handler `name` is in `state` (up, degraded, down).
pub async fn wait_link_state(gw: &Gateway, name: &str, state: &str, limit: Duration) -> Value {
    eventually(&format!("link '{name}' {state}"), limit, || async move {
        let h = handler(gw, name).await;
        if h["state"] == state {
            Ok(h)
        } else {
            Err(h.to_string())
        }
    })
    .await
}

/// Every call, paging with `after`/`next_cursor`.
pub async fn calls_all(gw: &Gateway) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let path = format!("/api/v1/calls?limit=1000&after={after}");
        let (status, v) = gw.api.get(&path).await;
        assert_eq!(status, 200, "GET {path}: {v}");
        let page = v["calls"].as_array().cloned().unwrap_or_default();
        if page.is_empty() {
            return out;
        }
        after = v["next_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("no next_cursor in {v}"))
            .to_owned();
        out.extend(page);
    }
}

/// Waits until `n` calls are listed and `done` holds for all of them.
pub async fn wait_calls(gw: &Gateway, n: usize, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let done = &done;
    eventually(&format!("{n} call(s) listed"), 30 * SECOND, || async move {
        let list = calls_all(gw).await;
        if list.len() >= n && list.iter().all(done) {
            Ok(list)
        } else {
            Err(format!("{list:?}"))
        }
    })
    .await
}
