//! The delivery receipt text parser never panics, and what it reads is
//! a piece of its input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_smpp::dlr::parse_dlr_text;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let t = parse_dlr_text(&s);
    let _ = t.state();
    let _ = t.done_at();
    for field in [&t.id, &t.sub, &t.dlvrd, &t.submit_date, &t.done_date, &t.stat, &t.err]
        .into_iter()
        .flatten()
    {
        assert!(!field.is_empty());
        assert!(!field.contains(char::is_whitespace));
        assert!(s.contains(field.as_str()));
    }
    if let Some(text) = &t.text {
        assert!(s.contains(text.as_str()));
    }
});
