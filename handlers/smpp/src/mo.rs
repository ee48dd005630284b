//! Messages from phones (MO): a deliver_sm that is not a receipt becomes an
//! [`InboundSms`], its user data left coded so parts reassemble exactly.

use crate::address::from_wire;
use crate::incoming::{ESM_UDHI, IncomingSm};
use std::time::SystemTime;
use switchboard_protocol::text::{Coding, UdhError, parse_udh};
use switchboard_protocol::{Concat, InboundSms, PartBody};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoError {
    #[error("esm_class says the user data has a header, but it is malformed: {0}")]
    BadUdh(#[from] UdhError),
}

/// The coding a data_coding value names. SMPP's own values below 0x10,
/// the GSM 03.38 coding groups above; what cannot be decoded here is kept
/// as binary so no octet is lost.
pub fn coding_from_dcs(dcs: u8) -> Coding {
    match dcs {
        0x00 => Coding::Gsm7,
        // IA5 is ASCII, which Latin-1 decodes exactly (GSM 03.38 would turn
        // '@', '$' and '_' into other characters).
        0x01 | 0x03 => Coding::Latin1,
        0x08 => Coding::Ucs2,
        0x02 | 0x04 => Coding::Binary,
        0x05..=0x0F => Coding::Binary,
        // General data coding groups (00xx, 01xx): bit 5 = compressed,
        // bits 3-2 = alphabet.
        0x10..=0x7F if dcs & 0x20 != 0 => Coding::Binary,
        0x10..=0x7F => match (dcs >> 2) & 0x03 {
            0 => Coding::Gsm7,
            2 => Coding::Ucs2,
            _ => Coding::Binary,
        },
        // Message waiting indication groups.
        0xC0..=0xDF => Coding::Gsm7,
        0xE0..=0xEF => Coding::Ucs2,
        // Data coding / message class group: bit 2 = 8-bit data.
        0xF0..=0xFF if dcs & 0x04 != 0 => Coding::Binary,
        0xF0..=0xFF => Coding::Gsm7,
        _ => Coding::Binary,
    }
}

/// The inbound SMS a deliver_sm carries.
pub fn inbound(sm: &IncomingSm, received_at: SystemTime) -> Result<InboundSms, MoError> {
    let mut coding = coding_from_dcs(sm.data_coding);
    let user_data = sm.user_data();
    let (concat, payload) = if sm.esm_class & ESM_UDHI != 0 {
        parse_udh(user_data)?
    } else {
        (sar_concat(sm), user_data)
    };
    // Unpacked septets are all below 0x80; octets above mean the SMSC's
    // "default alphabet" is really Latin-1, as on some SMSCs.
    if coding == Coding::Gsm7 && sm.data_coding == 0x00 && payload.iter().any(|&b| b > 0x7F) {
        coding = Coding::Latin1;
    }
    Ok(InboundSms {
        from: from_wire(sm.source_ton, &sm.source_addr),
        to: from_wire(sm.dest_ton, &sm.dest_addr),
        body: PartBody {
            coding,
            data: payload.to_vec(),
        },
        concat,
        received_at,
    })
}

/// Concatenation from SAR TLVs; an impossible combination is ignored (the
/// part is then delivered as a message of its own rather than lost).
fn sar_concat(sm: &IncomingSm) -> Option<Concat> {
    let (reference, total, seq) = sm.sar?;
    (total >= 1 && (1..=total).contains(&seq)).then_some(Concat {
        reference,
        total,
        seq,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::Address;
    use switchboard_protocol::text::concat_udh;

    fn mo(dcs: u8, esm: u8, data: &[u8]) -> IncomingSm {
        IncomingSm {
            source_ton: 1,
            source_npi: 1,
            source_addr: "491701234567".into(),
            dest_ton: 0,
            dest_npi: 1,
            dest_addr: "4242".into(),
            esm_class: esm,
            data_coding: dcs,
            short_message: data.to_vec(),
            ..IncomingSm::default()
        }
    }

    #[test]
    fn codings() {
        let cases = [
            (0x00, Coding::Gsm7),
            (0x01, Coding::Latin1),
            (0x03, Coding::Latin1),
            (0x08, Coding::Ucs2),
            (0x04, Coding::Binary),
            (0x02, Coding::Binary),
            (0x06, Coding::Binary),
            (0x18, Coding::Ucs2),
            (0x11, Coding::Gsm7),
            (0x15, Coding::Binary),
            (0x38, Coding::Binary),
            (0xF0, Coding::Gsm7),
            (0xF5, Coding::Binary),
            (0xE0, Coding::Ucs2),
        ];
        for (dcs, c) in cases {
            assert_eq!(coding_from_dcs(dcs), c, "0x{dcs:02X}");
        }
    }

    #[test]
    fn plain_gsm_message() {
        let sms = inbound(&mo(0, 0, b"hello"), SystemTime::UNIX_EPOCH).unwrap();
        assert!(matches!(sms.from, Address::International(_)));
        assert_eq!(sms.to, Address::Other("4242".into()));
        assert_eq!(sms.body.coding, Coding::Gsm7);
        assert_eq!(sms.body.data, b"hello");
        assert_eq!(sms.concat, None);
    }

    #[test]
    fn udh_is_stripped_and_read() {
        let mut ud = concat_udh(7, 2, 1);
        ud.extend_from_slice(&[0x00, 0x4B]);
        let sms = inbound(&mo(8, 0x40, &ud), SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(
            sms.concat,
            Some(Concat {
                reference: 7,
                total: 2,
                seq: 1
            })
        );
        assert_eq!(sms.body.data, [0x00, 0x4B]);
        assert_eq!(sms.body.coding, Coding::Ucs2);
    }

    #[test]
    fn sar_tlvs_give_concat() {
        let mut sm = mo(0, 0, b"part");
        sm.sar = Some((513, 3, 2));
        let sms = inbound(&sm, SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(
            sms.concat,
            Some(Concat {
                reference: 513,
                total: 3,
                seq: 2
            })
        );
        sm.sar = Some((1, 2, 5));
        assert_eq!(inbound(&sm, SystemTime::UNIX_EPOCH).unwrap().concat, None);
    }

    #[test]
    fn payload_tlv_is_the_body() {
        let mut sm = mo(0, 0, b"");
        sm.message_payload = Some(b"from payload".to_vec());
        let sms = inbound(&sm, SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(sms.body.data, b"from payload");
    }

    #[test]
    fn latin1_in_disguise() {
        let sms = inbound(&mo(0, 0, b"caf\xe9"), SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(sms.body.coding, Coding::Latin1);
    }

    #[test]
    fn malformed_udh_is_an_error() {
        assert!(inbound(&mo(0, 0x40, &[9, 0, 3]), SystemTime::UNIX_EPOCH).is_err());
        assert!(inbound(&mo(0, 0x40, &[]), SystemTime::UNIX_EPOCH).is_err());
    }
}
