//! SMS-SUBMIT (TS 23.040 9.2.2.2).

use super::hex::Reader;
use super::{PduError, SmsSubmit, address, dcs, user_data, vp};

const MTI_SUBMIT: u8 = 0b01;
const SRR: u8 = 0x20;
const UDHI: u8 = 0x40;

/// The TPDU after the first octet (already read, `first`).
pub(super) fn read(first: u8, r: &mut Reader) -> Result<SmsSubmit, PduError> {
    let reference = r.u8("TP-MR")?;
    let destination = address::read_tp(r, "TP-DA")?;
    let _pid = r.u8("TP-PID")?;
    let coding = dcs::decode(r.u8("TP-DCS")?);
    let validity = vp::read(r, (first >> 3) & 0b11)?;
    let ud = user_data::read(r, first & UDHI != 0, coding)?;
    Ok(SmsSubmit {
        reference,
        destination,
        status_report: first & SRR != 0,
        validity,
        udh: ud.udh,
        body: ud.body,
    })
}

pub(super) fn write(s: &SmsSubmit) -> Result<Vec<u8>, PduError> {
    let mut out = Vec::with_capacity(176);
    let vpf = if s.validity.is_some() {
        vp::VPF_RELATIVE
    } else {
        vp::VPF_NONE
    };
    let mut first = MTI_SUBMIT | vpf << 3;
    if s.status_report {
        first |= SRR;
    }
    if s.udh.is_some() {
        first |= UDHI;
    }
    out.push(first);
    out.push(s.reference);
    address::write_tp(&mut out, &s.destination, "TP-DA")?;
    out.push(0x00); // TP-PID: plain SME-to-SME short message.
    out.push(dcs::encode(s.body.coding)?);
    if let Some(d) = s.validity {
        out.push(vp::to_relative(d));
    }
    user_data::write(&mut out, s.udh.as_deref(), &s.body)?;
    Ok(out)
}
