//! Events from a handler to the host.

use crate::text::{Concat, PartBody};
use crate::{
    AckToken, Address, CallId, CallProgress, Caller, HandlerId, HandlerStatus, MessageId,
    MissedCall, NetworkMessageId, PhoneNumber,
};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

/// An event and the handler it came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub handler: HandlerId,
    pub event: Event,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// Every part of the message was accepted by the network.
    Submitted {
        id: MessageId,
        attempt: u32,
        /// Parts accepted on this try (parts skipped via `skip_parts` are
        /// not repeated here).
        parts: Vec<SubmittedPart>,
        total_parts: u8,
    },
    /// The message (or one of its parts) was not accepted.
    SubmitFailed {
        id: MessageId,
        attempt: u32,
        /// Parts that were accepted before the failure.
        parts: Vec<SubmittedPart>,
        total_parts: u8,
        failure: SubmitFailure,
    },
    /// A delivery report for one submitted part.
    DeliveryReport {
        network_id: NetworkMessageId,
        state: DlrState,
        /// Network error code as reported (`err:` or network_error_code).
        error: Option<String>,
        /// When the network says the final state was reached.
        done_at: Option<SystemTime>,
        /// The recipient of the original message, when the report names it;
        /// used with `text_prefix` to match a report whose id is unknown
        /// (the submit response was lost).
        recipient: Option<Address>,
        text_prefix: Option<String>,
        ack: Option<AckToken>,
    },
    /// One received SMS or one part of a long one. The host stores it,
    /// reassembles parts durably, then acknowledges with the token.
    SmsReceived { ack: AckToken, sms: InboundSms },
    /// Up, down or degraded, with what the handler knows.
    Status(HandlerStatus),
    /// A call is ringing on a line. Followed by [`Event::CallMissed`] if it
    /// rings out, or [`Event::CallProgress`] if it is answered or refused.
    CallIncoming {
        call: CallId,
        caller: Caller,
        /// The number of the line called, when known.
        line: Option<PhoneNumber>,
        at: SystemTime,
    },
    /// An incoming call ended without being answered.
    CallMissed(MissedCall),
    /// A call (placed or incoming) changed state.
    CallProgress {
        call: CallId,
        progress: CallProgress,
        at: SystemTime,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedPart {
    /// 1-based part number.
    pub seq: u8,
    pub network_id: NetworkMessageId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitFailure {
    pub kind: FailureKind,
    /// Network status code (SMPP command_status, +CMS ERROR n), if any.
    pub code: Option<u32>,
    /// What went wrong, for people (`ESME_RTHROTTLED (0x58)`, `link down`).
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FailureKind {
    /// Try again later; `retry_after` is the handler's hint (throttling).
    Temporary { retry_after: Option<Duration> },
    /// Will never succeed as is (bad destination, rejected): do not retry.
    Permanent,
    /// The network may or may not have taken it (no response in time).
    /// Resending blindly risks a duplicate; wait for a report first.
    Uncertain,
}

/// Final or intermediate state from a delivery report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DlrState {
    Enroute,
    Delivered,
    Expired,
    Deleted,
    Undeliverable,
    Accepted,
    Unknown,
    Rejected,
}

impl DlrState {
    /// A final state ends the part's life at the network.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            DlrState::Enroute | DlrState::Accepted | DlrState::Unknown
        )
    }
}

/// One received SMS (or one part of a concatenated one), undecoded so that
/// a UCS-2 character split across parts survives reassembly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundSms {
    pub from: Address,
    pub to: Address,
    pub body: PartBody,
    pub concat: Option<Concat>,
    pub received_at: SystemTime,
}
