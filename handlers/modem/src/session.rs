//! One session: the port open, from initialisation until the port is lost
//! or the host says stop. Unsolicited codes, host commands and timers meet
//! here; a modem that stops answering goes through the recovery ladder.

use crate::at::{self, AtClient, CommandError, EngineEvent, FinalResult, Timeouts, Unsolicited};
use crate::calls::{CallSettings, Calls};
use crate::config::ModemConfig;
use crate::down::{self, Shutdown};
use crate::emit::Emitter;
use crate::health;
use crate::init::{self, InitError, Ready};
use crate::pin::PinMemory;
use crate::receive::{self, Inbox};
use crate::recovery::{self, Recovered};
use crate::send::{self, RetryHint, Sender};
use crate::status::Publisher;
use crate::transport::BoxPort;
use crate::urc::{self, Urc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};
use switchboard_protocol::{
    Command, HandlerState, OutboundSms, PhoneNumber, RadioStatus, Registration,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

/// What outlives a session: config, host link, the PIN's fate, messages
/// the host has not acknowledged, what the radio last said.
pub struct Persist {
    pub cfg: ModemConfig,
    pub emitter: Emitter,
    pub pins: PinMemory,
    pub inbox: Inbox,
    pub radio: RadioStatus,
    pub status: Publisher,
    /// Set once a session got as far as a working modem (resets backoff).
    pub initialised: bool,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Shutdown,
    /// The port is gone or the modem is beyond recovery: close, reopen.
    Lost(String),
}

/// Why the live loop stops normal work.
enum Trouble {
    /// A command got no answer: recovery ladder.
    Unresponsive(String),
    End(End),
}

impl From<Shutdown> for End {
    fn from(_: Shutdown) -> End {
        End::Shutdown
    }
}

pub fn timeouts(cfg: &ModemConfig) -> Timeouts {
    Timeouts {
        quick: cfg.command_timeout(),
        send: cfg.send_timeout(),
        call: cfg.dial_timeout(),
        // +CFUN, ATZ, +CMGL of a full SIM: a few quick timeouts.
        slow: cfg.command_timeout() * 4,
    }
}

/// Runs one session over an opened port.
pub async fn run(
    p: &mut Persist,
    port: BoxPort,
    commands: &mut mpsc::UnboundedReceiver<Command>,
) -> End {
    let (ev_tx, mut events) = mpsc::unbounded_channel();
    let (client, engine) = at::engine::start(port, timeouts(&p.cfg), ev_tx);
    let end = initialise_and_run(p, &client, &mut events, commands).await;
    engine.abort();
    p.inbox.session_ended();
    end
}

async fn initialise_and_run(
    p: &mut Persist,
    client: &AtClient,
    events: &mut mpsc::UnboundedReceiver<EngineEvent>,
    commands: &mut mpsc::UnboundedReceiver<Command>,
) -> End {
    let device = p.cfg.device.clone();
    p.status.down(
        &p.emitter,
        format!("initialising the modem on {device}"),
        &p.radio,
    );
    let init = init::initialise(client, &p.cfg, &mut p.pins);
    let outcome = match down::serving(
        init,
        commands,
        &mut p.inbox,
        &p.emitter,
        "modem initialising",
    )
    .await
    {
        Ok(o) => o,
        Err(Shutdown) => return End::Shutdown,
    };
    let ready = match outcome {
        Ok(r) => r,
        Err(InitError::Unresponsive(e)) => {
            return End::Lost(format!("modem on {device} does not answer: {e}"));
        }
        Err(e) => return park(p, events, commands, e.to_string()).await,
    };
    p.initialised = true;
    let mut live = Live::new(p, client.clone(), ready);
    let end = live.run(events, commands).await;
    live.stop().await;
    end
}

/// The modem works but cannot be used as configured (SIM PIN refused, no
/// SIM, no PDU mode): say so once and wait for the port to go away (a
/// replugged modem or SIM gets a fresh look) or the host to stop. Nothing
/// is retried, least of all the PIN.
async fn park(
    p: &mut Persist,
    events: &mut mpsc::UnboundedReceiver<EngineEvent>,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    detail: String,
) -> End {
    p.status.down(&p.emitter, detail.clone(), &p.radio);
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Some(EngineEvent::Closed(reason)) => return End::Lost(format!("port closed: {reason}")),
                None => return End::Lost("engine stopped".into()),
                Some(_) => {}
            },
            cmd = commands.recv() => {
                if down::handle(cmd, &mut p.inbox, &p.emitter, &detail).is_err() {
                    return End::Shutdown;
                }
            }
        }
    }
}

