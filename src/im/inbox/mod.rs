//! The inbox: stored messages per user, read/unread/deleted, with their
//! history, and the receipts their senders asked for.

pub mod receipts;
pub mod store;
