//! Splitting any text: every part fits one SMS with room for its UDH, and
//! the parts decode back to the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_protocol::text::{self, Coding};

fuzz_target!(|s: &str| {
    let plan = text::plan(s);
    let (single, multi) = match plan.coding {
        Coding::Gsm7 => (text::SINGLE_GSM7, text::MULTI_GSM7),
        Coding::Ucs2 => (text::SINGLE_UCS2_OCTETS, text::MULTI_UCS2_OCTETS),
        other => panic!("plan chose {other:?}"),
    };
    let limit = if plan.parts.len() <= 1 { single } else { multi };
    let mut joined = String::with_capacity(s.len());
    for part in &plan.parts {
        assert!(part.len() <= limit, "part of {} > {limit}", part.len());
        assert!(!part.is_empty() || s.is_empty());
        if plan.coding == Coding::Ucs2 {
            assert_eq!(part.len() % 2, 0);
        }
        joined.push_str(&text::decode(plan.coding, part));
    }
    assert_eq!(joined, s);
    if plan.coding == Coding::Gsm7 {
        assert!(text::fits_gsm7(s));
    }
});
