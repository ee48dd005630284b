//! The IM side's shared context, and the task that reads received SMS
//! once they are stored.

pub mod bindings;
pub mod clock;
pub mod directory;
mod inbound;
pub mod inbox;
pub mod matching;
pub mod presence;
pub mod routing;

use crate::config::ImConfig;
use crate::im::clock::{Clock, SharedClock};
use crate::im::presence::hub::Hub;
use crate::model::phone::NumberParser;
use crate::sms::dispatch::Note;
use crate::sms::outbox::Outbox;
use crate::store::{Store, UnixMs};
use std::sync::Arc;
use tokio::sync::mpsc;

pub struct Im {
    pub store: Store,
    pub clock: SharedClock,
    pub config: ImConfig,
    pub hub: Hub,
    /// Every SMS the IM side sends goes through it.
    pub outbox: Outbox,
    pub numbers: NumberParser,
}

impl std::fmt::Debug for Im {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Im")
    }
}

impl Im {
    pub fn now(&self) -> UnixMs {
        self.clock.now()
    }

    /// A user's full IM ID.
    pub fn full(&self, id: &crate::im::directory::ImId) -> String {
        id.full(&self.config.cluster)
    }
}

/// Reads the dispatcher's notes: each stored SMS is handled in its own
/// task (they only meet in the store), each ended message may be a receipt.
pub fn spawn(im: Arc<Im>, mut notes: mpsc::UnboundedReceiver<Note>) {
    tokio::spawn(async move {
        if im.config.enabled {
            let left = inbound::unhandled(&im).await;
            if !left.is_empty() {
                tracing::warn!(
                    count = left.len(),
                    "handling received SMS left unhandled at the last stop"
                );
            }
            for id in left {
                inbound::handle(&im, id).await;
            }
        }
        while let Some(n) = notes.recv().await {
            let im = im.clone();
            match n {
                Note::Received(id) => {
                    tokio::spawn(async move { inbound::handle(&im, id).await });
                }
                Note::Finished(id, state) => {
                    tokio::spawn(async move {
                        crate::im::inbox::receipts::sms_finished(&im, id, state).await
                    });
                }
            }
        }
    });
}
