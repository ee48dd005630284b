//! Reassembling whatever parts arrive (duplicates, gaps, odd lengths, any
//! coding) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_protocol::PartBody;
use switchboard_protocol::text::{self, Coding};

fuzz_target!(|parts: Vec<(u8, u8, Vec<u8>)>| {
    let parts: Vec<(u8, PartBody)> = parts
        .into_iter()
        .map(|(seq, coding, data)| {
            let coding = match coding % 4 {
                0 => Coding::Gsm7,
                1 => Coding::Ucs2,
                2 => Coding::Latin1,
                _ => Coding::Binary,
            };
            (seq, PartBody { coding, data })
        })
        .collect();
    let _ = text::reassemble(&parts);
});
