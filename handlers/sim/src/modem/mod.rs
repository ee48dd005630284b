//! A simulated GSM modem on a pseudo-terminal (or raw TCP, as ser2net
//! serves one), for tests, the demo and `switchboard sim modem`.
//!
//! It speaks the AT command set of real USB modems (27.007 / 27.005 in PDU
//! mode, plus vendor quirks of Huawei, SIMCom and Quectel [`Profile`]s):
//! echo, +CMEE, SIM PIN/PUK, +CNMI, +CPMS, +CMGS with the `> ` prompt,
//! +CMGR/+CMGL/+CMGD, +CMTI/+CMT/+CDS/+CDSI, RING/+CRING/+CLIP, ATD/ATA/ATH,
//! +CHUP, +CLCC, +CHLD, +VTS, registration and signal queries, and vendor
//! noise. Every SMS it is sent is decoded with [`switchboard_protocol::pdu`]
//! and recorded; tests inject incoming SMS, status reports and calls, choose
//! how dialled numbers answer, inject faults, and pull the plug.
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_sim::SimError> {
//! use switchboard_sim::modem::{IncomingCall, ModemSim, ModemSimConfig, Profile};
//! let sim = ModemSim::start(ModemSimConfig::for_tests(Profile::Huawei)).await?;
//! // point a modem handler at sim.device() (a tty path, or tcp://...)
//! sim.inject_sms("+491701234567", "hello")?;
//! sim.inject_call(IncomingCall::from_number("+491701234567", 3))?;
//! sim.wait_sent(1, std::time::Duration::from_secs(5)).await;
//! println!("{:?} {:?}", sim.sent(), sim.at_log());
//! sim.unplug();                 // the link disappears, the client sees EIO
//! sim.replug().await?;          // a new pty behind the same link path
//! sim.stop().await;
//! # Ok(()) }
//! ```

mod basic;
mod calls;
mod config;
mod control;
mod engine;
mod errors;
mod faults;
mod inject;
mod parse;
mod port;
mod profile;
mod pty;
mod records;
mod sms;
mod storage;
mod voice;

pub use config::{DialOutcome, ModemSimConfig, Profile, Timing, Transport};
pub use faults::ModemFaults;
pub use inject::{IncomingCall, IncomingSms, RingEnd, SimCaller, StatusReportSpec};
pub use records::{AtLogEntry, CallDirection, CallEnd, CallRecord, SentPart, SentSms};

use crate::error::SimError;
use engine::{Ctl, Engine, Shared};
use port::PortTask;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A lock that survives a panicked holder: the records are plain data.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running simulated modem. Cheap to clone; every clone controls the same
/// modem. Runs until [`ModemSim::stop`] (or the last clone is dropped and
/// the runtime ends).
#[derive(Clone)]
pub struct ModemSim {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: ModemSimConfig,
    shared: Arc<Shared>,
    ctl: mpsc::UnboundedSender<Ctl>,
    input: mpsc::UnboundedSender<port::Input>,
    /// The pty link or the TCP address; fixed for the modem's life.
    endpoint: Endpoint,
    /// The port currently plugged in (None while unplugged).
    port: Mutex<Option<PortTask>>,
    control_addr: Option<SocketAddr>,
    cancel: CancellationToken,
    tracker: TaskTracker,
    /// Keeps the default link's directory alive (removed on drop).
    _dir: Option<tempfile::TempDir>,
}

/// The last handle gone without `stop()`: pull the plug so the tasks end.
impl Drop for Inner {
    fn drop(&mut self) {
        let port = self.port.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = port.take() {
            p.close();
        }
        self.cancel.cancel();
    }
}

#[derive(Debug, Clone)]
enum Endpoint {
    Pty(PathBuf),
    Tcp(SocketAddr),
}

impl std::fmt::Debug for ModemSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModemSim")
            .field("profile", &self.inner.cfg.profile)
            .field("endpoint", &self.inner.endpoint)
            .field("control_addr", &self.inner.control_addr)
            .finish_non_exhaustive()
    }
}

