//! deliver_sm PDUs whose response waits for the host: the host stores what
//! they carried, then sends Ack (answer ESME_ROK) or Nack (answer
//! ESME_RX_T_APPN so the SMSC retries later). Until then the SMSC keeps the
//! message, so nothing is lost if the appliance dies before storing it.

use crate::sync::lock;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use switchboard_protocol::AckToken;
use tokio::sync::mpsc;

/// A response PDU for the connection's responder task to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    DeliverSmResp { seq: u32, status: u32 },
    GenericNack { seq: u32, status: u32 },
}

/// Where one held deliver_sm must be answered.
#[derive(Debug)]
pub struct Held {
    pub connection: u64,
    pub seq: u32,
    pub responder: mpsc::UnboundedSender<Answer>,
}

#[derive(Debug)]
pub struct AckTable {
    next: AtomicU64,
    held: Mutex<HashMap<u64, Held>>,
}

impl Default for AckTable {
    fn default() -> Self {
        AckTable {
            next: AtomicU64::new(1),
            held: Mutex::new(HashMap::new()),
        }
    }
}

impl AckTable {
    /// Holds the response to deliver_sm `seq` and names it with a token.
    pub fn hold(&self, held: Held) -> AckToken {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.held).insert(token, held);
        AckToken(token)
    }

    /// The held response a token names, once.
    pub fn take(&self, token: AckToken) -> Option<Held> {
        lock(&self.held).remove(&token.0)
    }

    /// The connection is gone: its PDUs cannot be answered any more (the
    /// SMSC will deliver them again on the next session).
    pub fn forget_connection(&self, connection: u64) -> usize {
        let mut g = lock(&self.held);
        let before = g.len();
        g.retain(|_, h| h.connection != connection);
        before - g.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_taken_once() {
        let t = AckTable::default();
        let (tx, _rx) = mpsc::unbounded_channel();
        let a = t.hold(Held {
            connection: 1,
            seq: 10,
            responder: tx.clone(),
        });
        let b = t.hold(Held {
            connection: 2,
            seq: 10,
            responder: tx,
        });
        assert_ne!(a, b);
        assert_eq!(t.take(a).map(|h| h.seq), Some(10));
        assert!(t.take(a).is_none());
        assert_eq!(t.forget_connection(2), 1);
        assert!(t.take(b).is_none());
        assert!(lock(&t.held).is_empty());
    }
}
