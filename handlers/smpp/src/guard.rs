//! A screen between the socket and rusmppc. rusmppc closes the connection
//! on the first PDU rusmpp cannot decode, and SMSCs resend what was not
//! answered after every reconnect, so one odd PDU (an alphanumeric sender
//! in Latin-1, a receipted_message_id without its NUL, an enquire_link with
//! stray body octets) would keep a link down for good. Each incoming frame
//! is test-decoded here first; frames that do not decode are repaired when
//! that is safe, or handed to the session to answer itself.

use crate::coalesce::Coalesced;
use crate::raw_pdu::{GENERIC_NACK, HEADER_LEN, Header};
use crate::turn_end::TurnEnd;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use rusmpp::tokio_codec::CommandCodec;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_util::codec::Decoder;

const BIND_RECEIVER_RESP: u32 = 0x8000_0001;
const BIND_TRANSMITTER_RESP: u32 = 0x8000_0002;
const BIND_TRANSCEIVER_RESP: u32 = 0x8000_0009;
const UNBIND: u32 = 0x0000_0006;
const UNBIND_RESP: u32 = 0x8000_0006;
const ENQUIRE_LINK: u32 = 0x0000_0015;
const ENQUIRE_LINK_RESP: u32 = 0x8000_0015;

/// What to do with one incoming frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Screened {
    /// Give these octets to rusmppc (the frame, or a repaired copy).
    Pass(Bytes),
    /// rusmppc cannot read it: the session answers it from the raw octets.
    Divert(Bytes),
}

/// Decides about one whole frame (length prefix included).
pub fn screen(frame: Bytes) -> Screened {
    if decodes(&frame) {
        return Screened::Pass(frame);
    }
    let Some(h) = Header::parse(&frame) else {
        return Screened::Pass(frame); // too short for a header: let rusmppc fail
    };
    match h.command_id {
        // No body in the spec: drop the stray octets.
        UNBIND | UNBIND_RESP | ENQUIRE_LINK | ENQUIRE_LINK_RESP | GENERIC_NACK => {
            Screened::Pass(rebuild(&h, &[]))
        }
        // rusmppc waits for these; an odd system_id must not fail the bind.
        BIND_RECEIVER_RESP | BIND_TRANSMITTER_RESP | BIND_TRANSCEIVER_RESP => {
            let body = frame.get(HEADER_LEN..).unwrap_or(&[]);
            let id: Vec<u8> = body
                .iter()
                .take_while(|&&b| b != 0)
                .take(15)
                .map(|&b| if b.is_ascii_graphic() { b } else { b'?' })
                .chain(std::iter::once(0))
                .collect();
            Screened::Pass(rebuild(&h, &id))
        }
        // deliver_sm and submit_sm_resp are read leniently by the session;
        // anything else it answers with generic_nack or drops.
        _ => Screened::Divert(frame),
    }
}

/// Whether the frame is exactly one PDU that rusmpp decodes using all of
/// it (a body-less PDU with extra octets would otherwise leave them in the
/// stream).
fn decodes(frame: &Bytes) -> bool {
    if Header::parse(frame).map(|h| h.length as usize) != Some(frame.len()) {
        return false;
    }
    let mut buf = BytesMut::from(&frame[..]);
    // The limit keeps a lying length from reserving memory for it.
    let mut codec = CommandCodec::new().with_max_length(frame.len());
    matches!(codec.decode(&mut buf), Ok(Some(_))) && buf.is_empty()
}

fn rebuild(h: &Header, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(HEADER_LEN + body.len());
    // The body is at most 16 octets here, so the length fits.
    out.put_u32((HEADER_LEN + body.len()) as u32);
    out.put_u32(h.command_id);
    out.put_u32(h.status);
    out.put_u32(h.sequence);
    out.put_slice(body);
    out.freeze()
}

/// Requests handed to rusmppc and not yet written by it.
///
/// rusmppc's connection task takes at most five requests from its queue per
/// wake-up and does not wake itself for the rest: with ten submits queued
/// at once, half would wait for the next PDU from the SMSC (up to a whole
/// response time). Every request we hand over is counted here, and while
/// any is unwritten the guard, which the connection task polls whenever it
/// goes idle, asks for one more turn instead of letting it sleep.
#[derive(Debug, Default)]
pub struct Backlog(AtomicUsize);

