//! Injected misbehaviour of the simulated modem. All off by default; set
//! with [`super::ModemSim::set_faults`] or `POST /faults` (missing fields
//! are off).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModemFaults {
    /// Stop answering entirely: input is swallowed without echo, nothing is
    /// sent (no results, no URCs), as a crashed firmware does.
    pub hang: bool,
    /// A hung modem comes back when the client closes the port and opens it
    /// again (the last rung of a recovery ladder). Without it only clearing
    /// `hang` (or unplug/replug) helps.
    pub hang_clears_on_reopen: bool,
    /// A URC line sent between `+CMGS: <mr>` and `OK` (e.g. `^RSSI:17` or
    /// `+CMTI: "SM",3`).
    pub urc_in_cmgs: Option<String>,
    /// A URC line sent in the middle of a +CMGL listing (after the first
    /// entry, or before OK when it is empty).
    pub urc_in_cmgl: Option<String>,
    /// The SIM storage acts full: +CMS ERROR: 322 for what would store,
    /// incoming SMS wait at the network until this is cleared and space is
    /// free.
    pub storage_full: bool,
    /// Not registered (searching): +CREG: 2, +CSQ: 99,99, +CMGS answers
    /// +CMS ERROR: 331, ATD answers NO CARRIER. Clearing it registers again
    /// (with +CREG URCs when enabled).
    pub registration_lost: bool,
    /// +CMS error codes for the next submits, one per +CMGS, first first
    /// (e.g. `[42]` congestion once, `[38, 38]` network out of order twice).
    pub cmgs_errors: Vec<u16>,
    /// Bytes of line noise (NUL, 0xFF, a half line) before each result.
    pub stray_bytes: bool,
}
