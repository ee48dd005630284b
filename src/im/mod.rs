//! The IM side's shared context, and the task that sends receipts once
//! messages end.

pub mod bindings;
pub mod clock;
pub mod directory;
pub mod inbox;
pub mod matching;
pub mod phone_state;
pub mod presence;
pub mod routing;
pub mod to_phone;

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
    /// Where presence changes are told once committed.
    pub bus: crate::bus::Bus,
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

/// Follows the bus for receipts: each ended message may be one a sender
/// asked for. A receipt missed while this task lagged is not sent late:
/// the inbox history still shows the outcome.
pub fn spawn(im: Arc<Im>, sub: Subscription) {
    tokio::spawn(follow(
        sub,
        |why| async move {
            tracing::warn!(?why, "receipts of messages ended meanwhile are not sent");
        },
        move |fact| {
            let im = im.clone();
            async move {
                if let Fact::SmsEnded { id, state } = fact {
                    tokio::spawn(async move {
                        crate::im::inbox::receipts::sms_finished(&im, id, state).await
                    });
                }
            }
        },
    ));
}
