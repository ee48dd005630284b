//! Reading a phone number as typed never panics, and a number it accepts
//! reads back as itself from its E.164 form, under any default region.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use switchboard::model::phone::NumberParser;

static PARSERS: LazyLock<Vec<NumberParser>> = LazyLock::new(|| {
    ["DE", "US", "GB", "RU", "IT", "AR", "FR", "IN", "BR", "JP"]
        .into_iter()
        .filter_map(NumberParser::new)
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let p = &PARSERS[usize::from(pick) % PARSERS.len()];
    let input = String::from_utf8_lossy(rest);
    if let Ok(n) = p.parse(&input) {
        let again = p.parse(n.as_str());
        assert_eq!(again.as_ref().ok(), Some(&n), "{input:?} read as {n:?}");
    }
});
