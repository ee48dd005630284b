//! Events to the host, wrapped with the handler's name.

use switchboard_protocol::{Envelope, Event, HandlerId};
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct Emitter {
    pub id: HandlerId,
    tx: mpsc::UnboundedSender<Envelope>,
}

impl Emitter {
    pub fn new(id: HandlerId, tx: mpsc::UnboundedSender<Envelope>) -> Self {
        Emitter { id, tx }
    }

    /// Sends an event; a host that went away is not an error here (the
    /// command side notices and stops the handler).
    pub fn emit(&self, event: Event) {
        let _ = self.tx.send(Envelope {
            handler: self.id.clone(),
            event,
        });
    }
}
