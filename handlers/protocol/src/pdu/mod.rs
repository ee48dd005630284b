//! SMS TPDUs (3GPP TS 23.040) as GSM modems carry them in PDU mode: the hex
//! of `AT+CMGS`, `+CMGR`, `+CMGL`, `+CMT` and `+CDS`.
//!
//! Encodes SMS-SUBMIT (to send), and SMS-DELIVER and SMS-STATUS-REPORT (for
//! the simulator); decodes all three. Text coding, splitting and the
//! concatenation header come from [`crate::text`]; this module only lays
//! them out in octets: semi-octet and alphanumeric addresses, septet packing
//! with the fill bits after a user data header, TP-SCTS with its time zone,
//! relative TP-VP, TP-DCS, and TP-ST mapped to [`DlrState`].
//!
//! The `sms-pdu` crate (1.1.0) was evaluated and not used: it encodes only
//! SMS-SUBMIT and decodes only SMS-DELIVER and SMS-STATUS-REPORT (the
//! simulator needs the other halves), picks its own random 8-bit
//! concatenation reference (the host chooses one per message, 16-bit when
//! needed), computes 7 fill bits instead of 0 after a 7-octet header,
//! ignores the time zone's sign and quarter hours, and takes the user data
//! from the rest of the buffer without checking TP-UDL.

mod address;
mod dcs;
mod deliver;
mod error;
mod hex;
mod parts;
#[cfg(test)]
mod proptests;
mod scts;
mod septets;
mod status_report;
mod submit;
#[cfg(test)]
mod tests;
mod user_data;
mod vp;

pub use error::PduError;
pub use parts::submit_parts;

use crate::{Address, Concat, DlrState, PartBody};
use std::time::{Duration, SystemTime};

/// Hex string as AT+CMGS / +CMGR / +CMT / +CDS carry it, and the TPDU length
/// for `AT+CMGS=<len>` (the octets after the SMSC address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPdu {
    pub hex: String,
    pub tpdu_len: usize,
}

/// An SMS-SUBMIT: one part the MS sends to the SC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSubmit {
    /// TP-MR (0: the modem assigns its own, as real modems do).
    pub reference: u8,
    /// International -> type 0x91, National 0xA1, Other 0x81, Alphanumeric 0xD0.
    pub destination: Address,
    /// TP-SRR: ask for a status report.
    pub status_report: bool,
    /// Relative TP-VP, rounded up to the next value TP-VP can carry (5 min
    /// .. 63 weeks); `None` = no TP-VP. Decoding an absolute TP-VP gives
    /// `None` too (it has no meaning without the time it was sent).
    pub validity: Option<Duration>,
    /// The UDH information elements, without the UDHL octet.
    pub udh: Option<Vec<u8>>,
    /// Gsm7 = unpacked septets, Ucs2 = UTF-16BE, Binary = octets; no UDH.
    pub body: PartBody,
}

/// An SMS-DELIVER: one part the SC delivers to the MS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsDeliver {
    pub originator: Address,
    /// TP-SCTS with its zone applied. Encoded in UTC, to the second.
    pub sc_timestamp: SystemTime,
    /// IEs without UDHL.
    pub udh: Option<Vec<u8>>,
    /// Parsed from the UDH (8- or 16-bit reference). When encoding with
    /// `udh: None`, a set `concat` is written as the header; with a `udh`,
    /// it must agree with it.
    pub concat: Option<Concat>,
    /// Without the UDH, septets unpacked with the fill bits removed.
    pub body: PartBody,
    /// TP-SRI: the sender asked for a status report.
    pub status_report_indication: bool,
    /// TP-PID.
    pub pid: u8,
}

/// An SMS-STATUS-REPORT: the fate of a submitted part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsStatusReport {
    /// TP-MR of the submitted part.
    pub reference: u8,
    /// TP-RA: the recipient of that part.
    pub recipient: Address,
    /// TP-SCTS: when the SC received the part.
    pub sc_timestamp: SystemTime,
    /// TP-DT: when the state in `status` was reached.
    pub discharge_time: SystemTime,
    /// TP-ST raw.
    pub status: u8,
}

/// A decoded TPDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tpdu {
    Deliver(SmsDeliver),
    Submit(SmsSubmit),
    StatusReport(SmsStatusReport),
}

/// Which side sent it: the MTI bits mean different things each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// MS -> SC: SMS-SUBMIT (what we send; what +CMGL lists from "STO" storage).
    ToNetwork,
    /// SC -> MS: SMS-DELIVER and SMS-STATUS-REPORT.
    FromNetwork,
}

/// Decodes a PDU as a modem prints it. `hex` begins with the SMSC address
/// (length octet, "00" = none), as +CMGR/+CMT/+CDS/+CMGS carry it. Octets
/// after the user data (some modems pad) are ignored.
pub fn decode(hex: &str, direction: Direction) -> Result<(Option<Address>, Tpdu), PduError> {
    let octets = hex::parse(hex)?;
    let mut r = hex::Reader::new(&octets);
    let smsc = address::read_smsc(&mut r)?;
    let first_at = r.pos();
    let first = r.u8("first octet (TP-MTI)")?;
    let mti = first & 0b11;
    let tpdu = match (direction, mti) {
        (Direction::ToNetwork, 0b01) => Tpdu::Submit(submit::read(first, &mut r)?),
        (Direction::FromNetwork, 0b00) => Tpdu::Deliver(deliver::read(first, &mut r)?),
        (Direction::FromNetwork, 0b10) => Tpdu::StatusReport(status_report::read(first, &mut r)?),
        _ => {
            return Err(PduError::BadMti {
                mti,
                octet: first_at,
                direction,
            });
        }
    };
    Ok((smsc, tpdu))
}

/// Encodes an SMS-SUBMIT with a "00" SMSC prefix (the modem uses the SIM's
/// SMSC).
pub fn encode_submit(s: &SmsSubmit) -> Result<EncodedPdu, PduError> {
    finish(None, submit::write(s)?)
}

/// Encodes an SMS-DELIVER (for the simulator).
pub fn encode_deliver(d: &SmsDeliver, smsc: Option<&Address>) -> Result<EncodedPdu, PduError> {
    finish(smsc, deliver::write(d)?)
}

/// Encodes an SMS-STATUS-REPORT (for the simulator).
pub fn encode_status_report(
    r: &SmsStatusReport,
    smsc: Option<&Address>,
) -> Result<EncodedPdu, PduError> {
    finish(smsc, status_report::write(r)?)
}

fn finish(smsc: Option<&Address>, tpdu: Vec<u8>) -> Result<EncodedPdu, PduError> {
    let mut octets = address::write_smsc(smsc)?;
    octets.extend_from_slice(&tpdu);
    Ok(EncodedPdu {
        hex: hex::format(&octets),
        tpdu_len: tpdu.len(),
    })
}

impl SmsStatusReport {
    /// TP-ST as a delivery state (TS 23.040 9.2.3.15).
    pub fn state(&self) -> DlrState {
        status_report::state(self.status)
    }

    /// Whether the SC has stopped working on the part: every TP-ST outside
    /// 0x20..=0x3F ("temporary error, SC still trying").
    pub fn is_final(&self) -> bool {
        self.state().is_final()
    }
}
