//! Encode -> decode round trips over random addresses, bodies and headers,
//! and the part sizes of `submit_parts`.

use super::*;
use crate::text::{self, Coding, MULTI_GSM7, MULTI_UCS2_OCTETS, encode_ucs2, parse_udh};
use crate::{Body, PhoneNumber};
use proptest::prelude::*;
use std::time::UNIX_EPOCH;

/// Every GSM 03.38 character that encodes (the lone-escape NBSP does not),
/// extension table included.
const GSM_CHARS: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
    ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\u{c}^{}\\[~]|€";

fn gsm_text(max_chars: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = GSM_CHARS.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 0..=max_chars)
        .prop_map(|v| v.into_iter().collect())
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        "[1-9][0-9]{7,14}".prop_map(|d| Address::International(
            PhoneNumber::parse_e164(&format!("+{d}")).unwrap()
        )),
        "[0-9*#abc]{1,20}".prop_map(Address::National),
        "[0-9]{0,20}".prop_map(Address::Other),
        gsm_text(11)
            .prop_filter("1..=11 septets", |s| {
                (1..=11).contains(&text::septet_count(s).unwrap_or(0))
            })
            .prop_map(Address::Alphanumeric),
    ]
}

fn smsc() -> impl Strategy<Value = Option<Address>> {
    prop_oneof![
        Just(None),
        address()
            .prop_filter("SMSCs are not alphanumeric", |a| {
                !matches!(a, Address::Alphanumeric(_))
            })
            .prop_map(Some),
    ]
}

/// Random IEs (not concatenation ones, which `concat_ie` adds) of at most
/// `max` octets in all.
fn udh(max: usize) -> impl Strategy<Value = Option<Vec<u8>>> {
    let ie = (
        (0x20u8..=0xFF).prop_filter("not concat", |i| *i != 0x08),
        proptest::collection::vec(any::<u8>(), 0..6),
    );
    let concat = (any::<u16>(), 1u8..=255).prop_flat_map(|(r, total)| {
        (1..=total).prop_map(move |seq| text::concat_udh(r, total, seq)[1..].to_vec())
    });
    (
        proptest::collection::vec(ie, 0..3),
        proptest::option::of(concat),
        any::<bool>(),
    )
        .prop_map(move |(ies, concat, present)| {
            let mut out = Vec::new();
            for (iei, value) in ies {
                out.push(iei);
                out.push(value.len() as u8);
                out.extend(value);
            }
            out.extend(concat.unwrap_or_default());
            (present || !out.is_empty()).then_some(out)
        })
        .prop_map(move |u| u.filter(|u| u.len() < max))
}

/// A header and a body that fit one TP-UD together.
fn header_and_body() -> impl Strategy<Value = (Option<Vec<u8>>, PartBody)> {
    udh(40).prop_flat_map(|udh| {
        let header = udh.as_ref().map_or(0, |u| u.len() + 1);
        let septets = 160 - (header * 8).div_ceil(7);
        let octets = 140 - header;
        let body = prop_oneof![
            proptest::collection::vec(0u8..=0x7F, 0..=septets).prop_map(|data| PartBody {
                coding: Coding::Gsm7,
                data
            }),
            "\\PC{0,70}".prop_map(move |s| {
                let mut data = encode_ucs2(&s);
                data.truncate(octets & !1);
                PartBody {
                    coding: Coding::Ucs2,
                    data,
                }
            }),
            proptest::collection::vec(any::<u8>(), 0..=octets).prop_map(|data| PartBody {
                coding: Coding::Binary,
                data
            }),
        ];
        (Just(udh), body)
    })
}

