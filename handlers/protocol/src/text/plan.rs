//! Choosing the coding of a text and cutting it into parts.

use super::gsm7::ESC;
use super::{Coding, encode_gsm7_unpacked, encode_ucs2};

/// Septets in a single GSM 7-bit SMS.
pub const SINGLE_GSM7: usize = 160;
/// Septets per part of a concatenated GSM 7-bit SMS with an 8-bit-reference
/// UDH (6 octets = 7 septets).
pub const MULTI_GSM7: usize = 153;
/// Octets in a single UCS-2 SMS (70 characters).
pub const SINGLE_UCS2_OCTETS: usize = 140;
/// Octets per part of a concatenated UCS-2 SMS (67 UTF-16 units).
pub const MULTI_UCS2_OCTETS: usize = 134;

/// A text cut into parts ready for user data: GSM 7-bit parts are unpacked
/// septets (one per byte), UCS-2 parts are UTF-16BE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub coding: Coding,
    pub parts: Vec<Vec<u8>>,
}

/// GSM 03.38 when every character fits, UCS-2 otherwise; one part when it
/// fits a single SMS, else parts sized for a 6-octet concatenation UDH.
pub fn plan(text: &str) -> Plan {
    plan_for_udh(text, 6)
}

/// Like [`plan`], for a concatenation UDH of `udh_octets` octets (7 with a
/// 16-bit reference).
pub fn plan_for_udh(text: &str, udh_octets: usize) -> Plan {
    if let Some(septets) = encode_gsm7_unpacked(text) {
        let per_part = SINGLE_GSM7 - (udh_octets * 8).div_ceil(7);
        let parts = if septets.len() <= SINGLE_GSM7 {
            vec![septets]
        } else {
            cut(&septets, per_part, 1, |s, end| {
                s[end - 1] == ESC && !escaped(s, end - 1)
            })
        };
        return Plan {
            coding: Coding::Gsm7,
            parts,
        };
    }
    let octets = encode_ucs2(text);
    let per_part = (SINGLE_UCS2_OCTETS - udh_octets) & !1;
    let parts = if octets.len() <= SINGLE_UCS2_OCTETS {
        vec![octets]
    } else {
        // A part must not end on a high surrogate (D800..DBFF).
        cut(&octets, per_part, 2, |s, end| {
            (0xD8..=0xDB).contains(&s[end - 2])
        })
    };
    Plan {
        coding: Coding::Ucs2,
        parts,
    }
}

/// True when the septet at `i` is itself the second half of an escape pair
/// (an escaped escape is not an escape).
fn escaped(s: &[u8], i: usize) -> bool {
    let run = s[..i].iter().rev().take_while(|&&b| b == ESC).count();
    run % 2 == 1
}

/// Cuts `data` into chunks of at most `max` units, moving a cut back by
/// `unit` while `splits(data, end)` says it would split a pair.
fn cut(
    data: &[u8],
    max: usize,
    unit: usize,
    splits: impl Fn(&[u8], usize) -> bool,
) -> Vec<Vec<u8>> {
    let mut parts = Vec::with_capacity(data.len() / max + 1);
    let mut start = 0;
    while start < data.len() {
        let mut end = (start + max).min(data.len());
        if end < data.len() && end - start > unit && splits(data, end) {
            end -= unit;
        }
        parts.push(data[start..end].to_vec());
        start = end;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::super::decode;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn four_hundred_gsm_chars_make_three_parts() {
        let p = plan(&"a".repeat(400));
        assert_eq!(p.coding, Coding::Gsm7);
        assert_eq!(
            p.parts.iter().map(Vec::len).collect::<Vec<_>>(),
            [153, 153, 94]
        );
    }

    #[test]
    fn exactly_160_is_one_part() {
        assert_eq!(plan(&"x".repeat(160)).parts.len(), 1);
        assert_eq!(plan(&"x".repeat(161)).parts.len(), 2);
    }

    #[test]
    fn escape_pair_is_never_split() {
        let text = format!("{}€tail{}", "a".repeat(152), "b".repeat(10));
        let p = plan(&text);
        assert_eq!(p.parts[0].len(), 152);
        assert_eq!(p.parts[1][0], ESC);
    }

    #[test]
    fn emoji_is_never_split() {
        let text = format!("{}😀{}", "é".repeat(66), "ü".repeat(10));
        let p = plan(&text);
        assert_eq!(p.coding, Coding::Ucs2);
        assert_eq!(p.parts[0].len(), 132);
        for part in &p.parts {
            assert!(!decode(Coding::Ucs2, part).contains('\u{fffd}'));
        }
    }

    proptest! {
        #[test]
        fn parts_fit_and_join_back(text in "\\PC{0,600}") {
            let p = plan(&text);
            let (single, multi) = match p.coding {
                Coding::Gsm7 => (SINGLE_GSM7, MULTI_GSM7),
                _ => (SINGLE_UCS2_OCTETS, MULTI_UCS2_OCTETS),
            };
            let limit = if p.parts.len() == 1 { single } else { multi };
            let mut joined = String::new();
            for part in &p.parts {
                prop_assert!(part.len() <= limit);
                prop_assert!(!part.is_empty() || text.is_empty());
                joined.push_str(&decode(p.coding, part));
            }
            prop_assert_eq!(joined, text);
        }

        #[test]
        fn gsm_text_uses_153_septet_parts(text in "[a-zA-Z0-9 €\\[\\]{}^]{161,700}") {
            let p = plan(&text);
            prop_assert_eq!(p.coding, Coding::Gsm7);
            for part in &p.parts[..p.parts.len() - 1] {
                prop_assert!(part.len() >= 152 && part.len() <= 153);
            }
        }
    }
}
