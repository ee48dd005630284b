//! Following the bus without missing anything: for subscribers driven by
//! durable state, which catch up from the store at their start and after
//! every lag, and otherwise react to each fact.

use super::{Fact, Heard, Subscription};
use std::future::Future;

/// Why a subscriber is catching up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catching {
    /// It has just started: what happened while it was not running.
    Start,
    /// It fell behind the bus by this many facts.
    Lag(u64),
}

/// Runs a durable subscriber until the bus closes: `catch_up` first, then
/// `on_fact` for every fact, and `catch_up` again after a lag. The
/// subscription is taken before the first catch-up, so a fact committed
/// during it is heard afterwards (at worst twice: subscribers must be
/// idempotent, as the store's records of what they did make them).
pub async fn follow<C, CF, F, FF>(mut sub: Subscription, mut catch_up: C, mut on_fact: F)
where
    C: FnMut(Catching) -> CF,
    CF: Future<Output = ()>,
    F: FnMut(Fact) -> FF,
    FF: Future<Output = ()>,
{
    catch_up(Catching::Start).await;
    loop {
        match sub.next().await {
            Heard::Fact(f) => on_fact(f).await,
            Heard::Lagged(n) => {
                tracing::warn!(facts = n, "fell behind the bus; catching up from the store");
                catch_up(Catching::Lag(n)).await;
            }
            Heard::Closed => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Bus;
    use std::sync::{Arc, Mutex};
    use switchboard_protocol::MessageId;

    #[tokio::test]
    async fn a_lagging_follower_catches_up_and_then_goes_on_with_the_newest() {
        let bus = Bus::with_capacity(2);
        let sub = bus.subscribe();
        for i in 0..5 {
            bus.publish(Fact::SmsStored { id: MessageId(i) });
        }
        drop(bus);
        let log = Arc::new(Mutex::new(Vec::new()));
        let (a, b) = (log.clone(), log.clone());
        follow(
            sub,
            move |why| {
                a.lock().unwrap().push(format!("{why:?}"));
                async {}
            },
            move |f| {
                if let Fact::SmsStored { id } = f {
                    b.lock().unwrap().push(id.to_string());
                }
                async {}
            },
        )
        .await;
        assert_eq!(*log.lock().unwrap(), ["Start", "Lag(3)", "3", "4"]);
    }
}
