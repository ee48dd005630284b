//! Shared harness for switchboard's integration tests: a gateway process
//! started from the real binary with a generated configuration, an HTTP
//! client for its API, the in-process simulated SMSC, the node-smpp SMSC
//! peer, and a helper that waits for an outcome.
//!
//! The waits are not timing assertions: they wait generously for something
//! a user would notice (a message delivered, a link down) and fail with a
//! description of the last state seen when it never comes.

#![allow(dead_code)]

pub mod modem;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard_protocol::text::{self, Coding};
use switchboard_sim::{Smsc, SmscConfig};
use tempfile::TempDir;
use tokio::sync::mpsc;

/// How long a gateway may take to print its listening line (a debug build
/// on a busy 2-core machine, with other builds running beside it).
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub const SECOND: Duration = Duration::from_secs(1);

// ------------------------------------------------------------------ waiting

/// Calls `check` until it returns `Ok`, every 100 ms, for at most `limit`.
/// On timeout the test fails naming `what` and the last `Err` (the state
/// seen), so a failure says what never happened.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    let mut last;
    loop {
        match check().await {
            Ok(v) => return v,
            Err(e) => last = e,
        }
        if start.elapsed() >= limit {
            panic!("gave up after {limit:?} waiting for {what}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ------------------------------------------------------------------ config

/// One `[[smpp]]` table for a link to an SMSC on 127.0.0.1 with the
/// simulator's default account (switchboard/secret) and quick reconnects;
/// `extra` holds more `key = value` lines, which replace these defaults
/// when they name the same key.
pub fn smpp_link(name: &str, port: u16, extra: &str) -> String {
    let defaults = [
        ("system_id", "\"switchboard\""),
        ("password", "\"secret\""),
        ("reconnect_min_secs", "1"),
        ("reconnect_max_secs", "2"),
    ];
    let given: Vec<&str> = extra
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    let mut t = format!("[[smpp]]\nname = \"{name}\"\nhost = \"127.0.0.1\"\nport = {port}\n");
    for (k, v) in defaults {
        if !given.contains(&k) {
            t.push_str(&format!("{k} = {v}\n"));
        }
    }
    t.push_str(extra);
    t.push('\n');
    t
}

/// A `[delivery]` table with short retry delays and holds, for tests that
/// must finish in seconds.
pub fn fast_delivery(uncertain_hold_secs: u64) -> String {
    delivery(uncertain_hold_secs, 60)
}

/// Like [`fast_delivery`] with the wait for missing parts of a received
/// long SMS given too. The gateway looks for overdue parts every 5 s, so a
/// lone part shows up as an incomplete message at most that long after
/// `mo_part_timeout_secs`.
pub fn delivery(uncertain_hold_secs: u64, mo_part_timeout_secs: u64) -> String {
    format!(
        "[delivery]\nretry_min_secs = 1\nretry_max_secs = 2\n\
         uncertain_hold_secs = {uncertain_hold_secs}\nmo_part_timeout_secs = {mo_part_timeout_secs}\n"
    )
}

/// Waits long enough for a lone received part to be flushed as an
/// incomplete message with `mo_part_timeout_secs = 1` (see [`delivery`]).
pub const PART_FLUSH_WAIT: Duration = Duration::from_millis(7_500);

// ------------------------------------------------------------------ gateway

/// A `switchboard serve` process on a database in its own temporary
/// directory. Killed (SIGKILL) when dropped; when a test fails its log
/// tail is printed.
pub struct Gateway {
    dir: TempDir,
    config_path: PathBuf,
    child: Option<Child>,
    /// Lines the process printed on stdout after the listening line.
    stdout: Option<mpsc::UnboundedReceiver<String>>,
    log_path: PathBuf,
    /// The API of the running process (its port changes on restart).
    pub api: Api,
    pub key: String,
    pub starts: u32,
}

impl Gateway {
    /// Writes a configuration made of `[server]`, `[store]` and `sections`
    /// (`[delivery]`, `[[smpp]]`, ...), creates an API key with the CLI and
    /// starts the gateway.
    pub async fn start(sections: &str) -> Gateway {
        Self::start_with_store(sections, "full").await
    }

    /// Like [`Gateway::start`] with `store.synchronous` set (`"normal"`
    /// still survives kill -9 and is faster under load).
    pub async fn start_with_store(sections: &str, synchronous: &str) -> Gateway {
        Self::start_configured("", sections, synchronous).await
    }

    /// Like [`Gateway::start_with_store`] with more keys of `[server]`.
    pub async fn start_configured(server: &str, sections: &str, synchronous: &str) -> Gateway {
        let dir = tempfile::Builder::new()
            .prefix("switchboard-it-")
            .tempdir()
            .expect("a temporary directory for the gateway");
        let db = dir.path().join("switchboard.db");
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n{server}\n[store]\npath = {db:?}\nsynchronous = \"{synchronous}\"\n\n{sections}\n",
            db = db.display().to_string(),
        );
        let config_path = dir.path().join("switchboard.toml");
        std::fs::write(&config_path, &config).expect("config written");
        let key = create_key(&config_path, "integration-tests");
        let log_path = dir.path().join("gateway.log");
        let mut gw = Gateway {
            dir,
            config_path,
            child: None,
            stdout: None,
            log_path,
            api: Api::new("http://127.0.0.1:1", &key),
            key,
            starts: 0,
        };
        gw.spawn().await;
        gw
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    async fn spawn(&mut self) {
        assert!(self.child.is_none(), "the gateway is already running");
        self.starts += 1;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("log file");
        use std::io::Write;
        let mut header = log.try_clone().expect("log file");
        let _ = writeln!(header, "===== start {} =====", self.starts);
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("serve")
            .arg("--config")
            .arg(&self.config_path)
            .env(
                "RUST_LOG",
                std::env::var("SWITCHBOARD_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("switchboard serve starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, mut rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        self.child = Some(child);
        let first = match tokio::time::timeout(START_TIMEOUT, rx.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => {
                let status = self.child.as_mut().and_then(|c| c.wait().ok());
                panic!(
                    "switchboard serve exited ({status:?}) without printing its listening line; log:\n{}",
                    self.log_tail(40)
                );
            }
            Err(_) => panic!(
                "switchboard serve printed nothing on stdout within {START_TIMEOUT:?}; log:\n{}",
                self.log_tail(40)
            ),
        };
        let base = first.strip_prefix("listening on ").unwrap_or_else(|| {
            panic!("first stdout line is not 'listening on http://...': {first:?}")
        });
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "listening line names an unexpected address: {first:?}"
        );
        self.stdout = Some(rx);
        self.api = Api::new(base, &self.key);
    }

    /// kill -9: the process gets no chance to unbind or flush anything.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.stdout = None;
    }

    /// kill -9, then start again on the same database and configuration.
    pub async fn restart(&mut self) {
        self.kill9();
        self.spawn().await;
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill9();
        if std::thread::panicking() || std::env::var_os("SWITCHBOARD_TEST_KEEP_LOGS").is_some() {
            // The temporary directory goes away: keep the whole log.
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("it-logs");
            let name = std::thread::current()
                .name()
                .unwrap_or("test")
                .replace("::", "-");
            let kept = dir.join(format!("{name}-{}.log", std::process::id()));
            let saved =
                std::fs::create_dir_all(&dir).and_then(|_| std::fs::copy(&self.log_path, &kept));
            let where_ = match saved {
                Ok(_) => kept.display().to_string(),
                Err(e) => format!("not saved: {e}"),
            };
            if std::thread::panicking() {
                eprintln!(
                    "---- last lines of the gateway log (whole log: {where_}) ----\n{}\n---- end of gateway log ----",
                    self.log_tail(80)
                );
            }
        }
    }
}

/// `switchboard apikey create`: the key it prints on stdout.
pub fn create_key(config: &Path, name: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["apikey", "create", "--name", name, "--config"])
        .arg(config)
        .output()
        .expect("switchboard apikey create runs");
    assert!(
        out.status.success(),
        "switchboard apikey create failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout)
        .expect("utf-8 key")
        .trim()
        .to_owned();
    assert!(
        !key.is_empty() && !key.contains(char::is_whitespace),
        "bad key printed: {key:?}"
    );
    key
}

// ------------------------------------------------------------------ API

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// `Authorization: Bearer <the test key>`.
    Key,
    None,
    /// This exact Authorization header value.
    Header(&'a str),
}

#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    pub base: String,
    key: String,
}

impl Api {
    pub fn new(base: &str, key: &str) -> Api {
        Api {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
        }
    }

    /// Any request; the status and the body as JSON (`Value::String` with
    /// the raw text when it is not JSON).
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        auth: Auth<'_>,
    ) -> (u16, Value) {
        let mut r = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        match auth {
            Auth::Key => r = r.header("authorization", format!("Bearer {}", self.key)),
            Auth::None => {}
            Auth::Header(h) => r = r.header("authorization", h),
        }
        if let Some(b) = body {
            r = r
                .header("content-type", "application/json")
                .body(serde_json::to_vec(b).expect("JSON body"));
        }
        let resp = r
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: no answer from the gateway: {e}"));
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap_or_default();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.request(reqwest::Method::GET, path, None, Auth::Key)
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request(reqwest::Method::POST, path, Some(body), Auth::Key)
            .await
    }

    /// The raw text of an unauthenticated GET (for /metrics).
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: no answer from the gateway: {e}"));
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    }

    /// POST /api/v1/messages that must be accepted (202); the answer.
    pub async fn send(&self, body: &Value) -> Value {
        let (status, v) = self.post("/api/v1/messages", body).await;
        assert_eq!(
            status, 202,
            "POST /api/v1/messages {body} was not accepted: {v}"
        );
        v
    }

    /// Sends one text and returns its id.
    pub async fn send_text(&self, to: &str, text: &str) -> String {
        let v = self.send(&json!({ "to": to, "text": text })).await;
        id_of(&v)
    }

    /// Sends a batch of `(to, text)` and returns the ids in order.
    pub async fn send_batch(&self, msgs: &[(String, String)]) -> Vec<String> {
        let body = json!({
            "messages": msgs.iter().map(|(to, text)| json!({ "to": to, "text": text })).collect::<Vec<_>>()
        });
        let v = self.send(&body).await;
        let list = v["messages"]
            .as_array()
            .unwrap_or_else(|| panic!("batch answer without messages: {v}"));
        assert_eq!(
            list.len(),
            msgs.len(),
            "batch answer has {} ids for {} messages: {v}",
            list.len(),
            msgs.len()
        );
        list.iter().map(id_of).collect()
    }

    /// GET /api/v1/messages/{id} that must exist.
    pub async fn message(&self, id: &str) -> Value {
        let (status, v) = self.get(&format!("/api/v1/messages/{id}")).await;
        assert_eq!(status, 200, "GET /api/v1/messages/{id}: {v}");
        v
    }

    /// Every outbound message, paging with `before`.
    pub async fn outbound_all(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let path = match &before {
                Some(b) => format!("/api/v1/messages?limit=1000&before={b}"),
                None => "/api/v1/messages?limit=1000".to_owned(),
            };
            let (status, v) = self.get(&path).await;
            assert_eq!(status, 200, "GET {path}: {v}");
            let page = v["messages"].as_array().cloned().unwrap_or_default();
            if page.is_empty() {
                return out;
            }
            before = v["next_before"].as_str().map(str::to_owned);
            out.extend(page);
            if before.is_none() {
                return out;
            }
        }
    }

    /// Every received message, paging with `after`/`next_cursor`.
    pub async fn inbound_all(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let path = format!("/api/v1/messages?direction=in&limit=1000&after={after}");
            let (status, v) = self.get(&path).await;
            assert_eq!(status, 200, "GET {path}: {v}");
            let page = v["messages"].as_array().cloned().unwrap_or_default();
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

    /// Stored outbound messages per state, from /metrics.
    pub async fn state_counts(&self) -> HashMap<String, u64> {
        let (status, text) = self.get_text("/metrics").await;
        assert_eq!(status, 200, "GET /metrics: {text}");
        let mut out = HashMap::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("switchboard_outbound_messages{state=\"")
                && let Some((state, n)) = rest.split_once("\"} ")
            {
                out.insert(state.to_owned(), n.trim().parse().unwrap_or(0));
            }
        }
        out
    }

    /// The links as GET /api/v1/handlers shows them.
    pub async fn handlers(&self) -> Vec<Value> {
        let (status, v) = self.get("/api/v1/handlers").await;
        assert_eq!(status, 200, "GET /api/v1/handlers: {v}");
        v["handlers"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until the link `name` is up.
    pub async fn wait_link_up(&self, name: &str) {
        eventually(
            &format!("link '{name}' up"),
            Duration::from_secs(30),
            || async move {
                let hs = self.handlers().await;
                match hs.iter().find(|h| h["name"] == name) {
                    Some(h) if h["state"] == "up" => Ok(()),
                    _ => Err(format!("{hs:?}")),
                }
            },
        )
        .await
    }

    /// Waits until every id is in `state`; returns the messages.
    pub async fn wait_all_in_state(
        &self,
        ids: &[String],
        state: &str,
        limit: Duration,
    ) -> Vec<Value> {
        eventually(
            &format!("{} message(s) {state}", ids.len()),
            limit,
            || async move {
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    let m = self.message(id).await;
                    if m["state"] != state {
                        return Err(format!("message {id} is {} ({m})", m["state"]));
                    }
                    out.push(m);
                }
                Ok(out)
            },
        )
        .await
    }

    /// Waits until at least `n` stored messages are in `state` (cheap: one
    /// /metrics read per poll), then checks no message ended otherwise.
    pub async fn wait_state_count(&self, state: &str, n: u64, limit: Duration) {
        eventually(&format!("{n} messages {state}"), limit, || async move {
            let c = self.state_counts().await;
            if c.get(state).copied().unwrap_or(0) >= n {
                Ok(())
            } else {
                Err(format!("{c:?}"))
            }
        })
        .await
    }
}

