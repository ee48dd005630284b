//! Concatenation references for long messages. A phone joins the parts of
//! a long SMS by sender and reference, so two long messages to one phone
//! with the same reference, close in time, come out mixed. References are
//! handed out in turn from a random start: consecutive messages always
//! differ, and one comes back only after 255 others (a random pick repeated
//! the previous message's once in 256).

use rand::Rng;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU16, Ordering};

static NEXT: OnceLock<AtomicU16> = OnceLock::new();

/// The next 8-bit reference (8-bit, so that a part keeps 153 septets).
pub fn next() -> u16 {
    take(NEXT.get_or_init(|| AtomicU16::new(rand::rng().random_range(0..=255))))
}

fn take(counter: &AtomicU16) -> u16 {
    // 65,536 is a multiple of 256: the sequence wraps without a jump.
    counter.fetch_add(1, Ordering::Relaxed) % 256
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_references_differ_and_repeat_only_after_256() {
        let counter = AtomicU16::new(65_530); // wraps on the way
        let refs: Vec<u16> = (0..512).map(|_| take(&counter)).collect();
        assert!(refs.iter().all(|r| *r <= 255));
        for w in refs.windows(256) {
            let mut seen = std::collections::HashSet::new();
            assert!(
                w.iter().all(|r| seen.insert(*r)),
                "a repeat within 256: {w:?}"
            );
        }
    }

    #[test]
    fn the_shared_counter_hands_out_consecutive_references() {
        let a = next();
        let b = next();
        // Other tests of this binary may take some in between; none does
        // here at once, so these two follow each other modulo 256.
        assert!(a < 256 && b < 256, "{a} {b}");
        assert_eq!(b, (a + 1) % 256, "{a} then {b}");
    }
}
