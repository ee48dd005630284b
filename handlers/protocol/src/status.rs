//! Handler status and capabilities.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlerStatus {
    pub state: HandlerState,
    /// For people: `bound trx to 127.0.0.1:2775`, `bind refused:
    /// ESME_RINVPASWD (0x0E), next try in 8s`.
    pub detail: String,
    pub capabilities: Vec<Capability>,
    /// How many `SendSms` commands the host may have outstanding at once
    /// (the SMPP window); 0 while down.
    pub capacity: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlerState {
    Up,
    /// Working but impaired (throttled, poor signal).
    Degraded,
    Down,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Capability {
    SendSms,
    ReceiveSms,
    DeliveryReports,
}
