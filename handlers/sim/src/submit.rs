//! Reading a submit_sm into a [`SubmitRecord`]: addresses, concatenation
//! (UDH, SAR TLVs, message_payload) and the part's text.

use crate::records::SubmitRecord;
use rusmpp::pdus::SubmitSm;
use rusmpp::tlvs::TlvValue;
use std::time::Instant;
use switchboard_protocol::text::{self, Coding};

const UDHI: u8 = 0x40;

/// The coding a data_coding value stands for, as far as text goes. SMPP
/// gives 0x00..=0x0F its own meanings; above that the GSM 03.38 data coding
/// scheme groups apply.
pub(crate) fn coding_of(data_coding: u8) -> Coding {
    match data_coding {
        0x00 => Coding::Gsm7,
        0x01 | 0x03 => Coding::Latin1,
        0x08 => Coding::Ucs2,
        0x02 | 0x04 => Coding::Binary,
        0x10..=0x3F => match (data_coding >> 2) & 0x03 {
            0 => Coding::Gsm7,
            2 => Coding::Ucs2,
            _ => Coding::Binary,
        },
        0xF0..=0xFF if data_coding & 0x04 == 0 => Coding::Gsm7,
        _ => Coding::Binary,
    }
}

/// The user data of a part without its header, and the header's
/// concatenation element. A malformed header is kept as data: the record
/// should show what arrived rather than refuse it.
pub(crate) fn split_udh(
    esm_class: u8,
    user_data: &[u8],
) -> (Option<switchboard_protocol::Concat>, &[u8]) {
    if esm_class & UDHI != 0
        && let Ok((concat, payload)) = text::parse_udh(user_data)
    {
        return (concat, payload);
    }
    (None, user_data)
}

pub(crate) fn record_submit(
    sm: &SubmitSm,
    seq: u32,
    session: u64,
    system_id: &str,
) -> SubmitRecord {
    let mut payload = None;
    let (mut sar_ref, mut sar_total, mut sar_seq) = (None, None, None);
    for tlv in sm.tlvs() {
        match tlv.value() {
            Some(TlvValue::MessagePayload(p)) => payload = Some(p.value.to_vec()),
            Some(TlvValue::SarMsgRefNum(r)) => sar_ref = Some(*r),
            Some(TlvValue::SarTotalSegments(t)) => sar_total = Some(*t),
            Some(TlvValue::SarSegmentSeqnum(s)) => sar_seq = Some(*s),
            _ => {}
        }
    }
    let sar = match (sar_ref, sar_total, sar_seq) {
        (Some(r), Some(t), Some(s)) => Some((r, t, s)),
        _ => None,
    };
    let esm_class = u8::from(sm.esm_class);
    let data_coding = u8::from(sm.data_coding);
    let short_message = sm.short_message().to_vec();
    // message_payload replaces short_message when both are sent (SMPP 3.4
    // forbids both; be lenient like most SMSCs).
    let user_data: &[u8] = payload.as_deref().unwrap_or(&short_message);
    let (udh_concat, body) = split_udh(esm_class, user_data);
    let text = text::decode(coding_of(data_coding), body);
    SubmitRecord {
        seq,
        session,
        received_at: Instant::now(),
        system_id: system_id.to_owned(),
        source_addr: sm.source_addr.as_str().to_owned(),
        source_ton: u8::from(sm.source_addr_ton),
        source_npi: u8::from(sm.source_addr_npi),
        dest_addr: sm.destination_addr.as_str().to_owned(),
        dest_ton: u8::from(sm.dest_addr_ton),
        dest_npi: u8::from(sm.dest_addr_npi),
        esm_class,
        data_coding,
        registered_delivery: u8::from(sm.registered_delivery),
        short_message,
        message_payload: payload,
        sar,
        udh_concat,
        text,
        message_id: None,
        outcome: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_codings_map_to_text_codings() {
        assert_eq!(coding_of(0), Coding::Gsm7);
        assert_eq!(coding_of(8), Coding::Ucs2);
        assert_eq!(coding_of(3), Coding::Latin1);
        assert_eq!(coding_of(4), Coding::Binary);
        assert_eq!(coding_of(0x18), Coding::Ucs2);
        assert_eq!(coding_of(0xF0), Coding::Gsm7);
        assert_eq!(coding_of(0xF4), Coding::Binary);
    }

    #[test]
    fn a_bad_udh_is_kept_as_data() {
        let (c, body) = split_udh(0x40, &[9, 1, 2]);
        assert_eq!(c, None);
        assert_eq!(body, &[9, 1, 2]);
        let (c, body) = split_udh(0x40, &[5, 0, 3, 7, 2, 1, b'h', b'i']);
        assert_eq!(c.map(|c| (c.reference, c.total, c.seq)), Some((7, 2, 1)));
        assert_eq!(body, b"hi");
    }
}