/// The `id` of an accepted-message answer.
pub fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

// ------------------------------------------------------------------ SMSCs

/// The simulated SMSC on a free port: account switchboard/secret, reports
/// after 50 ms, quick re-delivery of unanswered deliver_sm. `adjust` can
/// change anything.
pub async fn start_sim(adjust: impl FnOnce(&mut SmscConfig)) -> Smsc {
    let mut cfg = SmscConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        control_listen: None,
        dlr_delay_ms: 50,
        deliver_timeout_ms: 5_000,
        deliver_retry_ms: 500,
        ..SmscConfig::default()
    };
    adjust(&mut cfg);
    Smsc::start(cfg).await.expect("the simulated SMSC starts")
}

/// One submitted part as an SMSC received it.
#[derive(Debug, Clone)]
pub struct RawPart {
    pub dest: String,
    pub esm_class: u8,
    pub data_coding: u8,
    /// short_message as received: UDH (if any) and payload.
    pub short_message: Vec<u8>,
}

impl RawPart {
    pub fn from_sim(r: &switchboard_sim::SubmitRecord) -> RawPart {
        RawPart {
            dest: r.dest_addr.clone(),
            esm_class: r.esm_class,
            data_coding: r.data_coding,
            short_message: r.short_message.clone(),
        }
    }

