//! What can be wrong with a PDU, and where.

use super::Direction;
use crate::text::{Coding, UdhError};

/// A PDU that cannot be decoded, or a message that cannot be encoded.
///
/// Octet positions count from the first octet of the hex given to
/// [`super::decode`] (the SMSC length octet is octet 0), so an error can be
/// matched against a modem trace by eye.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PduError {
    #[error("the PDU hex has an odd number of digits ({len}); each octet is two hex digits")]
    OddHex { len: usize },
    #[error("character {found:?} at hex digit {index} of the PDU is not a hex digit")]
    BadHex { index: usize, found: char },
    #[error("{field} needs {need} octet(s) at octet {octet} but the PDU has only {have} left")]
    Truncated {
        field: &'static str,
        octet: usize,
        need: usize,
        have: usize,
    },
    #[error(
        "TP-MTI {mti:#04b} in the first octet (octet {octet}) is not a message this codec reads in direction {direction:?}"
    )]
    BadMti {
        mti: u8,
        octet: usize,
        direction: Direction,
    },
    #[error("{field} at octet {octet} has length {len}; at most {max} fit")]
    AddressLength {
        field: &'static str,
        octet: usize,
        len: usize,
        max: usize,
    },
    #[error("the SMSC address type at octet {octet} says alphanumeric, which an SMSC cannot be")]
    AlphanumericSmsc { octet: usize },
    #[error("{field} at octet {octet}: semi-octet {nibble:#x} is not a digit there")]
    BadSemiOctet {
        field: &'static str,
        octet: usize,
        nibble: u8,
    },
    #[error("{field} at octet {octet}: {what}")]
    BadTimestamp {
        field: &'static str,
        octet: usize,
        what: String,
    },
    #[error("TP-UDL at octet {octet} is {udl} {unit}; an SMS carries at most {max}")]
    UserDataLength {
        octet: usize,
        udl: usize,
        unit: &'static str,
        max: usize,
    },
    #[error(
        "TP-UDL at octet {octet} is {udl} septets but the user data header alone takes {header}"
    )]
    HeaderPastLength {
        octet: usize,
        udl: usize,
        header: usize,
    },
    #[error("a user data header of {len} octets of elements does not fit an SMS (at most {max})")]
    UdhTooLong { len: usize, max: usize },
    #[error("user data header at octet {octet}: {source}")]
    Udh {
        octet: usize,
        #[source]
        source: UdhError,
    },
    #[error("{field} cannot be encoded: {reason}")]
    BadAddress {
        field: &'static str,
        reason: &'static str,
    },
    #[error(
        "a {coding:?} body of {len} {unit} with a {udh_octets}-octet header does not fit one SMS (at most {max} {unit} in all)"
    )]
    BodyTooLong {
        coding: Coding,
        len: usize,
        unit: &'static str,
        udh_octets: usize,
        max: usize,
    },
    #[error("septet {index} of the GSM 7-bit body is {value:#04x}; septets are 0x00..=0x7f")]
    BadSeptet { index: usize, value: u8 },
    #[error("{0:?} cannot be sent in an SMS TPDU: TP-DCS has GSM 7-bit, 8-bit and UCS-2 only")]
    UnsupportedCoding(Coding),
    #[error("{field} cannot carry that time: {what}")]
    TimeRange { field: &'static str, what: String },
    #[error("the message needs {parts} parts; a concatenated SMS has at most 255")]
    TooManyParts { parts: usize },
    #[error("concat {concat:?} does not match what the user data header carries ({in_udh:?})")]
    ConcatMismatch {
        concat: crate::Concat,
        in_udh: Option<crate::Concat>,
    },
    #[error(
        "the binary body's own user data header carries a concatenation element, but the body needs {parts} parts"
    )]
    ConcatInUserUdh { parts: usize },
}
