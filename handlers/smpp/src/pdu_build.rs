//! An [`OutboundSms`] as submit_sm PDUs, one per part still to send.

use crate::address::{dest_to_wire, source_to_wire};
use crate::config::LongMessages;
use crate::smpp_time;
use rusmpp::pdus::SubmitSm;
use rusmpp::tlvs::MessageSubmissionRequestTlvValue as Tlv;
use rusmpp::types::{AnyOctetString, COctetString, EmptyOrFullCOctetString, OctetString};
use rusmpp::values::{
    DataCoding, EsmClass, MessagePayload, Npi, PriorityFlag, RegisteredDelivery, Ton,
};
use std::time::SystemTime;
use switchboard_protocol::text::{self, Coding};
use switchboard_protocol::{Address, Body, OutboundSms, Priority};

/// What building needs from the link's configuration.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub long_messages: LongMessages,
    pub request_dlr_always: bool,
    pub default_source: Option<Address>,
}

/// The PDUs of one message: `parts` are (1-based part number, PDU) in
/// order, without the parts listed in `skip_parts`.
#[derive(Debug)]
pub struct Built {
    pub total: u8,
    pub parts: Vec<(u8, SubmitSm)>,
}

/// Why a message cannot be submitted at all: every one is permanent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("the text needs {0} parts; at most 255 can be concatenated")]
    TooManyParts(usize),
    #[error("sender '{0}' cannot go in an SMPP address (at most 20 ASCII characters)")]
    BadSender(String),
    #[error("binary body of {0} octets with its own UDH does not fit one SMS (140 octets)")]
    BinaryTooLong(usize),
    #[error("message of {0} octets is too long for message_payload (65535)")]
    PayloadTooLong(usize),
    #[error("valid_until has already passed")]
    Expired,
}

const DCS_GSM7: u8 = 0x00;
const DCS_BINARY: u8 = 0x04;
const DCS_UCS2: u8 = 0x08;
/// Octets in one SMS's user data.
const SMS_OCTETS: usize = 140;
/// Octets per binary part, leaving room for a 6-octet concatenation UDH.
const BINARY_PART_OCTETS: usize = 134;

/// Builds the PDUs still to send for `sms`. `now` decides whether
/// `valid_until` has passed.
pub fn build(sms: &OutboundSms, opts: &BuildOptions, now: SystemTime) -> Result<Built, BuildError> {
    let base = base_pdu(sms, opts, now)?;
    let content = content(&sms.body)?;
    let total = content.parts.len().max(1);
    let total = u8::try_from(total).map_err(|_| BuildError::TooManyParts(total))?;

    let single = content.parts.len() <= 1;
    let mut parts = Vec::with_capacity(content.parts.len());

    if !single && opts.long_messages == LongMessages::Payload {
        // One PDU for the whole message: the SMSC splits it.
        let mut whole = content.header.clone().unwrap_or_default();
        whole.extend(content.parts.iter().flatten());
        if whole.len() > usize::from(u16::MAX) {
            return Err(BuildError::PayloadTooLong(whole.len()));
        }
        let mut pdu = base.with_data_coding(DataCoding::from(content.dcs));
        if content.header.is_some() {
            pdu = pdu.with_udhi_indicator();
        }
        pdu.push_tlv(Tlv::MessagePayload(MessagePayload::new(
            AnyOctetString::from_vec(whole),
        )));
        if !sms.skip_parts.contains(&1) {
            parts.push((1, pdu));
        }
        return Ok(Built { total: 1, parts });
    }

    let empty = Vec::new();
    let chunks: Box<dyn Iterator<Item = &Vec<u8>>> = if content.parts.is_empty() {
        Box::new(std::iter::once(&empty))
    } else {
        Box::new(content.parts.iter())
    };
    for (i, chunk) in chunks.enumerate() {
        // Cannot overflow: there are at most 255 parts.
        let seq = (i + 1) as u8;
        if sms.skip_parts.contains(&seq) {
            continue;
        }
        let mut pdu = base.clone().with_data_coding(DataCoding::from(content.dcs));
        let mut user_data = Vec::with_capacity(chunk.len() + 7);
        if let Some(h) = &content.header {
            user_data.extend_from_slice(h);
        }
        match opts.long_messages {
            _ if single => {}
            LongMessages::Udh | LongMessages::Payload => {
                // The low byte only: an 8-bit reference keeps the UDH at the
                // 6 octets `text::plan` left room for, and the same message
                // always gets the same reference.
                user_data.extend_from_slice(&text::concat_udh(sms.concat_ref & 0xFF, total, seq));
            }
            LongMessages::Sar => {
                pdu.push_tlv(Tlv::SarMsgRefNum(sms.concat_ref));
                pdu.push_tlv(Tlv::SarTotalSegments(total));
                pdu.push_tlv(Tlv::SarSegmentSeqnum(seq));
            }
        }
        if !user_data.is_empty() {
            pdu = pdu.with_udhi_indicator();
        }
        user_data.extend_from_slice(chunk);
        let n = user_data.len();
        let short = OctetString::from_vec(user_data).map_err(|_| BuildError::BinaryTooLong(n))?;
        parts.push((seq, pdu.with_short_message(short)));
    }
    Ok(Built { total, parts })
}

