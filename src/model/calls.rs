//! The kinds and states of calls on modem lines, as the `calls` table keeps
//! them and the API shows them.

use switchboard_protocol::{CallId, Caller};

crate::text_enum! {
    /// Who started a call (`calls.direction`).
    pub enum CallDirection {
        /// The line was called.
        In = "in",
        /// The line called.
        Out = "out",
    }
}

impl From<CallId> for CallDirection {
    fn from(call: CallId) -> Self {
        match call {
            CallId::Incoming(_) => CallDirection::In,
            CallId::Placed(_) => CallDirection::Out,
        }
    }
}

crate::text_enum! {
    /// What is known of the caller (`calls.caller_kind`).
    pub enum CallerKind {
        /// The number is in `calls.caller`.
        Number = "number",
        Withheld = "withheld",
        Unavailable = "unavailable",
        /// A call the line placed itself.
        Line = "line",
    }
}

impl From<&Caller> for CallerKind {
    fn from(c: &Caller) -> Self {
        match c {
            Caller::Number(_) => CallerKind::Number,
            Caller::Withheld => CallerKind::Withheld,
            Caller::Unavailable => CallerKind::Unavailable,
        }
    }
}

crate::text_enum! {
    /// Where a call stands. Ringing and active are what a row without an
    /// end shows (never stored); the rest is `calls.outcome`.
    pub enum CallOutcome {
        Ringing = "ringing",
        Active = "active",
        Answered = "answered",
        Missed = "missed",
        Rejected = "rejected",
        Busy = "busy",
        NoAnswer = "no_answer",
        Failed = "failed",
    }
}
