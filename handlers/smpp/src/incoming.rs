//! What the handler needs from a deliver_sm, whichever decoder read it:
//! rusmpp for well-formed PDUs, [`crate::raw_pdu`] for the rest.

use crate::raw_pdu::{Reader, latin1, tlv_string};
use rusmpp::pdus::DeliverSm;
use rusmpp::tlvs::TlvValue;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncomingSm {
    pub source_ton: u8,
    pub source_npi: u8,
    pub source_addr: String,
    pub dest_ton: u8,
    pub dest_npi: u8,
    pub dest_addr: String,
    pub esm_class: u8,
    pub data_coding: u8,
    pub short_message: Vec<u8>,
    pub message_payload: Option<Vec<u8>>,
    pub receipted_message_id: Option<String>,
    pub message_state: Option<u8>,
    /// network_error_code: (network type, error code).
    pub network_error: Option<(u8, u16)>,
    /// sar_msg_ref_num, sar_total_segments, sar_segment_seqnum, when all
    /// three are present.
    pub sar: Option<(u16, u8, u8)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("deliver_sm body is malformed: {0}")]
pub struct MalformedPdu(pub &'static str);

const TAG_RECEIPTED_MESSAGE_ID: u16 = 0x001E;
const TAG_MESSAGE_STATE: u16 = 0x0427;
const TAG_NETWORK_ERROR_CODE: u16 = 0x0423;
const TAG_MESSAGE_PAYLOAD: u16 = 0x0424;
const TAG_SAR_MSG_REF_NUM: u16 = 0x020C;
const TAG_SAR_TOTAL_SEGMENTS: u16 = 0x020E;
const TAG_SAR_SEGMENT_SEQNUM: u16 = 0x020F;

/// UDHI: the user data starts with a user data header.
pub const ESM_UDHI: u8 = 0x40;

#[derive(Default)]
struct Sar {
    reference: Option<u16>,
    total: Option<u8>,
    seq: Option<u8>,
}

impl Sar {
    fn get(&self) -> Option<(u16, u8, u8)> {
        Some((self.reference?, self.total?, self.seq?))
    }
}

impl IncomingSm {
    /// From a deliver_sm rusmpp decoded.
    pub fn from_deliver_sm(d: &DeliverSm) -> Self {
        let mut sm = IncomingSm {
            source_ton: d.source_addr_ton.into(),
            source_npi: d.source_addr_npi.into(),
            source_addr: d.source_addr.as_str().to_owned(),
            dest_ton: d.dest_addr_ton.into(),
            dest_npi: d.dest_addr_npi.into(),
            dest_addr: d.destination_addr.as_str().to_owned(),
            esm_class: d.esm_class.into(),
            data_coding: d.data_coding.into(),
            short_message: d.short_message().as_ref().to_vec(),
            ..IncomingSm::default()
        };
        let mut sar = Sar::default();
        for tlv in d.tlvs() {
            match tlv.value() {
                Some(TlvValue::ReceiptedMessageId(id)) => {
                    sm.receipted_message_id = Some(id.as_str().to_owned())
                }
                Some(TlvValue::MessageState(s)) => sm.message_state = Some((*s).into()),
                Some(TlvValue::NetworkErrorCode(e)) => {
                    sm.network_error = Some((e.network_type.into(), e.error_code))
                }
                Some(TlvValue::MessagePayload(p)) => {
                    sm.message_payload = Some(p.value.as_ref().to_vec())
                }
                Some(TlvValue::SarMsgRefNum(v)) => sar.reference = Some(*v),
                Some(TlvValue::SarTotalSegments(v)) => sar.total = Some(*v),
                Some(TlvValue::SarSegmentSeqnum(v)) => sar.seq = Some(*v),
                _ => {}
            }
        }
        sm.sar = sar.get();
        sm
    }

    /// From the body (after the 16-octet header) of a deliver_sm that rusmpp
    /// would not decode. Field limits are the spec's plus slack, since the
    /// point is to accept what real SMSCs send.
    pub fn parse_raw(body: &[u8]) -> Result<Self, MalformedPdu> {
        let mut r = Reader::new(body);
        let mut sm = IncomingSm::default();
        let short = MalformedPdu("ends before its mandatory fields do");
        r.c_string(64).ok_or(MalformedPdu("bad service_type"))?;
        sm.source_ton = r.u8().ok_or(short.clone())?;
        sm.source_npi = r.u8().ok_or(short.clone())?;
        sm.source_addr = r.c_string(64).ok_or(MalformedPdu("bad source_addr"))?;
        sm.dest_ton = r.u8().ok_or(short.clone())?;
        sm.dest_npi = r.u8().ok_or(short.clone())?;
        sm.dest_addr = r.c_string(64).ok_or(MalformedPdu("bad destination_addr"))?;
        sm.esm_class = r.u8().ok_or(short.clone())?;
        let _protocol_id = r.u8().ok_or(short.clone())?;
        let _priority = r.u8().ok_or(short.clone())?;
        r.c_string(64)
            .ok_or(MalformedPdu("bad schedule_delivery_time"))?;
        r.c_string(64).ok_or(MalformedPdu("bad validity_period"))?;
        let _registered_delivery = r.u8().ok_or(short.clone())?;
        let _replace = r.u8().ok_or(short.clone())?;
        sm.data_coding = r.u8().ok_or(short.clone())?;
        let _default_msg_id = r.u8().ok_or(short.clone())?;
        let sm_length = r.u8().ok_or(short)?;
        sm.short_message = r
            .bytes(usize::from(sm_length))
            .ok_or(MalformedPdu("sm_length runs past the end of the PDU"))?
            .to_vec();
        let mut sar = Sar::default();
        for (tag, value) in r.tlvs() {
            match (tag, value) {
                (TAG_RECEIPTED_MESSAGE_ID, v) => sm.receipted_message_id = Some(tlv_string(v)),
                (TAG_MESSAGE_STATE, &[s]) => sm.message_state = Some(s),
                (TAG_NETWORK_ERROR_CODE, &[kind, hi, lo]) => {
                    sm.network_error = Some((kind, u16::from_be_bytes([hi, lo])))
                }
                (TAG_MESSAGE_PAYLOAD, v) => sm.message_payload = Some(v.to_vec()),
                (TAG_SAR_MSG_REF_NUM, &[hi, lo]) => {
                    sar.reference = Some(u16::from_be_bytes([hi, lo]))
                }
                (TAG_SAR_TOTAL_SEGMENTS, &[v]) => sar.total = Some(v),
                (TAG_SAR_SEGMENT_SEQNUM, &[v]) => sar.seq = Some(v),
                _ => {}
            }
        }
        sm.sar = sar.get();
        Ok(sm)
    }

    /// The user data: message_payload when the SMSC used it, else
    /// short_message.
    pub fn user_data(&self) -> &[u8] {
        match &self.message_payload {
            Some(p) if self.short_message.is_empty() || !p.is_empty() => p,
            _ => &self.short_message,
        }
    }

    /// The user data as text for reading a receipt: UCS-2 when data_coding
    /// says so, else octet by octet (receipt texts are ASCII).
    pub fn body_text(&self) -> String {
        let data = self.user_data();
        if self.data_coding == 0x08 {
            switchboard_protocol::text::decode(switchboard_protocol::text::Coding::Ucs2, data)
        } else {
            latin1(data)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusmpp::encode::{Encode, Length};
    use rusmpp::tlvs::MessageDeliveryRequestTlvValue as Tv;
    use rusmpp::types::{COctetString, OctetString};
    use rusmpp::values::{
        DataCoding, ErrorCodeNetworkType, EsmClass, MessageState, NetworkErrorCode, Npi, Ton,
    };
    use std::str::FromStr;

    fn sample() -> DeliverSm {
        DeliverSm::builder()
            .source_addr_ton(Ton::International)
            .source_addr_npi(Npi::Isdn)
            .source_addr(COctetString::from_str("491701234567").unwrap())
            .dest_addr_ton(Ton::Unknown)
            .dest_addr_npi(Npi::Isdn)
            .destination_addr(COctetString::from_str("4242").unwrap())
            .esm_class(EsmClass::from(0x04))
            .data_coding(DataCoding::McSpecific)
            .short_message(OctetString::from_str("id:7 stat:DELIVRD").unwrap())
            .push_tlv(Tv::ReceiptedMessageId(COctetString::from_str("7").unwrap()))
            .push_tlv(Tv::MessageState(MessageState::Delivered))
            .push_tlv(Tv::NetworkErrorCode(NetworkErrorCode::new(
                ErrorCodeNetworkType::Gsm,
                34,
            )))
            .push_tlv(Tv::SarMsgRefNum(300))
            .push_tlv(Tv::SarTotalSegments(2))
            .push_tlv(Tv::SarSegmentSeqnum(1))
            .build()
    }

    #[test]
    fn both_decoders_agree() {
        let d = sample();
        let mut body = vec![0u8; d.length()];
        d.encode(&mut body);
        let via_rusmpp = IncomingSm::from_deliver_sm(&d);
        let via_raw = IncomingSm::parse_raw(&body).unwrap();
        assert_eq!(via_rusmpp, via_raw);
        assert_eq!(via_raw.source_addr, "491701234567");
        assert_eq!(via_raw.receipted_message_id.as_deref(), Some("7"));
        assert_eq!(via_raw.message_state, Some(2));
        assert_eq!(via_raw.network_error, Some((3, 34)));
        assert_eq!(via_raw.sar, Some((300, 2, 1)));
    }

    #[test]
    fn raw_reader_accepts_what_rusmpp_refuses() {
        let d = sample();
        let mut body = vec![0u8; d.length()];
        d.encode(&mut body);
        // Make the source address non-ASCII, as some SMSCs send it.
        let pos = body.windows(3).position(|w| w == b"491").unwrap();
        body[pos] = 0xC4;
        let sm = IncomingSm::parse_raw(&body).unwrap();
        assert!(sm.source_addr.starts_with('Ä'));
    }

    #[test]
    fn truncated_bodies_are_errors() {
        let d = sample();
        let mut body = vec![0u8; d.length()];
        d.encode(&mut body);
        for cut in 0..40 {
            assert!(IncomingSm::parse_raw(&body[..cut]).is_err(), "{cut}");
        }
        assert!(IncomingSm::parse_raw(&[]).is_err());
    }

    #[test]
    fn payload_replaces_an_empty_short_message() {
        let sm = IncomingSm {
            message_payload: Some(b"long".to_vec()),
            ..IncomingSm::default()
        };
        assert_eq!(sm.user_data(), b"long");
    }
}