/// The user data of a message: data_coding, a header every part starts
/// with (a binary body's own UDH), and the parts' payloads.
struct Content {
    dcs: u8,
    header: Option<Vec<u8>>,
    parts: Vec<Vec<u8>>,
}

fn content(body: &Body) -> Result<Content, BuildError> {
    match body {
        Body::Text { text } => {
            let plan = text::plan(text);
            let dcs = match plan.coding {
                Coding::Ucs2 => DCS_UCS2,
                Coding::Binary => DCS_BINARY,
                Coding::Gsm7 | Coding::Latin1 => DCS_GSM7,
            };
            Ok(Content {
                dcs,
                header: None,
                parts: plan.parts,
            })
        }
        Body::Binary {
            data,
            udh: Some(udh),
        } => {
            // The sender built its own header (WAP push, ports...): it
            // must go whole, in one SMS.
            let n = udh.len() + data.len();
            if n > SMS_OCTETS {
                return Err(BuildError::BinaryTooLong(n));
            }
            Ok(Content {
                dcs: DCS_BINARY,
                header: Some(udh.clone()),
                parts: vec![data.clone()],
            })
        }
        Body::Binary { data, udh: None } => {
            let parts = if data.len() <= SMS_OCTETS {
                vec![data.clone()]
            } else {
                data.chunks(BINARY_PART_OCTETS)
                    .map(<[u8]>::to_vec)
                    .collect()
            };
            Ok(Content {
                dcs: DCS_BINARY,
                header: None,
                parts,
            })
        }
    }
}

