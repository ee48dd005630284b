//! The state the sessions, the dispatcher and the handle share: counters,
//! records, faults and the dispatcher's sender.

use crate::config::SmscConfig;
use crate::deliveries::ToDispatcher;
use crate::dlr::DlrFormat;
use crate::faults::Faults;
use crate::records::{BindRecord, Counters, MoAck, SubmitRecord};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
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
