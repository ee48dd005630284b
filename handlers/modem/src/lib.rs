//! GSM modem device handler: SMS (PDU mode) and voice calls over AT commands,
//! on a serial port (tokio-serial; a pty works the same) or raw TCP
//! (`tcp://host:port`, as ser2net serves a remote modem).
//!
//! One task owns the port; an AT engine keeps one command in flight and
//! routes every line it did not ask for to the unsolicited side. Profiles
//! carry the vendor quirks (Huawei, SIMCom, Quectel, generic).

pub mod at;
mod calls;
mod clcc;
mod cnmi;
pub mod config;
mod down;
mod emit;
mod handler;
mod health;
mod init;
mod number;
mod pin;
mod profile;
mod receive;
mod recovery;
mod send;
mod send_errors;
mod session;
mod status;
mod transport;
mod urc;

pub use config::{ConfigError, Device, ModemConfig, ProfileChoice};

use switchboard_protocol::HandlerIo;
use tokio::task::JoinHandle;

/// Starts the handler for one `[[modem]]` on the current tokio runtime. It
/// runs until it receives `Command::Shutdown` or the host drops its command
/// sender.
pub fn spawn(cfg: ModemConfig, io: HandlerIo) -> JoinHandle<()> {
    tokio::spawn(handler::run(cfg, io))
}

/// Entry points for the fuzz targets in `fuzz/`; not an API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::at::FinalResult;
    use crate::at::lines::{LineSplitter, Piece};
    use crate::at::unsolicited::{has_pdu_line, is_hex_line, looks_unsolicited};

    /// Bytes from a modem, cut into reads at the positions the first byte
    /// picks, through the line splitter and every line classifier. Checks
    /// that the chunking does not change the lines.
    pub fn at_lines(data: &[u8]) {
        let (step, bytes) = match data.split_first() {
            Some((s, rest)) => (usize::from(*s % 17) + 1, rest),
            None => (1, data),
        };
        let whole = LineSplitter::new().feed(bytes);
        let mut s = LineSplitter::new();
        let mut chunked = Vec::new();
        for chunk in bytes.chunks(step) {
            chunked.extend(s.feed(chunk));
        }
        assert_eq!(whole, chunked, "chunking changed the lines");
        for piece in whole {
            if let Piece::Line(line) = piece {
                assert!(!line.is_empty() && !line.contains(['\r', '\n']));
                let _ = FinalResult::parse(&line).map(|f| f.to_string());
                let _ = (
                    has_pdu_line(&line),
                    looks_unsolicited(&line),
                    is_hex_line(&line),
                );
                let _ = crate::urc::parse(&line, Some(line.clone()));
                let _ = crate::number::fields(&line);
                let _ = crate::cnmi::parse_test(&line);
                let _ = crate::health::csq(&line);
                let _ = crate::health::operator(&line);
            }
        }
    }
}

#[cfg(test)]
mod fuzz_smoke {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// What the fuzz target runs, on modem-like and on random bytes.
        #[test]
        fn at_lines_never_panics(
            data in proptest::collection::vec(
                prop_oneof![
                    Just(b'\r'), Just(b'\n'), Just(b'>'), Just(b' '), Just(b'"'), Just(b','),
                    Just(b'+'), Just(b'^'), Just(b':'), any::<u8>()
                ],
                0..300,
            ),
            prefix in prop_oneof![
                Just(""), Just("+CMGS: "), Just("+CLIP: "), Just("+CMTI: "), Just("^CEND:"),
                Just("+CLCC: "), Just("+CME ERROR: "), Just("+CMS ERROR: "), Just("+CNMI: "),
                Just("MISSED_CALL: "), Just("+CREG: "), Just("+COPS: ")
            ],
        ) {
            let mut bytes = vec![7u8];
            bytes.extend_from_slice(prefix.as_bytes());
            bytes.extend_from_slice(&data);
            crate::fuzzing::at_lines(&bytes);
        }
    }
}