/// Everything every part shares: addresses, flags, validity.
fn base_pdu(
    sms: &OutboundSms,
    opts: &BuildOptions,
    now: SystemTime,
) -> Result<SubmitSm, BuildError> {
    let (src_ton, src_npi, src) = match sms.from.as_ref().or(opts.default_source.as_ref()) {
        Some(a) => source_to_wire(a),
        // No sender at all: empty, and the SMSC puts in the account's own.
        None => (0, 0, ""),
    };
    let source = COctetString::<1, 21>::from_string(src.to_owned())
        .map_err(|_| BuildError::BadSender(src.to_owned()))?;
    let (dst_ton, dst_npi, dst) = dest_to_wire(&sms.to);
    let dest = COctetString::<1, 21>::from_string(dst.to_owned())
        .map_err(|_| BuildError::BadSender(dst.to_owned()))?;

    let validity = match sms.valid_until {
        Some(t) if t <= now => return Err(BuildError::Expired),
        Some(t) => smpp_time::absolute(t)
            .and_then(|s| EmptyOrFullCOctetString::<17>::from_string(s).ok())
            .unwrap_or_else(EmptyOrFullCOctetString::empty),
        None => EmptyOrFullCOctetString::empty(),
    };
    let dlr = u8::from(sms.report || opts.request_dlr_always);
    let priority = match sms.priority {
        Priority::High => 1,
        Priority::Normal => 0,
    };
    Ok(SubmitSm::builder()
        .source_addr_ton(Ton::from(src_ton))
        .source_addr_npi(Npi::from(src_npi))
        .source_addr(source)
        .dest_addr_ton(Ton::from(dst_ton))
        .dest_addr_npi(Npi::from(dst_npi))
        .destination_addr(dest)
        .esm_class(EsmClass::from(0))
        .priority_flag(PriorityFlag::from(priority))
        .validity_period(validity)
        .registered_delivery(RegisteredDelivery::from(dlr))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incoming::IncomingSm;
    use rusmpp::encode::{Encode, Length};
    use rusmpp::tlvs::TlvValue;
    use std::time::Duration;
    use switchboard_protocol::{MessageId, PhoneNumber};

    fn sms(text: &str) -> OutboundSms {
        OutboundSms {
            id: MessageId(1),
            attempt: 1,
            to: PhoneNumber::parse_e164("+491701234567").unwrap(),
            from: Some(Address::Alphanumeric("ACME".into())),
            body: Body::Text { text: text.into() },
            report: false,
            valid_until: None,
            priority: Priority::Normal,
            concat_ref: 0x1234,
            skip_parts: vec![],
        }
    }

    fn opts(long: LongMessages) -> BuildOptions {
        BuildOptions {
            long_messages: long,
            request_dlr_always: true,
            default_source: None,
        }
    }

    /// Encodes a submit_sm and reads it back with the raw reader, which
    /// shares the layout of deliver_sm.
    fn decode_back(pdu: &SubmitSm) -> IncomingSm {
        let mut buf = vec![0u8; pdu.length()];
        pdu.encode(&mut buf);
        IncomingSm::parse_raw(&buf).expect("our own PDU reads back")
    }

    #[test]
    fn single_gsm_message() {
        let b = build(&sms("Hello"), &opts(LongMessages::Udh), SystemTime::now()).unwrap();
        assert_eq!(b.total, 1);
        assert_eq!(b.parts.len(), 1);
        let (seq, pdu) = &b.parts[0];
        assert_eq!(*seq, 1);
        assert_eq!(u8::from(pdu.registered_delivery), 1);
        let back = decode_back(pdu);
        assert_eq!((back.source_ton, back.source_npi), (5, 0));
        assert_eq!(back.source_addr, "ACME");
        assert_eq!((back.dest_ton, back.dest_npi), (1, 1));
        assert_eq!(back.dest_addr, "491701234567");
        assert_eq!(back.data_coding, 0);
        assert_eq!(back.esm_class, 0);
        assert_eq!(back.short_message, b"Hello");
    }

    #[test]
    fn long_ucs2_text_with_udh() {
        let text = "Привет ".repeat(30); // 210 UCS-2 characters
        let b = build(&sms(&text), &opts(LongMessages::Udh), SystemTime::now()).unwrap();
        assert_eq!(b.total, 4);
        let mut joined = Vec::new();
        for (i, (seq, pdu)) in b.parts.iter().enumerate() {
            assert_eq!(usize::from(*seq), i + 1);
            let back = decode_back(pdu);
            assert_eq!(back.data_coding, 8);
            assert_eq!(back.esm_class & 0x40, 0x40);
            assert!(back.short_message.len() <= 140);
            let (concat, payload) = text::parse_udh(&back.short_message).unwrap();
            let c = concat.unwrap();
            assert_eq!((c.reference, c.total, c.seq), (0x34, 4, *seq));
            joined.extend_from_slice(payload);
        }
        assert_eq!(text::decode(Coding::Ucs2, &joined), text);
    }

    #[test]
    fn long_text_with_sar() {
        let text = "a".repeat(200);
        let b = build(&sms(&text), &opts(LongMessages::Sar), SystemTime::now()).unwrap();
        assert_eq!(b.total, 2);
        let back = decode_back(&b.parts[1].1);
        assert_eq!(back.esm_class, 0);
        assert_eq!(back.sar, Some((0x1234, 2, 2)));
        assert_eq!(back.short_message.len(), 200 - 153);
    }

    #[test]
    fn long_text_as_payload() {
        let text = "b€".repeat(100);
        let b = build(&sms(&text), &opts(LongMessages::Payload), SystemTime::now()).unwrap();
        assert_eq!((b.total, b.parts.len()), (1, 1));
        let pdu = &b.parts[0].1;
        assert!(pdu.short_message().is_empty());
        let payload = pdu
            .tlvs()
            .iter()
            .find_map(|t| match t.value() {
                Some(TlvValue::MessagePayload(p)) => Some(p.value.to_vec()),
                _ => None,
            })
            .unwrap();
        assert_eq!(text::decode(Coding::Gsm7, &payload), text);
        assert_eq!(decode_back(pdu).message_payload, Some(payload));
    }

    #[test]
    fn skipped_parts_are_not_built() {
        let mut m = sms(&"c".repeat(400));
        m.skip_parts = vec![1, 3];
        let b = build(&m, &opts(LongMessages::Udh), SystemTime::now()).unwrap();
        assert_eq!(b.total, 3);
        assert_eq!(b.parts.iter().map(|p| p.0).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn flags_validity_and_default_sender() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_214_000);
        let mut m = sms("x");
        m.from = None;
        m.priority = Priority::High;
        m.valid_until = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_214_307));
        let mut o = opts(LongMessages::Udh);
        o.request_dlr_always = false;
        o.default_source = Some(Address::Other("4242".into()));
        let b = build(&m, &o, now).unwrap();
        let pdu = &b.parts[0].1;
        assert_eq!(u8::from(pdu.priority_flag), 1);
        assert_eq!(u8::from(pdu.registered_delivery), 0);
        assert_eq!(pdu.validity_period.to_string(), "240229134507000+");
        assert_eq!(pdu.source_addr.as_str(), "4242");
        m.report = true;
        let b = build(&m, &o, now).unwrap();
        assert_eq!(u8::from(b.parts[0].1.registered_delivery), 1);
    }

    #[test]
    fn expired_and_oversized_are_refused() {
        let now = SystemTime::now();
        let mut m = sms("x");
        m.valid_until = Some(now - Duration::from_secs(1));
        assert_eq!(
            build(&m, &opts(LongMessages::Udh), now).unwrap_err(),
            BuildError::Expired
        );
        let mut m = sms("x");
        m.body = Body::Binary {
            data: vec![0; 140],
            udh: Some(vec![5, 0, 3, 1, 2, 1]),
        };
        assert!(matches!(
            build(&m, &opts(LongMessages::Udh), now),
            Err(BuildError::BinaryTooLong(146))
        ));
        let mut m = sms("x");
        m.from = Some(Address::Alphanumeric("Café".into()));
        assert!(matches!(
            build(&m, &opts(LongMessages::Udh), now),
            Err(BuildError::BadSender(_))
        ));
    }

    #[test]
    fn binary_bodies() {
        let now = SystemTime::now();
        let mut m = sms("x");
        m.body = Body::Binary {
            data: vec![0xAB; 300],
            udh: None,
        };
        let b = build(&m, &opts(LongMessages::Udh), now).unwrap();
        assert_eq!(b.total, 3);
        let back = decode_back(&b.parts[0].1);
        assert_eq!(back.data_coding, 4);
        assert_eq!(back.short_message.len(), 140);

        m.body = Body::Binary {
            data: vec![1, 2, 3],
            udh: Some(vec![6, 5, 4, 0x0B, 0x84, 0x23, 0xF0]),
        };
        let back = decode_back(&build(&m, &opts(LongMessages::Udh), now).unwrap().parts[0].1);
        assert_eq!(back.esm_class, 0x40);
        assert_eq!(
            back.short_message,
            [6, 5, 4, 0x0B, 0x84, 0x23, 0xF0, 1, 2, 3]
        );
    }

    #[test]
    fn empty_text_is_one_empty_part() {
        let b = build(&sms(""), &opts(LongMessages::Udh), SystemTime::now()).unwrap();
        assert_eq!((b.total, b.parts.len()), (1, 1));
        assert!(b.parts[0].1.short_message().is_empty());
    }
}
