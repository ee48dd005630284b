//! Voice calls: what the host asks a line to do and what the line reports.
//!
//! A modem line reports incoming calls and how they ended (a call that rang
//! out unanswered becomes [`crate::Event::CallMissed`], the start of a
//! missed-call notification), and places, holds, joins and hangs up calls
//! for callbacks.

use crate::{Address, PhoneNumber};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::SystemTime;

/// Names one call on one handler. The host numbers the calls it places
/// ([`CallId::Placed`], in [`CallCommand::Dial`]); the handler numbers the
/// calls it receives ([`CallId::Incoming`]), so neither side has to ask the
/// other for an id. Unique per handler (the envelope names the handler).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "origin", content = "seq", rename_all = "snake_case")]
pub enum CallId {
    Placed(u64),
    Incoming(u64),
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallId::Placed(n) => write!(f, "placed-{n}"),
            CallId::Incoming(n) => write!(f, "incoming-{n}"),
        }
    }
}

/// Who is calling, as the network presented it (+CLIP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Caller {
    /// The caller's number (international, national or other digits).
    Number(Address),
    /// The caller withheld the number (CLIP validity 1, "restricted").
    Withheld,
    /// The network did not provide it (CLIP validity 2, payphones,
    /// international interworking).
    Unavailable,
}

/// Call-control commands to a line (a handler with
/// [`crate::Capability::VoiceCalls`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallCommand {
    /// Place a voice call (`ATD<number>;`). With calls already active they
    /// are put on hold first, so a second call can later be joined.
    Dial { call: CallId, to: PhoneNumber },
    /// Answer a ringing incoming call (`ATA`).
    Answer { call: CallId },
    /// Put the active call(s) on hold and make the held or waiting one
    /// active (`AT+CHLD=2`).
    HoldAndSwap,
    /// Join the held and the active calls into one (`AT+CHLD=3`).
    Join,
    /// Hang up one call (`AT+CHLD=1x` where the modem supports it), or all
    /// calls with `None` (`ATH` / `AT+CHUP`, per modem profile).
    HangUp { call: Option<CallId> },
    /// Refuse a ringing incoming call (busy; the network may send the
    /// caller to voicemail). The call ends as [`CallEnd::Rejected`].
    Reject { call: CallId },
    /// Send DTMF tones on the active call (`AT+VTS`); digits `0-9*#A-D`.
    Dtmf { call: CallId, digits: String },
}

/// Where a call is, as the line reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallProgress {
    /// A placed call is being set up (`ATD` accepted).
    Dialling,
    /// The remote phone rings.
    Alerting,
    /// Connected: the call is up.
    Active,
    /// On hold (after `HoldAndSwap`).
    Held,
    /// Joined into a conference with the line's other calls.
    Joined,
    /// The call ended; `end` says how.
    Ended { end: CallEnd },
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "end", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallEnd {
    /// It had been connected and was hung up (by either side).
    Completed,
    /// The called side was busy (BUSY).
    Busy,
    /// Nobody answered (NO ANSWER, or NO CARRIER before connecting).
    NoAnswer,
    /// An incoming call that rang out unanswered.
    Missed,
    /// An incoming call refused on the host's command (or after the
    /// configured number of rings).
    Rejected,
    /// It could not be set up: no dial tone, not registered, barred, an
    /// error from the modem; the reason is for people.
    Failed { reason: String },
}

/// A call that rang out unanswered on a line: the input of the missed-call
/// notification server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedCall {
    pub call: CallId,
    pub caller: Caller,
    /// The number of the line that was called (from config or `+CNUM`),
    /// when known.
    pub line: Option<PhoneNumber>,
    /// RING / +CRING indications counted.
    pub rings: u32,
    pub started_at: SystemTime,
    pub ended_at: SystemTime,
    /// The line refused it (on command or after N rings) and the network
    /// may have sent the caller to voicemail: still a missed call.
    pub rejected: bool,
}
