//! One SMPP connection: bind, submit_sm, enquire_link, unbind, and the
//! deliver_sm the dispatcher hands it.
//!
//! One task per connection does everything. Responses are encoded into a
//! write buffer as PDUs are handled and written once per batch of ready
//! PDUs, so pipelined submits cost one write, not one each. Delayed
//! responses wait in a heap keyed by their due time instead of a sleeping
//! task each.

mod bind;
mod deliver;
mod submit;

use crate::codec::{Frame, FrameError, SmppCodec};
use crate::deliveries::{Delivery, ToDispatcher};
use crate::records::{BindKind, Counters};
use crate::state::{Inner, lock};
use futures::{FutureExt, StreamExt};
use rusmpp::command::CommandParts;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
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

fn bind_kind(command_id: u32) -> Option<BindKind> {
    match CommandId::from(command_id) {
        CommandId::BindTransmitter => Some(BindKind::Transmitter),
        CommandId::BindReceiver => Some(BindKind::Receiver),
        CommandId::BindTransceiver => Some(BindKind::Transceiver),
        _ => None,
    }
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
                } else if let Some(kind) = bind_kind(command_id) {
                    self.unreadable_bind(kind, seq);
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
