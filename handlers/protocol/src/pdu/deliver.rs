//! SMS-DELIVER (TS 23.040 9.2.2.1).

use super::hex::Reader;
use super::{PduError, SmsDeliver, address, dcs, scts, user_data};
use crate::text::concat_udh;

const MTI_DELIVER: u8 = 0b00;
/// TP-MMS set means "no more messages are waiting", what a single
/// delivery carries.
const NO_MORE_MESSAGES: u8 = 0x04;
const SRI: u8 = 0x20;
const UDHI: u8 = 0x40;

pub(super) fn read(first: u8, r: &mut Reader) -> Result<SmsDeliver, PduError> {
    let originator = address::read_tp(r, "TP-OA")?;
    let pid = r.u8("TP-PID")?;
    let coding = dcs::decode(r.u8("TP-DCS")?);
    let sc_timestamp = scts::read(r, "TP-SCTS")?;
    let ud = user_data::read(r, first & UDHI != 0, coding)?;
    Ok(SmsDeliver {
        originator,
        sc_timestamp,
        udh: ud.udh,
        concat: ud.concat,
        body: ud.body,
        status_report_indication: first & SRI != 0,
        pid,
    })
}

pub(super) fn write(d: &SmsDeliver) -> Result<Vec<u8>, PduError> {
    let udh = match (&d.udh, d.concat) {
        (Some(ies), concat) => {
            let in_udh = user_data::check_udh(ies)?;
            if let Some(c) = concat
                && Some(c) != in_udh
            {
                return Err(PduError::ConcatMismatch { concat: c, in_udh });
            }
            Some(ies.clone())
        }
        (None, Some(c)) => Some(concat_udh(c.reference, c.total, c.seq)[1..].to_vec()),
        (None, None) => None,
    };
    let mut out = Vec::with_capacity(176);
    let mut first = MTI_DELIVER | NO_MORE_MESSAGES;
    if d.status_report_indication {
        first |= SRI;
    }
    if udh.is_some() {
        first |= UDHI;
    }
    out.push(first);
    address::write_tp(&mut out, &d.originator, "TP-OA")?;
    out.push(d.pid);
    out.push(dcs::encode(d.body.coding)?);
    scts::write(&mut out, d.sc_timestamp, "TP-SCTS")?;
    user_data::write(&mut out, udh.as_deref(), &d.body)?;
    Ok(out)
}