impl Backlog {
    /// Counts one request until the returned guard is dropped (when rusmppc
    /// acknowledged writing it, or gave up).
    pub fn enter(&self) -> BacklogEntry<'_> {
        self.0.fetch_add(1, Ordering::AcqRel);
        BacklogEntry(self)
    }

    fn busy(&self) -> bool {
        self.0.load(Ordering::Acquire) > 0
    }
}

pub struct BacklogEntry<'a>(&'a Backlog);

impl Drop for BacklogEntry<'_> {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The socket as rusmppc sees it: reads are screened frame by frame,
/// writes are held and leave together when the task turns to reading.
pub struct Guarded<S: AsyncWrite + Unpin> {
    inner: S,
    backlog: Arc<Backlog>,
    out: Coalesced,
    /// Held output leaves when the runtime's turn ends.
    turn: TurnEnd,
    raw: BytesMut,
    ready: Bytes,
    diverted: mpsc::UnboundedSender<Bytes>,
    max_len: usize,
    /// Framing is lost (absurd length): hand the rest over unscreened so
    /// rusmppc reports the error and the connection is rebuilt.
    passthrough: bool,
    eof: bool,
}

impl<S: AsyncWrite + Unpin> Guarded<S> {
    pub fn new(
        inner: S,
        max_len: usize,
        diverted: mpsc::UnboundedSender<Bytes>,
        backlog: Arc<Backlog>,
    ) -> Self {
        Guarded {
            inner,
            backlog,
            out: Coalesced::default(),
            turn: TurnEnd::default(),
            raw: BytesMut::with_capacity(16 * 1024),
            ready: Bytes::new(),
            diverted,
            max_len,
            passthrough: false,
            eof: false,
        }
    }

    /// Moves one frame (or, without framing, everything) out of `raw`.
    /// Returns false when more octets are needed.
    fn next_frame(&mut self) -> bool {
        if self.raw.is_empty() {
            return false;
        }
        if self.passthrough {
            self.ready = self.raw.split().freeze();
            return true;
        }
        if self.raw.len() < 4 {
            return false;
        }
        let len = u32::from_be_bytes([self.raw[0], self.raw[1], self.raw[2], self.raw[3]]);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if !(HEADER_LEN..=self.max_len).contains(&len) {
            self.passthrough = true;
            self.ready = self.raw.split().freeze();
            return true;
        }
        if self.raw.len() < len {
            return false;
        }
        let frame = self.raw.split_to(len).freeze();
        match screen(frame) {
            Screened::Pass(b) => self.ready = b,
            Screened::Divert(b) => {
                // If the session is gone the connection is going too.
                let _ = self.diverted.send(b);
            }
        }
        true
    }
}

