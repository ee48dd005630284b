//! Live clients: one event channel per connected client (an SSE stream),
//! grouped by user. A user with at least one client is online.

use crate::im::directory::UserId;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use tokio::sync::mpsc;

/// One event for a client: its kind (`message`, `receipt`, `presence`,
/// ...) and its JSON data.
#[derive(Debug, Clone)]
pub struct ClientEvent {
    pub kind: &'static str,
    pub data: Value,
}

type Clients = HashMap<UserId, Vec<(u64, mpsc::UnboundedSender<ClientEvent>)>>;

/// The presence hub: who is connected right now, and the way to reach
/// their open clients. It holds no state worth keeping (a restart
/// disconnects everybody, and clients reconnect); what a user set is in the
/// store. The IM side owns one; the users' event stream registers each
/// client with [`Hub::connect`] and the routing service and presence push
/// events to all of a user's clients with [`Hub::send`].
#[derive(Debug, Default)]
pub struct Hub {
    clients: Mutex<Clients>,
    next: AtomicU64,
}

/// A connected client; dropping it disconnects.
#[derive(Debug)]
pub struct Connection {
    pub user: UserId,
    pub id: u64,
}

impl Hub {
    /// Registers a client; returns it, its events, and whether it is the
    /// user's first (the user just came online).
    pub fn connect(
        &self,
        user: UserId,
    ) -> (Connection, mpsc::UnboundedReceiver<ClientEvent>, bool) {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.next.fetch_add(1, Relaxed);
        let mut m = self.lock();
        let list = m.entry(user).or_default();
        let first = list.is_empty();
        list.push((id, tx));
        (Connection { user, id }, rx, first)
    }

    /// Removes a client; true when it was the user's last.
    pub fn disconnect(&self, c: &Connection) -> bool {
        let mut m = self.lock();
        let Some(list) = m.get_mut(&c.user) else {
            return false;
        };
        list.retain(|(id, _)| *id != c.id);
        if list.is_empty() {
            m.remove(&c.user);
            true
        } else {
            false
        }
    }

    pub fn clients(&self, user: UserId) -> usize {
        self.lock().get(&user).map_or(0, Vec::len)
    }

    /// Sends to every client of the user; how many got it.
    pub fn send(&self, user: UserId, kind: &'static str, data: Value) -> usize {
        let mut m = self.lock();
        let Some(list) = m.get_mut(&user) else {
            return 0;
        };
        list.retain(|(_, tx)| {
            tx.send(ClientEvent {
                kind,
                data: data.clone(),
            })
            .is_ok()
        });
        list.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Clients> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_client_brings_a_user_online_and_the_last_takes_them_off() {
        let hub = Hub::default();
        let u = UserId(1);
        let (a, mut rx, first) = hub.connect(u);
        assert!(first);
        let (b, _rx2, first) = hub.connect(u);
        assert!(!first);
        assert_eq!(hub.send(u, "x", Value::Null), 2);
        assert_eq!(rx.try_recv().map(|e| e.kind).ok(), Some("x"));
        assert!(!hub.disconnect(&a));
        assert!(hub.disconnect(&b));
        assert_eq!(hub.clients(u), 0);
    }
}
