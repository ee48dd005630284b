//! Outgoing PDUs held for one write. rusmppc flushes the socket after every
//! PDU it writes, so a window of submits (or the responses to a burst of
//! delivery reports) costs one system call and one TCP segment each. The
//! guard keeps what rusmppc wrote here and puts it on the socket when the
//! connection task turns to reading, which it does before it sleeps: every
//! PDU of one wake-up leaves in one write, and none waits for later ones.

use bytes::{Buf, BytesMut};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;

/// Above this much held output a write drains first: a slow SMSC pushes
/// back on rusmppc instead of memory growing.
const HIGH_WATER: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct Coalesced {
    held: BytesMut,
    /// The socket was full at the last drain; its readiness wakes the task.
    blocked: bool,
}

impl Coalesced {
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    pub fn blocked(&self) -> bool {
        self.blocked
    }

    /// Takes `buf` unless too much is held and the socket will not take it.
    pub fn poll_hold<S: AsyncWrite + Unpin>(
        &mut self,
        inner: &mut S,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.held.len() >= HIGH_WATER {
            match self.poll_drain(inner, cx) {
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending if self.held.len() >= HIGH_WATER => return Poll::Pending,
                _ => {}
            }
        }
        self.held.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    /// Writes what is held until it is all on the socket (`Ready`) or the
    /// socket is full (`Pending`, with the task registered for writability).
    pub fn poll_drain<S: AsyncWrite + Unpin>(
        &mut self,
        inner: &mut S,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        while !self.held.is_empty() {
            match Pin::new(&mut *inner).poll_write(cx, &self.held) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => self.held.advance(n),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    self.blocked = true;
                    return Poll::Pending;
                }
            }
        }
        self.blocked = false;
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    /// A socket that counts writes and takes at most `room` octets.
    #[derive(Default)]
    struct Sock {
        got: Vec<u8>,
        writes: usize,
        room: usize,
    }

    impl AsyncWrite for Sock {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let n = buf.len().min(self.room);
            if n == 0 {
                return Poll::Pending;
            }
            self.room -= n;
            self.writes += 1;
            self.got.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn held_pdus_leave_in_one_write_in_order() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut sock = Sock {
            room: usize::MAX,
            ..Sock::default()
        };
        let mut c = Coalesced::default();
        for pdu in [&b"first"[..], b"second", b"third"] {
            assert!(matches!(
                c.poll_hold(&mut sock, &mut cx, pdu),
                Poll::Ready(Ok(_))
            ));
        }
        assert_eq!(sock.writes, 0);
        assert!(c.poll_drain(&mut sock, &mut cx).is_ready());
        assert_eq!(sock.writes, 1);
        assert_eq!(sock.got, b"firstsecondthird");
        assert!(c.is_empty());
    }

    #[test]
    fn a_full_socket_pushes_back_once_the_high_water_is_held() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut sock = Sock::default(); // takes nothing
        let mut c = Coalesced::default();
        let pdu = vec![7u8; 1024];
        let mut taken = 0;
        while let Poll::Ready(Ok(n)) = c.poll_hold(&mut sock, &mut cx, &pdu) {
            taken += n;
        }
        assert_eq!(taken, HIGH_WATER);
        assert!(c.blocked());
        // Room again: the drain empties it and the next PDU is taken.
        sock.room = usize::MAX;
        assert!(matches!(
            c.poll_hold(&mut sock, &mut cx, &pdu),
            Poll::Ready(Ok(1024))
        ));
        assert_eq!(sock.got.len(), HIGH_WATER);
        assert!(!c.blocked());
    }
}
