//! SMS-STATUS-REPORT (TS 23.040 9.2.2.3) and TP-ST (9.2.3.15).

use super::hex::Reader;
use super::{PduError, SmsStatusReport, address, scts};
use crate::DlrState;

/// MTI 10 with TP-MMS set (no more messages waiting); TP-SRQ 0: the report
/// is about an SMS-SUBMIT.
const FIRST_OCTET: u8 = 0x06;

/// Everything after TP-ST (TP-PI and the optional PID/DCS/UD some SCs
/// add) is ignored: the gateway needs only the state.
pub(super) fn read(_first: u8, r: &mut Reader) -> Result<SmsStatusReport, PduError> {
    let reference = r.u8("TP-MR")?;
    let recipient = address::read_tp(r, "TP-RA")?;
    let sc_timestamp = scts::read(r, "TP-SCTS")?;
    let discharge_time = scts::read(r, "TP-DT")?;
    let status = r.u8("TP-ST")?;
    Ok(SmsStatusReport {
        reference,
        recipient,
        sc_timestamp,
        discharge_time,
        status,
    })
}

pub(super) fn write(s: &SmsStatusReport) -> Result<Vec<u8>, PduError> {
    let mut out = Vec::with_capacity(32);
    out.push(FIRST_OCTET);
    out.push(s.reference);
    address::write_tp(&mut out, &s.recipient, "TP-RA")?;
    scts::write(&mut out, s.sc_timestamp, "TP-SCTS")?;
    scts::write(&mut out, s.discharge_time, "TP-DT")?;
    out.push(s.status);
    Ok(out)
}

/// TP-ST as a delivery state.
///
/// - 0x00..=0x1F: the transaction completed (0x00 received, 0x01 forwarded
///   but unconfirmed, 0x02 replaced; the rest reserved/SC-specific), so
///   delivered.
/// - 0x20..=0x3F: temporary error, the SC is still trying: en route.
/// - 0x40..=0x5F: permanent error; 0x60..=0x7F: temporary error but the
///   SC has stopped trying. Both final: expired for 0x46 (validity period
///   expired), deleted for 0x47/0x48 (by the sender / the SC's
///   administration), rejected for 0x42 (connection rejected by SME) and
///   0x63 (service rejected), undeliverable otherwise.
/// - 0x80..=0xFF: reserved; not a state anyone defined: unknown.
pub(super) fn state(st: u8) -> DlrState {
    match st {
        0x00..=0x1F => DlrState::Delivered,
        0x20..=0x3F => DlrState::Enroute,
        0x46 => DlrState::Expired,
        0x47 | 0x48 => DlrState::Deleted,
        0x42 | 0x63 => DlrState::Rejected,
        0x40..=0x7F => DlrState::Undeliverable,
        0x80..=0xFF => DlrState::Unknown,
    }
}
