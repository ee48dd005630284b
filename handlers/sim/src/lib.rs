//! Simulators for integration tests, the demo and the command line:
//!
//! - [`modem`]: a GSM modem on a pseudo-terminal or raw TCP, speaking AT
//!   commands like Huawei, SIMCom and Quectel sticks (`switchboard sim modem`);
//! - [`Smsc`]: an SMSC, an SMPP 3.4/5.0 server (`switchboard demo` runs it
//!   in-process; `switchboard sim smsc`).
//!
//! The SMSC accepts binds against configured accounts, answers submit_sm with
//! message ids (or with injected faults), sends delivery reports as
//! deliver_sm, injects mobile-originated messages, and records everything
//! it saw so tests can check what a gateway did:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use switchboard_sim::{Smsc, SmscConfig};
//! let smsc = Smsc::start(SmscConfig {
//!     listen: "127.0.0.1:0".parse().unwrap(),
//!     control_listen: None,
//!     ..SmscConfig::default()
//! })
//! .await?;
//! // ... point a gateway at smsc.local_addr() ...
//! smsc.wait_accepted(1, std::time::Duration::from_secs(5)).await;
//! println!("{:?}", smsc.messages());
//! smsc.stop().await;
//! # Ok(()) }
//! ```
//!
//! Built on rusmpp's tokio codec; one task per connection, one dispatcher
//! task for all deliver_sm, so it keeps up with a gateway pushing tens of
//! thousands of submits per second.

mod cli;
mod codec;
mod config;
mod control;
mod deliveries;
mod dispatch;
mod dlr;
mod error;
mod faults;
mod ids;
mod messages;
mod mo;
pub mod modem;
mod records;
mod server;
mod session;
mod smsc;
mod state;
mod submit;

pub use cli::{ModemCliOptions, run_cli, run_modem_cli};
pub use config::{Account, DlrStyle, IdFormat, SmscConfig};
pub use error::SimError;
pub use faults::Faults;
pub use messages::ReceivedMessage;
pub use mo::MoMessage;
pub use records::{BindKind, BindRecord, DeliveryKind, MoAck, Stats, SubmitRecord};
pub use smsc::Smsc;
