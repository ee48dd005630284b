//! Sessions with the SMSC: connecting and binding ([`session`]), reading
//! what the SMSC sends ([`reader`]), and keeping a session up
//! ([`supervisor`]).

pub mod reader;
pub mod session;
pub mod supervisor;
