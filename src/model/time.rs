//! Time as the program keeps it: milliseconds since the Unix epoch.

/// Milliseconds since the Unix epoch: every timestamp in the store.
pub type UnixMs = i64;

pub fn now_ms() -> UnixMs {
    system_ms(std::time::SystemTime::now())
}

/// A time as the store keeps it (before the epoch: 0).
pub fn system_ms(t: std::time::SystemTime) -> UnixMs {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The UTC day a time falls on (days since the epoch), as the per-link
/// daily send counts (SIM daily limits) are kept.
pub fn day_of(at: UnixMs) -> i64 {
    at.div_euclid(86_400_000)
}
