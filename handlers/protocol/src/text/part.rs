//! One SMS part's coded user data and where it sits in a long message:
//! what the PDU codecs, the handlers and reassembly pass between them.

use super::Coding;
use serde::{Deserialize, Serialize};

/// The user data of one SMS as coded on the wire, without its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartBody {
    pub coding: Coding,
    /// GSM 7-bit as unpacked septets (one per byte, escapes included);
    /// UCS-2 as UTF-16BE; Latin-1 and binary as bytes. No UDH.
    pub data: Vec<u8>,
}

/// Concatenation information from a UDH or SAR TLVs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Concat {
    pub reference: u16,
    pub total: u8,
    /// 1-based.
    pub seq: u8,
}
