//! Worked examples: PDUs published with TS 23.040 tutorials and ones laid
//! out here octet by octet, then bad input.

use super::*;
use crate::PhoneNumber;
use crate::text::{Coding, decode_gsm7_unpacked, encode_gsm7_unpacked, encode_ucs2};
use std::time::UNIX_EPOCH;

fn intl(s: &str) -> Address {
    Address::International(PhoneNumber::parse_e164(s).unwrap())
}

/// See `ucs2_deliver_with_16_bit_reference_and_alphanumeric_sender`.
const UCS2_DELIVER: &str = "004407D0C2A073090008422092320300320F060804012C03024F60597DD83DDE00";
/// See `status_report_decodes_and_maps_tp_st`; TP-ST follows.
const STATUS_REPORT: &str = "00062A0B916407281553F84230104003000042301040031540";

fn unix(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

fn gsm(text: &str) -> PartBody {
    PartBody {
        coding: Coding::Gsm7,
        data: encode_gsm7_unpacked(text).unwrap(),
    }
}

fn deliver(hex: &str) -> (Option<Address>, SmsDeliver) {
    match decode(hex, Direction::FromNetwork).unwrap() {
        (smsc, Tpdu::Deliver(d)) => (smsc, d),
        other => panic!("not a deliver: {other:?}"),
    }
}

fn report(hex: &str) -> SmsStatusReport {
    match decode(hex, Direction::FromNetwork).unwrap() {
        (_, Tpdu::StatusReport(r)) => r,
        other => panic!("not a status report: {other:?}"),
    }
}

/// The classic SMS-SUBMIT: "hellohello" to +46708251358, relative TP-VP
/// 0xAA (4 days). 00 no SMSC | 11 SUBMIT, VPF relative | 00 TP-MR | 0B 91
/// 6407281553F8 | 00 PID | 00 DCS | AA VP | 0A UDL | E8329BFD4697D9EC37.
#[test]
fn hellohello_submit_encodes_byte_for_byte() {
    let s = SmsSubmit {
        reference: 0,
        destination: intl("+46708251358"),
        status_report: false,
        validity: Some(Duration::from_secs(4 * 86_400)),
        udh: None,
        body: gsm("hellohello"),
    };
    let enc = encode_submit(&s).unwrap();
    assert_eq!(enc.hex, "0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
    assert_eq!(enc.tpdu_len, 23);
    let (smsc, back) = decode(&enc.hex, Direction::ToNetwork).unwrap();
    assert_eq!(smsc, None);
    assert_eq!(back, Tpdu::Submit(s));
}

/// The classic SMS-DELIVER: SMSC 07 91 7283010010F5 (+27381000015) | 04
/// DELIVER, MMS | OA 0B C8 7238880900F1 (subscriber number 27838890001) |
/// 00 PID | 00 DCS | SCTS 99309251619580 (1999-03-29 15:16:59 +02:00) | 0A
/// "hellohello".
#[test]
fn classic_deliver_decodes() {
    let (smsc, d) =
        deliver("07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37");
    assert_eq!(smsc, Some(intl("+27381000015")));
    assert_eq!(d.originator, Address::Other("27838890001".into()));
    assert_eq!(d.sc_timestamp, unix(922_713_419)); // 13:16:59 UTC
    assert_eq!(d.body, gsm("hellohello"));
    assert_eq!((d.udh, d.concat, d.pid), (None, None, 0));
    assert!(!d.status_report_indication);
}

/// Part 1 of 2, reference 0x2A, "Hi" from +447700900123:
/// 00 | 44 DELIVER, UDHI, MMS | 0C 91 447700091032 | 00 | 00 |
/// 42301040030000 (2024-03-01 04:30:00 UTC) | 09 UDL: 7 header septets + 2 |
/// 05 00032A0201 | 90 = 'H' (0x48) after one fill bit | 69 = 'i'.
#[test]
fn deliver_with_concat_header_and_fill_bit() {
    let hex = "00440C9144770009103200004230104003000009".to_owned() + "0500032A0201" + "9069";
    let (_, d) = deliver(&hex);
    assert_eq!(d.originator, intl("+447700900123"));
    assert_eq!(d.sc_timestamp, unix(1_709_267_400));
    assert_eq!(d.udh.as_deref(), Some(&[0x00, 0x03, 0x2A, 0x02, 0x01][..]));
    assert_eq!(
        d.concat,
        Some(Concat {
            reference: 0x2A,
            total: 2,
            seq: 1
        })
    );
    assert_eq!(d.body, gsm("Hi"));
    // Writing it back gives the same octets (the zone was already UTC).
    assert_eq!(encode_deliver(&d, None).unwrap().hex, hex);
    // And with only `concat` set, the same header is written.
    let only_concat = SmsDeliver {
        udh: None,
        ..d.clone()
    };
    assert_eq!(encode_deliver(&only_concat, None).unwrap().hex, hex);
}

/// UCS-2 with a 16-bit concatenation reference, from the alphanumeric
/// sender "BANK": 00 | 44 | 07 D0 C2A07309 | 00 | 08 UCS2 |
/// 42209232030032 (2024-02-29 23:30:00 +05:45: zone 23 quarters = 0x32) |
/// 0F UDL = 7 + 8 | 06 08 04 012C 03 02 (ref 300, part 2 of 3) |
/// 4F60 597D D83D DE00 = "你好😀".
#[test]
fn ucs2_deliver_with_16_bit_reference_and_alphanumeric_sender() {
    let (_, d) = deliver(UCS2_DELIVER);
    assert_eq!(d.originator, Address::Alphanumeric("BANK".into()));
    assert_eq!(d.sc_timestamp, unix(1_709_249_400 - 5 * 3600 - 45 * 60));
    assert_eq!(
        d.concat,
        Some(Concat {
            reference: 300,
            total: 3,
            seq: 2
        })
    );
    assert_eq!(d.body.coding, Coding::Ucs2);
    assert_eq!(d.body.data, encode_ucs2("你好😀"));
    let again = encode_deliver(&d, None).unwrap();
    // Same but for the zone, now written as UTC: 2024-02-29 17:45:00.
    assert_eq!(
        again.hex,
        "004407D0C2A07309000842209271540000".to_owned() + "0F060804012C03024F60597DD83DDE00"
    );
    assert_eq!(deliver(&again.hex).1, d);
}

/// A status report for TP-MR 0x2A to +46708251358: 00 | 06 STATUS-REPORT,
/// MMS | 2A | 0B 91 6407281553F8 | SCTS 42301040030000 | DT 42301040031540
/// (04:30:51 at +01:00 = 03:30:51 UTC) | 00 received.
#[test]
fn status_report_decodes_and_maps_tp_st() {
    let r = report(&format!("{STATUS_REPORT}00"));
    assert_eq!(r.reference, 0x2A);
    assert_eq!(r.recipient, intl("+46708251358"));
    assert_eq!(r.sc_timestamp, unix(1_709_267_400));
    assert_eq!(r.discharge_time, unix(1_709_267_400 - 3600 + 51));
    assert_eq!(
        (r.status, r.state(), r.is_final()),
        (0, DlrState::Delivered, true)
    );
    for (st, state, fin) in [
        (0x01, DlrState::Delivered, true),
        (0x02, DlrState::Delivered, true),
        (0x20, DlrState::Enroute, false),
        (0x30, DlrState::Enroute, false),
        (0x3F, DlrState::Enroute, false),
        (0x40, DlrState::Undeliverable, true),
        (0x41, DlrState::Undeliverable, true),
        (0x42, DlrState::Rejected, true),
        (0x46, DlrState::Expired, true),
        (0x47, DlrState::Deleted, true),
        (0x48, DlrState::Deleted, true),
        (0x60, DlrState::Undeliverable, true),
        (0x63, DlrState::Rejected, true),
        (0x65, DlrState::Undeliverable, true),
        (0x80, DlrState::Unknown, false),
    ] {
        let r = report(&format!("{STATUS_REPORT}{st:02X}"));
        assert_eq!(
            (r.status, r.state(), r.is_final()),
            (st, state, fin),
            "{st:#x}"
        );
    }
    // Trailing TP-PI and friends are ignored; our own encoding reads back.
    let with_pi = report(&format!("{STATUS_REPORT}0000"));
    assert_eq!(with_pi.status, 0);
    let enc = encode_status_report(&r, None).unwrap();
    assert_eq!(report(&enc.hex), r);
}

#[test]
fn smsc_prefix_is_read_and_written() {
    let smsc = intl("+31624000000");
    let r = SmsStatusReport {
        reference: 7,
        recipient: Address::Other("1234".into()),
        sc_timestamp: unix(1_709_267_400),
        discharge_time: unix(1_709_267_460),
        status: 0x46,
    };
    let enc = encode_status_report(&r, Some(&smsc)).unwrap();
    assert!(enc.hex.starts_with("07911326040000F0"), "{}", enc.hex);
    assert_eq!(enc.tpdu_len, enc.hex.len() / 2 - 8);
    let (got_smsc, tpdu) = decode(&enc.hex, Direction::FromNetwork).unwrap();
    assert_eq!(got_smsc, Some(smsc));
    assert_eq!(tpdu, Tpdu::StatusReport(r));
}

#[test]
fn submit_flags_udhi_srr_and_no_vp() {
    let s = SmsSubmit {
        reference: 0x2A,
        destination: Address::National("01701234567".into()),
        status_report: true,
        validity: None,
        udh: Some(vec![0x00, 0x03, 0x05, 0x02, 0x02]),
        body: PartBody {
            coding: Coding::Binary,
            data: vec![0xDE, 0xAD],
        },
    };
    let enc = encode_submit(&s).unwrap();
    // 61 = SUBMIT | SRR | UDHI, VPF none; 2A; 0B A1 1007214365F7; 00; 04;
    // 08 = 6 header octets + 2; 050003050202; DEAD.
    assert_eq!(enc.hex, "00612A0BA11007214365F7000408050003050202DEAD");
    assert_eq!(
        decode(&enc.hex, Direction::ToNetwork).unwrap().1,
        Tpdu::Submit(s)
    );
}

#[test]
fn lenient_dcs_values_decode() {
    // Flash (class 0) GSM 7-bit: DCS 0x10.
    let (_, d) = deliver("0004048121430010423010400300000AE8329BFD4697D9EC37");
    assert_eq!(d.body, gsm("hellohello"));
    // DCS 0xF5: 8-bit, class 1.
    let (_, d) = deliver("00040481214300F542301040030000020102");
    assert_eq!((d.body.coding, d.body.data), (Coding::Binary, vec![1, 2]));
}

#[test]
fn validity_is_rounded_up_to_what_tp_vp_can_say() {
    let mut s = SmsSubmit {
        reference: 0,
        destination: Address::Other("123".into()),
        status_report: false,
        validity: Some(Duration::from_secs(3600 + 1)),
        udh: None,
        body: gsm(""),
    };
    let enc = encode_submit(&s).unwrap();
    // 61 minutes -> VP 12 = 65 minutes.
    assert_eq!(enc.hex, "001100038121F300000C00");
    s.validity = Some(Duration::from_secs(65 * 60));
    assert_eq!(
        decode(&enc.hex, Direction::ToNetwork).unwrap().1,
        Tpdu::Submit(s)
    );
}

#[test]
fn gsm_escape_pairs_survive() {
    let (_, d) = deliver(
        &encode_deliver(
            &SmsDeliver {
                originator: Address::Other("1".into()),
                sc_timestamp: unix(0),
                udh: None,
                concat: None,
                body: gsm("€5 [x]"),
                status_report_indication: true,
                pid: 0,
            },
            None,
        )
        .unwrap()
        .hex,
    );
    assert_eq!(decode_gsm7_unpacked(&d.body.data), "€5 [x]");
    assert!(d.status_report_indication);
}

#[test]
fn bad_input_names_what_and_where() {
    let dir = Direction::FromNetwork;
    assert_eq!(decode("0", dir), Err(PduError::OddHex { len: 1 }));
    assert_eq!(
        decode("0x", dir),
        Err(PduError::BadHex {
            index: 1,
            found: 'x'
        })
    );
    assert!(matches!(
        decode("", dir),
        Err(PduError::Truncated {
            field: "SMSC address",
            octet: 0,
            ..
        })
    ));
    // SMS-SUBMIT read as coming from the network: MTI 01 is SUBMIT-REPORT.
    assert_eq!(
        decode("0011000B916407281553F80000AA0AE8329BFD4697D9EC37", dir),
        Err(PduError::BadMti {
            mti: 1,
            octet: 1,
            direction: dir
        })
    );
    // A DELIVER read as ours to send: MTI 00 is DELIVER-REPORT there.
    assert!(matches!(
        decode("0004048121430000423010400300000100", Direction::ToNetwork),
        Err(PduError::BadMti { mti: 0, .. })
    ));
    assert!(matches!(
        decode("0003", dir),
        Err(PduError::BadMti { mti: 3, .. })
    ));
    // UDL 0x0B septets need 10 octets; 9 are there.
    assert_eq!(
        decode(
            "0011000B916407281553F80000AA0BE8329BFD4697D9EC37",
            Direction::ToNetwork
        ),
        Err(PduError::Truncated {
            field: "TP-UD",
            octet: 15,
            need: 10,
            have: 9
        })
    );
    // SMSC length 0x20.
    assert!(matches!(
        decode("20", dir),
        Err(PduError::AddressLength {
            octet: 0,
            len: 32,
            ..
        })
    ));
    // Errors print as sentences naming the field.
    let msg = decode("0004", dir).unwrap_err().to_string();
    assert!(msg.contains("TP-OA") && msg.contains("octet 2"), "{msg}");
}

#[test]
fn every_prefix_of_a_good_pdu_is_an_error_not_a_panic() {
    for (hex, dir) in [
        (
            "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
            Direction::ToNetwork,
        ),
        (
            "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
            Direction::FromNetwork,
        ),
        (UCS2_DELIVER, Direction::FromNetwork),
        (&format!("{STATUS_REPORT}00"), Direction::FromNetwork),
    ] {
        for end in (0..hex.len()).step_by(2) {
            assert!(decode(&hex[..end], dir).is_err(), "{}", &hex[..end]);
        }
    }
}

#[test]
fn encoding_refuses_what_does_not_fit() {
    let mut s = SmsSubmit {
        reference: 0,
        destination: Address::Other("12a".into()),
        status_report: false,
        validity: None,
        udh: None,
        body: gsm(&"x".repeat(161)),
    };
    assert!(matches!(
        encode_submit(&s),
        Err(PduError::BodyTooLong { len: 161, .. })
    ));
    s.body = PartBody {
        coding: Coding::Latin1,
        data: vec![0xE9],
    };
    assert_eq!(
        encode_submit(&s),
        Err(PduError::UnsupportedCoding(Coding::Latin1))
    );
    s.body = gsm("ok");
    s.destination = Address::Other("12-3".into());
    assert!(matches!(
        encode_submit(&s),
        Err(PduError::BadAddress { field: "TP-DA", .. })
    ));
    s.destination = Address::Other("1".into());
    s.udh = Some(vec![0x00, 0x05, 0x01]);
    assert!(matches!(encode_submit(&s), Err(PduError::Udh { .. })));
    s.udh = Some([0x70, 0x00].repeat(70));
    assert_eq!(
        encode_submit(&s),
        Err(PduError::UdhTooLong { len: 140, max: 139 })
    );
    let d = SmsDeliver {
        originator: Address::Other("1".into()),
        sc_timestamp: unix(4_000_000_000),
        udh: None,
        concat: None,
        body: gsm("late"),
        status_report_indication: false,
        pid: 0,
    };
    assert!(matches!(
        encode_deliver(&d, None),
        Err(PduError::TimeRange {
            field: "TP-SCTS",
            ..
        })
    ));
    let d = SmsDeliver {
        sc_timestamp: unix(0),
        udh: Some(vec![0x00, 0x03, 1, 2, 1]),
        concat: Some(Concat {
            reference: 1,
            total: 2,
            seq: 2,
        }),
        ..d
    };
    assert!(matches!(
        encode_deliver(&d, None),
        Err(PduError::ConcatMismatch { .. })
    ));
}
