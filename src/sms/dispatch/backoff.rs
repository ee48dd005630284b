//! Delays between tries: exponential with jitter, so that many messages
//! failing together do not come back together.

use rand::Rng;
use std::time::Duration;

/// The delay before try `attempt + 1` after `attempt` tries failed:
/// `min * 2^(attempt-1)` capped at `max`, then a random point in its upper
/// half.
pub fn retry_delay(attempt: u32, min: Duration, max: Duration) -> Duration {
    let exp = attempt.saturating_sub(1).min(20);
    let full = min.saturating_mul(1 << exp).min(max);
    let half = full / 2;
    half + Duration::from_millis(rand::rng().random_range(0..=half.as_millis() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_is_capped() {
        let (min, max) = (Duration::from_secs(2), Duration::from_secs(60));
        for _ in 0..100 {
            let d1 = retry_delay(1, min, max);
            assert!(d1 >= Duration::from_secs(1) && d1 <= min);
            let d4 = retry_delay(4, min, max);
            assert!(d4 >= Duration::from_secs(8) && d4 <= Duration::from_secs(16));
            let d30 = retry_delay(30, min, max);
            assert!(d30 >= Duration::from_secs(30) && d30 <= max);
        }
    }
}
