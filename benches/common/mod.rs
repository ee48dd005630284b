//! What the benchmarks share: the real gateway process on a fresh database,
//! and its CPU time and peak memory from /proc.

// Each bench uses a part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `switchboard serve` with its API key; killed on drop.
pub struct Gateway {
    pub child: Child,
    pub url: String,
    pub key: String,
    /// Holds the config and database; scripts may go here too.
    pub dir: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the gateway with `[server]` and `[store]` on a fresh database
/// (durable defaults; `BENCH_SYNC=normal` measures without an fsync per
/// commit) and the given config `sections`.
pub fn start_gateway(sections: &str) -> Gateway {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("bench.toml");
    std::fs::write(
        &cfg,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[store]\npath = \"{}\"\nsynchronous = \"{}\"\n{sections}\n",
            dir.path().join("bench.db").display(),
            std::env::var("BENCH_SYNC").unwrap_or_else(|_| "full".into()),
        ),
    )
    .expect("write config");
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let out = Command::new(bin)
        .args(["apikey", "create", "--name", "bench", "--config"])
        .arg(&cfg)
        .output()
        .expect("apikey create");
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let mut child = Command::new(bin)
        .args(["serve", "--config"])
        .arg(&cfg)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start gateway");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("listening line");
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    Gateway {
        child,
        url,
        key,
        dir,
    }
}

/// (user+system CPU in ms, peak RSS in kB) of a process, from /proc.
pub fn usage(pid: u32) -> (f64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let hz = 100.0; // USER_HZ on Linux
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks * 1000.0 / hz, hwm)
}
