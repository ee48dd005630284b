//! Whether a refused submit is worth trying again: `+CMS ERROR` codes are
//! 24.011 RP causes (0..=127), 23.040 TP-FCS values (128..=255) and
//! 27.005 ME/network errors (300..=511); 512 and up are vendor codes.

use crate::at::FinalResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Another try (here or on another route) may work.
    Temporary,
    /// The message as it is will never be accepted.
    Permanent,
}

/// +CMS ERROR codes that can never succeed for this message.
pub fn cms(code: u16) -> Verdict {
    match code {
        // Unassigned number, operator barring, call barred, transfer
        // rejected, unidentified/unknown subscriber, facility rejected,
        // not subscribed, not implemented, invalid message/information,
        // nonexistent message type, IE nonexistent.
        1 | 8 | 10 | 21 | 28 | 29 | 30 | 50 | 69 | 95 | 96 | 97 | 99 => Verdict::Permanent,
        // TP-FCS: interworking, PID and DCS errors, command errors: the
        // PDU itself is refused. 0xD0.. are storage / MS / SIM problems.
        128..=207 => Verdict::Permanent,
        // Operation not supported, invalid PDU / text mode parameter.
        303..=305 => Verdict::Permanent,
        // Network out of order (38), temporary failure (41), congestion
        // (42), resources unavailable (47), SIM busy (314, vendor 515), no
        // network (331), network timeout (332), memory (320..=322), and
        // everything unknown: try again, maybe elsewhere.
        _ => Verdict::Temporary,
    }
}

/// +CME ERROR codes (equipment, SIM): only "not supported" is permanent.
pub fn cme(code: u16) -> Verdict {
    match code {
        4 => Verdict::Permanent,
        _ => Verdict::Temporary,
    }
}

/// The verdict on a final result that is not OK, and its numeric code.
pub fn classify(result: &FinalResult) -> (Verdict, Option<u32>) {
    match result {
        FinalResult::Cms(e) => (
            e.code.map_or(Verdict::Temporary, cms),
            e.code.map(u32::from),
        ),
        FinalResult::Cme(e) => (
            e.code.map_or(Verdict::Temporary, cme),
            e.code.map(u32::from),
        ),
        FinalResult::NotSupported => (Verdict::Temporary, None),
        _ => (Verdict::Temporary, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_from_the_brief() {
        for c in [38, 41, 42, 47, 314, 515, 322, 331, 332, 500] {
            assert_eq!(cms(c), Verdict::Temporary, "{c}");
        }
        for c in [1, 8, 10, 21, 28, 29, 30, 304] {
            assert_eq!(cms(c), Verdict::Permanent, "{c}");
        }
        assert_eq!(cme(14), Verdict::Temporary);
        assert_eq!(
            classify(&FinalResult::parse("+CMS ERROR: 42").unwrap()),
            (Verdict::Temporary, Some(42))
        );
        assert_eq!(
            classify(&FinalResult::parse("+CMS ERROR: unassigned number").unwrap()),
            (Verdict::Permanent, Some(1))
        );
        assert_eq!(classify(&FinalResult::Error), (Verdict::Temporary, None));
    }
}
