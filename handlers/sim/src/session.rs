//! One SMPP connection: bind, submit_sm, enquire_link, unbind, and the
//! deliver_sm the dispatcher hands it.
//!
//! One task per connection does everything. Responses are encoded into a
//! write buffer as PDUs are handled and written once per batch of ready
//! PDUs, so pipelined submits cost one write, not one each. Delayed
//! responses wait in a heap keyed by their due time instead of a sleeping
//! task each.

use crate::codec::{Frame, FrameError, SmppCodec};
use crate::dispatch::{Delivery, ToDispatcher};
use crate::dlr::{DlrJob, text_prefix};
use crate::faults::Decision;
use crate::ids::format_id;
use crate::records::{BindKind, BindRecord, Counters, DeliveryKind, MoAck};
use crate::server::{Inner, lock};
use crate::submit::record_submit;
use futures::{FutureExt, StreamExt};
use rusmpp::command::CommandParts;
use rusmpp::pdus::{
    BindReceiverResp, BindTransceiverResp, BindTransmitterResp, SubmitSm, SubmitSmResp,
};
use rusmpp::types::COctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Encoder, FramedRead};
use tokio_util::sync::CancellationToken;

const ESME_RINVCMDLEN: u32 = 0x02;
const ESME_RINVCMDID: u32 = 0x03;
const ESME_RINVBNDSTS: u32 = 0x04;
const ESME_RALYBND: u32 = 0x05;
const ESME_RSYSERR: u32 = 0x08;
const ESME_RBINDFAIL: u32 = 0x0D;
const ESME_RINVPASWD: u32 = 0x0E;
const ESME_RINVSYSID: u32 = 0x0F;

/// What the SMSC calls itself in bind responses.
const SMSC_SYSTEM_ID: &str = "SWITCHBOARDSIM";

/// Ready PDUs handled before the write buffer is flushed.
const BATCH: usize = 128;

#[derive(Clone)]
struct Bound {
    system_id: Arc<str>,
    kind: BindKind,
}

struct Delayed {
    due: Instant,
    n: u64,
    cmd: Command,
}

impl PartialEq for Delayed {
    fn eq(&self, o: &Self) -> bool {
        (self.due, self.n) == (o.due, o.n)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Delayed {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.due, self.n).cmp(&(o.due, o.n))
    }
}

/// A deliver_sm on the wire, waiting for its response.
struct Outstanding {
    delivery: Box<Delivery>,
    sent_at: Instant,
    /// Index into the shared `mo_acks` records, when recording.
    ack: Option<usize>,
}

enum Step {
    Continue,
    /// Write what is buffered, then close (unbind, drop_every, bad framing).
    Close,
}

// Lives only between select! and its handler; see `Frame`.
#[allow(clippy::large_enum_variant)]
enum Event {
    Cancelled,
    Frame(Option<Result<Frame, FrameError>>),
    Deliver(Box<Delivery>),
    Timer,
}

struct Session {
    inner: Arc<Inner>,
    id: u64,
    peer: SocketAddr,
    reader: FramedRead<OwnedReadHalf, SmppCodec>,
    writer: OwnedWriteHalf,
    codec: SmppCodec,
    wbuf: BytesMut,
    bound: Option<Bound>,
    submits_here: u64,
    delayed: BinaryHeap<Reverse<Delayed>>,
    delayed_n: u64,
    deliveries: Option<mpsc::UnboundedReceiver<Box<Delivery>>>,
    outstanding: HashMap<u32, Outstanding>,
    next_seq: u32,
    deliver_timeout: Duration,
}

pub(crate) async fn run(
    inner: Arc<Inner>,
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    cancel: CancellationToken,
) {
    // Small PDUs must not wait for Nagle: a gateway measures our latency.
    let _ = stream.set_nodelay(true);
    let (r, w) = stream.into_split();
    let mut s = Session {
        deliver_timeout: Duration::from_millis(inner.cfg.deliver_timeout_ms),
        inner,
        id,
        peer,
        reader: FramedRead::new(r, SmppCodec::new()),
        writer: w,
        codec: SmppCodec::new(),
        wbuf: BytesMut::with_capacity(8 * 1024),
        bound: None,
        submits_here: 0,
        delayed: BinaryHeap::new(),
        delayed_n: 0,
        deliveries: None,
        outstanding: HashMap::new(),
        next_seq: 1,
    };
    s.serve(&cancel).await;
    s.finish().await;
}

