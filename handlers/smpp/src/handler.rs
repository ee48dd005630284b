//! The handler task: commands from the host, session notes from the
//! supervisors, status for the host.

use crate::acks::Answer;
use crate::bind::supervisor;
use crate::config::{BindMode, SmppConfig};
use crate::context::Shared;
use crate::link::{Note, Role, TxLink};
use crate::status_codes::{ESME_ROK, ESME_RX_T_APPN};
use crate::submit;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::{
    AckToken, Capability, Command, Event, HandlerIo, HandlerState, HandlerStatus,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const CAPABILITIES: [Capability; 3] = [
    Capability::SendSms,
    Capability::ReceiveSms,
    Capability::DeliveryReports,
];

/// Runs the handler until Shutdown or until the host drops its side.
pub async fn run(cfg: SmppConfig, io: HandlerIo) {
    let HandlerIo {
        id,
        mut commands,
        events,
    } = io;
    let (notes_tx, mut notes) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared::new(cfg, id, events, notes_tx.clone()));
    if let Err(e) = shared.cfg.validate() {
        tracing::error!("{e}");
        configuration_error(&shared, &mut commands, &e.to_string()).await;
        return;
    }

    let roles: &[Role] = match shared.cfg.bind {
        BindMode::Transceiver => &[Role::Transceiver],
        BindMode::TransmitterReceiver => &[Role::Transmitter, Role::Receiver],
    };
    let stop = CancellationToken::new();
    let supervisors: Vec<JoinHandle<()>> = roles
        .iter()
        .map(|&role| {
            tokio::spawn(supervisor::supervise(
                shared.clone(),
                role,
                notes_tx.clone(),
                stop.clone(),
            ))
        })
        .collect();
    drop(notes_tx);

    let mut state = LinkState::new(&shared, roles);
    state.publish(&shared);
    // Submits in flight, driven by this task: a task of its own for each
    // message cost more than its submit (an aligned allocation, a
    // scheduling, a join handle).
    let mut inflight = FuturesUnordered::new();

    loop {
        tokio::select! {
            // A submit's outcome is told before what happened since: a
            // link lost after it answered is lost after the outcome.
            biased;
            Some(()) = inflight.next(), if !inflight.is_empty() => {}
            cmd = commands.recv() => match cmd {
                Some(Command::SendSms(sms)) => match &state.tx {
                    Some(link) => {
                        inflight.push(submit::submit(shared.clone(), link.clone(), sms));
                    }
                    None => submit::refuse(&shared, &sms, &state.down_reason()),
                },
                Some(Command::Ack(token)) => answer(&shared, token, ESME_ROK),
                Some(Command::Nack(token)) => answer(&shared, token, ESME_RX_T_APPN),
                Some(Command::Shutdown) | None => break,
                Some(other) => {
                    tracing::debug!(link = %shared.cfg.name, ?other, "command not for an SMPP handler");
                }
            },
            Some(note) = notes.recv() => {
                state.note(&shared, note);
                state.publish(&shared);
            }
            _ = tokio::time::sleep_until(state.throttled_until.unwrap_or_else(Instant::now)),
                if state.throttled_until.is_some() => {
                state.throttled_until = None;
                state.publish(&shared);
            }
        }
    }

    shutdown(&shared, &stop, supervisors, &mut commands, inflight).await;
}

/// Answers a held deliver_sm.
fn answer(shared: &Shared, token: AckToken, status: u32) {
    match shared.acks.take(token) {
        Some(held) => {
            let seq = held.seq;
            if held
                .responder
                .send(Answer::DeliverSmResp { seq, status })
                .is_err()
            {
                tracing::debug!(link = %shared.cfg.name, seq, "session gone before the ack; the SMSC will send it again");
            }
        }
        None => {
            tracing::debug!(link = %shared.cfg.name, token = token.0, "ack for an unknown or expired token");
        }
    }
}

/// Stops submitting, lets written submits get their answers (bounded),
/// then unbinds every session.
async fn shutdown(
    shared: &Arc<Shared>,
    stop: &CancellationToken,
    supervisors: Vec<JoinHandle<()>>,
    commands: &mut mpsc::UnboundedReceiver<switchboard_protocol::Command>,
    mut inflight: FuturesUnordered<impl Future<Output = ()>>,
) {
    shared.closing.cancel();
    let deadline = Instant::now() + shared.cfg.response_timeout();
    let _ = tokio::time::timeout_at(deadline, all_ended(&mut inflight)).await;
    stop.cancel();
    // Submits still waiting learn that their session ended as it closes,
    // and report that.
    let sessions = async {
        for s in supervisors {
            let _ = tokio::time::timeout(Duration::from_secs(10), s).await;
        }
    };
    let reported = tokio::time::timeout(Duration::from_secs(10), all_ended(&mut inflight));
    let _ = tokio::join!(sessions, reported);
    // Anything the host sent meanwhile is answered, not silently lost.
    while let Ok(cmd) = commands.try_recv() {
        if let Command::SendSms(sms) = cmd {
            submit::refuse(shared, &sms, "the handler is shutting down");
        }
    }
    shared.emit(Event::Status(HandlerStatus {
        state: HandlerState::Down,
        detail: format!("{}: shut down", shared.link()),
        capabilities: CAPABILITIES.to_vec(),
        capacity: 0,
        radio: None,
    }));
    tracing::info!(link = %shared.cfg.name, "shut down");
}