/// The reading context, built from fields so that the inbox can be
/// borrowed mutably beside it.
macro_rules! rx_ctx {
    ($s:expr) => {
        receive::Ctx {
            client: &$s.client,
            emitter: &$s.p.emitter,
            line: $s.line.as_ref(),
            cnma: $s.ready.cnma,
            reports_stored: $s.ready.cnmi.as_ref().is_none_or(|c| c.ds() == 2),
            name: &$s.p.cfg.name,
        }
    };
}

struct Live<'a> {
    p: &'a mut Persist,
    client: AtClient,
    ready: Ready,
    line: Option<PhoneNumber>,
    up: Arc<AtomicBool>,
    queue: Option<mpsc::UnboundedSender<OutboundSms>>,
    sender: Option<JoinHandle<()>>,
    calls: Calls,
    health_due: Instant,
    sweep_due: Option<Instant>,
    poll_due: Option<Instant>,
    reinit_due: Option<Instant>,
    /// When the settings in force were made: restart codes older than
    /// that (boot lines, +CPIN: READY after the PIN) need no new init.
    initialised_at: SystemTime,
}

/// Polls +CLCC this soon after a call event, to learn indexes and states.
const POLL_SOON: Duration = Duration::from_millis(50);
/// Boot lines come in bursts: re-initialise once they are over.
const REINIT_DELAY: Duration = Duration::from_millis(500);