fn timestamp() -> impl Strategy<Value = SystemTime> {
    // 1970-01-01 .. 2069-12-31, to the second: what TP-SCTS holds.
    (0u64..3_155_760_000).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

fn concat_of(udh: &Option<Vec<u8>>) -> Option<Concat> {
    let ies = udh.as_ref()?;
    let mut header = vec![ies.len() as u8];
    header.extend_from_slice(ies);
    parse_udh(&header).ok().and_then(|(c, _)| c)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn submit_round_trips(
        reference in any::<u8>(),
        destination in address(),
        status_report in any::<bool>(),
        vp in proptest::option::of(any::<u8>()),
        (udh, body) in header_and_body(),
    ) {
        let s = SmsSubmit {
            reference,
            destination,
            status_report,
            validity: vp.map(vp::from_relative),
            udh,
            body,
        };
        let enc = encode_submit(&s).unwrap();
        prop_assert_eq!(enc.hex.len() / 2, enc.tpdu_len + 1);
        prop_assert_eq!(decode(&enc.hex, Direction::ToNetwork).unwrap(), (None, Tpdu::Submit(s)));
    }

    #[test]
    fn deliver_round_trips(
        originator in address(),
        centre in smsc(),
        sc_timestamp in timestamp(),
        (udh, body) in header_and_body(),
        status_report_indication in any::<bool>(),
        pid in any::<u8>(),
    ) {
        let concat = concat_of(&udh);
        let d = SmsDeliver { originator, sc_timestamp, udh, concat, body, status_report_indication, pid };
        let enc = encode_deliver(&d, centre.as_ref()).unwrap();
        prop_assert_eq!(decode(&enc.hex, Direction::FromNetwork).unwrap(), (centre, Tpdu::Deliver(d)));
    }

    #[test]
    fn status_report_round_trips(
        reference in any::<u8>(),
        recipient in address(),
        centre in smsc(),
        sc_timestamp in timestamp(),
        discharge_time in timestamp(),
        status in any::<u8>(),
    ) {
        let r = SmsStatusReport { reference, recipient, sc_timestamp, discharge_time, status };
        let enc = encode_status_report(&r, centre.as_ref()).unwrap();
        prop_assert_eq!(decode(&enc.hex, Direction::FromNetwork).unwrap(), (centre, Tpdu::StatusReport(r)));
    }

    #[test]
    fn any_validity_rounds_up(secs in 0u64..40_000_000) {
        let d = Duration::from_secs(secs);
        let s = SmsSubmit {
            reference: 0,
            destination: Address::Other("1".into()),
            status_report: false,
            validity: Some(d),
            udh: None,
            body: PartBody { coding: Coding::Gsm7, data: vec![] },
        };
        let enc = encode_submit(&s).unwrap();
        let Tpdu::Submit(back) = decode(&enc.hex, Direction::ToNetwork).unwrap().1 else {
            panic!("not a submit");
        };
        let got = back.validity.unwrap();
        prop_assert!(got >= d || got == vp::from_relative(255));
    }

    #[test]
    fn text_parts_are_153_septets_or_67_units_and_read_back(
        text in prop_oneof![
            gsm_text(700),
            "\\PC{0,400}",
            "[a-z😀]{60,300}",
        ],
        concat_ref in prop_oneof![0u16..=255, 256u16..=u16::MAX],
        status_report in any::<bool>(),
    ) {
        let to = Address::Other("12345".into());
        let parts = submit_parts(&to, &Body::Text { text: text.clone() }, status_report, None, concat_ref).unwrap();
        let total = parts.len();
        prop_assert!(total >= 1);
        let wide = concat_ref > 255;
        let mut got = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            prop_assert_eq!(part.reference, 0);
            prop_assert_eq!(part.status_report, status_report);
            if total == 1 {
                prop_assert_eq!(&part.udh, &None);
            } else {
                let ies = part.udh.clone().unwrap();
                prop_assert_eq!(ies.len(), if wide { 6 } else { 5 });
                prop_assert_eq!(concat_of(&part.udh), Some(Concat {
                    reference: concat_ref, total: total as u8, seq: i as u8 + 1,
                }));
                if i + 1 < total {
                    // Full parts: 153 septets (152 with a 16-bit reference),
                    // one less where an escape pair or surrogate pair would
                    // be split; 67 UTF-16 units (66).
                    let len = part.body.data.len();
                    match part.body.coding {
                        Coding::Gsm7 => {
                            let full = MULTI_GSM7 - usize::from(wide);
                            prop_assert!(len == full || len == full - 1, "{}", len);
                        }
                        _ => {
                            let full = MULTI_UCS2_OCTETS - 2 * usize::from(wide);
                            prop_assert!(len == full || len == full - 2, "{}", len);
                        }
                    }
                }
            }
            let enc = encode_submit(part).unwrap();
            let Tpdu::Submit(back) = decode(&enc.hex, Direction::ToNetwork).unwrap().1 else {
                panic!("not a submit");
            };
            prop_assert_eq!(&back, part);
            got.push((i as u8 + 1, back.body));
        }
        prop_assert_eq!(text::reassemble(&got).unwrap(), text);
    }

    #[test]
    fn binary_parts_fit_and_join(
        data in proptest::collection::vec(any::<u8>(), 0..1000),
        own in proptest::option::of(Just(vec![0x05u8, 0x04, 0x0B, 0x84, 0x23, 0xF0])),
        concat_ref in any::<u16>(),
    ) {
        let to = Address::Other("1".into());
        let body = Body::Binary { data: data.clone(), udh: own.clone() };
        let parts = submit_parts(&to, &body, false, None, concat_ref).unwrap();
        let mut joined = Vec::new();
        for p in &parts {
            let enc = encode_submit(p).unwrap();
            prop_assert!(enc.tpdu_len <= 176);
            if let Some(own) = &own {
                prop_assert!(p.udh.as_ref().unwrap().starts_with(own));
            }
            joined.extend_from_slice(&p.body.data);
        }
        prop_assert_eq!(joined, data);
    }
}

