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

use crate::bus::{Fact, Subscription, follow};
use crate::config::ImConfig;
use crate::im::clock::{Clock, SharedClock};
use crate::im::presence::hub::Hub;
use crate::model::phone::NumberParser;
use crate::sms::outbox::Outbox;
use crate::store::{Store, UnixMs};
use std::sync::Arc;

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

/// Follows the bus: each stored SMS is handled in its own task (they only
/// meet in the store), each ended message may be a receipt. Received SMS
/// left unhandled (a crash between the two commits, or the bus running
/// ahead of this task) are caught up from the store.
pub fn spawn(im: Arc<Im>, sub: Subscription) {
    let (a, b) = (im.clone(), im);
    tokio::spawn(follow(
        sub,
        move |why| {
            let im = a.clone();
            async move {
                let left = inbound::unhandled(&im).await;
                if !left.is_empty() {
                    tracing::warn!(
                        count = left.len(),
                        ?why,
                        "handling received SMS left unhandled"
                    );
                }
                for id in left {
                    inbound::handle(&im, id).await;
                }
            }
        },
        move |fact| {
            let im = b.clone();
            async move {
                match fact {
                    Fact::SmsStored { id } => {
                        tokio::spawn(async move { inbound::handle(&im, id).await });
                    }
                    Fact::SmsEnded { id, state } => {
                        tokio::spawn(async move {
                            crate::im::inbox::receipts::sms_finished(&im, id, state).await
                        });
                    }
                    _ => {}
                }
            }
        },
    ));
}
