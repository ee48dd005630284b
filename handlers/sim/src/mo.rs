//! Mobile-originated messages: a text as a phone would send it, cut into
//! deliver_sm parts with concatenation headers like a real SMSC passes on.

use crate::error::SimError;
use rusmpp::pdus::DeliverSm;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, Ton};
use serde::Deserialize;
use switchboard_protocol::Concat;
use switchboard_protocol::text::{self, Coding};

/// One message "typed on a phone".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoMessage {
    /// `+4917...` (international), digits (unknown type of number) or an
    /// alphanumeric sender.
    pub from: String,
    /// Usually the gateway's short code or number.
    pub to: String,
    pub text: String,
    /// Send the parts in this order, by 0-based index, to test out-of-order
    /// reassembly. An index may repeat (a resent part) or be left out (a
    /// lost part).
    #[serde(default)]
    pub parts_order: Option<Vec<usize>>,
    /// Force a coding; by default GSM 03.38 when the text fits, else UCS-2.
    #[serde(default)]
    pub coding: Option<Coding>,
}

/// One deliver_sm of an MO message.
#[derive(Debug, Clone)]
pub(crate) struct MoPart {
    pub pdu: DeliverSm,
    pub concat: Option<Concat>,
}

/// Type of number and plan for an address as phones and SMSCs write them.
fn address(field: &'static str, s: &str) -> Result<(Ton, Npi, COctetString<1, 21>), SimError> {
    let bad = |reason: &str| SimError::BadAddress {
        field,
        reason: reason.to_owned(),
    };
    let (ton, npi, wire) = if let Some(d) = s.strip_prefix('+') {
        if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("after '+' only digits may follow"));
        }
        (Ton::International, Npi::Isdn, d)
    } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        (Ton::Unknown, Npi::Isdn, s)
    } else {
        if s.is_empty() || !s.is_ascii() || s.len() > 11 {
            return Err(bad(
                "give +digits, digits, or an alphanumeric sender of 1 to 11 ASCII characters",
            ));
        }
        (Ton::Alphanumeric, Npi::Unknown, s)
    };
    if wire.len() > 20 {
        return Err(bad("SMPP addresses are at most 20 characters"));
    }
    let a = COctetString::from_string(wire.to_owned()).map_err(|e| bad(&e.to_string()))?;
    Ok((ton, npi, a))
}

/// Cuts octets into parts of `single` (one part) or `multi` octets,
/// never ending a UCS-2 part on a high surrogate.
fn split(data: Vec<u8>, single: usize, multi: usize, ucs2: bool) -> Vec<Vec<u8>> {
    if data.len() <= single {
        return vec![data];
    }
    let mut parts = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let mut end = (start + multi).min(data.len());
        if ucs2 && end < data.len() && end - start > 2 && (0xD8..=0xDB).contains(&data[end - 2]) {
            end -= 2;
        }
        parts.push(data[start..end].to_vec());
        start = end;
    }
    parts
}

/// The user data of each part (without header) and its data_coding.
fn encode(text: &str, coding: Option<Coding>) -> Result<(Coding, Vec<Vec<u8>>), SimError> {
    let single = text::SINGLE_UCS2_OCTETS;
    let multi = text::MULTI_UCS2_OCTETS;
    match coding {
        None => {
            let p = text::plan(text);
            Ok((p.coding, p.parts))
        }
        Some(Coding::Gsm7) => {
            if !text::fits_gsm7(text) {
                return Err(SimError::Coding {
                    coding: Coding::Gsm7,
                    reason: "a character is not in the GSM 03.38 alphabet".into(),
                });
            }
            let p = text::plan(text);
            Ok((Coding::Gsm7, p.parts))
        }
        Some(Coding::Ucs2) => Ok((
            Coding::Ucs2,
            split(text::encode_ucs2(text), single, multi, true),
        )),
        Some(Coding::Latin1) => {
            let bytes = text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| SimError::Coding {
                    coding: Coding::Latin1,
                    reason: "a character is outside ISO-8859-1".into(),
                })?;
            Ok((Coding::Latin1, split(bytes, single, multi, false)))
        }
        Some(Coding::Binary) => Ok((
            Coding::Binary,
            split(text.as_bytes().to_vec(), single, multi, false),
        )),
    }
}

fn data_coding(c: Coding) -> DataCoding {
    match c {
        Coding::Gsm7 => DataCoding::McSpecific,
        Coding::Ucs2 => DataCoding::Ucs2,
        Coding::Latin1 => DataCoding::Latin1,
        Coding::Binary => DataCoding::OctetUnspecified2,
    }
}

