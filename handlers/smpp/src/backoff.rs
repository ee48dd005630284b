//! Reconnect delays: exponential with jitter, between a floor and a cap.

use rand::Rng;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    /// The un-jittered delay the next failure gets.
    next: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        let min = min.max(Duration::from_millis(1));
        let max = max.max(min);
        Backoff {
            min,
            max,
            next: min,
        }
    }

    /// The delay before the next attempt; doubles the one after.
    pub fn next_delay(&mut self) -> Duration {
        self.next_delay_with(rand::rng().random::<f64>())
    }

    /// Like [`Backoff::next_delay`] with the random draw (0.0..1.0) given:
    /// the delay is the base shortened by up to a quarter, so that many
    /// links losing one SMSC do not all come back in the same second.
    pub fn next_delay_with(&mut self, draw: f64) -> Duration {
        let base = self.next;
        self.next = (base * 2).min(self.max);
        let draw = if draw.is_finite() {
            draw.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let jittered = base.mul_f64(1.0 - 0.25 * draw);
        jittered.clamp(self.min, self.max)
    }

    /// After a session that lasted: the next failure starts from the floor.
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        let delays: Vec<u64> = (0..6).map(|_| b.next_delay_with(0.0).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn jitter_stays_between_floor_and_cap() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        for i in 0..50 {
            let d = b.next_delay();
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(60),
                "{i}: {d:?}"
            );
        }
        let mut b = Backoff::new(Duration::from_secs(8), Duration::from_secs(60));
        let d = b.next_delay_with(1.0);
        assert_eq!(d, Duration::from_secs(8), "never below the floor");
        let d = b.next_delay_with(1.0);
        assert_eq!(d, Duration::from_secs(12), "16s shortened by a quarter");
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        for _ in 0..5 {
            b.next_delay_with(0.0);
        }
        b.reset();
        assert_eq!(b.next_delay_with(0.0), Duration::from_secs(1));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let mut b = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert!(b.next_delay_with(f64::NAN) >= Duration::from_millis(1));
        let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(b.next_delay_with(0.5), Duration::from_secs(5));
    }
}
