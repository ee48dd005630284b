//! Keeps one session (trx, tx or rx) bound: connect, bind, read until it
//! ends, wait with backoff, again, until shutdown.

use super::reader::{self, Ended, Reader};
use super::session::{self, Bound};
use crate::backoff::Backoff;
use crate::context::Shared;
use crate::link::{Note, Role, TxLink};
use crate::pending::Pending;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A session that lasted this long was not a flap: the next reconnect
/// starts from reconnect_min again.
const STABLE_AFTER: Duration = Duration::from_secs(30);

pub async fn supervise(
    shared: Arc<Shared>,
    role: Role,
    notes: mpsc::UnboundedSender<Note>,
    shutdown: CancellationToken,
) {
    let cfg = &shared.cfg;
    let mut backoff = Backoff::new(cfg.reconnect_min(), cfg.reconnect_max());
    // The failure last logged at warn; repeats of it go to debug.
    let mut last_failure: Option<String> = None;
    loop {
        let attempt = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = session::connect_and_bind(cfg, role) => r,
        };
        let delay = match attempt {
            Ok(bound) => {
                if last_failure.take().is_some() {
                    tracing::warn!(link = %cfg.name, role = role.short(), peer = %shared.peer(), "bound again");
                } else {
                    tracing::info!(link = %cfg.name, role = role.short(), peer = %shared.peer(), "bound");
                }
                let since = Instant::now();
                let ended = run_session(&shared, role, bound, &notes, &shutdown).await;
                if ended == Ended::Shutdown {
                    return;
                }
                if since.elapsed() >= STABLE_AFTER {
                    backoff.reset();
                }
                let delay = backoff.next_delay();
                let why = match &ended {
                    Ended::Unbound => "the SMSC unbound the session".to_owned(),
                    Ended::Lost(why) => why.clone(),
                    Ended::Shutdown => String::new(),
                };
                let detail = format!(
                    "{}: connection to {} lost ({}): {why}; reconnecting in {}",
                    shared.link(),
                    shared.peer(),
                    role.short(),
                    secs(delay)
                );
                tracing::warn!(link = %cfg.name, role = role.short(), "{detail}");
                last_failure = Some(format!("lost:{why}"));
                let _ = notes.send(Note::Down { role, detail });
                delay
            }
            Err(e) => {
                let delay = backoff.next_delay();
                let detail = format!("{}; next try in {}", e.describe(cfg, role), secs(delay));
                let kind = e.kind();
                if last_failure.as_deref() != Some(kind.as_str()) {
                    tracing::warn!(link = %cfg.name, role = role.short(), "{detail}");
                    last_failure = Some(kind);
                } else {
                    tracing::debug!(link = %cfg.name, role = role.short(), "{detail}");
                }
                let _ = notes.send(Note::Down { role, detail });
                delay
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// Runs one bound session to its end and cleans up after it.
async fn run_session(
    shared: &Arc<Shared>,
    role: Role,
    bound: Bound,
    notes: &mpsc::UnboundedSender<Note>,
    shutdown: &CancellationToken,
) -> Ended {
    let Bound {
        client,
        events,
        diverted,
        backlog,
    } = bound;
    let connection = shared.next_connection_id();
    let pending = role
        .submits()
        .then(|| Arc::new(Pending::new(shared.cfg.response_timeout())));
    let (answers, answers_rx) = mpsc::unbounded_channel();
    tokio::spawn(reader::responder(
        client.clone(),
        backlog.clone(),
        answers_rx,
    ));

    let tx = pending.as_ref().map(|p| {
        Arc::new(TxLink {
            client: client.clone(),
            backlog: backlog.clone(),
            pending: p.clone(),
            window: Arc::new(Semaphore::new(shared.cfg.window as usize)),
        })
    });
    let _ = notes.send(Note::Up { role, tx });

    let r = Reader {
        shared: shared.clone(),
        connection,
        role,
        client: client.clone(),
        pending: pending.clone(),
        responder: answers,
    };
    let ended = r.run(events, diverted, shutdown.clone()).await;

    // Submits waiting for an answer on this session will not get one.
    if let Some(p) = &pending {
        p.close();
    }
    let dropped = shared.acks.forget_connection(connection);
    if dropped > 0 {
        tracing::debug!(link = %shared.cfg.name, dropped, "unacknowledged deliver_sm left for the SMSC to send again");
    }
    let _ = client.close().await;
    ended
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{:.1}s", s)
    } else {
        format!("{}s", s.round() as u64)
    }
}
