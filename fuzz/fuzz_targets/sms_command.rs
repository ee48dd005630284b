//! What a phone texts is always read as something: a command, a message
//! to an ID, or bare text, and the ID and text are pieces of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::phones::parse::{Texted, parse};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    match parse(&s) {
        Texted::To { id, text } | Texted::Maybe { id, text } => {
            assert!(!id.contains(char::is_whitespace), "{id:?}");
            assert!(s.contains(id.as_str()) && s.contains(text.as_str()));
        }
        Texted::Reg(w) | Texted::Nick(w) => assert!(s.contains(w.as_str())),
        Texted::Bare(t) => assert_eq!(t, s.trim()),
        Texted::Help | Texted::Stop | Texted::Start | Texted::Who | Texted::Status => {}
    }
});