/// rusmppc ends a closing connection right after writing what was still
/// queued, without reading again: what is held then goes out now if the
/// socket takes it without waiting (it has room, short of a stalled peer).
impl<S: AsyncWrite + Unpin> Drop for Guarded<S> {
    fn drop(&mut self) {
        if !self.out.is_empty() {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let _ = self.out.poll_drain(&mut self.inner, &mut cx);
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // What rusmppc wrote during the runtime's turn leaves once the turn
        // has ended, in one write: within a turn the connection task runs
        // again for every submit and every response it is given.
        if !this.out.is_empty()
            && this.turn.poll_ended(cx)
            && let Poll::Ready(Err(e)) = this.out.poll_drain(&mut this.inner, cx)
        {
            return Poll::Ready(Err(e));
        }
        loop {
            if !this.ready.is_empty() {
                let n = this.ready.len().min(buf.remaining());
                buf.put_slice(&this.ready[..n]);
                this.ready.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.next_frame() {
                continue;
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            if this.raw.capacity() - this.raw.len() < 4096 {
                this.raw.reserve(16 * 1024);
            }
            let polled =
                tokio_util::io::poll_read_buf(Pin::new(&mut this.inner), cx, &mut this.raw);
            if polled.is_pending() && this.backlog.busy() && !this.out.blocked() {
                cx.waker().wake_by_ref();
            }
            let n = ready!(polled)?;
            if n == 0 {
                // A partial frame at EOF goes to rusmppc, which reports it.
                this.eof = true;
                this.passthrough = true;
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.out.poll_hold(&mut this.inner, cx, buf)
    }

    /// Held output is not written here but when the turn ends. Waiting
    /// for that wakes the task, so there is a next poll even when rusmppc
    /// stops reading (it writes its last requests while closing).
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.out.is_empty() {
            if this.turn.poll_ended(cx) {
                ready!(this.out.poll_drain(&mut this.inner, cx))?;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.out.poll_drain(&mut this.inner, cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw_pdu::DELIVER_SM;
    use rusmpp::{Command, CommandStatus, Pdu};
    use tokio::io::AsyncReadExt;
    use tokio_util::codec::Encoder;

    fn encode(cmd: &Command) -> Bytes {
        let mut b = BytesMut::new();
        CommandCodec::new().encode(cmd, &mut b).unwrap();
        b.freeze()
    }

    fn frame(id: u32, seq: u32, body: &[u8]) -> Bytes {
        let h = Header {
            length: 0,
            command_id: id,
            status: 0,
            sequence: seq,
        };
        rebuild(&h, body)
    }

    fn with_len(mut f: Vec<u8>) -> Bytes {
        let n = f.len() as u32;
        f[..4].copy_from_slice(&n.to_be_bytes());
        f.into()
    }

    #[test]
    fn good_frames_pass_untouched() {
        let f = encode(&Command::new(CommandStatus::EsmeRok, 7, Pdu::EnquireLink));
        assert_eq!(screen(f.clone()), Screened::Pass(f));
    }

    #[test]
    fn stray_body_octets_are_dropped() {
        let mut f = frame(ENQUIRE_LINK, 9, &[]).to_vec();
        f.extend_from_slice(b"junk");
        let f = with_len(f);
        match screen(f) {
            Screened::Pass(b) => {
                assert_eq!(b.len(), 16);
                assert_eq!(Header::parse(&b).unwrap().sequence, 9);
                assert!(decodes(&b));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bind_resp_with_odd_system_id_is_repaired() {
        let mut f = frame(BIND_TRANSCEIVER_RESP, 1, &[]).to_vec();
        f.extend_from_slice(b"SMSC\xe9\0");
        match screen(with_len(f)) {
            Screened::Pass(b) => {
                assert!(decodes(&b));
                assert_eq!(&b[16..], b"SMSC?\0");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn undecodable_deliver_sm_is_diverted() {
        let mut f = frame(DELIVER_SM, 3, &[]).to_vec();
        f.extend_from_slice(b"\0\x05\x00B\xc4NK\0");
        let f = with_len(f);
        assert_eq!(screen(f.clone()), Screened::Divert(f));
    }

    #[tokio::test]
    async fn reads_screen_frames_across_partial_reads() {
        let good = encode(&Command::new(CommandStatus::EsmeRok, 1, Pdu::EnquireLink));
        let mut bad = frame(DELIVER_SM, 3, &[]).to_vec();
        bad.extend_from_slice(b"\0\x05\x00B\xc4NK\0");
        let bad = with_len(bad);
        let good2 = encode(&Command::new(CommandStatus::EsmeRok, 5, Pdu::UnbindResp));
        let mut wire = Vec::new();
        wire.extend_from_slice(&good);
        wire.extend_from_slice(&bad);
        wire.extend_from_slice(&good2);

        let (mut tx, rx) = tokio::io::duplex(7); // tiny buffer: many partial reads
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            tx.write_all(&wire).await.unwrap();
        });
        let (dtx, mut drx) = mpsc::unbounded_channel();
        let mut g = Guarded::new(rx, 4096, dtx, Arc::default());
        let mut out = Vec::new();
        g.read_to_end(&mut out).await.unwrap();
        writer.await.unwrap();
        let mut expected = good.to_vec();
        expected.extend_from_slice(&good2);
        assert_eq!(out, expected);
        assert_eq!(drx.recv().await.unwrap(), bad);
    }

    /// What rusmppc wrote last before it dropped the connection is sent.
    #[tokio::test]
    async fn held_output_leaves_when_the_connection_is_dropped() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (ours, mut theirs) = tokio::io::duplex(4096);
        let (dtx, _drx) = mpsc::unbounded_channel();
        let mut g = Guarded::new(ours, 4096, dtx, Arc::default());
        let pdu = encode(&Command::new(CommandStatus::EsmeRok, 9, Pdu::UnbindResp));
        g.write_all(&pdu).await.unwrap();
        g.flush().await.unwrap();
        drop(g);
        let mut got = Vec::new();
        theirs.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, pdu);
    }

    #[tokio::test]
    async fn absurd_length_passes_through() {
        let wire = vec![0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3];
        let (dtx, _drx) = mpsc::unbounded_channel();
        let mut g = Guarded::new(
            std::io::Cursor::new(wire.clone()),
            4096,
            dtx,
            Arc::default(),
        );
        let mut out = Vec::new();
        g.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, wire);
    }
}
