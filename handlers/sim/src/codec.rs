//! Framing around rusmpp's `CommandCodec` that survives bad PDUs.
//!
//! rusmpp's decoder returns an error for a PDU it cannot parse, and a
//! `FramedRead` ends its stream after any error, so one odd PDU would cost
//! the whole session. A real SMSC answers it with generic_nack and carries
//! on; to do that this codec cuts each PDU out by its command_length first
//! and hands rusmpp only that slice, so a failed parse never leaves the
//! stream out of step.

use rusmpp::Command;
use rusmpp::tokio_codec::{CommandCodec, EncodeError};
use std::io;
use tokio_util::bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

const HEADER: usize = 16;

/// Large enough for a message_payload of 64 KiB.
pub(crate) const MAX_PDU: usize = 70 * 1024;

// Each frame is moved once, from the codec to its handler: boxing the
// command would cost an allocation per PDU for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Frame {
    Command(Command),
    /// A PDU whose header was readable but whose body was not.
    Invalid {
        command_id: u32,
        status: u32,
        seq: u32,
    },
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum FrameError {
    /// command_length below 16 or above [`MAX_PDU`]: the stream cannot be
    /// resynchronised, the session must end (after a generic_nack).
    #[error("command_length {len} out of range, sequence number {seq}")]
    BadLength { len: usize, seq: u32 },
    #[error(transparent)]
    Io(#[from] io::Error),
}

#[derive(Debug, Default)]
pub(crate) struct SmppCodec {
    inner: CommandCodec,
}

impl SmppCodec {
    pub(crate) fn new() -> Self {
        SmppCodec {
            inner: CommandCodec::new().without_max_length(),
        }
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl Decoder for SmppCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if src.len() < HEADER {
            return Ok(None);
        }
        let len = be32(&src[0..4]) as usize;
        if !(HEADER..=MAX_PDU).contains(&len) {
            let seq = be32(&src[12..16]);
            src.advance(src.len());
            return Err(FrameError::BadLength { len, seq });
        }
        if src.len() < len {
            src.reserve(len - src.len());
            return Ok(None);
        }
        let mut one = src.split_to(len);
        let (command_id, status, seq) = (be32(&one[4..8]), be32(&one[8..12]), be32(&one[12..16]));
        match self.inner.decode(&mut one) {
            Ok(Some(cmd)) => Ok(Some(Frame::Command(cmd))),
            Ok(None) | Err(_) => {
                // A fresh codec: the old one may be mid-state after the error.
                self.inner = CommandCodec::new().without_max_length();
                Ok(Some(Frame::Invalid {
                    command_id,
                    status,
                    seq,
                }))
            }
        }
    }
}

impl Encoder<Command> for SmppCodec {
    type Error = io::Error;

    fn encode(&mut self, cmd: Command, dst: &mut BytesMut) -> io::Result<()> {
        self.inner.encode(&cmd, dst).map_err(|e| match e {
            EncodeError::Io(e) => e,
            other => io::Error::other(other.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rusmpp::{CommandStatus, Pdu};

    fn encoded(cmd: Command) -> BytesMut {
        let mut b = BytesMut::new();
        SmppCodec::new().encode(cmd, &mut b).unwrap();
        b
    }

    #[test]
    fn a_bad_body_is_reported_and_the_next_pdu_still_decodes() {
        // bind_transmitter whose system_id has no terminating NUL.
        let mut b = BytesMut::new();
        b.extend_from_slice(&[0, 0, 0, 20, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 7]);
        b.extend_from_slice(b"abcd");
        b.extend_from_slice(&encoded(Command::new(
            CommandStatus::EsmeRok,
            8,
            Pdu::EnquireLink,
        )));
        let mut c = SmppCodec::new();
        match c.decode(&mut b).unwrap() {
            Some(Frame::Invalid {
                command_id: 2,
                seq: 7,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        match c.decode(&mut b).unwrap() {
            Some(Frame::Command(cmd)) => assert_eq!(cmd.sequence_number(), 8),
            other => panic!("{other:?}"),
        }
        assert!(c.decode(&mut b).unwrap().is_none());
    }

    #[test]
    fn an_impossible_length_is_fatal() {
        let mut b = BytesMut::from(&[0u8, 0, 0, 3, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0, 9][..]);
        assert!(matches!(
            SmppCodec::new().decode(&mut b),
            Err(FrameError::BadLength { len: 3, seq: 9 })
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut c = SmppCodec::new();
            let mut b = BytesMut::from(&data[..]);
            while let Ok(Some(_)) = c.decode(&mut b) {}
        }

        #[test]
        fn arbitrary_bodies_behind_a_valid_header_never_panic(
            id in prop_oneof![Just(2u32), Just(4), Just(9), Just(0x8000_0005), any::<u32>()],
            body in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let mut b = BytesMut::new();
            b.extend_from_slice(&((16 + body.len()) as u32).to_be_bytes());
            b.extend_from_slice(&id.to_be_bytes());
            b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
            b.extend_from_slice(&body);
            let mut c = SmppCodec::new();
            let frame = c.decode(&mut b);
            prop_assert!(matches!(frame, Ok(Some(_))));
            prop_assert!(b.is_empty());
        }
    }
}
