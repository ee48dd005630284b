//! The SMS path: the dispatcher that schedules outbound SMS on the links,
//! and the concatenation references of long messages.

pub mod concat_ref;
pub mod dispatch;
pub mod outbox;
