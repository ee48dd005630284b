//! Sessions with the SMSC: connecting and binding ([`session`]), reading
//! what the SMSC sends ([`reader`]), and keeping a session up
//! ([`supervisor`]).

pub mod reader;
pub mod session;
pub mod supervisor;

use crate::guard::Backlog;
use crate::pending::Pending;
use rusmppc::Client;
use std::sync::Arc;
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
