//! One call as the handler follows it.

use std::time::SystemTime;
use switchboard_protocol::{CallId, Caller};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Incoming, not answered.
    Ringing,
    Dialling,
    Alerting,
    Active,
    Held,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub id: CallId,
    /// The modem's +CLCC index, once known.
    pub index: Option<u8>,
    pub incoming: bool,
    /// Incoming: who calls (`None` until +CLIP or the end).
    pub caller: Option<Caller>,
    pub phase: Phase,
    pub rings: u32,
    pub started_at: SystemTime,
    pub last_ring: Instant,
    /// CallIncoming sent.
    pub announced: bool,
    /// Was connected at some point.
    pub answered: bool,
    /// Refused by the line (command or after N rings).
    pub rejected: bool,
    pub joined: bool,
}

impl Call {
    pub fn incoming(id: CallId, at: SystemTime) -> Call {
        Call {
            id,
            index: None,
            incoming: true,
            caller: None,
            phase: Phase::Ringing,
            rings: 0,
            started_at: at,
            last_ring: Instant::now(),
            announced: false,
            answered: false,
            rejected: false,
            joined: false,
        }
    }

    pub fn placed(id: CallId, at: SystemTime) -> Call {
        Call {
            id,
            index: None,
            incoming: false,
            caller: None,
            phase: Phase::Dialling,
            rings: 0,
            started_at: at,
            last_ring: Instant::now(),
            announced: true,
            answered: false,
            rejected: false,
            joined: false,
        }
    }

    /// Still ringing unanswered at the line.
    pub fn is_ringing(&self) -> bool {
        self.incoming && self.phase == Phase::Ringing
    }
}
