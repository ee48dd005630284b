//! Rows and states as the rest of the host sees them.

use serde::Serialize;
use switchboard_protocol::{Address, Body, MessageId, PhoneNumber, Priority};

/// Milliseconds since the Unix epoch: every timestamp in the store.
pub type UnixMs = i64;

pub fn now_ms() -> UnixMs {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A time as the store keeps it (before the epoch: 0).
pub fn system_ms(t: std::time::SystemTime) -> UnixMs {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The UTC day a time falls on (days since the epoch), as the per-link
/// daily send counts (SIM daily limits) are kept.
pub fn day_of(at: UnixMs) -> i64 {
    at.div_euclid(86_400_000)
}

/// The lifecycle of an outbound message. "Accepted" is the API's answer;
/// the stored message starts queued in the same commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
// Queued and Submitting are written by SQL in the store; the enum names the
// whole lifecycle so its strings live in one place.
#[allow(dead_code)]
pub enum OutState {
    Queued,
    Submitting,
    Submitted,
    Delivered,
    Failed,
    Expired,
}

impl OutState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutState::Queued => "queued",
            OutState::Submitting => "submitting",
            OutState::Submitted => "submitted",
            OutState::Delivered => "delivered",
            OutState::Failed => "failed",
            OutState::Expired => "expired",
        }
    }
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub id: MessageId,
    /// The idempotency key was seen before; `id` is the earlier message.
    pub duplicate: bool,
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
    pub route: Option<String>,
}

/// What a delivery report changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportApplied {
    pub id: MessageId,
    pub seq: u8,
    /// Set when the report finished the message.
    pub finished: Option<OutState>,
}
