//! Bindings: one phone number ↔ one IM ID, proven by a one-time code sent
//! by SMS (asked for from the API or by texting `REG <id>`).

pub mod codes;
pub mod store;
