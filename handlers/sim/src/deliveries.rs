//! What goes to the deliver_sm dispatcher: deliveries and the messages the
//! handle and the sessions send it. Apart from the dispatcher so that the
//! shared state can hold its sender without depending on the task itself.

use crate::dlr::DlrJob;
use crate::records::DeliveryKind;
use rusmpp::pdus::DeliverSm;
use std::sync::Arc;
use switchboard_protocol::Concat;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// One deliver_sm to get acknowledged, across attempts.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub id: u64,
    pub kind: DeliveryKind,
    pub target: Target,
    pub pdu: DeliverSm,
    /// Attempts made so far.
    pub attempts: u32,
    /// For a report: the id it reports on, as written in it.
    pub message_id: Option<String>,
    pub concat: Option<Concat>,
}

/// Who may take a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// A receiving session of this account (reports).
    Account(Arc<str>),
    /// Any receiving session (MO, round robin).
    AnyReceiver,
}

#[derive(Debug)]
pub(crate) enum ToDispatcher {
    /// A report to write and queue at `due`.
    Dlr { due: Instant, job: Box<DlrJob> },
    /// Queue now.
    Deliver(Box<Delivery>),
    /// A session bound as receiver or transceiver.
    Up {
        session: u64,
        system_id: Arc<str>,
        tx: mpsc::UnboundedSender<Box<Delivery>>,
    },
    /// It closed; what it held without an answer comes back (boxed as the
    /// queues keep them, so nothing is moved out and back in).
    #[allow(clippy::vec_box)]
    Down {
        session: u64,
        returned: Vec<Box<Delivery>>,
    },
    /// A deliver_sm was answered: `None` when acknowledged, else the
    /// delivery to retry (refused or timed out).
    Done {
        session: u64,
        retry: Option<Box<Delivery>>,
    },
}
