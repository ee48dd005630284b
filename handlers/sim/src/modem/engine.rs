//! The AT interpreter: one task per simulated modem that reads the client's
//! bytes, echoes and answers them, and sends unsolicited result codes
//! (rings, new messages, status reports, vendor noise) on timers and
//! injections. The commands themselves are in `basic`, `sms` and `voice`.

use super::calls::Calls;
use super::config::{ModemSimConfig, Timing};
use super::errors::{self, Fail};
use super::faults::ModemFaults;
use super::inject::{DeliverPdu, IncomingCall};
use super::lock;
use super::parse::{self, Cmd};
use super::port::{Input, Sink};
use super::profile::{self, ProfileData};
use super::records::{AtLogEntry, CallRecord, SentPart};
use super::storage::Storage;
use crate::error::SimError;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// From the handle to the interpreter.
pub(crate) enum Ctl {
    Deliver(Vec<DeliverPdu>),
    StatusReport(DeliverPdu),
    Call(IncomingCall, Option<oneshot::Sender<Result<u8, SimError>>>),
    RemoteHangup(u8),
    Raw(Vec<u8>),
    FaultsChanged,
}

/// What the handle reads and the interpreter writes.
pub(crate) struct Shared {
    pub faults: Mutex<ModemFaults>,
    pub dial_outcomes: Mutex<HashMap<String, super::DialOutcome>>,
    pub sent: Mutex<Vec<SentPart>>,
    pub at_log: Mutex<Vec<AtLogEntry>>,
    pub calls: Mutex<Vec<CallRecord>>,
    pub stored: Mutex<Vec<(u16, String)>>,
    pub pin_attempts: AtomicU32,
    pub opens: AtomicU64,
    /// Woken after every event, for the handle's `wait_*`.
    pub changed: Notify,
    concat_ref: AtomicU8,
}

impl Shared {
    pub fn new(cfg: &ModemSimConfig) -> Self {
        let outcomes = cfg
            .dial_outcomes
            .iter()
            .map(|(k, v)| (k.trim_start_matches('+').to_owned(), *v))
            .collect();
        Shared {
            faults: Mutex::new(ModemFaults::default()),
            dial_outcomes: Mutex::new(outcomes),
            sent: Mutex::new(Vec::new()),
            at_log: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
            stored: Mutex::new(Vec::new()),
            pin_attempts: AtomicU32::new(0),
            opens: AtomicU64::new(0),
            changed: Notify::new(),
            concat_ref: AtomicU8::new(rand::random()),
        }
    }

    pub fn next_concat_ref(&self) -> u8 {
        self.concat_ref.fetch_add(1, Ordering::Relaxed)
    }
}

/// The TPDU length of a PDU in hex with its SMSC prefix.
pub(crate) fn tpdu_len(hex: &str) -> Option<usize> {
    if hex.len() < 2 || !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    let smsc = usize::from_str_radix(&hex[..2], 16).ok()?;
    (hex.len() / 2).checked_sub(1 + smsc).filter(|n| *n > 0)
}

