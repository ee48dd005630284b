//! The dispatcher task's state and event handling.

use super::backoff::retry_delay;
use super::pool::{LinkKind, LinkSpec, Slot, pick};
use super::{CoreMsg, Job, RouteTable, StatusBoard, Timing, UnmatchedReport, ms};
use crate::bus::{Bus, Fact};
use crate::ops::metrics::Metrics;
use crate::store::{AuditKind, Next, OutState, Store, TryOutcome, UnixMs, WriteOp, day_of, now_ms};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use switchboard_protocol::{
    AckToken, Address, Command, DlrState, Envelope, Event, FailureKind, HandlerId, HandlerState,
    HandlerStatus, MessageId, SubmitFailure, SubmittedPart,
};
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant, sleep_until};

/// A message whose last try got no response: held until a report tells
/// what happened or the hold runs out.
struct Held {
    job: Job,
    handler: HandlerId,
    until: UnixMs,
    since: UnixMs,
}

pub struct Core {
    store: Store,
    slots: HashMap<HandlerId, Slot>,
    routes: Arc<RouteTable>,
    timing: Timing,
    metrics: Arc<Metrics>,
    me: mpsc::UnboundedSender<CoreMsg>,
    status: StatusBoard,
    /// Ready messages, one queue per route.
    queues: Vec<VecDeque<Job>>,
    /// Messages waiting for a retry time or the end of a hold.
    delayed: BinaryHeap<Reverse<(UnixMs, MessageId)>>,
    waiting: HashMap<MessageId, Job>,
    in_flight: HashMap<MessageId, InFlight>,
    held: HashMap<MessageId, Held>,
    /// (link, recipient digits) → held messages, to match reports by
    /// recipient when their id is unknown.
    held_index: HashMap<(HandlerId, String), Vec<MessageId>>,
    /// Reports no part matched, kept a while: one may answer a submit
    /// whose response is still awaited and that is held only later.
    unmatched: VecDeque<(HandlerId, UnmatchedReport)>,
    /// Every message the dispatcher holds, wherever it is (queue, waiting,
    /// held, in flight).
    resident: HashSet<MessageId>,
    /// Set while messages are in the store but not in memory (a backlog
    /// larger than [`RESIDENT_MAX`], or the start): load them from this id.
    spilled_from: Option<i64>,
    shutting_down: bool,
    /// Where committed facts go (received SMS stored, messages ended,
    /// reports, links' state, calls).
    bus: Bus,
}

/// A message handed to a link, and what it took from the link's day.
struct InFlight {
    job: Job,
    handler: HandlerId,
    /// Parts handed over, counted towards the link's day `day`.
    parts: u64,
    day: i64,
}

/// Most messages kept in memory. The queue is the store; memory holds the
/// working set, so a backlog of millions costs disk, not RAM. 2,048 keep
/// twenty links with a window of 100 busy.
const RESIDENT_MAX: usize = 2048;

/// Most messages loaded from the store at once: the page and the jobs made
/// from it are in memory together, and the read holds up the event loop.
const REFILL_PAGE: usize = 512;

