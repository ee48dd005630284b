//! Whatever an SMSC sends: the screen in front of rusmppc and the lenient
//! deliver_sm reader never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    switchboard_smpp::fuzzing::incoming_frame(data);
});
