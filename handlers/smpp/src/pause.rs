//! Link-wide submit pause after ESME_RTHROTTLED / ESME_RMSGQFUL: every
//! submit waits here, so one throttled response slows the whole bind instead
//! of each message discovering the throttle by itself.

use crate::sync::lock;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// The pause grows to at most this many times its base while throttling
/// goes on.
const MAX_GROWTH: u32 = 16;

#[derive(Debug, Default)]
pub struct PauseGate {
    state: Mutex<State>,
    /// Fast path: nothing to reset after a success.
    streak_set: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    until: Option<Instant>,
    /// Throttles in a row, each after the previous pause had ended.
    streak: u32,
}

impl PauseGate {
    /// Pauses submitting for `base`, doubled for each throttle in a row,
    /// and returns the pause and whether it began one (rather than
    /// extending one in force). Responses to PDUs sent before the pause
    /// began do not count as another throttle in a row.
    pub fn pause(&self, base: Duration, now: Instant) -> (Duration, bool) {
        let mut s = lock(&self.state);
        let still_paused = s.until.is_some_and(|u| u > now);
        if !still_paused {
            s.streak = s.streak.saturating_add(1);
        }
        let factor = 1u32 << s.streak.saturating_sub(1).min(MAX_GROWTH.trailing_zeros());
        let pause = base * factor;
        let until = now + pause;
        s.until = Some(s.until.map_or(until, |u| u.max(until)));
        self.streak_set.store(true, Ordering::Relaxed);
        (pause, !still_paused)
    }

    /// An accepted submit ends the streak.
    pub fn success(&self) {
        if self.streak_set.swap(false, Ordering::Relaxed) {
            lock(&self.state).streak = 0;
        }
    }

    /// How much longer submitting is paused.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        lock(&self.state)
            .until
            .and_then(|u| u.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    /// Waits until no pause is in force (a pause may be extended meanwhile).
    pub async fn wait(&self) {
        while let Some(d) = self.remaining(Instant::now()) {
            tokio::time::sleep(d).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn grows_while_throttling_goes_on_and_resets_after_success() {
        let g = PauseGate::default();
        let mut now = Instant::now();
        let mut pauses = vec![];
        for _ in 0..7 {
            let (p, began) = g.pause(S, now);
            assert!(began);
            pauses.push(p.as_secs());
            now += p; // the next throttle comes after the pause ended
        }
        assert_eq!(pauses, [1, 2, 4, 8, 16, 16, 16]);
        g.success();
        assert_eq!(g.pause(S, now), (S, true));
    }

    #[test]
    fn a_burst_of_throttled_responses_counts_once() {
        let g = PauseGate::default();
        let now = Instant::now();
        assert_eq!(g.pause(S, now), (S, true));
        for _ in 0..9 {
            assert_eq!(g.pause(S, now), (S, false));
        }
        assert_eq!(g.remaining(now), Some(S));
        assert_eq!(g.remaining(now + S), None);
    }

    #[tokio::test]
    async fn wait_returns_at_once_when_not_paused() {
        let g = PauseGate::default();
        tokio::time::timeout(Duration::from_millis(50), g.wait())
            .await
            .expect("no pause in force");
        g.pause(Duration::from_millis(30), Instant::now());
        let t = Instant::now();
        g.wait().await;
        assert!(t.elapsed() >= Duration::from_millis(25));
    }
}
