//! Commands from the host to a handler.

use crate::{AckToken, Address, CallCommand, MessageId, PhoneNumber};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Command {
    /// Submit one message (all its parts) to the network.
    SendSms(OutboundSms),
    /// What the PDU named by the token carried is committed: acknowledge it
    /// to the network now.
    Ack(AckToken),
    /// Refuse the PDU named by the token with a temporary error so the
    /// network retries it later (the host could not store it).
    Nack(AckToken),
    /// Call control, for handlers with [`crate::Capability::VoiceCalls`].
    Call(CallCommand),
    /// Unbind / close cleanly and stop.
    Shutdown,
}

/// One outbound SMS as the host hands it to a handler.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboundSms {
    pub id: MessageId,
    /// 1 for the first try; lets the host ignore late results of old tries.
    pub attempt: u32,
    pub to: PhoneNumber,
    /// `None`: the handler's configured default sender.
    pub from: Option<Address>,
    pub body: Body,
    /// The sender asked for a delivery report.
    pub report: bool,
    /// After this the network should give up (SMPP validity_period).
    pub valid_until: Option<SystemTime>,
    pub priority: Priority,
    /// Concatenation reference, chosen by the host once per message so that
    /// a retry of some parts reassembles with the parts sent before.
    pub concat_ref: u16,
    /// 1-based numbers of parts the network already accepted on an earlier
    /// try: the handler must not send them again.
    pub skip_parts: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    /// Text; the handler picks GSM 03.38 when it fits, else UCS-2, and
    /// splits it with [`crate::text::plan`].
    Text { text: String },
    /// Raw 8-bit data (data_coding 0x04), optionally with a user data header.
    Binary { data: Vec<u8>, udh: Option<Vec<u8>> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    High,
}
