//! The simulator handle: starts the listeners and tasks, and answers the
//! questions tests ask about what happened.

use crate::config::SmscConfig;
use crate::control;
use crate::dispatch::{Delivery, Dispatcher, Target, ToDispatcher};
use crate::dlr::DlrFormat;
use crate::error::SimError;
use crate::faults::Faults;
use crate::ids;
use crate::messages::{self, ReceivedMessage};
use crate::mo::{self, MoMessage};
use crate::records::{BindRecord, Counters, DeliveryKind, MoAck, Stats, SubmitRecord};
use crate::session;
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A lock that survives a panicked holder: records are plain data, a
/// half-finished push cannot leave them inconsistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// State shared by the sessions, the dispatcher and the handle.
pub(crate) struct Inner {
    pub cfg: SmscConfig,
    pub dlr_fmt: DlrFormat,
    pub faults: Mutex<Faults>,
    pub response_delay_ms: AtomicU64,
    pub next_message_id: AtomicU64,
    pub next_delivery_id: AtomicU64,
    pub next_session_id: AtomicU64,
    pub next_concat_ref: AtomicU8,
    pub counters: Counters,
    pub bound_sessions: AtomicU64,
    pub receivers_bound: AtomicU64,
    pub deliveries_pending: AtomicU64,
    pub submits: Mutex<Vec<SubmitRecord>>,
    pub binds: Mutex<Vec<BindRecord>>,
    pub acks: Mutex<Vec<MoAck>>,
    pub accepted_changed: Notify,
    /// Open sessions, to close them on `drop_connections`.
    pub sessions: Mutex<HashMap<u64, CancellationToken>>,
    pub dispatcher: mpsc::UnboundedSender<ToDispatcher>,
    pub cancel: CancellationToken,
    pub tracker: TaskTracker,
}

impl Inner {
    pub(crate) fn response_delay(&self) -> Duration {
        Duration::from_millis(self.response_delay_ms.load(Ordering::Relaxed))
    }
}

/// A running simulated SMSC. Cheap to clone; every clone controls the same
/// simulator. Tasks run until [`Smsc::stop`].
#[derive(Clone)]
pub struct Smsc {
    inner: Arc<Inner>,
    local_addr: SocketAddr,
    control_addr: Option<SocketAddr>,
}

impl std::fmt::Debug for Smsc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smsc")
            .field("local_addr", &self.local_addr)
            .field("control_addr", &self.control_addr)
            .finish_non_exhaustive()
    }
}

