//! Helpers for the IM tests: a gateway with `[im]` on against the
//! simulated SMSC, users made with the CLI, user clients over HTTP with
//! their event streams, phones that text through the simulator, and a
//! record of everything each party saw, for the privacy checks.

#![allow(dead_code)]

use crate::common::modem::{modem_table, start_modem};
use crate::common::*;
use serde_json::{Value, json};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_sim::modem::{ModemSim, Profile};
use switchboard_sim::{MoMessage, Smsc};
use tokio::sync::mpsc;

/// The gateway's number phones text.
pub const GATEWAY_NUMBER: &str = "12345";
pub const CLUSTER: &str = "sb.test";
pub const PASSWORD: &str = "correct horse battery";
/// The SIM number of the simulated modem line (`World::start_with_modem`).
pub const MODEM_LINE: &str = "+4915901234567";
/// The name of that modem in `[[modem]]`.
pub const MODEM: &str = "gsm0";

pub struct World {
    pub sim: Smsc,
    /// A simulated GSM modem line, when the world has one; every SMS to a
    /// phone is routed through it then.
    pub modem: Option<ModemSim>,
    pub gw: Gateway,
    /// Everything shown to someone: (who saw it, what).
    pub seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl World {
    /// `im_extra`: more `[im]` lines.
    pub async fn start(im_extra: &str) -> World {
        let sim = start_sim(|_| {}).await;
        let gw = Gateway::start(&format!(
            "{}\n{}\n[im]\nenabled = true\ncluster = \"{CLUSTER}\"\ntest_clock = true\n{im_extra}\n",
            fast_delivery(3),
            smpp_link("sim", sim.local_addr().port(), ""),
        ))
        .await;
        gw.api.wait_link_up("sim").await;
        World {
            sim,
            modem: None,
            gw,
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Like [`World::start`] with a `[[modem]]` line ([`MODEM`], SIM
    /// number [`MODEM_LINE`]) on a simulated modem (zero delays) next to
    /// the SMSC, and a route that sends every SMS to a phone through the
    /// modem.
    pub async fn start_with_modem(im_extra: &str) -> World {
        let sim = start_sim(|_| {}).await;
        let modem = start_modem(Profile::Huawei, MODEM_LINE, |_| {}).await;
        let gw = Gateway::start(&format!(
            "{}\n{}\n{}\n[[route]]\nprefix = \"+\"\nvia = [\"{MODEM}\"]\n\n\
             [im]\nenabled = true\ncluster = \"{CLUSTER}\"\ntest_clock = true\n{im_extra}\n",
            fast_delivery(3),
            smpp_link("sim", sim.local_addr().port(), ""),
            modem_table(MODEM, &modem.device(), ""),
        ))
        .await;
        gw.api.wait_link_up("sim").await;
        gw.api.wait_link_up(MODEM).await;
        World {
            sim,
            modem: Some(modem),
            gw,
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The simulated modem (panics for a world without one).
    pub fn modem(&self) -> &ModemSim {
        self.modem.as_ref().expect("this world has a modem line")
    }

    /// `switchboard user add <name>` with the test password.
    pub fn add_user(&self, name: &str) {
        let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["user", "add", name, "--config"])
            .arg(self.gw.config_path())
            .env("SWITCHBOARD_PASSWORD", PASSWORD)
            .output()
            .expect("switchboard user add runs");
        assert!(
            out.status.success(),
            "user add {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{name}@{CLUSTER}")
        );
    }

    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(args)
            .arg("--config")
            .arg(self.gw.config_path())
            .env("SWITCHBOARD_PASSWORD", PASSWORD)
            .output()
            .expect("switchboard runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Logs in and returns the user's client.
    pub async fn login(&self, name: &str) -> User {
        let (s, v) = self
            .gw
            .api
            .request(
                reqwest::Method::POST,
                "/api/v1/login",
                Some(&json!({"id": name, "password": PASSWORD})),
                Auth::None,
            )
            .await;
        assert_eq!(s, 200, "login {name}: {v}");
        let name = name.to_lowercase();
        assert_eq!(v["id"], format!("{name}@{CLUSTER}"), "{v}");
        let token = v["token"].as_str().expect("token").to_owned();
        User {
            name,
            api: self.gw.api.clone(),
            token,
            seen: self.seen.clone(),
        }
    }

    /// An SMS from a phone to the gateway.
    pub async fn text(&self, from: &str, text: &str) {
        self.text_to(from, GATEWAY_NUMBER, text).await
    }

    /// An SMS from a phone to one of the gateway's addresses.
    pub async fn text_to(&self, from: &str, to: &str, text: &str) {
        self.sim
            .inject_mo(MoMessage {
                from: from.into(),
                to: to.into(),
                text: text.into(),
                ..MoMessage::default()
            })
            .await
            .expect("the simulator delivers the SMS");
    }

    /// An SMS from a phone to the modem line.
    pub fn text_modem(&self, from: &str, text: &str) {
        self.modem()
            .inject_sms(from, text)
            .expect("the simulated modem takes the SMS");
    }

    /// Every SMS the gateway sent to this phone, in order (through the
    /// SMSC, then through the modem line if there is one).
    pub fn sms_to(&self, phone: &str) -> Vec<String> {
        let digits = phone.trim_start_matches('+');
        let mut all: Vec<String> = self
            .sim
            .messages()
            .into_iter()
            .filter(|m| m.dest_addr.trim_start_matches('+') == digits)
            .map(|m| m.text)
            .collect();
        if let Some(modem) = &self.modem {
            all.extend(
                modem
                    .sent()
                    .into_iter()
                    .filter(|m| m.to.trim_start_matches('+') == digits)
                    .map(|m| m.text),
            );
        }
        all
    }

    /// Waits for the `n`-th SMS (1-based) to this phone and returns it.
    pub async fn nth_sms(&self, phone: &str, n: usize) -> String {
        let text = eventually(
            &format!("SMS number {n} to {phone}"),
            20 * SECOND,
            || async {
                let all = self.sms_to(phone);
                all.get(n - 1)
                    .cloned()
                    .ok_or_else(|| format!("{} SMS so far: {all:?}", all.len()))
            },
        )
        .await;
        self.seen
            .lock()
            .unwrap()
            .push((phone.to_owned(), text.clone()));
        text
    }

    /// Waits a moment and checks the phone got no more than `n` SMS.
    pub async fn no_more_sms(&self, phone: &str, n: usize) {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let all = self.sms_to(phone);
        assert_eq!(all.len(), n, "SMS to {phone}: {all:?}");
    }

    pub async fn advance_clock(&self, secs: u64) {
        let (s, v) = self
            .gw
            .api
            .post("/api/v1/admin/clock", &json!({"advance_secs": secs}))
            .await;
        assert_eq!(s, 200, "{v}");
    }

    /// Checks that nobody saw a number but their own: `owners` maps each
    /// viewer (user name or phone) to the number they own, `numbers` are
    /// all the numbers in play. The log (info level) shows none at all.
    pub fn assert_private(&self, owners: &[(&str, &str)], numbers: &[&str]) {
        let seen = self.seen.lock().unwrap().clone();
        assert!(!seen.is_empty(), "nothing was captured");
        // Every SMS any phone got counts as seen by that phone.
        let mut all = seen.clone();
        for n in numbers {
            for t in self.sms_to(n) {
                all.push(((*n).to_owned(), t));
            }
        }
        for (viewer, what) in &all {
            let own = owners
                .iter()
                .find(|(v, _)| v == viewer)
                .map(|(_, n)| *n)
                .or_else(|| numbers.iter().find(|n| *n == viewer).copied());
            for n in numbers {
                if Some(*n) == own {
                    continue;
                }
                for form in forms(n) {
                    assert!(
                        !what.contains(&form),
                        "{viewer} was shown {n} (as {form}) in: {what}"
                    );
                }
            }
        }
        let log = self.gw.log();
        for n in numbers {
            for form in forms(n) {
                let line = log.lines().find(|l| l.contains(&form));
                assert!(line.is_none(), "the log shows {n}: {line:?}");
            }
        }
    }
}

/// The ways a number may be written: +49170…, 49170…, 0170…, 170….
fn forms(n: &str) -> Vec<String> {
    let digits = n.trim_start_matches('+').to_owned();
    let national = digits.strip_prefix("49").unwrap_or(&digits).to_owned();
    vec![digits, format!("0{national}"), national]
}

/// A logged-in user: a client of the API that records what it was shown.
#[derive(Clone)]
pub struct User {
    pub name: String,
    pub api: Api,
    pub token: String,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl User {
    pub fn full(&self) -> String {
        format!("{}@{CLUSTER}", self.name)
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let auth = format!("Bearer {}", self.token);
        let (s, v) = self
            .api
            .request(method, path, body, Auth::Header(&auth))
            .await;
        self.seen
            .lock()
            .unwrap()
            .push((self.name.clone(), v.to_string()));
        (s, v)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, None).await
    }

    pub async fn presence(&self, status: &str) {
        let (s, v) = self
            .put("/api/v1/presence", &json!({"status": status}))
            .await;
        assert_eq!(s, 200, "{v}");
    }

    pub async fn send(&self, to: &str, text: &str) -> Value {
        let (s, v) = self
            .post("/api/v1/im/messages", &json!({"to": to, "text": text}))
            .await;
        assert_eq!(s, 202, "{v}");
        v
    }

    /// Opens an event stream (the user is online while it is open).
    pub async fn events(&self) -> Events {
        let client = reqwest::Client::new();
        let mut resp = client
            .get(format!("{}/api/v1/events", self.api.base))
            .header("authorization", format!("Bearer {}", self.token))
            .send()
            .await
            .expect("event stream answers");
        assert_eq!(resp.status().as_u16(), 200, "event stream status");
        let (tx, rx) = mpsc::unbounded_channel();
        let seen = self.seen.clone();
        let name = self.name.clone();
        let task = tokio::spawn(async move {
            let mut buf = String::new();
            while let Ok(Some(chunk)) = resp.chunk().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    seen.lock().unwrap().push((name.clone(), block.clone()));
                    let mut kind = String::new();
                    let mut data = String::new();
                    for line in block.lines() {
                        if let Some(k) = line.strip_prefix("event:") {
                            kind = k.trim().to_owned();
                        } else if let Some(d) = line.strip_prefix("data:") {
                            data.push_str(d.trim());
                        }
                    }
                    if kind.is_empty() {
                        continue;
                    }
                    let v = serde_json::from_str(&data).unwrap_or(Value::String(data));
                    if tx.send((kind, v)).is_err() {
                        return;
                    }
                }
            }
        });
        let mut e = Events { rx, task };
        e.next("ready").await;
        e
    }
}

/// A user's open event stream; closing it (drop) takes the client away.
pub struct Events {
    rx: mpsc::UnboundedReceiver<(String, Value)>,
    task: tokio::task::JoinHandle<()>,
}

impl Events {
    /// The next event of this kind (others before it are skipped).
    pub async fn next(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + 20 * SECOND;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some((k, v))) if k == kind => return v,
                Ok(Some(_)) => continue,
                Ok(None) => panic!("the event stream ended while waiting for '{kind}'"),
                Err(_) => panic!("no '{kind}' event within 20 s"),
            }
        }
    }

    /// The next event matching `f`.
    pub async fn next_where(&mut self, kind: &str, f: impl Fn(&Value) -> bool) -> Value {
        loop {
            let v = self.next(kind).await;
            if f(&v) {
                return v;
            }
        }
    }

    /// No event of this kind comes within `wait`.
    pub async fn none(&mut self, kind: &str, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some((k, v))) if k == kind => panic!("unexpected '{kind}' event: {v}"),
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return,
            }
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The 6-digit code in an SMS.
pub fn code_in(sms: &str) -> String {
    sms.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {sms:?}"))
        .to_owned()
}

impl World {
    /// Binds `phone` to the user from the API: asks for a code, reads it
    /// from the SMS (the `nth` to that phone) and confirms it.
    pub async fn bind(&self, user: &User, phone: &str, nth: usize) {
        let (s, v) = user
            .post("/api/v1/bindings", &json!({"phone": phone}))
            .await;
        assert_eq!(s, 202, "{v}");
        let sms = self.nth_sms(phone, nth).await;
        assert!(sms.contains(&user.full()), "{sms}");
        let (s, v) = user
            .post("/api/v1/bindings/confirm", &json!({"code": code_in(&sms)}))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["phone"], phone, "{v}");
    }
}
