//! The facts on the bus. Each names what changed by its id; the store has
//! the rest (a fact carries no phone number, so no subscriber can leak one
//! it was not meant to read).

use crate::model::states::OutState;
use switchboard_protocol::{DlrState, HandlerId, HandlerState, MessageId};

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fact {
    /// A received SMS is stored whole (its parts joined, or given up on).
    SmsStored { id: MessageId },
    /// An outbound SMS ended: delivered, failed or expired.
    SmsEnded { id: MessageId, state: OutState },
    /// A delivery report was applied to a part of an outbound SMS.
    Report {
        id: MessageId,
        seq: u8,
        state: DlrState,
    },
    /// A call came in on a line (`call` is the call log's row id).
    CallStarted { call: i64, line: HandlerId },
    /// A call on a line rang out unanswered (or was rejected).
    CallMissed { call: i64, line: HandlerId },
    /// A call's state moved on (answered, ended, ...).
    CallProgressed { call: i64, line: HandlerId },
    /// A handler went up, degraded or down.
    HandlerChanged {
        handler: HandlerId,
        state: HandlerState,
        detail: String,
    },
    /// What a user's watchers see of them may have changed.
    PresenceChanged { user: i64 },
}
