//! Errors a caller of the simulator can act on.

use switchboard_protocol::text::Coding;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("{field}: {reason}")]
    BadAddress { field: &'static str, reason: String },
    #[error("text: cannot be sent as {coding:?}: {reason}")]
    Coding { coding: Coding, reason: String },
    #[error("text: needs {parts} parts, more than the 255 a concatenated SMS can have")]
    TooLong { parts: usize },
    #[error(
        "parts_order: index {index} names no part; the text has {parts} part(s), numbered from 0"
    )]
    BadPartsOrder { index: usize, parts: usize },
    #[error("the simulator is stopped")]
    Stopped,
    /// A simulator setting that cannot work, naming the field.
    #[error("{0}")]
    Config(String),
    /// The simulated modem cannot take this now (not registered, too many calls).
    #[error("{0}")]
    Unavailable(String),
    /// The pty, its link or a listener could not be set up.
    #[error("{0}")]
    Io(String),
}