async fn recv_opt(
    rx: &mut Option<mpsc::UnboundedReceiver<Box<Delivery>>>,
) -> Option<Box<Delivery>> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// A response without a body, as SMPP 3.4 asks for error responses.
fn bare(id: CommandId, status: u32, seq: u32) -> Command {
    Command::from_parts(CommandParts::new(
        id,
        CommandStatus::from(status),
        seq,
        None,
    ))
}

fn generic_nack(status: u32, seq: u32) -> Command {
    Command::new(CommandStatus::from(status), seq, Pdu::GenericNack)
}

impl Session {
    async fn serve(&mut self, cancel: &CancellationToken) {
        loop {
            let wake = self.next_wake();
            let ev = tokio::select! {
                biased;
                _ = cancel.cancelled() => Event::Cancelled,
                f = self.reader.next() => Event::Frame(f),
                Some(d) = recv_opt(&mut self.deliveries) => Event::Deliver(d),
                _ = sleep_until_opt(wake) => Event::Timer,
            };
            let mut step = match ev {
                Event::Cancelled => return,
                Event::Frame(f) => self.on_frame(f),
                Event::Deliver(d) => {
                    self.send_delivery(d);
                    Step::Continue
                }
                Event::Timer => Step::Continue,
            };
            // Everything else that is ready now goes into the same write.
            let mut n = 0;
            while matches!(step, Step::Continue) && n < BATCH {
                match self.reader.next().now_or_never() {
                    Some(f) => step = self.on_frame(f),
                    None => break,
                }
                n += 1;
            }
            if matches!(step, Step::Continue) {
                while let Some(Ok(d)) = self.deliveries.as_mut().map(|rx| rx.try_recv()) {
                    self.send_delivery(d);
                }
            }
            self.on_timers();
            if !self.flush(cancel).await {
                return;
            }
            if matches!(step, Step::Close) {
                return;
            }
        }
    }

    fn queue(&mut self, cmd: Command) {
        // Encoding into a BytesMut cannot fail short of allocation failure.
        let _ = self.codec.encode(cmd, &mut self.wbuf);
    }

    /// Writes the buffer; false when the connection is gone or the session
    /// is being closed.
    async fn flush(&mut self, cancel: &CancellationToken) -> bool {
        if self.wbuf.is_empty() {
            return true;
        }
        tokio::select! {
            _ = cancel.cancelled() => false,
            r = self.writer.write_all_buf(&mut self.wbuf) => r.is_ok(),
        }
    }

