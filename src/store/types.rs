//! Rows and states as the rest of the host sees them.

use switchboard_protocol::{Address, Body, HandlerId, MessageId, PhoneNumber, Priority};

pub use crate::model::kinds::AuditKind;
pub use crate::model::states::{OutState, TryOutcome};
pub use crate::model::time::{UnixMs, day_of, now_ms, system_ms};

/// What happens to a message after a try that did not fully succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Queued again for this time.
    Retry(UnixMs),
    /// Held: no response came; wait for a delivery report.
    Uncertain,
    /// Ended (failed or expired).
    Final(OutState),
}

/// A message the API validated, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewOutbound {
    pub api_key_id: i64,
    pub idempotency_key: Option<String>,
    pub to: PhoneNumber,
    pub from: Option<Address>,
    pub body: Body,
    pub report: bool,
    pub priority: Priority,
    pub valid_until: UnixMs,
    pub concat_ref: u16,
    pub total_parts: u8,
    pub created_at: UnixMs,
    /// A recipient that texted STOP gets nothing: the message is stored
    /// already failed (`recipient_opted_out`). Set for every message of the
    /// IM side; for the operator API's, `[delivery] opt_out_applies_to_api`.
    pub honour_opt_out: bool,
}

/// What the store made of one accepted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub id: MessageId,
    /// The idempotency key was seen before; `id` is the earlier message.
    pub duplicate: bool,
    /// Set when this accept stored the message already ended (the
    /// recipient opted out): the caller must not hand it to the dispatcher.
    pub ended: Option<OutState>,
}

/// An unfinished message as the dispatcher needs it at start.
#[derive(Debug, Clone)]
pub struct OpenMessage {
    pub id: MessageId,
    pub to: PhoneNumber,
    pub from: Option<Address>,
    pub body: Body,
    pub report: bool,
    pub priority: Priority,
    pub valid_until: UnixMs,
    pub concat_ref: u16,
    pub total_parts: u8,
    pub attempts: u32,
    pub next_attempt_at: UnixMs,
    pub done_parts: Vec<u8>,
    pub uncertain_since: Option<UnixMs>,
    /// The link of the last try.
    pub route: Option<HandlerId>,
}

/// What a delivery report changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportApplied {
    pub id: MessageId,
    pub seq: u8,
    /// Set when the report finished the message.
    pub finished: Option<OutState>,
}