    pub fn coding(&self) -> Coding {
        match self.data_coding {
            0 | 1 => Coding::Gsm7,
            8 => Coding::Ucs2,
            3 => Coding::Latin1,
            other => panic!("unexpected data_coding {other} in a submit_sm"),
        }
    }
}

/// Checks that `parts` (every submit_sm for one message, in any order) are
/// a correct concatenated SMS of `text` and returns the count: UDHI set,
/// the same 8-bit reference in every part, seq 1..n each once, total n,
/// parts no longer than 153 septets (GSM) or 134 octets (UCS-2), no part
/// ending in half an escape pair or a surrogate pair, and the payloads
/// joined in order decode to `text`.
pub fn check_concatenated(parts: &[RawPart], text: &str, coding: Coding) -> usize {
    assert!(
        parts.len() > 1,
        "expected a multipart SMS for {} characters, got {} submit(s)",
        text.chars().count(),
        parts.len()
    );
    let n = parts.len();
    let mut by_seq: Vec<Option<Vec<u8>>> = vec![None; n];
    let mut reference = None;
    for p in parts {
        assert_eq!(
            p.coding(),
            coding,
            "data_coding {} of a part of {text:?}",
            p.data_coding
        );
        assert_ne!(
            p.esm_class & 0x40,
            0,
            "a part without UDHI in esm_class (0x{:02x})",
            p.esm_class
        );
        let ud = &p.short_message;
        // 8-bit reference concatenation element: UDHL 5, IEI 0, IEDL 3.
        assert_eq!(
            &ud[..3],
            &[0x05, 0x00, 0x03],
            "UDH is not an 8-bit-reference concatenation header: {:02x?}",
            &ud[..ud.len().min(8)]
        );
        let (concat, payload) = text::parse_udh(ud)
            .unwrap_or_else(|e| panic!("bad UDH {:02x?}: {e}", &ud[..ud.len().min(8)]));
        let c = concat.expect("UDH carries a concatenation element");
        assert_eq!(
            c.total as usize, n,
            "UDH says {} parts, the SMSC got {n}",
            c.total
        );
        match reference {
            None => reference = Some(c.reference),
            Some(r) => assert_eq!(
                r, c.reference,
                "parts of one message carry different references"
            ),
        }
        let slot = &mut by_seq[c.seq as usize - 1];
        assert!(slot.is_none(), "part {} of {n} arrived twice", c.seq);
        match coding {
            Coding::Gsm7 => {
                assert!(
                    payload.len() <= 153,
                    "GSM part {} has {} septets (> 153)",
                    c.seq,
                    payload.len()
                );
                if (c.seq as usize) < n {
                    let trailing_esc = payload.iter().rev().take_while(|&&b| b == 0x1b).count();
                    assert!(
                        trailing_esc % 2 == 0,
                        "GSM part {} ends in the middle of an escape pair",
                        c.seq
                    );
                }
            }
            Coding::Ucs2 => {
                assert!(
                    payload.len() <= 134,
                    "UCS-2 part {} has {} octets (> 134)",
                    c.seq,
                    payload.len()
                );
                assert!(
                    payload.len() % 2 == 0,
                    "UCS-2 part {} has an odd number of octets",
                    c.seq
                );
                if (c.seq as usize) < n {
                    let hi = payload[payload.len() - 2];
                    assert!(
                        !(0xD8..=0xDB).contains(&hi),
                        "UCS-2 part {} ends in the middle of a surrogate pair",
                        c.seq
                    );
                }
            }
            _ => unreachable!(),
        }
        *slot = Some(payload.to_vec());
    }
    let joined: Vec<u8> = by_seq.into_iter().flatten().flatten().collect();
    assert_eq!(
        text::decode(coding, &joined),
        text,
        "the parts joined do not give the text sent"
    );
    n
}

