//! The time the IM side reads: the system clock, optionally moved on by a
//! test (`[im] test_clock`), so code expiry, back-off, daily caps and the
//! sticky reply can be tested without waiting.

use crate::store::{UnixMs, now_ms};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

pub trait Clock: Send + Sync {
    fn now(&self) -> UnixMs;
}

/// The system clock plus an offset that only grows.
#[derive(Debug, Default)]
pub struct ShiftableClock {
    offset_ms: AtomicI64,
}

impl ShiftableClock {
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms.max(0), Relaxed);
    }
}

impl Clock for ShiftableClock {
    fn now(&self) -> UnixMs {
        now_ms() + self.offset_ms.load(Relaxed)
    }
}

pub type SharedClock = Arc<ShiftableClock>;

/// Days since the epoch (UTC), for daily caps.
pub fn day_of(at: UnixMs) -> i64 {
    at.div_euclid(86_400_000)
}