    fn next_wake(&self) -> Option<Instant> {
        let delayed = self.delayed.peek().map(|Reverse(d)| d.due);
        let timeout = self
            .outstanding
            .values()
            .map(|o| o.sent_at + self.deliver_timeout)
            .min();
        match (delayed, timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_timers(&mut self) {
        let now = Instant::now();
        while self.delayed.peek().is_some_and(|Reverse(d)| d.due <= now) {
            if let Some(Reverse(d)) = self.delayed.pop() {
                self.queue(d.cmd);
            }
        }
        if self.outstanding.is_empty() {
            return;
        }
        let expired: Vec<u32> = self
            .outstanding
            .iter()
            .filter(|(_, o)| o.sent_at + self.deliver_timeout <= now)
            .map(|(seq, _)| *seq)
            .collect();
        for seq in expired {
            if let Some(o) = self.outstanding.remove(&seq) {
                Counters::bump(&self.inner.counters.deliver_timeouts);
                self.mark_ack(o.ack, None, true);
                self.done(Some(o.delivery));
            }
        }
    }

    /// Sends a submit response now or after the configured delay.
    fn respond(&mut self, cmd: Command) {
        let delay = self.inner.response_delay();
        if delay.is_zero() {
            self.queue(cmd);
        } else {
            self.delayed_n += 1;
            self.delayed.push(Reverse(Delayed {
                due: Instant::now() + delay,
                n: self.delayed_n,
                cmd,
            }));
        }
    }

    fn on_frame(&mut self, f: Option<Result<Frame, FrameError>>) -> Step {
        match f {
            None | Some(Err(FrameError::Io(_))) => Step::Close,
            Some(Err(FrameError::BadLength { len, seq })) => {
                tracing::debug!(session = self.id, len, "sim: bad command_length, closing");
                self.queue(generic_nack(ESME_RINVCMDLEN, seq));
                Step::Close
            }
            Some(Ok(Frame::Invalid {
                command_id,
                status,
                seq,
            })) => {
                if command_id & 0x8000_0000 != 0 {
                    // A response we cannot parse still says how it went.
                    if command_id == u32::from(CommandId::DeliverSmResp) {
                        self.on_deliver_resp(seq, status);
                    }
                } else {
                    self.queue(generic_nack(ESME_RINVCMDLEN, seq));
                }
                Step::Continue
            }
            Some(Ok(Frame::Command(cmd))) => self.on_command(cmd),
        }
    }

    fn on_command(&mut self, cmd: Command) -> Step {
        let seq = cmd.sequence_number();
        match cmd.id() {
            CommandId::BindTransmitter => self.on_bind(BindKind::Transmitter, &cmd),
            CommandId::BindReceiver => self.on_bind(BindKind::Receiver, &cmd),
            CommandId::BindTransceiver => self.on_bind(BindKind::Transceiver, &cmd),
            CommandId::SubmitSm => return self.on_submit(&cmd),
            CommandId::EnquireLink => self.queue(Command::new(
                CommandStatus::EsmeRok,
                seq,
                Pdu::EnquireLinkResp,
            )),
            CommandId::Unbind => {
                self.queue(Command::new(CommandStatus::EsmeRok, seq, Pdu::UnbindResp));
                return Step::Close;
            }
            CommandId::DeliverSmResp => self.on_deliver_resp(seq, u32::from(cmd.status())),
            CommandId::GenericNack => {
                // A nack of one of our deliver_sm is a refusal of it.
                if self.outstanding.contains_key(&seq) {
                    self.on_deliver_resp(seq, u32::from(cmd.status()).max(ESME_RSYSERR));
                }
            }
            id if u32::from(id) & 0x8000_0000 != 0 => {}
            _ => self.queue(generic_nack(ESME_RINVCMDID, seq)),
        }
        Step::Continue
    }

    fn on_bind(&mut self, kind: BindKind, cmd: &Command) {
        let seq = cmd.sequence_number();
        let fields = match cmd.pdu() {
            Some(Pdu::BindTransmitter(b)) => Some((&b.system_id, &b.password, b.interface_version)),
            Some(Pdu::BindReceiver(b)) => Some((&b.system_id, &b.password, b.interface_version)),
            Some(Pdu::BindTransceiver(b)) => Some((&b.system_id, &b.password, b.interface_version)),
            _ => None,
        };
        let Some((system_id, password, version)) = fields else {
            self.queue(generic_nack(ESME_RINVCMDLEN, seq));
            return;
        };
        let system_id = system_id.as_str().to_owned();
        let version = u8::from(version);
        let account = self
            .inner
            .cfg
            .accounts
            .iter()
            .find(|a| a.system_id == system_id);
        let status = if self.bound.is_some() {
            ESME_RALYBND
        } else if !(version <= 0x34 || version == 0x50) {
            ESME_RBINDFAIL
        } else {
            match account {
                None => ESME_RINVSYSID,
                Some(a) if a.password != password.as_str() => ESME_RINVPASWD,
                Some(_) => 0,
            }
        };
        let c = &self.inner.counters;
        Counters::bump(&c.binds);
        if status == 0 {
            Counters::bump(&c.binds_ok);
        }
        lock(&self.inner.binds).push(BindRecord {
            at: std::time::Instant::now(),
            session: self.id,
            peer: self.peer,
            system_id: system_id.clone(),
            kind,
            interface_version: version,
            status,
        });
        let resp_id = match kind {
            BindKind::Transmitter => CommandId::BindTransmitterResp,
            BindKind::Receiver => CommandId::BindReceiverResp,
            BindKind::Transceiver => CommandId::BindTransceiverResp,
        };
        if status != 0 {
            tracing::debug!(session = self.id, system_id, status, "sim: bind refused");
            self.queue(bare(resp_id, status, seq));
            return;
        }
        // SMPP 3.3 peers know no TLVs; others hear the version they spoke.
        let sc_version = match version {
            0x50 => Some(InterfaceVersion::Smpp5_0),
            0x34 => Some(InterfaceVersion::Smpp3_4),
            _ => None,
        };
        let me = COctetString::from_string(SMSC_SYSTEM_ID.to_owned()).unwrap_or_default();
        let pdu = match kind {
            BindKind::Transmitter => Pdu::from(
                BindTransmitterResp::builder()
                    .system_id(me)
                    .sc_interface_version(sc_version)
                    .build(),
            ),
            BindKind::Receiver => Pdu::from(
                BindReceiverResp::builder()
                    .system_id(me)
                    .sc_interface_version(sc_version)
                    .build(),
            ),
            BindKind::Transceiver => Pdu::from(
                BindTransceiverResp::builder()
                    .system_id(me)
                    .sc_interface_version(sc_version)
                    .build(),
            ),
        };
        self.queue(Command::new(CommandStatus::EsmeRok, seq, pdu));
        let system_id: Arc<str> = system_id.into();
        self.bound = Some(Bound {
            system_id: system_id.clone(),
            kind,
        });
        self.inner.bound_sessions.fetch_add(1, Ordering::Relaxed);
        if kind.can_receive() {
            self.inner.receivers_bound.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = mpsc::unbounded_channel();
            self.deliveries = Some(rx);
            let _ = self.inner.dispatcher.send(ToDispatcher::Up {
                session: self.id,
                system_id,
                tx,
            });
        }
    }

    fn on_submit(&mut self, cmd: &Command) -> Step {
        let seq = cmd.sequence_number();
        let Some(Pdu::SubmitSm(sm)) = cmd.pdu() else {
            self.queue(generic_nack(ESME_RINVCMDLEN, seq));
            return Step::Continue;
        };
        let inner = self.inner.clone();
        let c = &inner.counters;
        Counters::bump(&c.submits);
        let bound = match &self.bound {
            Some(b) if b.kind.can_submit() => b.clone(),
            _ => {
                Counters::bump(&c.refused);
                if inner.cfg.record {
                    let mut rec = record_submit(sm, seq, self.id, "");
                    rec.outcome = "not_bound".into();
                    lock(&inner.submits).push(rec);
                }
                self.respond(bare(CommandId::SubmitSmResp, ESME_RINVBNDSTS, seq));
                return Step::Continue;
            }
        };
        let mut rec = record_submit(sm, seq, self.id, &bound.system_id);
        self.submits_here += 1;
        let faults = *lock(&inner.faults);
        let drop_now = faults
            .drop_every
            .is_some_and(|n| n > 0 && self.submits_here % n == 0);
        let decision = if drop_now {
            // The crash comes after the message was stored: accepted.
            match faults.decide() {
                Decision::Accept { undeliverable, .. } => Decision::Accept {
                    respond: false,
                    undeliverable,
                },
                _ => Decision::Accept {
                    respond: false,
                    undeliverable: false,
                },
            }
        } else {
            faults.decide()
        };
        match decision {
            Decision::Lost => rec.outcome = "lost".into(),
            Decision::GenericNack => {
                Counters::bump(&c.refused);
                rec.outcome = "generic_nack".into();
                self.respond(generic_nack(ESME_RSYSERR, seq));
            }
            Decision::Refuse { status, outcome } => {
                Counters::bump(&c.refused);
                rec.outcome = outcome.into();
                self.respond(bare(CommandId::SubmitSmResp, status, seq));
            }
            Decision::Accept {
                respond,
                undeliverable,
            } => {
                let n = inner.next_message_id.fetch_add(1, Ordering::Relaxed);
                let id = format_id(n, inner.cfg.id_format);
                rec.outcome = if drop_now {
                    "dropped"
                } else if !respond {
                    "no_response"
                } else if undeliverable {
                    "undeliverable"
                } else {
                    "ok"
                }
                .into();
                self.schedule_dlr(sm, &rec.text, &bound, n, !undeliverable);
                if respond {
                    match COctetString::from_string(id.clone()) {
                        Ok(mid) => {
                            let resp = SubmitSmResp::builder().message_id(mid).build();
                            self.respond(Command::new(CommandStatus::EsmeRok, seq, resp));
                        }
                        Err(_) => self.respond(bare(CommandId::SubmitSmResp, ESME_RSYSERR, seq)),
                    }
                }
                rec.message_id = Some(id);
            }
        }
        let accepted = rec.message_id.is_some();
        if inner.cfg.record {
            lock(&inner.submits).push(rec);
        }
        // Counted after the record is stored, so a waiter sees both.
        if accepted {
            Counters::bump(&c.accepted);
            inner.accepted_changed.notify_waiters();
        }
        if drop_now {
            tracing::debug!(session = self.id, "sim: drop_every reached, closing");
            return Step::Close;
        }
        Step::Continue
    }

    /// Queues the delivery report if registered_delivery asks for one with
    /// this outcome: 1 = always, 2 = on failure only, 3 = on success only.
    fn schedule_dlr(&self, sm: &SubmitSm, text: &str, bound: &Bound, id: u64, delivered: bool) {
        let wanted = match u8::from(sm.registered_delivery) & 0x03 {
            1 => true,
            2 => !delivered,
            3 => delivered,
            _ => false,
        };
        if !wanted {
            return;
        }
        // After the response would have gone, so a report never overtakes
        // its own submit_sm_resp on the same connection.
        let due = Instant::now()
            + self.inner.response_delay()
            + Duration::from_millis(self.inner.cfg.dlr_delay_ms);
        let job = DlrJob {
            system_id: bound.system_id.clone(),
            message_id: id,
            source: sm.source_addr.clone(),
            source_ton: sm.source_addr_ton,
            source_npi: sm.source_addr_npi,
            dest: sm.destination_addr.clone(),
            dest_ton: sm.dest_addr_ton,
            dest_npi: sm.dest_addr_npi,
            text: text_prefix(text),
            submitted: SystemTime::now(),
            delivered,
        };
        let _ = self.inner.dispatcher.send(ToDispatcher::Dlr {
            due,
            job: Box::new(job),
        });
    }

    fn send_delivery(&mut self, mut d: Box<Delivery>) {
        let seq = self.next_seq;
        // Sequence numbers run 1..=0x7FFFFFFF.
        self.next_seq = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
        d.attempts += 1;
        let c = &self.inner.counters;
        match d.kind {
            DeliveryKind::Dlr => Counters::bump(&c.dlrs_sent),
            DeliveryKind::Mo => Counters::bump(&c.mo_sent),
        }
        let ack = if self.inner.cfg.record {
            let mut acks = lock(&self.inner.acks);
            acks.push(MoAck {
                delivery: d.id,
                kind: d.kind,
                attempt: d.attempts,
                session: self.id,
                system_id: self
                    .bound
                    .as_ref()
                    .map(|b| b.system_id.to_string())
                    .unwrap_or_default(),
                seq,
                sent_at: std::time::Instant::now(),
                source_addr: d.pdu.source_addr.as_str().to_owned(),
                dest_addr: d.pdu.destination_addr.as_str().to_owned(),
                message_id: d.message_id.clone(),
                concat: d.concat,
                status: None,
                timed_out: false,
            });
            Some(acks.len() - 1)
        } else {
            None
        };
        self.queue(Command::new(CommandStatus::EsmeRok, seq, d.pdu.clone()));
        self.outstanding.insert(
            seq,
            Outstanding {
                delivery: d,
                sent_at: Instant::now(),
                ack,
            },
        );
    }

    fn on_deliver_resp(&mut self, seq: u32, status: u32) {
        // Unknown (or already timed out) sequence numbers are ignored, as an
        // SMSC drops late responses.
        let Some(o) = self.outstanding.remove(&seq) else {
            return;
        };
        self.mark_ack(o.ack, Some(status), false);
        let c = &self.inner.counters;
        if status == 0 {
            match o.delivery.kind {
                DeliveryKind::Dlr => Counters::bump(&c.dlrs_acked),
                DeliveryKind::Mo => Counters::bump(&c.mo_acked),
            }
            self.done(None);
        } else {
            Counters::bump(&c.deliver_errors);
            self.done(Some(o.delivery));
        }
    }

    fn mark_ack(&self, ack: Option<usize>, status: Option<u32>, timed_out: bool) {
        if let Some(i) = ack {
            if let Some(a) = lock(&self.inner.acks).get_mut(i) {
                a.status = status;
                a.timed_out = timed_out;
            }
        }
    }

    fn done(&self, retry: Option<Box<Delivery>>) {
        let _ = self.inner.dispatcher.send(ToDispatcher::Done {
            session: self.id,
            retry,
        });
    }

    /// Gives back what this session held to the dispatcher and forgets it.
    async fn finish(mut self) {
        let _ = self.writer.shutdown().await;
        lock(&self.inner.sessions).remove(&self.id);
        if let Some(b) = &self.bound {
            self.inner.bound_sessions.fetch_sub(1, Ordering::Relaxed);
            if b.kind.can_receive() {
                self.inner.receivers_bound.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let Some(mut rx) = self.deliveries.take() else {
            return;
        };
        rx.close();
        let mut unanswered: Vec<(u32, Outstanding)> = self.outstanding.drain().collect();
        unanswered.sort_by_key(|(_, o)| o.sent_at);
        let mut returned = Vec::with_capacity(unanswered.len());
        for (_, o) in unanswered {
            self.mark_ack(o.ack, None, true);
            returned.push(o.delivery);
        }
        while let Ok(d) = rx.try_recv() {
            returned.push(d);
        }
        let _ = self.inner.dispatcher.send(ToDispatcher::Down {
            session: self.id,
            returned,
        });
    }
}
