//! Handler status and capabilities.

use crate::PhoneNumber;
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
    /// What a radio device (GSM modem) knows of its network; `None` for
    /// handlers without one (SMPP links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radio: Option<RadioStatus>,
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
    /// Incoming call events and call control ([`crate::CallCommand`]).
    VoiceCalls,
}

/// A modem's view of its radio network, from its periodic health checks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RadioStatus {
    /// Manufacturer and model (`+CGMI`, `+CGMM`), and the profile in use.
    pub model: Option<String>,
    pub profile: Option<String>,
    /// Received signal strength in dBm from `+CSQ` (`None`: 99, unknown).
    pub signal_dbm: Option<i32>,
    /// The raw `+CSQ` RSSI value 0..=31 (99 unknown).
    pub csq: Option<u8>,
    pub registration: Registration,
    /// Operator name from `+COPS?`.
    pub operator: Option<String>,
    /// The line's own number (config or `+CNUM`). Shown to administrators
    /// only, like every number.
    pub line: Option<PhoneNumber>,
}

/// Network registration (`+CREG` / `+CEREG` stat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    #[default]
    Unknown,
    NotRegistered,
    Searching,
    Denied,
    Home,
    Roaming,
}

impl Registration {
    /// Registered on a network (home or roaming): SMS and calls can work.
    pub fn is_registered(self) -> bool {
        matches!(self, Registration::Home | Registration::Roaming)
    }
}
