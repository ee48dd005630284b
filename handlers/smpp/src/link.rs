//! A session with the SMSC as the rest of the handler sees it: what it is
//! bound for, what it lends the submitters, and what its supervisor tells
//! the handler task. Kept out of [`crate::bind`] so that the shared context
//! can carry notes without depending on the sessions that send them.

use crate::guard::Backlog;
use crate::pending::Pending;
use rusmppc::Client;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// What a session is bound for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Transceiver,
    Transmitter,
    Receiver,
}

impl Role {
    /// Short name as in SMPP talk: trx, tx, rx.
    pub fn short(self) -> &'static str {
        match self {
            Role::Transceiver => "trx",
            Role::Transmitter => "tx",
            Role::Receiver => "rx",
        }
    }

    pub fn submits(self) -> bool {
        matches!(self, Role::Transceiver | Role::Transmitter)
    }
}

/// A bound session that can submit: its client, its outstanding submits
/// and its window. A new session gets a new one.
#[derive(Debug)]
pub struct TxLink {
    pub client: Client,
    pub backlog: Arc<Backlog>,
    pub pending: Arc<Pending>,
    pub window: Arc<Semaphore>,
}

/// What a supervisor tells the handler.
#[derive(Debug)]
pub enum Note {
    Up {
        role: Role,
        /// Set for sessions that submit.
        tx: Option<Arc<TxLink>>,
    },
    Down {
        role: Role,
        detail: String,
    },
    /// The SMSC throttled us (or its queue is full): submits pause.
    Throttled {
        pause: Duration,
        reason: String,
    },
}
