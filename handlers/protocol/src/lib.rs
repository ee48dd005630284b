//! The device-handler protocol.
//!
//! The host talks to every device handler (SMPP link, GSM modem, email, ...)
//! with [`Command`]s and hears back through [`Event`]s wrapped in an
//! [`Envelope`] naming the handler. Everything here is serde-serialisable so a
//! handler could run in another process or on another host later; in-process
//! the two sides are joined by the channels of [`HandlerIo`].
//!
//! New kinds of device (calls, email) are added as new variants and new
//! [`Capability`] values: the enums are `#[non_exhaustive]` for that reason.

mod address;
mod call;
mod command;
mod event;
mod ids;
mod io;
pub mod pdu;
mod spec;
mod status;
pub mod text;

pub use address::{Address, AddressError, PhoneNumber};
pub use call::{CallCommand, CallEnd, CallId, CallProgress, Caller, MissedCall};
pub use command::{Body, Command, OutboundSms, Priority};
pub use event::{DlrState, Envelope, Event, FailureKind, InboundSms, SubmitFailure, SubmittedPart};
pub use ids::{AckToken, HandlerId, MessageId, NetworkMessageId};
pub use io::{HandlerHandle, HandlerIo, channel_pair};
pub use spec::{CheckOutcome, Handler, HandlerKind, HandlerSpec, HealthCheck, HealthReport};
pub use status::{Capability, HandlerState, HandlerStatus, RadioStatus, Registration};
pub use text::{Concat, PartBody};