/// The node-smpp SMSC peer (tests/peers/smsc/server.js) as a child process.
/// Its path comes from SWITCHBOARD_NODE_SMSC (set by scripts/test), else
/// the copy in this repository. Missing node or peer is a test failure.
pub struct NodePeer {
    child: Child,
    pub smpp_port: u16,
    pub control: String,
    client: reqwest::Client,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl NodePeer {
    pub async fn start(args: &[&str]) -> NodePeer {
        let script = std::env::var("SWITCHBOARD_NODE_SMSC")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/smsc/server.js")
            });
        assert!(
            script.is_file(),
            "the node-smpp SMSC peer is missing at {} (set SWITCHBOARD_NODE_SMSC or run scripts/test)",
            script.display()
        );
        assert!(
            script
                .parent()
                .is_some_and(|d| d.join("node_modules/smpp").is_dir()),
            "the SMSC peer's npm dependencies are not installed: run `npm ci --prefix {}`",
            script
                .parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        );
        let mut child = Command::new("node")
            .arg(&script)
            .args([
                "--port",
                "0",
                "--control-port",
                "0",
                "--exit-on-stdin-close",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `node` for the SMSC peer (is Node.js installed?): {e}")
            });
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("stderr piped");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, mut rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let line = match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(l)) => l,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the SMSC peer did not print its ready line ({other:?}); stderr:\n{}",
                    stderr.lock().map(|s| s.clone()).unwrap_or_default()
                );
            }
        };
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("SMSC peer ready line {line:?}: {e}"));
        assert_eq!(ready["ready"], true, "SMSC peer ready line: {line}");
        let port = |k: &str| {
            ready[k]
                .as_u64()
                .unwrap_or_else(|| panic!("no {k} in {line}")) as u16
        };
        NodePeer {
            smpp_port: port("smpp_port"),
            control: format!("http://127.0.0.1:{}", port("control_port")),
            child,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
            stderr,
        }
    }

    pub async fn get(&self, path: &str) -> Value {
        let r = self
            .client
            .get(format!("{}{path}", self.control))
            .send()
            .await
            .unwrap_or_else(|e| panic!("SMSC peer GET {path}: {e}"));
        let status = r.status();
        let body = r.bytes().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "SMSC peer GET {path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("SMSC peer GET {path}: {e}"))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.control))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("SMSC peer POST {path}: {e}"));
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Every submit_sm the peer received.
    pub async fn submits(&self) -> Vec<Value> {
        self.get("/submits")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for NodePeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let s = self.stderr();
            let lines: Vec<&str> = s.lines().collect();
            eprintln!(
                "---- last lines of the SMSC peer's stderr ----\n{}\n----",
                lines[lines.len().saturating_sub(40)..].join("\n")
            );
        }
    }
}

