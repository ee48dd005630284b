//! The AT command layer: lines, final results, one command in flight.

pub mod command;
pub mod engine;
pub mod final_result;
pub mod lines;
pub mod unsolicited;

pub use command::{
    AtCommand, AtError, CommandError, EngineEvent, Expect, InfoLine, Kind, Reply, Unsolicited,
};
pub use engine::{AtClient, Timeouts};
pub use final_result::{ErrorCode, FinalResult};
#[cfg(test)]
mod engine_tests;