/// What `fuzz/fuzz_targets/sms_pdu.rs` checks, run here on every test run:
/// whatever decodes re-encodes to the same message, and to a fixpoint.
fn reencodes(hex: &str, direction: Direction) -> Result<(), TestCaseError> {
    let Ok((smsc, tpdu)) = decode(hex, direction) else {
        return Ok(());
    };
    let enc = |t: &Tpdu, c: Option<&Address>| match t {
        Tpdu::Submit(s) => encode_submit(s),
        Tpdu::Deliver(d) => encode_deliver(d, c),
        Tpdu::StatusReport(r) => encode_status_report(r, c),
    };
    let first = match enc(&tpdu, smsc.as_ref()) {
        Ok(e) => e,
        Err(e) => {
            prop_assert!(
                matches!(e, PduError::TimeRange { .. } | PduError::BadAddress { .. }),
                "{}",
                e
            );
            return Ok(());
        }
    };
    let (smsc2, again) = decode(&first.hex, direction).unwrap();
    match (&tpdu, &again) {
        (Tpdu::Submit(a), Tpdu::Submit(b)) => {
            prop_assert_eq!(&smsc2, &None);
            prop_assert_eq!(&a.destination, &b.destination);
            prop_assert_eq!(&a.body, &b.body);
            prop_assert_eq!(&a.udh, &b.udh);
            prop_assert_eq!(
                (a.reference, a.status_report),
                (b.reference, b.status_report)
            );
        }
        _ => {
            prop_assert_eq!(&smsc2, &smsc);
            prop_assert_eq!(&again, &tpdu);
        }
    }
    prop_assert_eq!(enc(&again, smsc2.as_ref()).unwrap(), first);
    Ok(())
}

/// Good PDUs to mutate: the worked examples.
const SEEDS: [(&str, Direction); 4] = [
    (
        "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
        Direction::ToNetwork,
    ),
    (
        "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
        Direction::FromNetwork,
    ),
    (
        "004407D0C2A073090008422092320300320F060804012C03024F60597DD83DDE00",
        Direction::FromNetwork,
    ),
    (
        "00062A0B916407281553F8423010400300004230104003154046",
        Direction::FromNetwork,
    ),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn arbitrary_octets_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), to_network in any::<bool>()) {
        let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
        let dir = if to_network { Direction::ToNetwork } else { Direction::FromNetwork };
        reencodes(&hex, dir)?;
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,80}|[0-9A-Fa-f ]{0,120}") {
        reencodes(&s, Direction::FromNetwork)?;
        reencodes(&s, Direction::ToNetwork)?;
    }

    #[test]
    fn mutated_good_pdus_never_panic(
        seed in 0..SEEDS.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6),
    ) {
        let (hex, dir) = SEEDS[seed];
        let mut bytes = hex::parse(hex).unwrap();
        for (at, value, kind) in edits {
            let i = at.index(bytes.len().max(1));
            match kind {
                0 if !bytes.is_empty() => bytes[i] = value,
                1 if !bytes.is_empty() => bytes[i] ^= 1 << (value % 8),
                2 => bytes.insert(i.min(bytes.len()), value),
                _ => bytes.truncate(i),
            }
        }
        reencodes(&hex::format(&bytes), dir)?;
    }
}
