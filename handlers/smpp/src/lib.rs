//! SMPP device handler: an ESME that binds to one SMSC (transceiver, or
//! transmitter + receiver), submits messages with a window of outstanding
//! PDUs, and turns deliver_sm into received messages and delivery reports
//! whose responses wait for the host's acknowledgement.
//!
//! Built on rusmpp (PDUs, codec) and rusmppc (connection, enquire_link);
//! reconnecting, windowing, throttling and the SMS logic are here.

mod acks;
mod address;
mod backoff;
mod bind;
pub mod config;
mod context;
pub mod dlr;
mod guard;
mod handler;
pub mod ids;
mod incoming;
mod mo;
mod pause;
mod pdu_build;
mod pending;
mod raw_pdu;
mod smpp_time;
pub mod status_codes;
mod submit;
mod sync;
mod token_bucket;

pub use config::{BindMode, ConfigError, DlrIdFormat, LongMessages, SmppConfig};

use switchboard_protocol::HandlerIo;
use tokio::task::JoinHandle;

/// Starts the handler for one `[[smpp]]` link on the current tokio runtime.
/// It runs until it receives `Command::Shutdown` or the host drops its
/// command sender.
pub fn spawn(cfg: SmppConfig, io: HandlerIo) -> JoinHandle<()> {
    tokio::spawn(handler::run(cfg, io))
}
