//! The bus: facts the host has committed, for any room to react to.
//!
//! A fact is published only after the write that makes it true is
//! committed, so a subscriber that reads the store on hearing it finds it
//! there. The bus is an in-memory broadcast of bounded size
//! ([`CAPACITY`] facts): a subscriber that falls further behind loses the
//! oldest facts it has not read and is told how many ([`Heard::Lagged`]);
//! a subscriber that starts late hears only what comes after it. So what
//! must not be lost (webhook calls, the IM side's handling of received SMS,
//! notifications) is driven from durable state in the store: the bus only
//! says "look now", and such a subscriber catches up from the store at its
//! start and after every lag ([`follow`]). Views that only show the latest
//! state (the links' state, presence on a page) may simply wait for the
//! next fact.

mod fact;
mod follow;

pub use fact::Fact;
pub use follow::follow;

use tokio::sync::broadcast;

/// Facts a subscriber may fall behind by before it loses the oldest.
pub const CAPACITY: usize = 4096;

/// The host's bus; cheap to clone. Publishing never waits.
#[derive(Debug, Clone)]
pub struct Bus {
    tx: broadcast::Sender<Fact>,
}

/// What a subscriber hears next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Fact(Fact),
    /// This many facts were lost: catch up from the store.
    Lagged(u64),
    /// The bus is gone (the daemon is stopping).
    Closed,
}

/// One subscriber's place on the bus.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<Fact>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus::with_capacity(CAPACITY)
    }
}

impl Bus {
    pub fn with_capacity(capacity: usize) -> Bus {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Bus { tx }
    }

    /// Publishes a committed fact to every current subscriber.
    pub fn publish(&self, fact: Fact) {
        // No subscriber is no error: nobody needs to hear it.
        let _ = self.tx.send(fact);
    }

    /// A new subscriber: it hears what is published from now on.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.tx.subscribe(),
        }
    }
}

impl Subscription {
    pub async fn next(&mut self) -> Heard {
        match self.rx.recv().await {
            Ok(f) => Heard::Fact(f),
            Err(broadcast::error::RecvError::Lagged(n)) => Heard::Lagged(n),
            Err(broadcast::error::RecvError::Closed) => Heard::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::MessageId;

    #[tokio::test]
    async fn a_slow_subscriber_is_told_how_many_facts_it_lost_then_hears_the_newest() {
        let bus = Bus::with_capacity(4);
        let mut sub = bus.subscribe();
        for i in 0..10 {
            bus.publish(Fact::SmsStored { id: MessageId(i) });
        }
        assert_eq!(sub.next().await, Heard::Lagged(6));
        assert_eq!(
            sub.next().await,
            Heard::Fact(Fact::SmsStored { id: MessageId(6) })
        );
    }

    #[tokio::test]
    async fn a_late_subscriber_hears_only_what_comes_after_it() {
        let bus = Bus::default();
        bus.publish(Fact::SmsStored { id: MessageId(1) });
        let mut sub = bus.subscribe();
        bus.publish(Fact::SmsStored { id: MessageId(2) });
        drop(bus);
        assert_eq!(
            sub.next().await,
            Heard::Fact(Fact::SmsStored { id: MessageId(2) })
        );
        assert_eq!(sub.next().await, Heard::Closed);
    }
}