/// A submit record of the node peer as a [`RawPart`].
pub fn raw_part_from_peer(s: &Value) -> RawPart {
    let hex_sm = s["short_message_hex"]
        .as_str()
        .unwrap_or_else(|| panic!("no short_message_hex in {s}"));
    RawPart {
        dest: s["destination_addr"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        esm_class: s["esm_class"].as_u64().unwrap_or(0) as u8,
        data_coding: s["data_coding"].as_u64().unwrap_or(0) as u8,
        short_message: hex::decode(hex_sm)
            .unwrap_or_else(|e| panic!("short_message_hex {hex_sm:?}: {e}")),
    }
}

// ------------------------------------------------------------------ texts

/// A UCS-2 text (an emoji forces UCS-2) needing 3 parts, with the emoji's
/// surrogate pair placed where a naive cut at 134 octets would split it.
pub fn ucs2_long_text() -> String {
    // 66 UTF-16 units, then the emoji (2 units) over the 67-unit boundary.
    let mut t = String::from("Grüße aus Köln, ");
    while t.encode_utf16().count() < 66 {
        t.push('x');
    }
    t.push('👋');
    t.push_str(" Привет! Это длинное сообщение, которое не помещается в одну SMS. ");
    t.push_str("日本語のテキストも入っています。 Ende 😀");
    t
}

/// 400 GSM characters with extension characters, one of them (€) placed
/// across the 153-septet boundary of the first part.
pub fn gsm_long_text(tag: &str) -> String {
    let mut t = format!("{tag} ");
    while t.chars().count() < 152 {
        t.push('a');
    }
    t.push('€');
    let filler = " The quick brown fox jumps over the lazy dog [0] {1} ^2 |3| ~4 \\5";
    let mut i = 0;
    while t.chars().count() < 400 {
        t.push(
            filler
                .chars()
                .nth(i % filler.chars().count())
                .expect("char"),
        );
        i += 1;
    }
    t
}

/// Waits until `n` received messages are listed; returns them.
pub async fn wait_inbound(gw: &Gateway, n: usize) -> Vec<serde_json::Value> {
    eventually(
        &format!("{n} received message(s)"),
        30 * SECOND,
        || async move {
            let list = gw.api.inbound_all().await;
            if list.len() >= n {
                Ok(list)
            } else {
                Err(format!("{list:?}"))
            }
        },
    )
    .await
}