impl<'a> Live<'a> {
    fn new(p: &'a mut Persist, client: AtClient, ready: Ready) -> Live<'a> {
        let line = ready.line.clone();
        p.radio.model = Some(ready.model.clone());
        p.radio.profile = Some(ready.profile.name().to_owned());
        p.radio.line = line.clone();
        let up = Arc::new(AtomicBool::new(true));
        let (queue, queue_rx) = mpsc::unbounded_channel();
        let sender = Sender {
            client: client.clone(),
            emitter: p.emitter.clone(),
            ready: up.clone(),
            retry: RetryHint::new(p.cfg.retry_min(), p.cfg.retry_max()),
            name: p.cfg.name.clone(),
        };
        let sender = tokio::spawn(send::run(sender, queue_rx));
        let calls = Calls::new(
            p.emitter.clone(),
            CallSettings {
                name: p.cfg.name.clone(),
                line: line.clone(),
                ring_timeout: p.cfg.ring_timeout(),
                reject_after: p.cfg.reject_after_rings,
                hangup: ready.profile.hangup,
            },
        );
        p.inbox.session_started(&p.cfg.storage);
        let now = Instant::now();
        Live {
            health_due: now,
            sweep_due: p.cfg.sweep_interval().map(|d| now + d),
            poll_due: None,
            reinit_due: None,
            initialised_at: SystemTime::now(),
            p,
            client,
            ready,
            line,
            up,
            queue: Some(queue),
            sender: Some(sender),
            calls,
        }
    }

    async fn run(
        &mut self,
        events: &mut mpsc::UnboundedReceiver<EngineEvent>,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> End {
        // Health first (status Up needs to know the network), then what
        // waited in storage while nobody listened.
        let mut trouble = self.health().await.err();
        if trouble.is_none() {
            trouble = self.sweep().await.err();
        }
        loop {
            if let Some(t) = trouble.take() {
                match t {
                    Trouble::End(end) => return end,
                    Trouble::Unresponsive(why) => {
                        if let Err(end) = self.recover(commands, why).await {
                            return end;
                        }
                        trouble = self.after_recovery(events).await.err();
                        continue;
                    }
                }
            }
            let ring_due = self.calls.ring_deadline();
            let poll_due = if self.calls.any() {
                self.poll_due
            } else {
                None
            };
            let far = Instant::now() + Duration::from_secs(3600);
            tokio::select! {
                cmd = commands.recv() => {
                    trouble = self.on_command(cmd).await.err();
                }
                ev = events.recv() => {
                    trouble = match ev {
                        Some(EngineEvent::Unsolicited(u)) => self.on_unsolicited(u).await.err(),
                        Some(EngineEvent::Timeout(cmd)) => Some(Trouble::Unresponsive(format!("no answer to {cmd}"))),
                        Some(EngineEvent::Closed(reason)) => Some(Trouble::End(End::Lost(format!("port closed: {reason}")))),
                        None => Some(Trouble::End(End::Lost("engine stopped".into()))),
                    };
                }
                _ = sleep_until(self.health_due) => {
                    trouble = self.health().await.err();
                }
                _ = sleep_until(self.sweep_due.unwrap_or(far)), if self.sweep_due.is_some() => {
                    self.sweep_due = self.p.cfg.sweep_interval().map(|d| Instant::now() + d);
                    trouble = self.sweep().await.err();
                }
                _ = sleep_until(poll_due.unwrap_or(far)), if poll_due.is_some() => {
                    trouble = self.poll_calls(events).await.err();
                }
                _ = sleep_until(ring_due.unwrap_or(far)), if ring_due.is_some() => {
                    self.calls.on_tick(Instant::now());
                }
                _ = sleep_until(self.reinit_due.unwrap_or(far)), if self.reinit_due.is_some() => {
                    self.reinit_due = None;
                    trouble = self.reinit("modem restarted").await.err();
                }
            }
        }
    }

    /// Ends the session's work: the sender finishes or fails what it holds.
    async fn stop(&mut self) {
        self.up.store(false, Ordering::Release);
        self.queue = None;
        if let Some(task) = self.sender.take() {
            let limit = self.p.cfg.send_timeout() + self.p.cfg.command_timeout();
            if tokio::time::timeout(limit, task).await.is_err() {
                tracing::warn!(modem = %self.p.cfg.name, "sender did not finish in time");
            }
        }
        self.calls.on_lost();
    }

    fn publish_up(&mut self) {
        let r = &self.p.radio;
        let mut detail = format!("ready: {}", r.model.as_deref().unwrap_or("modem"));
        if let Some(op) = &r.operator {
            detail.push_str(&format!(", {op}"));
        }
        if let Some(dbm) = r.signal_dbm {
            detail.push_str(&format!(", signal {dbm} dBm"));
        }
        let (state, detail) = match r.registration {
            Registration::Home | Registration::Roaming | Registration::Unknown => {
                (HandlerState::Up, detail)
            }
            other => (
                HandlerState::Down,
                format!("no network ({other:?}): {detail}"),
            ),
        };
        self.up
            .store(state != HandlerState::Down, Ordering::Release);
        let cap = self.p.cfg.queue_depth;
        self.p
            .status
            .publish(&self.p.emitter, state, detail, cap, &self.p.radio);
    }

    async fn on_command(&mut self, cmd: Option<Command>) -> Result<(), Trouble> {
        match cmd {
            None | Some(Command::Shutdown) => Err(Trouble::End(End::Shutdown)),
            Some(Command::SendSms(sms)) => {
                match &self.queue {
                    Some(q) if self.up.load(Ordering::Acquire) => {
                        if let Err(e) = q.send(sms) {
                            send::refuse(&self.p.emitter, &e.0, "modem stopping");
                        }
                    }
                    _ => send::refuse(&self.p.emitter, &sms, "modem down"),
                }
                Ok(())
            }
            Some(Command::Ack(t)) => {
                let ctx = rx_ctx!(self);
                let r = self.p.inbox.ack(&ctx, t).await;
                unresponsive(r)
            }
            Some(Command::Nack(t)) => {
                self.p.inbox.nack(t);
                Ok(())
            }
            Some(Command::Call(c)) => {
                if self.calls.command(&self.client, c).await {
                    self.poll_due = Some(Instant::now() + POLL_SOON);
                }
                Ok(())
            }
            Some(other) => {
                tracing::debug!(modem = %self.p.cfg.name, ?other, "command not for a modem");
                Ok(())
            }
        }
    }

    async fn on_unsolicited(&mut self, u: Unsolicited) -> Result<(), Trouble> {
        let parsed = urc::parse(&u.line, u.pdu.clone());
        match parsed {
            Urc::Ring { voice } => {
                if self.calls.on_ring(voice, u.at) {
                    self.calls.reject_ringing(&self.client).await;
                }
                self.poll_soon();
            }
            Urc::Clip(caller) => self.calls.on_clip(caller, u.at),
            Urc::MissedCall { caller } => self.calls.on_missed_urc(caller),
            Urc::CallEnded { index, cause } => {
                if self.calls.on_ended(index, cause) {
                    self.poll_soon();
                }
            }
            Urc::CallState { index, state } => {
                self.calls.on_vendor_state(index, state);
                self.poll_soon();
            }
            Urc::Clcc(e) => self.calls.apply_entry(&e),
            Urc::NewMessage { mem, index } | Urc::NewReport { mem, index } => {
                let ctx = rx_ctx!(self);
                let r = self.p.inbox.on_stored(&ctx, &mem, index).await;
                match r {
                    Ok(Some(FinalResult::Cms(e))) if e.code == Some(322) => self.sweep().await?,
                    Ok(_) => {}
                    Err(e) if e.is_unresponsive() => {
                        return Err(Trouble::Unresponsive(e.to_string()));
                    }
                    Err(_) => {}
                }
            }
            Urc::DirectMessage { pdu } => match pdu {
                Some(pdu) => {
                    let ctx = rx_ctx!(self);
                    self.p.inbox.on_direct_message(&ctx, &pdu, u.at);
                }
                None => tracing::warn!(modem = %self.p.cfg.name, "+CMT without its PDU line"),
            },
            Urc::DirectReport { pdu } => match pdu {
                Some(pdu) => {
                    let ctx = rx_ctx!(self);
                    self.p.inbox.on_direct_report(&ctx, &pdu);
                }
                None => tracing::warn!(modem = %self.p.cfg.name, "+CDS without its PDU line"),
            },
            Urc::Registration { stat } => {
                self.p.radio.registration = health::registration(stat);
                if !self.p.radio.registration.is_registered() {
                    self.p.radio.operator = None;
                }
                self.publish_up();
            }
            Urc::Rssi(n) => {
                self.p.radio.csq = Some(n);
                self.p.radio.signal_dbm = health::dbm(n);
            }
            Urc::StorageFull => self.sweep().await?,
            Urc::Restarted if u.at > self.initialised_at => {
                self.reinit_due = Some(Instant::now() + REINIT_DELAY);
            }
            Urc::Restarted => {}
            Urc::Other => {
                tracing::debug!(modem = %self.p.cfg.name, line = %u.line, "unsolicited line ignored");
            }
        }
        Ok(())
    }

    fn poll_soon(&mut self) {
        let soon = Instant::now() + POLL_SOON;
        if self.poll_due.is_none_or(|d| d > soon) {
            self.poll_due = Some(soon);
        }
    }

    async fn poll_calls(
        &mut self,
        events: &mut mpsc::UnboundedReceiver<EngineEvent>,
    ) -> Result<(), Trouble> {
        self.poll_due = Some(Instant::now() + self.p.cfg.call_poll());
        let list = match Calls::poll(&self.client).await {
            Ok(l) => l,
            Err(e) => return unresponsive(Err(e)),
        };
        // BUSY, NO CARRIER and vendor codes sent before the list say how a
        // call that is gone from it ended: take them first.
        while let Ok(ev) = events.try_recv() {
            match ev {
                EngineEvent::Unsolicited(u) => self.on_unsolicited(u).await?,
                EngineEvent::Timeout(cmd) => {
                    return Err(Trouble::Unresponsive(format!("no answer to {cmd}")));
                }
                EngineEvent::Closed(reason) => {
                    return Err(Trouble::End(End::Lost(format!("port closed: {reason}"))));
                }
            }
        }
        if let Some(list) = list {
            self.calls.apply_list(&list);
        }
        Ok(())
    }

    async fn health(&mut self) -> Result<(), Trouble> {
        self.health_due = Instant::now() + self.p.cfg.health_interval();
        let r = health::check(&self.client, &mut self.p.radio).await;
        unresponsive(r)?;
        self.publish_up();
        Ok(())
    }

    async fn sweep(&mut self) -> Result<(), Trouble> {
        let storage = self.p.cfg.storage.clone();
        let ctx = rx_ctx!(self);
        let r = self.p.inbox.sweep(&ctx, &storage).await;
        unresponsive(r)
    }

    async fn reinit(&mut self, why: &str) -> Result<(), Trouble> {
        tracing::info!(modem = %self.p.cfg.name, "{why}: initialising again");
        match init::initialise(&self.client, &self.p.cfg, &mut self.p.pins).await {
            Ok(ready) => {
                self.adopt(ready);
                self.health().await?;
                self.sweep().await
            }
            Err(InitError::Unresponsive(e)) => Err(Trouble::Unresponsive(e.to_string())),
            Err(e) => Err(Trouble::End(End::Lost(e.to_string()))),
        }
    }

    fn adopt(&mut self, ready: Ready) {
        self.initialised_at = SystemTime::now();
        self.p.inbox.session_started(&self.p.cfg.storage);
        self.ready = ready;
    }

    /// The ladder's own unanswered commands left timeout notes behind: drop
    /// them, handle what else came meanwhile.
    async fn after_recovery(
        &mut self,
        events: &mut mpsc::UnboundedReceiver<EngineEvent>,
    ) -> Result<(), Trouble> {
        let mut waiting = Vec::new();
        while let Ok(ev) = events.try_recv() {
            match ev {
                EngineEvent::Timeout(_) => {}
                EngineEvent::Closed(reason) => {
                    return Err(Trouble::End(End::Lost(format!("port closed: {reason}"))));
                }
                EngineEvent::Unsolicited(u) => waiting.push(u),
            }
        }
        for u in waiting {
            self.on_unsolicited(u).await?;
        }
        Ok(())
    }

    /// The recovery ladder, serving the host as down meanwhile.
    async fn recover(
        &mut self,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        why: String,
    ) -> Result<(), End> {
        self.up.store(false, Ordering::Release);
        let detail = format!("modem not answering ({why}); recovering");
        self.p
            .status
            .down(&self.p.emitter, detail.clone(), &self.p.radio);
        let ladder = recovery::climb(&self.client, &self.p.cfg, &mut self.p.pins);
        let out = down::serving(
            ladder,
            commands,
            &mut self.p.inbox,
            &self.p.emitter,
            &detail,
        )
        .await
        .map_err(End::from)?;
        match out {
            Ok(Recovered::Answering) => {}
            Ok(Recovered::Reinitialised(ready)) => self.adopt(ready),
            Err(e) => return Err(End::Lost(e)),
        }
        tracing::info!(modem = %self.p.cfg.name, "modem answers again");
        self.health().await.map_err(|t| match t {
            Trouble::End(e) => e,
            Trouble::Unresponsive(w) => End::Lost(format!("modem stopped answering again: {w}")),
        })?;
        Ok(())
    }
}

fn unresponsive(r: Result<(), CommandError>) -> Result<(), Trouble> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.is_unresponsive() => Err(Trouble::Unresponsive(e.to_string())),
        Err(_) => Ok(()),
    }
}
