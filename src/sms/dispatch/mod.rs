//! The dispatcher: the one task that owns every unfinished outbound
//! message, every handler's credit, and the handling of handler events.
//!
//! Credit: a link may have at most `capacity` (its window) messages handed
//! to it whose outcome is not yet committed. Because a credit comes back
//! only after the commit, a `kill -9` can resend at most a window's worth
//! of messages per link.

mod backoff;
mod calls;
mod core_loop;
mod job;
mod pool;
pub mod routes;
mod status;

pub use job::Job;
pub use pool::{LinkKind, LinkSpec};
pub use routes::RouteTable;
pub use status::StatusBoard;

use crate::bus::Bus;
use crate::ops::metrics::Metrics;
use crate::store::{Store, UnixMs};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::{AckToken, CallCommand, Envelope, HandlerId, PhoneNumber};
use tokio::sync::mpsc;

/// Messages into the dispatcher task.
pub enum CoreMsg {
    /// Messages just committed by the API.
    New(Vec<Job>),
    /// A try's outcome is committed: the link's credit comes back.
    Released {
        handler: HandlerId,
    },
    /// A delivery report is committed (matched or kept as orphan).
    ReportDone {
        handler: HandlerId,
        ack: Option<AckToken>,
        stored: bool,
        unmatched: Option<UnmatchedReport>,
    },
    /// A received SMS (or part) is committed, or could not be.
    InboundDone {
        handler: HandlerId,
        ack: AckToken,
        stored: bool,
    },
    /// Call control for a line (from the API).
    Call {
        handler: HandlerId,
        command: CallCommand,
    },
    Shutdown,
}

/// What the dispatcher needs to match a report whose id it does not know
/// against a try that got no response.
pub struct UnmatchedReport {
    pub network_id: String,
    pub recipient: Option<String>,
    pub text_prefix: Option<String>,
    /// When it was stored.
    pub at: crate::store::UnixMs,
}

#[derive(Debug, Clone)]
pub struct Timing {
    pub retry_min: Duration,
    pub retry_max: Duration,
    pub uncertain_hold: Duration,
    pub mo_part_timeout: Duration,
}

/// The host's way into the dispatcher: a cheap clone of the channel to its
/// one task (the core), which owns the queue, each link's credit, retries
/// and the modem pool, so none of that needs a lock. Jobs come in only
/// after their message is stored (through the outbox); what the core
/// learns from handlers it stores first and publishes on the bus after.
#[derive(Clone)]
pub struct Dispatcher {
    tx: mpsc::UnboundedSender<CoreMsg>,
    pub routes: Arc<RouteTable>,
    pub status: StatusBoard,
}

impl Dispatcher {
    /// Starts the task; it picks up the unfinished messages in the store.
    pub fn start(
        store: Store,
        links: Vec<LinkSpec>,
        events: mpsc::UnboundedReceiver<Envelope>,
        routes: RouteTable,
        timing: Timing,
        metrics: Arc<Metrics>,
        bus: Bus,
    ) -> Result<(Dispatcher, tokio::task::JoinHandle<()>), crate::store::StoreError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let routes = Arc::new(routes);
        let status = StatusBoard::new(&links);
        let core = core_loop::Core::new(
            store,
            links,
            routes.clone(),
            timing,
            metrics,
            tx.clone(),
            status.clone(),
            bus,
        );
        let task = tokio::spawn(core.run(rx, events));
        Ok((Dispatcher { tx, routes, status }, task))
    }

    pub fn route_for(&self, to: &PhoneNumber) -> Option<usize> {
        self.routes.find(to)
    }

    pub fn submit(&self, jobs: Vec<Job>) {
        let _ = self.tx.send(CoreMsg::New(jobs));
    }

    /// Hands a call command to a line's handler.
    pub fn call(&self, handler: HandlerId, command: CallCommand) {
        let _ = self.tx.send(CoreMsg::Call { handler, command });
    }

    pub fn shutdown(&self) {
        let _ = self.tx.send(CoreMsg::Shutdown);
    }
}

pub(crate) fn ms(d: Duration) -> UnixMs {
    d.as_millis() as UnixMs
}
