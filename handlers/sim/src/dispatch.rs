//! The deliver_sm side of the SMSC: one task that times delivery reports,
//! queues reports and MO parts until a session can take them, keeps each
//! session's window, and retries what was refused or not answered.
//!
//! One task with one timer heap, rather than a sleeping task per message,
//! because at benchmark rates that is thousands of timers a second.

use crate::deliveries::{Delivery, Target, ToDispatcher};
use crate::dlr::{DlrFormat, DlrJob};
use crate::records::DeliveryKind;
use crate::state::Inner;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::time::Instant;

enum Timed {
    Dlr(Box<DlrJob>),
    Retry(Box<Delivery>),
}

struct Entry {
    due: Instant,
    n: u64,
    item: Timed,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.due, self.n) == (o.due, o.n)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.due, self.n).cmp(&(o.due, o.n))
    }
}

struct Receiver {
    session: u64,
    system_id: Arc<str>,
    tx: mpsc::UnboundedSender<Box<Delivery>>,
    inflight: usize,
    closed: bool,
}

pub(crate) struct Dispatcher {
    inner: Arc<Inner>,
    rx: mpsc::UnboundedReceiver<ToDispatcher>,
    receivers: Vec<Receiver>,
    next: usize,
    queues: HashMap<Target, VecDeque<Box<Delivery>>>,
    timers: BinaryHeap<Reverse<Entry>>,
    n: u64,
    window: usize,
    retry_after: Duration,
    fmt: DlrFormat,
}

/// Handle at most this many messages before looking at timers and queues
/// again, so a flood of submits cannot starve due reports.
const BATCH: usize = 512;

impl Dispatcher {
    pub(crate) fn new(inner: Arc<Inner>, rx: mpsc::UnboundedReceiver<ToDispatcher>) -> Self {
        let cfg = &inner.cfg;
        Dispatcher {
            window: cfg.deliver_window,
            retry_after: Duration::from_millis(cfg.deliver_retry_ms),
            fmt: inner.dlr_fmt,
            inner,
            rx,
            receivers: Vec::new(),
            next: 0,
            queues: HashMap::new(),
            timers: BinaryHeap::new(),
            n: 0,
        }
    }

    pub(crate) async fn run(mut self) {
        let cancel = self.inner.cancel.clone();
        loop {
            let wake = self.timers.peek().map(|Reverse(e)| e.due);
            let msg = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                m = self.rx.recv() => match m {
                    Some(m) => Some(m),
                    None => return,
                },
                _ = sleep_until_opt(wake) => None,
            };
            if let Some(m) = msg {
                self.handle(m);
                for _ in 0..BATCH {
                    match self.rx.try_recv() {
                        Ok(m) => self.handle(m),
                        Err(_) => break,
                    }
                }
            }
            self.fire_timers();
            self.dispatch();
            let pending: usize =
                self.queues.values().map(VecDeque::len).sum::<usize>() + self.timers.len();
            self.inner
                .deliveries_pending
                .store(pending as u64, Ordering::Relaxed);
        }
    }

    fn schedule(&mut self, due: Instant, item: Timed) {
        self.n += 1;
        self.timers.push(Reverse(Entry {
            due,
            n: self.n,
            item,
        }));
    }

    fn enqueue(&mut self, d: Box<Delivery>) {
        self.queues
            .entry(d.target.clone())
            .or_default()
            .push_back(d);
    }

    fn handle(&mut self, m: ToDispatcher) {
        match m {
            ToDispatcher::Dlr { due, job } => self.schedule(due, Timed::Dlr(job)),
            ToDispatcher::Deliver(d) => self.enqueue(d),
            ToDispatcher::Up {
                session,
                system_id,
                tx,
            } => self.receivers.push(Receiver {
                session,
                system_id,
                tx,
                inflight: 0,
                closed: false,
            }),
            ToDispatcher::Down { session, returned } => {
                self.receivers.retain(|r| r.session != session);
                // Whatever it held goes first again, in the order it was sent.
                for d in returned.into_iter().rev() {
                    self.queues
                        .entry(d.target.clone())
                        .or_default()
                        .push_front(d);
                }
            }
            ToDispatcher::Done { session, retry } => {
                if let Some(r) = self.receivers.iter_mut().find(|r| r.session == session) {
                    r.inflight = r.inflight.saturating_sub(1);
                }
                if let Some(d) = retry {
                    self.schedule(Instant::now() + self.retry_after, Timed::Retry(d));
                }
            }
        }
    }

    fn fire_timers(&mut self) {
        let now = Instant::now();
        let wall = SystemTime::now();
        while self.timers.peek().is_some_and(|Reverse(e)| e.due <= now) {
            let Some(Reverse(e)) = self.timers.pop() else {
                break;
            };
            match e.item {
                Timed::Retry(d) => self.enqueue(d),
                Timed::Dlr(job) => {
                    let id = self.inner.next_delivery_id.fetch_add(1, Ordering::Relaxed);
                    let d = Delivery {
                        id,
                        kind: DeliveryKind::Dlr,
                        target: Target::Account(job.system_id.clone()),
                        pdu: job.build(self.fmt, wall),
                        attempts: 0,
                        message_id: Some(job.id_text(self.fmt)),
                        concat: None,
                    };
                    self.enqueue(Box::new(d));
                }
            }
        }
    }

    /// Hands queued deliveries to sessions with room in their window,
    /// round robin among those that may take them.
    fn dispatch(&mut self) {
        let Dispatcher {
            queues,
            receivers,
            next,
            window,
            ..
        } = self;
        if receivers.is_empty() {
            return;
        }
        for (target, queue) in queues.iter_mut() {
            while !queue.is_empty() {
                let n = receivers.len();
                let pick = (0..n).map(|i| (*next + i) % n).find(|&i| {
                    let r = &receivers[i];
                    !r.closed
                        && r.inflight < *window
                        && match target {
                            Target::Account(s) => r.system_id == *s,
                            Target::AnyReceiver => true,
                        }
                });
                let Some(i) = pick else {
                    break;
                };
                *next = (i + 1) % n;
                let Some(d) = queue.pop_front() else {
                    break;
                };
                match receivers[i].tx.send(d) {
                    Ok(()) => receivers[i].inflight += 1,
                    Err(mpsc::error::SendError(d)) => {
                        // The session is closing; its Down message follows.
                        receivers[i].closed = true;
                        queue.push_front(d);
                    }
                }
            }
        }
    }
}

async fn sleep_until_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