/// The deliver_sm parts in sending order. `reference` is the concatenation
/// reference: 8-bit, as phones use, which is what the part sizes assume.
pub(crate) fn build_parts(mo: &MoMessage, reference: u8) -> Result<Vec<MoPart>, SimError> {
    let (src_ton, src_npi, src) = address("from", &mo.from)?;
    let (dst_ton, dst_npi, dst) = address("to", &mo.to)?;
    let (coding, parts) = encode(&mo.text, mo.coding)?;
    let total = u8::try_from(parts.len()).map_err(|_| SimError::TooLong { parts: parts.len() })?;
    let order: Vec<usize> = match &mo.parts_order {
        Some(order) => {
            if let Some(&index) = order.iter().find(|&&i| i >= parts.len()) {
                return Err(SimError::BadPartsOrder {
                    index,
                    parts: parts.len(),
                });
            }
            order.clone()
        }
        None => (0..parts.len()).collect(),
    };
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        let seq = (i + 1) as u8;
        let (esm, ud, concat) = if total > 1 {
            let mut ud = text::concat_udh(reference.into(), total, seq);
            ud.extend_from_slice(&parts[i]);
            let concat = Concat {
                reference: reference.into(),
                total,
                seq,
            };
            (0x40, ud, Some(concat))
        } else {
            (0x00, parts[i].clone(), None)
        };
        let sm = OctetString::from_vec(ud).map_err(|e| SimError::Coding {
            coding,
            reason: e.to_string(),
        })?;
        let pdu = DeliverSm::builder()
            .source_addr_ton(src_ton)
            .source_addr_npi(src_npi)
            .source_addr(src.clone())
            .dest_addr_ton(dst_ton)
            .dest_addr_npi(dst_npi)
            .destination_addr(dst.clone())
            .esm_class(EsmClass::from(esm))
            .data_coding(data_coding(coding))
            .short_message(sm)
            .build();
        out.push(MoPart { pdu, concat });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::PartBody;

    fn mo(text: &str) -> MoMessage {
        MoMessage {
            from: "+491701234567".into(),
            to: "12345".into(),
            text: text.into(),
            ..MoMessage::default()
        }
    }

    fn reassembled(parts: &[MoPart]) -> String {
        let bodies: Vec<(u8, PartBody)> = parts
            .iter()
            .map(|p| {
                let ud = p.pdu.short_message().to_vec();
                let (c, body) = crate::submit::split_udh(u8::from(p.pdu.esm_class), &ud);
                let coding = crate::submit::coding_of(u8::from(p.pdu.data_coding));
                (
                    c.map_or(1, |c| c.seq),
                    PartBody {
                        coding,
                        data: body.to_vec(),
                    },
                )
            })
            .collect();
        text::reassemble(&bodies).unwrap()
    }

    #[test]
    fn short_gsm_text_is_one_part_without_udh() {
        let p = build_parts(&mo("hello"), 1).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(u8::from(p[0].pdu.esm_class), 0);
        assert_eq!(p[0].pdu.short_message().as_ref(), b"hello");
        assert_eq!(p[0].pdu.source_addr.as_str(), "491701234567");
        assert_eq!(p[0].pdu.source_addr_ton, Ton::International);
    }

    #[test]
    fn long_texts_round_trip_in_any_order() {
        let text = "Grüße 😀 ".repeat(30);
        let mut m = mo(&text);
        // 300 UTF-16 units = 600 octets = 5 parts of at most 134.
        m.parts_order = Some(vec![2, 0, 4, 1, 3]);
        let p = build_parts(&m, 77).unwrap();
        assert_eq!(p.len(), 5);
        assert_eq!(p[0].concat.map(|c| c.seq), Some(3));
        assert_eq!(u8::from(p[0].pdu.data_coding), 8);
        assert_eq!(reassembled(&p), text);
    }

    #[test]
    fn forced_codings() {
        let mut m = mo(&"a".repeat(100));
        m.coding = Some(Coding::Ucs2);
        let p = build_parts(&m, 5).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(reassembled(&p), "a".repeat(100));
        m.coding = Some(Coding::Latin1);
        m.text = "café".into();
        let p = build_parts(&m, 5).unwrap();
        assert_eq!(p[0].pdu.short_message().as_ref(), b"caf\xe9");
        m.coding = Some(Coding::Gsm7);
        m.text = "日本".into();
        assert!(matches!(build_parts(&m, 5), Err(SimError::Coding { .. })));
    }

    #[test]
    fn bad_input_is_named() {
        let mut m = mo("x");
        m.from = "+49abc".into();
        assert!(
            build_parts(&m, 1)
                .unwrap_err()
                .to_string()
                .starts_with("from")
        );
        let mut m = mo(&"x".repeat(400));
        m.parts_order = Some(vec![0, 9]);
        assert_eq!(
            build_parts(&m, 1).unwrap_err(),
            SimError::BadPartsOrder { index: 9, parts: 3 }
        );
        let m = mo(&"x".repeat(153 * 256));
        assert!(matches!(build_parts(&m, 1), Err(SimError::TooLong { .. })));
    }
}
