//! Identifiers that cross the host/handler boundary.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The host's id of a message (in or out). Stable across restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub i64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The configured name of a handler instance (`[[smpp]] name = "..."`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HandlerId(pub String);

impl HandlerId {
    pub fn new(name: impl Into<String>) -> Self {
        HandlerId(name.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HandlerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id a network gave a submitted part (SMPP `message_id`, modem `+CMGS`
/// reference). Handlers normalise it (for example hex vs decimal per SMSC)
/// so that the id in a submit response and the id in its delivery report
/// compare equal as strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NetworkMessageId(pub String);

impl fmt::Display for NetworkMessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Names one inbound PDU a handler is holding its acknowledgement for. The
/// host sends [`crate::Command::Ack`] with it once what the PDU carried is
/// committed, so the network hears "received" only after it is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AckToken(pub u64);