impl ModemSim {
    /// Plugs in a simulated modem: creates the pty and its link (or binds
    /// the TCP listener), starts the AT interpreter and, if configured, the
    /// HTTP control API.
    pub async fn start(cfg: ModemSimConfig) -> Result<ModemSim, SimError> {
        cfg.validate().map_err(SimError::Config)?;
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        let (dir, endpoint) = match &cfg.transport {
            Transport::Pty { link: Some(p) } => (None, Endpoint::Pty(p.clone())),
            Transport::Pty { link: None } => {
                let dir = tempfile::Builder::new()
                    .prefix("switchboard-modem-")
                    .tempdir()
                    .map_err(|e| {
                        SimError::Io(format!("cannot make a temp dir for the link: {e}"))
                    })?;
                let link = dir.path().join("ttyUSB0");
                (Some(dir), Endpoint::Pty(link))
            }
            Transport::Tcp { listen } => (None, Endpoint::Tcp(*listen)),
        };
        let shared = Arc::new(Shared::new(&cfg));
        let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        let (port_task, endpoint) = match endpoint {
            Endpoint::Pty(link) => {
                let t = PortTask::pty(&link, in_tx.clone(), &tracker).map_err(SimError::Io)?;
                (t, Endpoint::Pty(link))
            }
            Endpoint::Tcp(addr) => {
                let t = PortTask::tcp(addr, in_tx.clone(), &tracker)
                    .await
                    .map_err(SimError::Io)?;
                let bound = t.tcp_addr().unwrap_or(addr);
                (t, Endpoint::Tcp(bound))
            }
        };
        let engine = Engine::new(cfg.clone(), shared.clone());
        tracker.spawn(engine.run(in_rx, ctl_rx, cancel.clone()));
        let mut sim = ModemSim {
            inner: Arc::new(Inner {
                cfg: cfg.clone(),
                shared,
                ctl: ctl_tx,
                input: in_tx,
                endpoint,
                port: Mutex::new(Some(port_task)),
                control_addr: None,
                cancel: cancel.clone(),
                tracker: tracker.clone(),
                _dir: dir,
            }),
        };
        if let Some(addr) = cfg.control_listen {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| SimError::Io(format!("control_listen {addr}: {e}")))?;
            let bound = listener
                .local_addr()
                .map_err(|e| SimError::Io(format!("control_listen {addr}: {e}")))?;
            let inner = Arc::get_mut(&mut sim.inner).ok_or(SimError::Stopped)?;
            inner.control_addr = Some(bound);
            let app = control::router(sim.clone());
            let c = cancel.clone();
            tracker.spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(c.cancelled_owned())
                    .await;
            });
        }
        Ok(sim)
    }

    /// The stable tty path (the link) for a pty modem, or the TCP address
    /// as `host:port` for a TCP one.
    pub fn path(&self) -> PathBuf {
        match &self.inner.endpoint {
            Endpoint::Pty(p) => p.clone(),
            Endpoint::Tcp(a) => PathBuf::from(a.to_string()),
        }
    }

    /// What to put in a modem config's `device`: the tty path, or
    /// `tcp://host:port`.
    pub fn device(&self) -> String {
        match &self.inner.endpoint {
            Endpoint::Pty(p) => p.display().to_string(),
            Endpoint::Tcp(a) => format!("tcp://{a}"),
        }
    }

    /// The pty's slave device behind the link right now (`/dev/pts/N`),
    /// `None` while unplugged or on TCP.
    pub fn tty(&self) -> Option<PathBuf> {
        lock(&self.inner.port).as_ref().and_then(|p| p.tty())
    }

    /// The TCP address, for a TCP modem.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        match &self.inner.endpoint {
            Endpoint::Tcp(a) => Some(*a),
            Endpoint::Pty(_) => None,
        }
    }

    /// The HTTP control API's address, when `control_listen` was set.
    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.inner.control_addr
    }

    pub fn config(&self) -> &ModemSimConfig {
        &self.inner.cfg
    }

    fn send(&self, c: Ctl) -> Result<(), SimError> {
        if self.inner.cancel.is_cancelled() {
            return Err(SimError::Stopped);
        }
        self.inner.ctl.send(c).map_err(|_| SimError::Stopped)
    }

    /// An SMS from `from` to this SIM: split into parts as a phone would,
    /// delivered by +CMTI / +CMT per the client's +CNMI. Returns the number
    /// of parts.
    pub fn inject_sms(&self, from: &str, text: &str) -> Result<u8, SimError> {
        self.inject_parts(IncomingSms::text(from, text))
    }

    /// Like [`ModemSim::inject_sms`], with a forced coding, a concatenation
    /// reference and the order (and repeats or gaps) of the parts.
    pub fn inject_parts(&self, sms: IncomingSms) -> Result<u8, SimError> {
        let reference = match sms.concat_ref {
            Some(r) => r,
            None => u16::from(self.inner.shared.next_concat_ref()),
        };
        let smsc = inject::address("smsc", &self.inner.cfg.smsc)?;
        let pdus = inject::deliver_pdus(&sms, reference, Some(&smsc))?;
        let n = u8::try_from(pdus.len()).map_err(|_| SimError::TooLong { parts: pdus.len() })?;
        self.send(Ctl::Deliver(pdus))?;
        Ok(n)
    }

    /// A raw SMS-DELIVER PDU (hex with its SMSC prefix), delivered like an
    /// injected SMS: for odd PDUs a phone would not produce.
    pub fn inject_deliver_pdu(&self, hex: &str) -> Result<(), SimError> {
        let tpdu_len = engine::tpdu_len(hex).ok_or_else(|| SimError::BadAddress {
            field: "pdu",
            reason: "not hex with an SMSC length octet".into(),
        })?;
        self.send(Ctl::Deliver(vec![inject::DeliverPdu {
            hex: hex.to_ascii_uppercase(),
            tpdu_len,
        }]))
    }

    /// A status report for a part this modem sent, routed per +CNMI's
    /// `<ds>` (+CDS direct, or +CDSI with the report stored in "SR").
    pub fn inject_status_report(&self, spec: StatusReportSpec) -> Result<(), SimError> {
        let smsc = inject::address("smsc", &self.inner.cfg.smsc)?;
        let pdu = inject::status_report_pdu(&spec, std::time::SystemTime::now(), Some(&smsc))?;
        self.send(Ctl::StatusReport(pdu))
    }

    /// An incoming call: RING or +CRING: VOICE (per +CRC) with +CLIP (per
    /// +CLIP=1) every ring interval. Returns its +CLCC index.
    pub async fn inject_call_wait(&self, call: IncomingCall) -> Result<u8, SimError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Ctl::Call(call, Some(tx)))?;
        rx.await.map_err(|_| SimError::Stopped)?
    }

    /// Like [`ModemSim::inject_call_wait`] without waiting for the index;
    /// a call the modem cannot take (unplugged, not registered) is dropped
    /// silently, as the network would send it to voicemail.
    pub fn inject_call(&self, call: IncomingCall) -> Result<(), SimError> {
        if let SimCaller::Number(n) = &call.caller {
            inject::address("caller", n)?;
        }
        self.send(Ctl::Call(call, None))
    }

    /// The far end of call `index` hangs up (a ringing caller gives up, or
    /// the other party of a connected call puts the phone down).
    pub fn remote_hangup(&self, index: u8) -> Result<(), SimError> {
        self.send(Ctl::RemoteHangup(index))
    }

    /// How calls to `number` (with or without `+`) will go from now on.
    pub fn set_dial_outcome(&self, number: &str, outcome: DialOutcome) {
        let key = number.trim_start_matches('+').to_owned();
        lock(&self.inner.shared.dial_outcomes).insert(key, outcome);
    }

    /// Raw bytes from the modem to the client, as if the firmware printed
    /// them (line noise, a URC the simulator does not generate).
    pub fn inject_raw(&self, bytes: &[u8]) -> Result<(), SimError> {
        self.send(Ctl::Raw(bytes.to_vec()))
    }

    pub fn faults(&self) -> ModemFaults {
        lock(&self.inner.shared.faults).clone()
    }

    /// Replaces the faults; a change of registration or storage takes
    /// effect at once (+CREG URCs, waiting SMS delivered).
    pub fn set_faults(&self, f: ModemFaults) {
        *lock(&self.inner.shared.faults) = f;
        let _ = self.inner.ctl.send(Ctl::FaultsChanged);
    }

    /// Changes the faults with a closure (`sim.update_faults(|f| f.hang = true)`).
    pub fn update_faults(&self, change: impl FnOnce(&mut ModemFaults)) {
        change(&mut lock(&self.inner.shared.faults));
        let _ = self.inner.ctl.send(Ctl::FaultsChanged);
    }

    /// The port disappears, as when the USB stick is pulled: the pty is
    /// closed (the client's reads fail), the link removed; calls in progress
    /// end. For TCP the connection is closed and the listener too.
    pub fn unplug(&self) {
        if let Some(p) = lock(&self.inner.port).take() {
            p.close();
        }
    }

    /// Plugs the modem back in: a new pty behind the same link path (or the
    /// TCP listener again), with the modem's state as after power-on (echo
    /// on, PIN needed again, settings reset); the SIM's messages are kept.
    pub async fn replug(&self) -> Result<(), SimError> {
        if self.inner.cancel.is_cancelled() {
            return Err(SimError::Stopped);
        }
        self.unplug();
        let t = match &self.inner.endpoint {
            Endpoint::Pty(link) => {
                PortTask::pty(link, self.inner.input.clone(), &self.inner.tracker)
                    .map_err(SimError::Io)?
            }
            Endpoint::Tcp(addr) => {
                PortTask::tcp(*addr, self.inner.input.clone(), &self.inner.tracker)
                    .await
                    .map_err(SimError::Io)?
            }
        };
        *lock(&self.inner.port) = Some(t);
        Ok(())
    }

    pub fn is_plugged(&self) -> bool {
        lock(&self.inner.port).is_some()
    }

    /// Every SMS-SUBMIT accepted, in order, decoded.
    pub fn sent_parts(&self) -> Vec<SentPart> {
        lock(&self.inner.shared.sent).clone()
    }

    /// Accepted messages, multipart ones joined once complete.
    pub fn sent(&self) -> Vec<SentSms> {
        records::join(&lock(&self.inner.shared.sent))
    }

    /// Waits until at least `n` complete messages were sent; false on
    /// timeout.
    pub async fn wait_sent(&self, n: usize, timeout: Duration) -> bool {
        self.wait_for(timeout, |s| s.sent().len() >= n).await
    }

    /// Every command line the client sent, in order (`AT+CMGF=0`, the PDU
    /// after a prompt as `0011...<Ctrl-Z>`).
    pub fn at_log(&self) -> Vec<String> {
        lock(&self.inner.shared.at_log)
            .iter()
            .map(|e| e.line.clone())
            .collect()
    }

    /// The AT log with times.
    pub fn at_log_entries(&self) -> Vec<AtLogEntry> {
        lock(&self.inner.shared.at_log).clone()
    }

    pub fn clear_at_log(&self) {
        lock(&self.inner.shared.at_log).clear();
    }

    /// Waits until some logged line starts with `prefix` (case-insensitive);
    /// false on timeout.
    pub async fn wait_at(&self, prefix: &str, timeout: Duration) -> bool {
        let p = prefix.to_ascii_uppercase();
        self.wait_for(timeout, |s| {
            lock(&s.inner.shared.at_log)
                .iter()
                .any(|e| e.line.to_ascii_uppercase().starts_with(&p))
        })
        .await
    }

    /// Every call, ringing, connected or ended.
    pub fn calls(&self) -> Vec<CallRecord> {
        lock(&self.inner.shared.calls).clone()
    }

    /// Waits until `n` calls have ended; false on timeout.
    pub async fn wait_calls_ended(&self, n: usize, timeout: Duration) -> bool {
        self.wait_for(timeout, |s| {
            lock(&s.inner.shared.calls)
                .iter()
                .filter(|c| c.end.is_some())
                .count()
                >= n
        })
        .await
    }

    /// The messages in SIM storage ("SM"): (index as +CMGR takes it, PDU).
    pub fn stored(&self) -> Vec<(u16, String)> {
        lock(&self.inner.shared.stored).clone()
    }

    /// Times the client tried a PIN (`AT+CPIN=...`), right or wrong.
    pub fn pin_attempts(&self) -> u32 {
        self.inner.shared.pin_attempts.load(Ordering::Relaxed)
    }

    /// Times a client opened the port (the pty slave, or a TCP connection).
    pub fn opens(&self) -> u64 {
        self.inner.shared.opens.load(Ordering::Relaxed)
    }

    /// Waits until `cond` holds, re-checking on every change; false on
    /// timeout.
    pub async fn wait_for(&self, timeout: Duration, cond: impl Fn(&ModemSim) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if cond(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return cond(self);
            }
        }
    }

    /// Stops everything and removes the link.
    pub async fn stop(&self) {
        self.unplug();
        self.inner.cancel.cancel();
        self.inner.tracker.close();
        self.inner.tracker.wait().await;
    }
}