#[derive(Debug)]
pub(crate) enum Timer {
    /// Output of a command that takes time; the modem reads no input until
    /// it is sent.
    Flush(Vec<u8>),
    Ring(u64),
    Dial(u64, DialStep),
    RemoteEnd(u64),
    StatusReport(DeliverPdu),
    CnmaTimeout(u64),
    Noise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DialStep {
    Alert,
    Answer,
    Busy,
    NoAnswer,
    Fail,
}

/// Settings lost at power-off; most also at ATZ.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub echo: bool,
    pub verbose: bool,
    pub quiet: bool,
    pub cmee: u8,
    pub cnmi: [u8; 5],
    pub csms: u8,
    pub clip: bool,
    pub crc: bool,
    pub ccwa: bool,
    pub creg_n: u8,
    pub cgreg_n: u8,
    pub cereg_n: u8,
    pub clcc_urc: bool,
    /// Huawei ^CURC: periodic noise on.
    pub curc: bool,
    pub cfun: u8,
    /// +CPMS memory names; mem1 "SR" reads the status reports.
    pub mems: [String; 3],
    pub sregs: HashMap<u16, u16>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            echo: true,
            verbose: true,
            quiet: false,
            cmee: 0,
            // What modems start with: no routing of new messages.
            cnmi: [0, 0, 0, 0, 0],
            csms: 0,
            clip: false,
            crc: false,
            ccwa: false,
            creg_n: 0,
            cgreg_n: 0,
            cereg_n: 0,
            clcc_urc: false,
            curc: true,
            cfun: 1,
            mems: ["SM".into(), "SM".into(), "SM".into()],
            sregs: HashMap::from([(0, 0), (3, 13), (4, 10), (5, 8), (7, 60)]),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PinState {
    Ready,
    Pin,
    Puk,
    /// Ten wrong PUKs: the SIM is dead.
    Blocked,
}

pub(crate) struct SimCard {
    pub pin: Option<String>,
    pub state: PinState,
    pub pin_left: u8,
    pub puk_left: u8,
}

/// Something the network could not hand over yet (modem off, not
/// registered, storage full): it tries again later, as an SMSC does.
#[derive(Debug)]
pub(crate) enum Pending {
    Sms(DeliverPdu),
    Report(DeliverPdu),
}

/// How a command line went, when not with an error.
pub(crate) enum Done {
    Ok,
    /// The command printed its own prompt; no final result now.
    Prompt,
}

pub(crate) struct PduInput {
    pub len: usize,
    pub buf: Vec<u8>,
    /// `Some(<stat>)` for +CMGW (store), `None` for +CMGS (send).
    pub write: Option<u8>,
}

pub(crate) struct Engine {
    pub cfg: ModemSimConfig,
    pub prof: &'static ProfileData,
    pub shared: Arc<Shared>,
    sink: Option<Sink>,
    /// A client has the port open.
    open: bool,
    /// The power-on lines are still to be printed (at the first open).
    boot_pending: bool,
    pub s: Settings,
    pub sim: SimCard,
    pub sm: Storage,
    pub sr: Storage,
    pub calls: Calls,
    pub next_uid: u64,
    pub next_mr: u8,
    timers: Vec<(Instant, Timer)>,
    busy: bool,
    input: VecDeque<u8>,
    line: Vec<u8>,
    pub pdu: Option<PduInput>,
    last_line: String,
    pub pending: VecDeque<Pending>,
    /// A +CMT waiting for +CNMA: its sequence number and PDU.
    pub cmt_pending: Option<(u64, DeliverPdu)>,
    pub cmt_seq: u64,
    /// Registration state last reported (+CREG <stat>).
    reg_reported: u8,
    noise_at: usize,
    /// Said "memory full" since the storage last had room.
    pub full_said: bool,
    /// Echo not yet sent.
    echo: Vec<u8>,
    /// Output of the command line being answered.
    pub resp: Vec<u8>,
    /// URCs that follow the final result of this line (^CEND after ATH).
    pub after_final: Vec<String>,
    /// Extra time this line takes beyond `timing.command_ms`.
    pub delay: Duration,
}

impl Engine {
    pub fn new(cfg: ModemSimConfig, shared: Arc<Shared>) -> Self {
        let prof = profile::data(cfg.profile);
        let sim = SimCard {
            pin: cfg.pin.clone(),
            state: if cfg.pin.is_some() {
                PinState::Pin
            } else {
                PinState::Ready
            },
            pin_left: 3,
            puk_left: 10,
        };
        Engine {
            prof,
            sm: Storage::new(cfg.storage_capacity, prof.index_base),
            sr: Storage::new(cfg.report_capacity, prof.index_base),
            cfg,
            shared,
            sink: None,
            open: false,
            boot_pending: true,
            s: Settings::default(),
            sim,
            calls: Calls::default(),
            next_uid: 1,
            next_mr: 1,
            timers: Vec::new(),
            busy: false,
            input: VecDeque::new(),
            line: Vec::new(),
            pdu: None,
            last_line: String::new(),
            pending: VecDeque::new(),
            cmt_pending: None,
            cmt_seq: 0,
            reg_reported: 0,
            noise_at: 0,
            full_said: false,
            echo: Vec::new(),
            resp: Vec::new(),
            after_final: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub async fn run(
        mut self,
        mut input: mpsc::UnboundedReceiver<Input>,
        mut ctl: mpsc::UnboundedReceiver<Ctl>,
        cancel: CancellationToken,
    ) {
        self.reg_reported = self.reg_stat();
        self.schedule_noise();
        loop {
            let next = self.timers.iter().map(|(t, _)| *t).min();
            let sleep = async move {
                match next {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                c = ctl.recv() => match c {
                    Some(c) => self.on_ctl(c),
                    None => return,
                },
                Some(i) = input.recv(), if !self.busy => self.on_input(i),
                _ = sleep => self.fire_timers(),
            }
            self.after_event();
        }
    }

    pub fn faults(&self) -> ModemFaults {
        lock(&self.shared.faults).clone()
    }

    fn hung(&self) -> bool {
        lock(&self.shared.faults).hang
    }

    pub fn schedule(&mut self, after: Duration, t: Timer) {
        self.timers.push((Instant::now() + after, t));
    }

    // ---- output ----

    /// Bytes to the client, unless the modem is hung or nobody listens.
    /// Echo collected so far goes first, so the order stays as typed.
    pub fn out(&mut self, bytes: &[u8]) {
        let mut all = std::mem::take(&mut self.echo);
        all.extend_from_slice(bytes);
        if all.is_empty() || self.hung() || !self.open {
            return;
        }
        if let Some(s) = &self.sink {
            let _ = s.send(all);
        }
    }

    fn frame(&self, line: &str) -> Vec<u8> {
        if self.s.verbose {
            format!("\r\n{line}\r\n").into_bytes()
        } else {
            format!("{line}\r\n").into_bytes()
        }
    }

    /// An unsolicited line (or several, joined by `\r\n` for +CMT/+CDS).
    pub fn urc(&mut self, line: &str) {
        let b = self.frame(line);
        self.out(&b);
    }

    /// An unsolicited result code (RING, NO CARRIER, BUSY): numeric with ATV0.
    pub fn urc_result(&mut self, code: &str) {
        if self.s.verbose {
            self.urc(code);
        } else {
            let b = format!("{}\r", errors::numeric(code)).into_bytes();
            self.out(&b);
        }
    }

    /// An information line of the current command.
    pub fn info(&mut self, line: &str) {
        let b = self.frame(line);
        self.resp.extend_from_slice(&b);
    }

    /// A line that continues the previous one (the PDU after +CMGR: ...).
    pub fn cont(&mut self, line: &str) {
        self.resp.extend_from_slice(line.as_bytes());
        self.resp.extend_from_slice(b"\r\n");
    }

    fn final_text(&self, r: &Result<Done, Fail>) -> String {
        match r {
            Ok(_) => "OK".into(),
            Err(Fail::Error) => "ERROR".into(),
            Err(Fail::Unsupported) => self.prof.unsupported.into(),
            Err(Fail::Cme(n)) => match self.s.cmee {
                0 => "ERROR".into(),
                1 => format!("+CME ERROR: {n}"),
                _ => format!("+CME ERROR: {}", errors::cme_text(*n)),
            },
            Err(Fail::Cms(n)) => match self.s.cmee {
                2 => format!("+CMS ERROR: {}", errors::cms_text(*n)),
                _ => format!("+CMS ERROR: {n}"),
            },
            Err(Fail::Result(s)) => (*s).into(),
        }
    }

    /// Ends the current line with its final result and sends it, after
    /// the time the command takes.
    pub fn finish(&mut self, r: Result<Done, Fail>) {
        if matches!(r, Ok(Done::Prompt)) {
            let b = std::mem::take(&mut self.resp);
            self.out(&b);
            return;
        }
        if !self.s.quiet {
            let text = self.final_text(&r);
            let b = if self.s.verbose {
                format!("\r\n{text}\r\n").into_bytes()
            } else if text.starts_with('+') {
                format!("{text}\r\n").into_bytes()
            } else {
                format!("{}\r", errors::numeric(&text)).into_bytes()
            };
            self.resp.extend_from_slice(&b);
        }
        for u in std::mem::take(&mut self.after_final) {
            let b = self.frame(&u);
            self.resp.extend_from_slice(&b);
        }
        let mut bytes = std::mem::take(&mut self.resp);
        if self.faults().stray_bytes {
            let mut noisy = b"\x00\xff\r\n~^\r\n".to_vec();
            noisy.append(&mut bytes);
            bytes = noisy;
        }
        let delay = Timing::ms(self.cfg.timing.command_ms) + std::mem::take(&mut self.delay);
        if delay.is_zero() {
            self.out(&bytes);
        } else {
            self.busy = true;
            self.schedule(delay, Timer::Flush(bytes));
        }
    }

    // ---- input ----

    fn on_input(&mut self, i: Input) {
        match i {
            Input::Opened => {
                self.open = true;
                self.shared.opens.fetch_add(1, Ordering::Relaxed);
                let clears = {
                    let mut f = lock(&self.shared.faults);
                    let c = f.hang && f.hang_clears_on_reopen;
                    if c {
                        f.hang = false;
                    }
                    c
                };
                if clears {
                    tracing::debug!("simulated modem: a reopen cleared the hang");
                }
                if self.boot_pending {
                    self.boot_pending = false;
                    self.print_boot();
                }
            }
            Input::Closed => {
                self.open = false;
                self.line.clear();
                self.pdu = None;
                self.input.clear();
            }
            // Port changes come through the input channel, so they stay in
            // order with the Opened/Closed of the ports they concern.
            Input::Unplugged => {
                self.sink = None;
                self.open = false;
                self.power_cycle();
            }
            Input::Plugged(sink) => {
                self.sink = Some(sink);
                self.open = false;
                self.boot_pending = true;
                self.power_cycle();
                self.reg_reported = self.reg_stat();
            }
            Input::Bytes(b) => {
                if self.hung() {
                    return;
                }
                self.input.extend(b);
                self.drain_input();
            }
        }
    }

    fn drain_input(&mut self) {
        while !self.busy {
            let Some(b) = self.input.pop_front() else {
                break;
            };
            if self.hung() {
                self.input.clear();
                break;
            }
            self.on_byte(b);
        }
        // The echo of a chunk goes out in one write, not a byte at a time.
        self.out(&[]);
    }

    fn on_byte(&mut self, b: u8) {
        if self.s.echo {
            self.echo.push(b);
        }
        if let Some(p) = &mut self.pdu {
            match b {
                0x1A => {
                    if let Some(p) = self.pdu.take() {
                        match p.write {
                            None => self.submit(p.len, p.buf),
                            Some(stat) => self.write_pdu(p.len, p.buf, stat),
                        }
                    }
                }
                0x1B => {
                    let hex = String::from_utf8_lossy(&p.buf).into_owned();
                    self.pdu = None;
                    self.log(format!("{hex}<ESC>"));
                    self.finish(Ok(Done::Ok));
                }
                b'\r' | b'\n' | b' ' => {}
                _ => {
                    p.buf.push(b);
                    if p.buf.len() > 2 * 200 {
                        let hex = String::from_utf8_lossy(&p.buf).into_owned();
                        self.pdu = None;
                        self.log(format!("{hex}<too long>"));
                        self.finish(Err(Fail::Cms(errors::CMS_INVALID_PDU)));
                    }
                }
            }
            return;
        }
        match b {
            b'\r' => {
                let line = std::mem::take(&mut self.line);
                self.on_line(&line);
            }
            b'\n' | 0x1A | 0x1B => {}
            0x08 | 0x7F => {
                self.line.pop();
            }
            _ => {
                self.line.push(b);
                if self.line.len() > 1024 {
                    self.line.clear();
                }
                if self.line.eq_ignore_ascii_case(b"A/") {
                    // V.250: repeat the last command line, no CR needed.
                    self.line.clear();
                    let last = self.last_line.clone();
                    if !last.is_empty() {
                        self.log("A/".into());
                        self.execute(&last);
                    }
                }
            }
        }
    }

    pub fn log(&self, line: String) {
        lock(&self.shared.at_log).push(AtLogEntry {
            line,
            at: SystemTime::now(),
        });
    }

    fn on_line(&mut self, raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        let text = text.trim_matches(|c: char| c.is_whitespace() || c.is_control());
        // Noise before "AT" is skipped, as a modem hunting for the
        // attention sequence does.
        let up = text.to_ascii_uppercase();
        let Some(pos) = up.find("AT") else {
            return;
        };
        let line = text[pos..].to_owned();
        self.log(line.clone());
        self.last_line = line[2..].to_owned();
        self.execute(&line[2..]);
    }

    fn execute(&mut self, rest: &str) {
        self.resp.clear();
        self.after_final.clear();
        self.delay = Duration::ZERO;
        let Some(cmds) = parse::parse_line(rest) else {
            self.finish(Err(Fail::Error));
            return;
        };
        let mut r = Ok(Done::Ok);
        for c in &cmds {
            r = self.command(c);
            if !matches!(r, Ok(Done::Ok)) {
                break;
            }
        }
        self.finish(r);
    }

    fn command(&mut self, c: &Cmd) -> Result<Done, Fail> {
        if let Some(r) = self.basic_command(c) {
            return r;
        }
        if let Some(r) = self.sms_command(c) {
            return r;
        }
        if let Some(r) = self.voice_command(c) {
            return r;
        }
        Err(Fail::Unsupported)
    }

    // ---- SIM and network state ----

    pub fn sim_cme(&self) -> Result<(), Fail> {
        match self.sim.state {
            PinState::Ready => Ok(()),
            PinState::Pin => Err(Fail::Cme(errors::CME_SIM_PIN)),
            PinState::Puk => Err(Fail::Cme(errors::CME_SIM_PUK)),
            PinState::Blocked => Err(Fail::Cme(13)),
        }
    }

    pub fn sim_cms(&self) -> Result<(), Fail> {
        match self.sim.state {
            PinState::Ready => Ok(()),
            PinState::Pin => Err(Fail::Cms(errors::CMS_SIM_PIN)),
            PinState::Puk => Err(Fail::Cms(errors::CMS_SIM_PUK)),
            PinState::Blocked => Err(Fail::Cms(313)),
        }
    }

    pub fn registered(&self) -> bool {
        self.reg_stat() == 1
    }

    /// +CREG <stat>: 1 home, 2 searching (registration lost), 0 not
    /// trying (SIM locked, radio off).
    pub fn reg_stat(&self) -> u8 {
        if self.sim.state != PinState::Ready || self.s.cfun != 1 {
            0
        } else if lock(&self.shared.faults).registration_lost {
            2
        } else {
            1
        }
    }

    /// The network can reach the modem now (messages, calls).
    pub fn network_ok(&self) -> bool {
        self.sink.is_some() && self.registered()
    }

    fn print_boot(&mut self) {
        if !self.cfg.boot_urcs {
            return;
        }
        let ready = self.sim.state == PinState::Ready;
        let mut after_pin = false;
        for l in self.prof.boot {
            if l.starts_with("+CPIN:") {
                let state = match self.sim.state {
                    PinState::Ready => "READY",
                    PinState::Pin => "SIM PIN",
                    PinState::Puk | PinState::Blocked => "SIM PUK",
                };
                self.urc(&format!("+CPIN: {state}"));
                after_pin = true;
            } else if !after_pin || ready {
                self.urc(l);
            }
        }
    }

    /// The lines a modem prints once the SIM is unlocked (SMS DONE ...).
    pub fn print_sim_ready(&mut self) {
        if !self.cfg.boot_urcs {
            return;
        }
        let Some(i) = self.prof.boot.iter().position(|l| l.starts_with("+CPIN:")) else {
            return;
        };
        self.after_final.push("+CPIN: READY".into());
        for l in &self.prof.boot[i + 1..] {
            self.after_final.push((*l).into());
        }
    }

    /// Power-on state: settings and SIM lock reset, calls gone; the SIM's
    /// messages and PIN counters stay.
    pub fn power_cycle(&mut self) {
        self.s = Settings::default();
        if self.sim.state == PinState::Ready && self.sim.pin.is_some() {
            self.sim.state = PinState::Pin;
        }
        self.pdu = None;
        self.line.clear();
        self.input.clear();
        self.cmt_pending = None;
        self.busy = false;
        self.timers
            .retain(|(_, t)| matches!(t, Timer::StatusReport(_)));
        self.end_all_calls(super::CallEnd::PortGone, false);
        self.schedule_noise();
    }

    fn schedule_noise(&mut self) {
        let ms = self.cfg.timing.noise_interval_ms;
        if ms > 0 && !self.prof.noise.is_empty() {
            self.timers.retain(|(_, t)| !matches!(t, Timer::Noise));
            self.schedule(Timing::ms(ms), Timer::Noise);
        }
    }

    // ---- injections ----

    fn on_ctl(&mut self, c: Ctl) {
        match c {
            Ctl::Deliver(pdus) => {
                for p in pdus {
                    self.pending.push_back(Pending::Sms(p));
                }
            }
            Ctl::StatusReport(p) => self.pending.push_back(Pending::Report(p)),
            Ctl::Call(call, reply) => {
                let r = self.incoming_call(call);
                if let Some(tx) = reply {
                    let _ = tx.send(r);
                }
            }
            Ctl::RemoteHangup(idx) => {
                if let Some(uid) = self.calls.by_idx(idx).map(|c| c.uid) {
                    self.remote_end(uid);
                }
            }
            Ctl::Raw(b) => self.out(&b),
            Ctl::FaultsChanged => {
                if !self.hung() {
                    self.drain_input();
                }
            }
        }
    }

    /// Hands over what the network holds, while it can.
    fn deliver_pending(&mut self) {
        while self.network_ok() {
            let Some(p) = self.pending.pop_front() else {
                return;
            };
            let delivered = match p {
                Pending::Sms(pdu) => self.deliver_sms(pdu),
                Pending::Report(pdu) => {
                    self.deliver_report(pdu);
                    None
                }
            };
            if let Some(back) = delivered {
                self.pending.push_front(Pending::Sms(back));
                return;
            }
        }
    }

    fn fire_timers(&mut self) {
        let now = Instant::now();
        let mut due = Vec::new();
        let mut i = 0;
        while i < self.timers.len() {
            if self.timers[i].0 <= now {
                due.push(self.timers.remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|(t, _)| *t);
        for (_, t) in due {
            match t {
                Timer::Flush(b) => {
                    self.busy = false;
                    self.out(&b);
                    self.drain_input();
                }
                Timer::Ring(uid) => self.ring(uid),
                Timer::Dial(uid, step) => self.dial_step(uid, step),
                Timer::RemoteEnd(uid) => self.remote_end(uid),
                Timer::StatusReport(p) => self.pending.push_back(Pending::Report(p)),
                Timer::CnmaTimeout(seq) => self.cnma_timeout(seq),
                Timer::Noise => {
                    if self.s.curc && self.open {
                        let l = self.prof.noise[self.noise_at % self.prof.noise.len()];
                        self.noise_at += 1;
                        self.urc(l);
                    }
                    self.schedule_noise();
                }
            }
        }
    }

    /// After each event: registration URCs, the network's retries, and
    /// the snapshot the handle reads.
    fn after_event(&mut self) {
        let stat = self.reg_stat();
        if stat != self.reg_reported {
            self.reg_reported = stat;
            self.registration_urcs(stat);
        }
        if !self.busy && self.pdu.is_none() {
            self.deliver_pending();
        }
        *lock(&self.shared.stored) = self.sm.snapshot();
        self.shared.changed.notify_waiters();
    }

    fn registration_urcs(&mut self, stat: u8) {
        let cell = if stat == 1 {
            ",\"00A1\",\"0000B2C3\""
        } else {
            ""
        };
        for (n, name) in [
            (self.s.creg_n, "+CREG"),
            (self.s.cgreg_n, "+CGREG"),
            (self.s.cereg_n, "+CEREG"),
        ] {
            match n {
                1 => self.urc(&format!("{name}: {stat}")),
                2 => self.urc(&format!("{name}: {stat}{cell}")),
                _ => {}
            }
        }
        if self.prof.huawei_calls && self.s.curc {
            let mode = if stat == 1 { "^MODE:5,4" } else { "^MODE:0,0" };
            self.urc(mode);
            self.urc(if stat == 1 { "^SRVST:2" } else { "^SRVST:0" });
        }
    }
}
