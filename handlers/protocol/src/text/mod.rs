//! SMS text: GSM 03.38 and UCS-2 coding, splitting into parts, user data
//! headers and reassembly. Shared by every handler that carries SMS and by
//! the host, which reassembles received parts durably.
//!
//! `rusmpp-extra` can encode GSM 03.38 but not decode it, and it does not pack
//! septets (which modems need), so the product keeps one codec here.

mod gsm7;
mod part;
mod plan;
mod reassemble;
mod ucs2;
mod udh;

pub use gsm7::{decode_gsm7_unpacked, encode_gsm7_unpacked, fits_gsm7, septet_count};
pub use part::{Concat, PartBody};
pub use plan::{
    MULTI_GSM7, MULTI_UCS2_OCTETS, Plan, SINGLE_GSM7, SINGLE_UCS2_OCTETS, plan, plan_for_udh,
};
pub use reassemble::{ReassemblyError, reassemble};
pub use ucs2::{decode_ucs2, encode_ucs2};
pub use udh::{UdhError, concat_udh, parse_udh};

use serde::{Deserialize, Serialize};

/// How the user data of one SMS is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coding {
    /// GSM 03.38 default alphabet with the extension table.
    Gsm7,
    /// UTF-16BE (UCS-2 as networks call it; surrogate pairs pass through).
    Ucs2,
    /// ISO-8859-1 (SMPP data_coding 3).
    Latin1,
    /// 8-bit data; decoded as hex for display.
    Binary,
}

/// Decodes one part's (or a whole message's) user data to text.
pub fn decode(coding: Coding, data: &[u8]) -> String {
    match coding {
        Coding::Gsm7 => decode_gsm7_unpacked(data),
        Coding::Ucs2 => decode_ucs2(data),
        Coding::Latin1 => data.iter().map(|&b| b as char).collect(),
        Coding::Binary => data.iter().map(|b| format!("{b:02x}")).collect(),
    }
}
