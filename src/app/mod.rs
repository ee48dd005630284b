//! Start-up and shutdown of the daemon.

mod start;
pub use start::*;
