//! Whatever a modem prints as a PDU: decoding never panics, in either
//! direction; what decodes re-encodes to something that decodes to the
//! same message (with TP-VP rounded to the relative format), and encoding
//! that again gives the same hex.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_protocol::pdu::{self, Direction, PduError, Tpdu};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let direction = if mode & 1 == 0 {
        Direction::FromNetwork
    } else {
        Direction::ToNetwork
    };
    // Either arbitrary text (odd lengths, stray characters) or arbitrary
    // octets as well-formed hex, which reaches the field decoders.
    let hex = if mode & 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        rest.iter().map(|b| format!("{b:02X}")).collect()
    };
    let Ok((smsc, tpdu)) = pdu::decode(&hex, direction) else {
        return;
    };
    let first = match encode(&tpdu, smsc.as_ref()) {
        Ok(enc) => enc,
        // Times outside 1970..2069 and unsendable alphanumeric addresses
        // decode but cannot be written back; nothing else may fail.
        Err(e) => {
            assert!(
                matches!(e, PduError::TimeRange { .. } | PduError::BadAddress { .. }),
                "{e}"
            );
            return;
        }
    };
    assert!(first.tpdu_len * 2 < first.hex.len());
    let (smsc2, again) = pdu::decode(&first.hex, direction).expect("our own PDU decodes");
    match (&tpdu, &again) {
        (Tpdu::Submit(a), Tpdu::Submit(b)) => {
            assert_eq!(smsc2, None);
            assert_eq!(
                (
                    a.reference,
                    &a.destination,
                    a.status_report,
                    &a.udh,
                    &a.body
                ),
                (
                    b.reference,
                    &b.destination,
                    b.status_report,
                    &b.udh,
                    &b.body
                )
            );
            if let (Some(asked), Some(got)) = (a.validity, b.validity) {
                assert!(got >= asked || got.as_secs() == 63 * 7 * 86_400);
            }
        }
        _ => {
            assert_eq!(smsc2, smsc);
            assert_eq!(again, tpdu);
        }
    }
    let second = encode(&again, smsc2.as_ref()).expect("a decoded PDU of ours encodes");
    assert_eq!(second, first);
});

fn encode(
    tpdu: &Tpdu,
    smsc: Option<&switchboard_protocol::Address>,
) -> Result<pdu::EncodedPdu, PduError> {
    match tpdu {
        Tpdu::Submit(s) => pdu::encode_submit(s),
        Tpdu::Deliver(d) => pdu::encode_deliver(d, smsc),
        Tpdu::StatusReport(r) => pdu::encode_status_report(r, smsc),
    }
}
