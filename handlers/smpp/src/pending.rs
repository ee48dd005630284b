//! Outstanding submit_sm PDUs of one connection, by sequence number.
//!
//! Submits go out with rusmppc's `no_wait`, which returns the sequence
//! number once the PDU is written: that is how a link loss tells "written,
//! no answer" (uncertain) from "never written" (safe to retry). The answer
//! then arrives on the event stream and is matched here. It can arrive
//! before the submitter registered, so an unmatched answer waits briefly as
//! "early".
//!
//! Each entry holds the submit's window permit, so a slot frees the moment
//! its answer (or its timeout) is seen here, whether or not the submitting
//! task is being polled; timeouts are swept from the connection's reader,
//! one timer for all.

use crate::sync::lock;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, oneshot};
use tokio::time::Instant;

/// What became of one submit_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// submit_sm_resp with its status and message_id (empty on errors).
    Resp { status: u32, message_id: String },
    /// generic_nack for this sequence number.
    GenericNack { status: u32 },
    /// No answer within the response timeout.
    Timeout,
    /// The connection ended before an answer came.
    LinkLost,
}

#[derive(Debug)]
enum Slot {
    Waiting {
        tx: oneshot::Sender<Reply>,
        deadline: Instant,
        _permit: OwnedSemaphorePermit,
    },
    Early {
        reply: Reply,
        at: Instant,
    },
}

#[derive(Debug, Default)]
struct Inner {
    slots: HashMap<u32, Slot>,
    waiting: usize,
    early: usize,
    closed: bool,
}

#[derive(Debug)]
pub struct Pending {
    inner: Mutex<Inner>,
    timeout: Duration,
}

/// Unmatched answers kept at most (late answers to timed-out submits, or a
/// confused SMSC); beyond this they are dropped.
const MAX_EARLY: usize = 4096;
/// How long an unmatched answer waits for its submitter.
const EARLY_TTL: Duration = Duration::from_secs(5);

impl Pending {
    pub fn new(timeout: Duration) -> Self {
        Pending {
            inner: Mutex::new(Inner::default()),
            timeout,
        }
    }

    /// Registers a written submit; the receiver gets its [`Reply`].
    pub fn register(&self, seq: u32, permit: OwnedSemaphorePermit) -> oneshot::Receiver<Reply> {
        let (tx, rx) = oneshot::channel();
        let mut g = lock(&self.inner);
        if g.closed {
            let _ = tx.send(Reply::LinkLost);
            return rx;
        }
        if let Some(Slot::Early { reply, .. }) = g.slots.remove(&seq) {
            g.early -= 1;
            let _ = tx.send(reply);
            return rx;
        }
        g.slots.insert(
            seq,
            Slot::Waiting {
                tx,
                deadline: Instant::now() + self.timeout,
                _permit: permit,
            },
        );
        g.waiting += 1;
        rx
    }

    /// An answer for `seq` arrived. Returns false when nobody is waiting
    /// for it (yet, or any more).
    pub fn resolve(&self, seq: u32, reply: Reply) -> bool {
        let mut g = lock(&self.inner);
        match g.slots.remove(&seq) {
            Some(Slot::Waiting { tx, .. }) => {
                g.waiting -= 1;
                drop(g);
                let _ = tx.send(reply);
                true
            }
            Some(early @ Slot::Early { .. }) => {
                // A duplicate answer: keep the first.
                g.slots.insert(seq, early);
                false
            }
            None => {
                if !g.closed && g.early < MAX_EARLY {
                    g.slots.insert(
                        seq,
                        Slot::Early {
                            reply,
                            at: Instant::now(),
                        },
                    );
                    g.early += 1;
                }
                false
            }
        }
    }