async fn all_ended(inflight: &mut FuturesUnordered<impl Future<Output = ()>>) {
    while inflight.next().await.is_some() {}
}

/// With a bad configuration the handler cannot bind; it stays to answer
/// the host until told to stop.
async fn configuration_error(
    shared: &Shared,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    problem: &str,
) {
    shared.emit(Event::Status(HandlerStatus {
        state: HandlerState::Down,
        detail: format!("configuration error: {problem}"),
        capabilities: CAPABILITIES.to_vec(),
        capacity: 0,
        radio: None,
    }));
    while let Some(cmd) = commands.recv().await {
        match cmd {
            Command::SendSms(sms) => {
                submit::refuse(shared, &sms, &format!("configuration error: {problem}"))
            }
            Command::Shutdown => return,
            _ => {}
        }
    }
}

/// The sessions' states and the status last told to the host.
struct LinkState {
    roles: Vec<(Role, Option<String>)>,
    tx: Option<Arc<TxLink>>,
    last: Option<HandlerStatus>,
    bound_detail: String,
    /// Submits are paused by a throttle until then.
    throttled_until: Option<Instant>,
    throttle_reason: String,
    /// Throttling that keeps coming back is logged at warn once a while.
    last_throttle_warn: Option<Instant>,
}

/// How often continuing throttling is logged at warn.
const THROTTLE_WARN_EVERY: Duration = Duration::from_secs(300);

impl LinkState {
    fn new(shared: &Shared, roles: &[Role]) -> Self {
        let connecting = format!("{}: connecting to {}", shared.link(), shared.peer());
        let kind = match shared.cfg.bind {
            BindMode::Transceiver => "trx",
            BindMode::TransmitterReceiver => "tx+rx",
        };
        LinkState {
            // None = bound; Some(detail) = down.
            roles: roles
                .iter()
                .map(|&r| (r, Some(connecting.clone())))
                .collect(),
            tx: None,
            last: None,
            bound_detail: format!(
                "bound {kind} to {} as {}",
                shared.peer(),
                shared.cfg.system_id
            ),
            throttled_until: None,
            throttle_reason: String::new(),
            last_throttle_warn: None,
        }
    }

    fn note(&mut self, shared: &Shared, note: Note) {
        match note {
            Note::Throttled { pause, reason } => {
                let now = Instant::now();
                let quiet = self
                    .last_throttle_warn
                    .is_some_and(|t| now.duration_since(t) < THROTTLE_WARN_EVERY);
                if quiet {
                    tracing::debug!(link = %shared.cfg.name, %reason, ?pause, "submits paused");
                } else {
                    tracing::warn!(link = %shared.cfg.name, %reason, ?pause, "the SMSC is throttling; submits paused");
                    self.last_throttle_warn = Some(now);
                }
                self.throttled_until = Some(now + pause);
                self.throttle_reason = reason;
            }
            Note::Up { role, tx } => {
                if role.submits() {
                    self.tx = tx;
                }
                self.set(role, None);
            }
            Note::Down { role, detail } => {
                if role.submits() {
                    self.tx = None;
                }
                self.set(role, Some(detail));
            }
        }
    }

    fn set(&mut self, role: Role, down: Option<String>) {
        if let Some(slot) = self.roles.iter_mut().find(|(r, _)| *r == role) {
            slot.1 = down;
        }
    }

    /// Why submitting is impossible now.
    fn down_reason(&self) -> String {
        self.roles
            .iter()
            .find(|(r, d)| r.submits() && d.is_some())
            .and_then(|(_, d)| d.clone())
            .unwrap_or_else(|| "not bound".to_owned())
    }

    fn status(&self, shared: &Shared) -> HandlerStatus {
        let window = shared.cfg.window;
        let down: Vec<(Role, &String)> = self
            .roles
            .iter()
            .filter_map(|(r, d)| d.as_ref().map(|d| (*r, d)))
            .collect();
        let (state, detail, capacity) = if down.is_empty() && self.throttled_until.is_some() {
            let detail = format!(
                "{}; the SMSC answered {}: submits paused",
                self.bound_detail, self.throttle_reason
            );
            (HandlerState::Degraded, detail, window)
        } else if down.is_empty() {
            (HandlerState::Up, self.bound_detail.clone(), window)
        } else if down.len() == self.roles.len() {
            let detail = down
                .iter()
                .map(|(_, d)| d.as_str())
                .collect::<Vec<_>>()
                .join(" | ");
            (HandlerState::Down, detail, 0)
        } else {
            // One of tx/rx is bound: working, impaired.
            let (role, why) = down[0];
            let capacity = if role.submits() { 0 } else { window };
            let detail = format!(
                "{} bound, {} down: {why}",
                other(role).short(),
                role.short()
            );
            (HandlerState::Degraded, detail, capacity)
        };
        HandlerStatus {
            state,
            detail,
            capabilities: CAPABILITIES.to_vec(),
            capacity,
            radio: None,
        }
    }

    /// Tells the host when the status changed.
    fn publish(&mut self, shared: &Shared) {
        let status = self.status(shared);
        if self.last.as_ref() != Some(&status) {
            self.last = Some(status.clone());
            shared.emit(Event::Status(status));
        }
    }
}

fn other(role: Role) -> Role {
    match role {
        Role::Transmitter => Role::Receiver,
        Role::Receiver => Role::Transmitter,
        Role::Transceiver => Role::Transceiver,
    }
}