impl Smsc {
    /// Binds the SMPP listener (and the control API when configured; port 0
    /// picks free ports) and starts serving.
    pub async fn start(cfg: SmscConfig) -> io::Result<Smsc> {
        cfg.validate()?;
        let listener = TcpListener::bind(cfg.listen).await.map_err(|e| {
            io::Error::new(e.kind(), format!("listen: cannot bind {}: {e}", cfg.listen))
        })?;
        let local_addr = listener.local_addr()?;
        let control_listener = match cfg.control_listen {
            Some(a) => Some(TcpListener::bind(a).await.map_err(|e| {
                io::Error::new(e.kind(), format!("control_listen: cannot bind {a}: {e}"))
            })?),
            None => None,
        };
        let control_addr = control_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?;

        let (dtx, drx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            dlr_fmt: DlrFormat {
                style: cfg.dlr,
                id_format: if cfg.dlr_id_decimal {
                    crate::config::IdFormat::Decimal
                } else {
                    cfg.id_format
                },
            },
            faults: Mutex::new(cfg.faults),
            response_delay_ms: AtomicU64::new(cfg.response_delay_ms),
            next_message_id: AtomicU64::new(ids::first_id(cfg.first_message_id)),
            next_delivery_id: AtomicU64::new(1),
            next_session_id: AtomicU64::new(1),
            next_concat_ref: AtomicU8::new(rand::random()),
            counters: Counters::default(),
            bound_sessions: AtomicU64::new(0),
            receivers_bound: AtomicU64::new(0),
            deliveries_pending: AtomicU64::new(0),
            submits: Mutex::new(Vec::new()),
            binds: Mutex::new(Vec::new()),
            acks: Mutex::new(Vec::new()),
            accepted_changed: Notify::new(),
            sessions: Mutex::new(HashMap::new()),
            dispatcher: dtx,
            cancel: CancellationToken::new(),
            tracker: TaskTracker::new(),
            cfg,
        });
        inner
            .tracker
            .spawn(Dispatcher::new(inner.clone(), drx).run());
        inner.tracker.spawn(accept_loop(inner.clone(), listener));
        let smsc = Smsc {
            inner,
            local_addr,
            control_addr,
        };
        if let Some(l) = control_listener {
            let cancel = smsc.inner.cancel.clone();
            let router = control::router(smsc.clone());
            smsc.inner.tracker.spawn(async move {
                let served = axum::serve(l, router)
                    .with_graceful_shutdown(cancel.cancelled_owned())
                    .await;
                if let Err(e) = served {
                    tracing::warn!("sim control API stopped: {e}");
                }
            });
        }
        tracing::debug!(addr = %local_addr, "simulated SMSC listening");
        Ok(smsc)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control_addr
    }

    pub fn config(&self) -> &SmscConfig {
        &self.inner.cfg
    }

    pub fn faults(&self) -> Faults {
        *lock(&self.inner.faults)
    }

    /// Applies from the next submit_sm on. Rates outside 0..=1 are clamped.
    pub fn set_faults(&self, f: Faults) {
        let clamp = |r: f64| if r.is_nan() { 0.0 } else { r.clamp(0.0, 1.0) };
        let f = Faults {
            lost_rate: clamp(f.lost_rate),
            generic_nack_rate: clamp(f.generic_nack_rate),
            fail_rate: clamp(f.fail_rate),
            throttle_rate: clamp(f.throttle_rate),
            queue_full_rate: clamp(f.queue_full_rate),
            no_response_rate: clamp(f.no_response_rate),
            undeliverable_rate: clamp(f.undeliverable_rate),
            drop_every: f.drop_every.filter(|&n| n > 0),
        };
        *lock(&self.inner.faults) = f;
    }

    pub fn set_response_delay(&self, d: Duration) {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        self.inner.response_delay_ms.store(ms, Ordering::Relaxed);
    }

    /// Every submit_sm received, in order (empty when `record` is off).
    pub fn submits(&self) -> Vec<SubmitRecord> {
        lock(&self.inner.submits).clone()
    }

    /// The submits that were given a message id.
    pub fn accepted(&self) -> Vec<SubmitRecord> {
        lock(&self.inner.submits)
            .iter()
            .filter(|r| r.message_id.is_some())
            .cloned()
            .collect()
    }

    pub fn submit_count(&self) -> usize {
        self.inner.counters.submits.load(Ordering::Relaxed) as usize
    }

    pub fn accepted_count(&self) -> usize {
        self.inner.counters.accepted.load(Ordering::Relaxed) as usize
    }

    /// Accepted submits joined into whole messages (see [`ReceivedMessage`]).
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        let subs = lock(&self.inner.submits);
        let accepted: Vec<SubmitRecord> = subs
            .iter()
            .filter(|r| r.message_id.is_some())
            .cloned()
            .collect();
        drop(subs);
        messages::reassemble(&accepted)
    }

    /// Waits until at least `n` submits were accepted; false on timeout.
    pub async fn wait_accepted(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.accepted_changed.notified();
            tokio::pin!(notified);
            // Registered before the check, so an accept in between wakes us.
            notified.as_mut().enable();
            if self.accepted_count() >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.accepted_count() >= n;
            }
        }
    }

    pub fn binds(&self) -> Vec<BindRecord> {
        lock(&self.inner.binds).clone()
    }

    pub fn bound_sessions(&self) -> usize {
        self.inner.bound_sessions.load(Ordering::Relaxed) as usize
    }

    /// Sessions bound as receiver or transceiver (those that can take MO).
    pub fn receivers_bound(&self) -> usize {
        self.inner.receivers_bound.load(Ordering::Relaxed) as usize
    }

    /// Closes every session's connection now, without unbind; returns how
    /// many there were.
    pub fn drop_connections(&self) -> usize {
        let sessions = lock(&self.inner.sessions);
        for token in sessions.values() {
            token.cancel();
        }
        sessions.len()
    }

    /// Sends a mobile-originated message to the bound receivers: GSM 03.38
    /// when it fits else UCS-2 (unless `coding` says), split with an 8-bit
    /// reference UDH, one deliver_sm per part, round robin over receiving
    /// sessions with a window per session. Like a real SMSC it stores the
    /// parts when no receiver is bound and sends them once one binds.
    /// Returns the number of deliver_sm queued; see [`Smsc::mo_acks`] for
    /// what became of them.
    pub async fn inject_mo(&self, mo: MoMessage) -> Result<usize, SimError> {
        if self.inner.cancel.is_cancelled() {
            return Err(SimError::Stopped);
        }
        let reference = self.inner.next_concat_ref.fetch_add(1, Ordering::Relaxed);
        let parts = mo::build_parts(&mo, reference)?;
        let n = parts.len();
        for p in parts {
            let d = Delivery {
                id: self.inner.next_delivery_id.fetch_add(1, Ordering::Relaxed),
                kind: DeliveryKind::Mo,
                target: Target::AnyReceiver,
                pdu: p.pdu,
                attempts: 0,
                message_id: None,
                concat: p.concat,
            };
            self.inner
                .dispatcher
                .send(ToDispatcher::Deliver(Box::new(d)))
                .map_err(|_| SimError::Stopped)?;
        }
        Ok(n)
    }

    /// Every deliver_sm sent (MO parts and delivery reports, each attempt)
    /// and the status it was answered with.
    pub fn mo_acks(&self) -> Vec<MoAck> {
        lock(&self.inner.acks).clone()
    }

    pub fn stats(&self) -> Stats {
        let i = &self.inner;
        Stats {
            bound_sessions: i.bound_sessions.load(Ordering::Relaxed),
            deliveries_pending: i.deliveries_pending.load(Ordering::Relaxed),
            ..i.counters.snapshot()
        }
    }

    /// Closes every session and listener and waits for the tasks to end.
    pub async fn stop(&self) {
        self.inner.cancel.cancel();
        self.inner.tracker.close();
        self.inner.tracker.wait().await;
    }
}

async fn accept_loop(inner: Arc<Inner>, listener: TcpListener) {
    loop {
        let accepted = tokio::select! {
            _ = inner.cancel.cancelled() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => {
                let id = inner.next_session_id.fetch_add(1, Ordering::Relaxed);
                let token = inner.cancel.child_token();
                lock(&inner.sessions).insert(id, token.clone());
                inner
                    .tracker
                    .spawn(session::run(inner.clone(), stream, peer, id, token));
            }
            Err(e) => {
                // Out of file descriptors and the like: pause rather than spin.
                tracing::warn!("sim accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