    /// Times out submits past their deadline and forgets stale unmatched
    /// answers.
    pub fn sweep(&self, now: Instant) {
        let mut timed_out = Vec::new();
        {
            let mut g = lock(&self.inner);
            if g.waiting == 0 && g.early == 0 {
                return;
            }
            let stale: Vec<u32> = g
                .slots
                .iter()
                .filter(|(_, slot)| match slot {
                    Slot::Waiting { deadline, .. } => *deadline <= now,
                    Slot::Early { at, .. } => now.saturating_duration_since(*at) > EARLY_TTL,
                })
                .map(|(seq, _)| *seq)
                .collect();
            for seq in stale {
                match g.slots.remove(&seq) {
                    Some(Slot::Waiting { tx, .. }) => {
                        g.waiting -= 1;
                        timed_out.push(tx);
                    }
                    Some(Slot::Early { .. }) => g.early -= 1,
                    None => {}
                }
            }
        }
        for tx in timed_out {
            let _ = tx.send(Reply::Timeout);
        }
    }

    /// The connection is gone: every waiting submit learns it, and later
    /// registrations get [`Reply::LinkLost`] at once.
    pub fn close(&self) {
        let slots = {
            let mut g = lock(&self.inner);
            g.closed = true;
            g.waiting = 0;
            g.early = 0;
            std::mem::take(&mut g.slots)
        };
        for (_, slot) in slots {
            if let Slot::Waiting { tx, .. } = slot {
                let _ = tx.send(Reply::LinkLost);
            }
        }
    }

    /// Submits written and not yet answered.
    #[cfg(test)]
    pub fn in_flight(&self) -> usize {
        lock(&self.inner).waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::sync::Semaphore;

    fn permit(s: &Arc<Semaphore>) -> OwnedSemaphorePermit {
        s.clone().try_acquire_owned().unwrap()
    }

    #[tokio::test]
    async fn answer_after_registration() {
        let win = Arc::new(Semaphore::new(1));
        let p = Pending::new(Duration::from_secs(10));
        let rx = p.register(3, permit(&win));
        assert_eq!(win.available_permits(), 0);
        assert_eq!(p.in_flight(), 1);
        let reply = Reply::Resp {
            status: 0,
            message_id: "a".into(),
        };
        assert!(p.resolve(3, reply.clone()));
        assert_eq!(rx.await.unwrap(), reply);
        assert_eq!(win.available_permits(), 1, "the answer frees the slot");
        assert_eq!(p.in_flight(), 0);
    }

    #[tokio::test]
    async fn answer_before_registration() {
        let win = Arc::new(Semaphore::new(1));
        let p = Pending::new(Duration::from_secs(10));
        assert!(!p.resolve(5, Reply::GenericNack { status: 8 }));
        let rx = p.register(5, permit(&win));
        assert_eq!(rx.await.unwrap(), Reply::GenericNack { status: 8 });
        assert_eq!(win.available_permits(), 1);
    }

    #[tokio::test]
    async fn timeouts_are_swept_and_free_the_slot() {
        let win = Arc::new(Semaphore::new(1));
        let p = Pending::new(Duration::from_millis(10));
        let rx = p.register(7, permit(&win));
        p.sweep(Instant::now());
        assert_eq!(p.in_flight(), 1, "not yet");
        p.sweep(Instant::now() + Duration::from_millis(20));
        assert_eq!(rx.await.unwrap(), Reply::Timeout);
        assert_eq!(win.available_permits(), 1);
        // A late answer is kept briefly, then forgotten.
        assert!(!p.resolve(7, Reply::GenericNack { status: 0 }));
        p.sweep(Instant::now() + EARLY_TTL + Duration::from_secs(1));
        assert!(lock(&p.inner).slots.is_empty());
    }

    #[tokio::test]
    async fn closing_fails_everything_now_and_later() {
        let win = Arc::new(Semaphore::new(2));
        let p = Pending::new(Duration::from_secs(10));
        let rx = p.register(1, permit(&win));
        p.close();
        assert_eq!(rx.await.unwrap(), Reply::LinkLost);
        let rx = p.register(3, permit(&win));
        assert_eq!(rx.await.unwrap(), Reply::LinkLost);
        assert_eq!(win.available_permits(), 2);
        assert!(!p.resolve(9, Reply::Timeout));
        assert!(lock(&p.inner).slots.is_empty(), "nothing kept after close");
    }
}
