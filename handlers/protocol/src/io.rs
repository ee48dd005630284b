//! In-process plumbing between the host and a handler task.

use crate::{Command, Envelope, HandlerId};
use tokio::sync::mpsc;

/// The handler's side: commands in, events out (shared by all handlers).
#[derive(Debug)]
pub struct HandlerIo {
    pub id: HandlerId,
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub events: mpsc::UnboundedSender<Envelope>,
}

/// The host's side of one handler.
#[derive(Debug, Clone)]
pub struct HandlerHandle {
    pub id: HandlerId,
    pub commands: mpsc::UnboundedSender<Command>,
}

/// Creates both sides for one handler whose events go to `events`.
pub fn channel_pair(
    id: HandlerId,
    events: mpsc::UnboundedSender<Envelope>,
) -> (HandlerHandle, HandlerIo) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        HandlerHandle {
            id: id.clone(),
            commands: tx,
        },
        HandlerIo {
            id,
            commands: rx,
            events,
        },
    )
}