impl Core {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        links: Vec<LinkSpec>,
        routes: Arc<RouteTable>,
        timing: Timing,
        metrics: Arc<Metrics>,
        me: mpsc::UnboundedSender<CoreMsg>,
        status: StatusBoard,
        bus: Bus,
    ) -> Core {
        let day = day_of(now_ms());
        // What each SIM already sent today, so a restart does not reset
        // its daily limit.
        let sent: HashMap<String, u64> = store
            .read(|c| crate::store::daily_sends(c, day))
            .map(|v| v.into_iter().collect())
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot read today's send counts; daily limits count from 0");
                HashMap::new()
            });
        let slots = links
            .into_iter()
            .map(|l| {
                let n = sent.get(l.handle.id.as_str()).copied().unwrap_or(0);
                (l.handle.id.clone(), Slot::new(l, day, n))
            })
            .collect();
        let queues = (0..routes.len()).map(|_| VecDeque::new()).collect();
        Core {
            store,
            slots,
            routes,
            timing,
            metrics,
            me,
            status,
            queues,
            delayed: BinaryHeap::new(),
            waiting: HashMap::new(),
            in_flight: HashMap::new(),
            held: HashMap::new(),
            held_index: HashMap::new(),
            unmatched: VecDeque::new(),
            resident: HashSet::new(),
            spilled_from: Some(0),
            shutting_down: false,
            bus,
        }
    }

    pub async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<CoreMsg>,
        mut events: mpsc::UnboundedReceiver<Envelope>,
    ) {
        self.refill();
        let mut housekeeping = tokio::time::interval(Duration::from_secs(1));
        let mut last_flush = Instant::now();
        loop {
            let wake = self.next_wake();
            tokio::select! {
                biased;
                Some(msg) = rx.recv() => {
                    if !self.on_msg(msg) { break; }
                    // Drain what else is waiting before pumping once.
                    while let Ok(msg) = rx.try_recv() {
                        if !self.on_msg(msg) { return self.stop(); }
                    }
                }
                Some(env) = events.recv() => {
                    self.on_event(env);
                    while let Ok(env) = events.try_recv() {
                        self.on_event(env);
                    }
                }
                _ = sleep_until(wake) => self.release_due(),
                _ = housekeeping.tick() => {
                    self.expire_waiting_in_queues();
                    if last_flush.elapsed() >= Duration::from_secs(5) {
                        last_flush = Instant::now();
                        self.flush_parts();
                    }
                    self.publish_gauges();
                }
                else => break,
            }
            self.pump();
        }
        self.stop();
    }

    fn stop(&mut self) {
        for s in self.slots.values() {
            let _ = s.handle.commands.send(Command::Shutdown);
        }
    }

    /// Loads messages that are in the store but not in memory: at start
    /// (the unfinished messages of the last run) and after a backlog spilled.
    /// A message that was being submitted when the process stopped is sent
    /// again: at most a window's worth per link, since credit waits for the
    /// commit.
    fn refill(&mut self) {
        let Some(from) = self.spilled_from else {
            return;
        };
        if self.resident.len() > RESIDENT_MAX / 2 {
            return;
        }
        let limit = (RESIDENT_MAX - self.resident.len()).min(REFILL_PAGE);
        let page = match self.store.read(|c| crate::store::load_open(c, from, limit)) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot load queued messages; trying again shortly");
                return;
            }
        };
        let complete = page.len() < limit;
        self.spilled_from = match page.last() {
            _ if complete => None,
            Some(last) => Some(last.id.0 + 1),
            None => None,
        };
        let now = now_ms();
        let mut loaded = 0;
        for m in page {
            if self.resident.contains(&m.id) {
                continue;
            }
            let uncertain = m.uncertain_since;
            let next = m.next_attempt_at;
            let held_handler = m.route.clone();
            let Some(route) = self.routes.find(&m.to) else {
                let reason = "no [[route]] matches this number any more".to_owned();
                self.finish(
                    m.id,
                    m.attempts,
                    None,
                    TryOutcome::NoRoute,
                    None,
                    reason,
                    Next::Final(OutState::Failed),
                );
                continue;
            };
            loaded += 1;
            self.resident.insert(m.id);
            let job = Job::from_open(m, route);
            match (uncertain, held_handler) {
                (Some(since), Some(h)) => {
                    let until = since + ms(self.timing.uncertain_hold);
                    self.hold(job, h, until);
                }
                _ if next > now => self.delay(job, next),
                _ => self.queues[route].push_back(job),
            }
        }
        if loaded > 0 {
            tracing::debug!(messages = loaded, "loaded queued messages from the store");
        }
    }

    /// A message leaves the dispatcher for good (sent, failed, expired).
    fn retire(&mut self, id: MessageId) {
        self.resident.remove(&id);
    }

    fn on_msg(&mut self, msg: CoreMsg) -> bool {
        match msg {
            CoreMsg::New(jobs) => {
                // Past the limit the messages stay in the store only, and
                // are loaded in order once the backlog shrinks.
                if self.spilled_from.is_some() || self.resident.len() + jobs.len() > RESIDENT_MAX {
                    // Requests finish in any order: a batch with lower ids
                    // may come after one that started the spill, so the
                    // store is read again from the lowest id left out.
                    if let Some(first) = jobs.iter().map(|j| j.id.0).min() {
                        if self.spilled_from.is_none() {
                            tracing::debug!(
                                "backlog above {RESIDENT_MAX} messages; the rest waits in the store"
                            );
                        }
                        self.spilled_from =
                            Some(self.spilled_from.map_or(first, |from| from.min(first)));
                    }
                    return true;
                }
                for j in jobs {
                    // Loaded from the store already (a refill read it after
                    // its commit, before this message came).
                    if !self.resident.insert(j.id) {
                        continue;
                    }
                    let q = &mut self.queues[j.route];
                    match j.priority {
                        switchboard_protocol::Priority::High => q.push_front(j),
                        _ => q.push_back(j),
                    }
                }
            }
            CoreMsg::Released { handler } => {
                if let Some(s) = self.slots.get_mut(&handler) {
                    s.in_flight = s.in_flight.saturating_sub(1);
                }
            }
            CoreMsg::ReportDone {
                handler,
                ack,
                stored,
                unmatched,
            } => {
                if let Some(ack) = ack {
                    self.ack(&handler, ack, stored);
                }
                if let Some(u) = unmatched
                    && let Some(u) = self.match_held(&handler, u)
                {
                    self.remember_unmatched(handler, u);
                }
            }
            CoreMsg::InboundDone {
                handler,
                ack,
                stored,
            } => self.ack(&handler, ack, stored),
            CoreMsg::Call { handler, command } => {
                if let Some(s) = self.slots.get(&handler) {
                    tracing::info!(line = %handler, ?command, "call command");
                    let _ = s.handle.commands.send(Command::Call(command));
                }
            }
            CoreMsg::Shutdown => {
                self.shutting_down = true;
                return false;
            }
        }
        true
    }

    fn ack(&self, handler: &HandlerId, ack: AckToken, stored: bool) {
        if let Some(s) = self.slots.get(handler) {
            let cmd = if stored {
                Command::Ack(ack)
            } else {
                Command::Nack(ack)
            };
            let _ = s.handle.commands.send(cmd);
        }
    }

    fn on_event(&mut self, env: Envelope) {
        let handler = env.handler;
        match env.event {
            Event::Status(s) => self.on_status(handler, s),
            Event::Submitted {
                id, attempt, parts, ..
            } => self.on_submitted(handler, id, attempt, parts),
            Event::SubmitFailed {
                id,
                attempt,
                parts,
                failure,
                ..
            } => self.on_failed(handler, id, attempt, parts, failure),
            Event::DeliveryReport {
                network_id,
                state,
                error,
                recipient,
                text_prefix,
                ack,
                ..
            } => self.on_report(
                handler,
                network_id.0,
                state,
                error,
                recipient,
                text_prefix,
                ack,
            ),
            Event::SmsReceived { ack, sms } => {
                self.metrics.received_parts.fetch_add(1, Relaxed);
                let me = self.me.clone();
                let h = handler.clone();
                let bus = self.bus.clone();
                self.store.writer.send(WriteOp::Inbound {
                    handler,
                    sms,
                    at: now_ms(),
                    done: Box::new(move |r| {
                        if let Err(e) = &r {
                            tracing::error!(error = %e, "cannot store a received SMS; refusing it so the network retries");
                        }
                        if let Ok(Some(id)) = &r {
                            bus.publish(Fact::SmsStored { id: *id });
                        }
                        let _ = me.send(CoreMsg::InboundDone { handler: h, ack, stored: r.is_ok() });
                    }),
                });
            }
            event => {
                if let Some(op) = super::calls::call_op(&handler, event, &self.bus) {
                    self.store.writer.send(op);
                }
            }
        }
    }

    fn on_status(&mut self, handler: HandlerId, s: HandlerStatus) {
        self.status.set(handler.as_str(), &s);
        let Some(slot) = self.slots.get_mut(&handler) else {
            return;
        };
        if slot.state != s.state {
            // What the bus carries is told, not committed: a link's state
            // is the handler's word, and the audit row below is its record.
            self.bus.publish(Fact::HandlerChanged {
                handler: handler.clone(),
                state: s.state,
                detail: s.detail.clone(),
            });
            match s.state {
                HandlerState::Up => tracing::info!(link = %handler, detail = %s.detail, "link up"),
                HandlerState::Degraded => {
                    tracing::warn!(link = %handler, detail = %s.detail, "link degraded")
                }
                HandlerState::Down => {
                    tracing::warn!(link = %handler, detail = %s.detail, "link down")
                }
            }
            self.store.writer.send(WriteOp::Audit {
                kind: AuditKind::LinkState,
                subject: handler.0.clone(),
                detail: format!("{:?}: {}", s.state, s.detail),
                at: now_ms(),
            });
        }
        slot.state = s.state;
        slot.capacity = s.capacity;
    }

    /// Whether a link's parts count towards its day (modems: SIM limits).
    fn counts_daily(&self, handler: &HandlerId) -> bool {
        self.slots
            .get(handler)
            .is_some_and(|s| s.kind == LinkKind::Modem)
    }

    /// A try took fewer parts than were handed over: give the rest back to
    /// the link's day.
    fn give_back(&mut self, handler: &HandlerId, f: &InFlight, sent: usize) {
        if let Some(s) = self.slots.get_mut(handler) {
            s.give_back(f.parts.saturating_sub(sent as u64), f.day);
        }
    }

    fn take_in_flight(
        &mut self,
        handler: &HandlerId,
        id: MessageId,
        attempt: u32,
    ) -> Option<InFlight> {
        match self.in_flight.get(&id) {
            Some(f) if f.job.attempt == attempt && f.handler == *handler => {}
            _ => {
                tracing::debug!(%id, attempt, "result of an earlier try; ignored");
                return None;
            }
        }
        self.in_flight.remove(&id)
    }

    fn release_after_commit(&self, handler: &HandlerId) -> Box<dyn FnOnce() + Send> {
        let me = self.me.clone();
        let handler = handler.clone();
        Box::new(move || {
            let _ = me.send(CoreMsg::Released { handler });
        })
    }

    fn on_submitted(
        &mut self,
        handler: HandlerId,
        id: MessageId,
        attempt: u32,
        parts: Vec<SubmittedPart>,
    ) {
        let Some(f) = self.take_in_flight(&handler, id, attempt) else {
            return;
        };
        self.give_back(&handler, &f, parts.len());
        let mut job = f.job;
        job.add_parts(parts.iter().map(|p| p.seq));
        self.metrics.submitted.fetch_add(1, Relaxed);
        let release = self.release_after_commit(&handler);
        let complete = job.all_parts_done();
        self.store.writer.send(WriteOp::Submitted {
            id,
            attempt,
            handler: handler.clone(),
            parts,
            complete,
            count_daily: self.counts_daily(&handler),
            at: now_ms(),
            done: Box::new(move |r| {
                if let Err(e) = r {
                    tracing::error!(error = %e, %id, "cannot record a submit");
                }
                release();
            }),
        });
        if complete {
            self.retire(id);
        } else {
            // The handler said all parts went, but some are missing: send
            // the rest rather than lose them.
            let route = job.route;
            self.queues[route].push_front(job);
        }
    }

    fn on_failed(
        &mut self,
        handler: HandlerId,
        id: MessageId,
        attempt: u32,
        parts: Vec<SubmittedPart>,
        failure: SubmitFailure,
    ) {
        let Some(f) = self.take_in_flight(&handler, id, attempt) else {
            return;
        };
        // A part whose fate is unknown may have gone out: it stays counted.
        if failure.kind != FailureKind::Uncertain {
            self.give_back(&handler, &f, parts.len());
        }
        let mut job = f.job;
        job.add_parts(parts.iter().map(|p| p.seq));
        job.last_handler = Some(handler.clone());
        let now = now_ms();
        let (outcome, next) = match failure.kind {
            FailureKind::Permanent => (TryOutcome::Permanent, Next::Final(OutState::Failed)),
            FailureKind::Uncertain => (TryOutcome::Uncertain, Next::Uncertain),
            FailureKind::Temporary { retry_after } => {
                let delay = retry_delay(job.attempt, self.timing.retry_min, self.timing.retry_max)
                    .max(retry_after.unwrap_or_default());
                let at = now + ms(delay);
                if at > job.valid_until {
                    (TryOutcome::Temporary, Next::Final(OutState::Expired))
                } else {
                    (TryOutcome::Temporary, Next::Retry(at))
                }
            }
        };
        let reason = match next {
            Next::Final(OutState::Expired) => {
                format!(
                    "validity ended after {} tries; last: {}",
                    job.attempt, failure.reason
                )
            }
            Next::Uncertain => format!(
                "{}; waiting for a delivery report before sending again",
                failure.reason
            ),
            _ => failure.reason.clone(),
        };
        let release = self.release_after_commit(&handler);
        self.write_try(
            job.id,
            job.attempt,
            Some(&handler),
            outcome,
            failure.code,
            reason,
            parts,
            next,
            Some(release),
        );
        match next {
            Next::Retry(at) => {
                self.metrics.retries.fetch_add(1, Relaxed);
                self.delay(job, at)
            }
            Next::Uncertain => {
                self.metrics.uncertain.fetch_add(1, Relaxed);
                let until = now + ms(self.timing.uncertain_hold);
                self.hold(job, handler, until)
            }
            Next::Final(s) => {
                self.count_final(s);
                self.retire(id);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write_try(
        &self,
        id: MessageId,
        attempt: u32,
        handler: Option<&HandlerId>,
        outcome: TryOutcome,
        code: Option<u32>,
        reason: String,
        parts: Vec<SubmittedPart>,
        next: Next,
        release: Option<Box<dyn FnOnce() + Send>>,
    ) {
        let count_daily = handler.is_some_and(|h| self.counts_daily(h));
        let bus = self.bus.clone();
        self.store.writer.send(WriteOp::TryFailed {
            id,
            attempt,
            handler: handler.cloned(),
            outcome,
            code,
            reason,
            parts,
            next,
            count_daily,
            at: now_ms(),
            done: Box::new(move |r| {
                match r {
                    Err(e) => tracing::error!(error = %e, %id, "cannot record a try"),
                    Ok(()) => {
                        if let Next::Final(state) = next {
                            bus.publish(Fact::SmsEnded { id, state });
                        }
                    }
                }
                if let Some(release) = release {
                    release();
                }
            }),
        });
    }

    /// Ends a message that is not in flight (expired in a queue, no route).
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        id: MessageId,
        attempt: u32,
        handler: Option<&HandlerId>,
        outcome: TryOutcome,
        code: Option<u32>,
        reason: String,
        next: Next,
    ) {
        self.write_try(
            id,
            attempt,
            handler,
            outcome,
            code,
            reason,
            vec![],
            next,
            None,
        );
        if let Next::Final(s) = next {
            self.count_final(s);
        }
        self.retire(id);
    }

    /// Ends a queued message whose validity ran out.
    fn expire(&mut self, job: &Job, reason: String) {
        self.finish(
            job.id,
            job.attempt,
            None,
            TryOutcome::Expired,
            None,
            reason,
            Next::Final(OutState::Expired),
        );
    }

    fn count_final(&self, s: OutState) {
        match s {
            OutState::Failed => self.metrics.failed.fetch_add(1, Relaxed),
            OutState::Expired => self.metrics.expired.fetch_add(1, Relaxed),
            _ => 0,
        };
    }

    #[allow(clippy::too_many_arguments)]
    fn on_report(
        &mut self,
        handler: HandlerId,
        network_id: String,
        state: DlrState,
        error: Option<String>,
        recipient: Option<Address>,
        text_prefix: Option<String>,
        ack: Option<AckToken>,
    ) {
        self.metrics.reports.fetch_add(1, Relaxed);
        let me = self.me.clone();
        let metrics = self.metrics.clone();
        let h = handler.clone();
        let nid = network_id.clone();
        let bus = self.bus.clone();
        self.store.writer.send(WriteOp::Report {
            handler,
            network_id,
            state,
            error,
            at: now_ms(),
            done: Box::new(move |r| {
                let stored = r.is_ok();
                let unmatched = match r {
                    Ok(Some(applied)) => {
                        bus.publish(Fact::Report {
                            id: applied.id,
                            seq: applied.seq,
                            state,
                        });
                        if let Some(state) = applied.finished {
                            bus.publish(Fact::SmsEnded {
                                id: applied.id,
                                state,
                            });
                        }
                        match applied.finished {
                            Some(OutState::Delivered) => metrics.delivered.fetch_add(1, Relaxed),
                            Some(OutState::Failed) => metrics.failed.fetch_add(1, Relaxed),
                            Some(OutState::Expired) => metrics.expired.fetch_add(1, Relaxed),
                            _ => 0,
                        };
                        None
                    }
                    Ok(None) => {
                        metrics.orphan_reports.fetch_add(1, Relaxed);
                        Some(UnmatchedReport {
                            network_id: nid,
                            recipient: recipient.map(|a| a.wire().to_owned()),
                            text_prefix,
                            at: now_ms(),
                        })
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot store a delivery report");
                        None
                    }
                };
                let _ = me.send(CoreMsg::ReportDone {
                    handler: h,
                    ack,
                    stored,
                    unmatched,
                });
            }),
        });
    }

    /// A report with an unknown id may be the answer to a try that got no
    /// response: the same link, the same recipient, the same text start.
    /// Gives the report back when no held message fits.
    fn match_held(&mut self, handler: &HandlerId, u: UnmatchedReport) -> Option<UnmatchedReport> {
        let Some(recipient) = u.recipient.clone() else {
            return Some(u);
        };
        let key = (handler.clone(), recipient);
        let Some(ids) = self.held_index.get_mut(&key) else {
            return Some(u);
        };
        let pos = ids.iter().position(|id| {
            self.held.get(id).is_some_and(|h| {
                u.text_prefix
                    .as_deref()
                    .is_none_or(|p| h.job.text_starts_with(p))
            })
        });
        let Some(pos) = pos else { return Some(u) };
        let id = ids.remove(pos);
        if ids.is_empty() {
            self.held_index.remove(&key);
        }
        if let Some(held) = self.held.remove(&id) {
            self.resolve_held(held, u.network_id);
        }
        None
    }

    /// Keeps an unmatched report for a while, and only the newest ones.
    fn remember_unmatched(&mut self, handler: HandlerId, u: UnmatchedReport) {
        const KEEP: usize = 10_000;
        let oldest = u.at - 2 * ms(self.timing.uncertain_hold).max(60_000);
        while self.unmatched.len() >= KEEP
            || self.unmatched.front().is_some_and(|(_, f)| f.at < oldest)
        {
            self.unmatched.pop_front();
        }
        if u.recipient.is_some() {
            self.unmatched.push_back((handler, u));
        }
    }

    /// The network took the part a held try stopped at: record it under the
    /// report's id (which also applies the stored report) and send what is
    /// left, if anything.
    fn resolve_held(&mut self, held: Held, network_id: String) {
        let Held {
            mut job, handler, ..
        } = held;
        let id = job.id;
        let Some(seq) = job.first_open_part() else {
            return;
        };
        tracing::info!(%id, link = %handler, "a report answered a submit that got no response; not sending it again");
        job.add_parts([seq]);
        let complete = job.all_parts_done();
        self.store.writer.send(WriteOp::Submitted {
            id,
            attempt: job.attempt,
            handler: handler.clone(),
            parts: vec![SubmittedPart {
                seq,
                network_id: switchboard_protocol::NetworkMessageId(network_id),
            }],
            complete,
            count_daily: self.counts_daily(&handler),
            at: now_ms(),
            done: Box::new(move |r| {
                if let Err(e) = r {
                    tracing::error!(error = %e, %id, "cannot record a matched report");
                }
            }),
        });
        if complete {
            self.metrics.submitted.fetch_add(1, Relaxed);
            self.retire(id);
        } else {
            let route = job.route;
            self.queues[route].push_front(job);
        }
    }

    fn hold(&mut self, job: Job, handler: HandlerId, until: UnixMs) {
        let id = job.id;
        // The report may already be here: it can overtake a late response.
        let early = self.unmatched.iter().position(|(h, u)| {
            *h == handler
                && u.recipient.as_deref() == Some(job.to.digits())
                && u.text_prefix
                    .as_deref()
                    .is_none_or(|p| job.text_starts_with(p))
        });
        if let Some((_, u)) = early.and_then(|i| self.unmatched.remove(i)) {
            self.resolve_held(
                Held {
                    job,
                    handler,
                    until,
                    since: until,
                },
                u.network_id,
            );
            return;
        }
        self.held_index
            .entry((handler.clone(), job.to.digits().to_owned()))
            .or_default()
            .push(id);
        let since = now_ms();
        self.held.insert(
            id,
            Held {
                job,
                handler,
                until,
                since,
            },
        );
        self.delayed.push(Reverse((until, id)));
    }

    fn delay(&mut self, job: Job, at: UnixMs) {
        self.delayed.push(Reverse((at, job.id)));
        self.waiting.insert(job.id, job);
    }

    fn next_wake(&self) -> Instant {
        let now = now_ms();
        match self.delayed.peek() {
            Some(Reverse((at, _))) => {
                Instant::now() + Duration::from_millis((*at - now).max(0) as u64)
            }
            None => Instant::now() + Duration::from_secs(3600),
        }
    }

    /// Moves messages whose retry time or hold has come back to their queue.
    fn release_due(&mut self) {
        let now = now_ms();
        while let Some(Reverse((at, id))) = self.delayed.peek().copied() {
            if at > now {
                break;
            }
            self.delayed.pop();
            if let Some(job) = self.waiting.remove(&id) {
                self.queues[job.route].push_back(job);
            } else if let Some(h) = self.held.get_mut(&id)
                && h.until <= now
            {
                // No report can come while the link is down; wait for it to
                // come back, within reason, before deciding to resend.
                let hold = ms(self.timing.uncertain_hold);
                let link_down = self
                    .slots
                    .get(&h.handler)
                    .is_none_or(|s| s.state == HandlerState::Down);
                if link_down && now - h.since < 4 * hold && now + hold < h.job.valid_until {
                    h.until = now + hold;
                    self.delayed.push(Reverse((h.until, id)));
                    continue;
                }
                let Some(Held { job, handler, .. }) = self.held.remove(&id) else {
                    continue;
                };
                if let Some(ids) = self
                    .held_index
                    .get_mut(&(handler.clone(), job.to.digits().to_owned()))
                {
                    ids.retain(|x| *x != id);
                }
                tracing::info!(%id, link = %handler, "no report came for a submit without response; sending again");
                self.queues[job.route].push_back(job);
            }
        }
    }

    /// Hands queued messages to links with free credit, first link of the
    /// route first; a link the message just failed on is avoided while
    /// another is usable.
    fn pump(&mut self) {
        if self.shutting_down {
            return;
        }
        self.refill();
        let now = now_ms();
        let day = day_of(now);
        for s in self.slots.values_mut() {
            s.roll_day(day);
        }
        for r in 0..self.queues.len() {
            while let Some(job) = self.queues[r].front() {
                if job.valid_until < now {
                    if let Some(job) = self.queues[r].pop_front() {
                        let reason = format!(
                            "validity ended before it could be sent ({} tries)",
                            job.attempt
                        );
                        self.expire(&job, reason);
                    }
                    continue;
                }
                let parts = u64::from(job.total_parts)
                    .saturating_sub(job.done_parts.len() as u64)
                    .max(1);
                let chosen = pick(
                    self.routes.get(r),
                    &self.slots,
                    job.last_handler.as_ref(),
                    parts,
                );
                let Some(h) = chosen else { break };
                let Some(mut job) = self.queues[r].pop_front() else {
                    break;
                };
                job.attempt += 1;
                let Some(slot) = self.slots.get_mut(&h) else {
                    break;
                };
                if slot
                    .handle
                    .commands
                    .send(Command::SendSms(job.command()))
                    .is_err()
                {
                    slot.state = HandlerState::Down;
                    job.attempt -= 1;
                    self.queues[r].push_front(job);
                    continue;
                }
                // Only the outcome is written: a try in flight needs no row
                // change (after a crash it is simply sent again).
                slot.take(parts);
                if slot.at_limit() {
                    tracing::info!(
                        link = %h,
                        limit = slot.daily_limit.unwrap_or_default(),
                        "daily limit reached; the link is passed over until the next day (UTC)"
                    );
                }
                self.in_flight.insert(
                    job.id,
                    InFlight {
                        job,
                        handler: h,
                        parts,
                        day,
                    },
                );
            }
        }
    }

    /// Messages wait in a queue while every link of their route is down;
    /// their validity still ends.
    fn expire_waiting_in_queues(&mut self) {
        let now = now_ms();
        for r in 0..self.queues.len() {
            let q = std::mem::take(&mut self.queues[r]);
            let (gone, keep): (Vec<Job>, Vec<Job>) =
                q.into_iter().partition(|j| j.valid_until < now);
            self.queues[r] = keep.into();
            for job in gone {
                let reason = format!(
                    "validity ended while no link of route '{}' was up ({} tries)",
                    self.routes.get(r).prefix,
                    job.attempt
                );
                self.expire(&job, reason);
            }
        }
    }

    fn flush_parts(&self) {
        let now = now_ms();
        let bus = self.bus.clone();
        self.store.writer.send(WriteOp::FlushParts {
            older_than: now - ms(self.timing.mo_part_timeout),
            at: now,
            done: Box::new(move |r| match r {
                Ok(ids) if !ids.is_empty() => {
                    for id in &ids {
                        bus.publish(Fact::SmsStored { id: *id });
                    }
                    tracing::warn!(
                        messages = ids.len(),
                        "stored long SMS with parts missing after the wait"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "cannot flush waiting SMS parts"),
            }),
        });
    }

    fn publish_gauges(&self) {
        let queued: usize = self.queues.iter().map(VecDeque::len).sum();
        self.metrics
            .queued
            .store((queued + self.waiting.len()) as u64, Relaxed);
        self.metrics
            .in_flight
            .store(self.in_flight.len() as u64, Relaxed);
        self.metrics.held.store(self.held.len() as u64, Relaxed);
        for (id, s) in &self.slots {
            self.status.set_in_flight(id.as_str(), s.in_flight);
            if s.kind == LinkKind::Modem {
                self.status
                    .set_sent_today(id.as_str(), s.sent_today, s.at_limit());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{Body, PhoneNumber, Priority};

    fn job(id: i64) -> Job {
        Job {
            id: MessageId(id),
            to: PhoneNumber::parse_e164("+491701234567").unwrap(),
            from: None,
            body: Body::Text { text: "hi".into() },
            report: false,
            priority: Priority::Normal,
            valid_until: i64::MAX,
            concat_ref: 1,
            total_parts: 1,
            done_parts: vec![],
            attempt: 0,
            route: 0,
            last_handler: None,
        }
    }

    fn core(dir: &std::path::Path) -> Core {
        let store = Store::open(&dir.join("t.db"), crate::config::Synchronous::Normal).unwrap();
        let (tx, _rx) = mpsc::unbounded_channel();
        let routes = RouteTable::new(&[], &[], &HashSet::new());
        let timing = Timing {
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(2),
            uncertain_hold: Duration::from_secs(1),
            mo_part_timeout: Duration::from_secs(1),
        };
        let mut c = Core::new(
            store,
            vec![],
            Arc::new(routes),
            timing,
            Arc::new(Metrics::default()),
            tx,
            StatusBoard::new(&[]),
            Bus::default(),
        );
        c.spilled_from = None;
        c
    }

    #[tokio::test]
    async fn a_batch_that_comes_after_a_later_one_started_a_spill_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = core(dir.path());
        let first: Vec<Job> = (1..=RESIDENT_MAX as i64 - 50).map(job).collect();
        c.on_msg(CoreMsg::New(first));
        // Batch B (ids 5001..) committed after A (ids 4900..) but its
        // request finished first: B starts the spill, A must widen it.
        c.on_msg(CoreMsg::New((5001..5101).map(job).collect()));
        assert_eq!(c.spilled_from, Some(5001));
        c.on_msg(CoreMsg::New((4900..5000).map(job).collect()));
        assert_eq!(c.spilled_from, Some(4900));
    }

    #[tokio::test]
    async fn a_message_loaded_from_the_store_already_is_not_queued_twice() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = core(dir.path());
        c.on_msg(CoreMsg::New(vec![job(7)]));
        c.on_msg(CoreMsg::New(vec![job(7), job(8)]));
        assert_eq!(c.queues[0].len(), 2);
    }
}
