//! Whatever a modem writes: the AT line splitter gives the same lines however
//! the bytes are cut into reads, and the final-result / unsolicited-code
//! readers never panic on them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    switchboard_modem::fuzzing::at_lines(data);
});
