//! Submit rate limit (`tps`): a token bucket kept as a "theoretical arrival
//! time" (GCRA), so each caller reserves its own slot with one lock and
//! sleeps without polling, and the long-run rate is exact even when the
//! timer wakes callers in batches.

use crate::sync::lock;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug)]
pub struct TokenBucket {
    /// Time one token is worth.
    interval: Duration,
    /// How far ahead of its slot a caller may go: (burst - 1) tokens.
    tolerance: Duration,
    /// When the bucket would be empty again if nobody else came.
    tat: Mutex<Option<Instant>>,
}

/// Slowest rate we schedule for; keeps the arithmetic away from overflow.
const MAX_INTERVAL: Duration = Duration::from_secs(86_400);

impl TokenBucket {
    /// `rate` tokens per second, up to `burst` (at least 1) taken at once.
    pub fn new(rate: f64, burst: u32) -> Self {
        let interval = if rate.is_finite() && rate > 0.0 {
            Duration::try_from_secs_f64(1.0 / rate)
                .unwrap_or(MAX_INTERVAL)
                .min(MAX_INTERVAL)
        } else {
            MAX_INTERVAL
        };
        TokenBucket {
            interval,
            tolerance: interval * burst.max(1).saturating_sub(1),
            tat: Mutex::new(None),
        }
    }

    /// Takes the next token and says when its holder may send (now or
    /// later). Every call takes a token, so a caller that gives up its
    /// turn wastes one slot and no more.
    pub fn reserve(&self, now: Instant) -> Instant {
        let mut tat = lock(&self.tat);
        let current = tat.unwrap_or(now);
        let go_at = current
            .checked_sub(self.tolerance)
            .map_or(now, |t| t.max(now));
        *tat = Some(current.max(now) + self.interval);
        go_at
    }

    /// Waits for a token.
    pub async fn acquire(&self) {
        let now = Instant::now();
        let at = self.reserve(now);
        if at > now {
            tokio::time::sleep_until(at).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_tokens_evenly() {
        let b = TokenBucket::new(10.0, 1);
        let t0 = Instant::now();
        let slots: Vec<Duration> = (0..5).map(|_| b.reserve(t0) - t0).collect();
        assert_eq!(
            slots,
            [0, 100, 200, 300, 400].map(Duration::from_millis).to_vec()
        );
    }

    #[test]
    fn burst_goes_at_once_then_paces() {
        let b = TokenBucket::new(10.0, 3);
        let t0 = Instant::now();
        let slots: Vec<Duration> = (0..5).map(|_| b.reserve(t0) - t0).collect();
        assert_eq!(
            slots,
            [0, 0, 0, 100, 200].map(Duration::from_millis).to_vec()
        );
    }

    #[test]
    fn idle_time_refills_but_never_past_the_burst() {
        let b = TokenBucket::new(10.0, 2);
        let t0 = Instant::now();
        b.reserve(t0);
        b.reserve(t0);
        // Long idle: only `burst` tokens are available again.
        let later = t0 + Duration::from_secs(60);
        assert_eq!(b.reserve(later), later);
        assert_eq!(b.reserve(later), later);
        assert_eq!(b.reserve(later), later + Duration::from_millis(100));
    }

    #[test]
    fn long_run_rate_is_exact() {
        let b = TokenBucket::new(250.0, 1);
        let t0 = Instant::now();
        let mut last = t0;
        for _ in 0..1000 {
            last = b.reserve(t0);
        }
        // 1000 tokens at 250/s: the last one goes at 999 * 4 ms.
        assert_eq!(last - t0, Duration::from_millis(3996));
    }

    #[test]
    fn silly_rates_do_not_panic() {
        let t0 = Instant::now();
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-300, 1e300] {
            let b = TokenBucket::new(rate, 0);
            b.reserve(t0);
            b.reserve(t0);
        }
    }

    #[tokio::test]
    async fn acquire_waits_for_the_slot() {
        let b = TokenBucket::new(20.0, 1);
        let start = Instant::now();
        for _ in 0..3 {
            b.acquire().await;
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(95), "{took:?}");
    }
}
