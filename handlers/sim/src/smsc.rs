//! The simulator handle: what tests ask about what happened, and the knobs
//! they turn (faults, delays, MO injection, dropped connections).

use crate::config::SmscConfig;
use crate::deliveries::{Delivery, Target, ToDispatcher};
use crate::error::SimError;
use crate::faults::Faults;
use crate::messages::{self, ReceivedMessage};
use crate::mo::{self, MoMessage};
use crate::records::{BindRecord, DeliveryKind, MoAck, Stats, SubmitRecord};
use crate::state::{Inner, lock};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A running simulated SMSC. Cheap to clone; every clone controls the same
/// simulator. Tasks run until [`Smsc::stop`].
#[derive(Clone)]
pub struct Smsc {
    pub(crate) inner: Arc<Inner>,
    pub(crate) local_addr: SocketAddr,
    pub(crate) control_addr: Option<SocketAddr>,
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
