//! Message ids: one increasing counter, written in decimal or hex.

use crate::config::IdFormat;
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn format_id(n: u64, format: IdFormat) -> String {
    match format {
        IdFormat::Decimal => n.to_string(),
        IdFormat::Hex => format!("{n:08X}"),
    }
}

/// The first id: as configured, else from the clock (seconds × 1000) so that
/// a restarted simulator does not hand out ids a gateway already stored.
pub(crate) fn first_id(configured: u64) -> u64 {
    if configured != 0 {
        return configured;
    }
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(1);
    secs.saturating_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_padded_upper_case_and_decimal_is_plain() {
        assert_eq!(format_id(255, IdFormat::Hex), "000000FF");
        assert_eq!(format_id(255, IdFormat::Decimal), "255");
        assert_eq!(format_id(0x1_0000_0000, IdFormat::Hex), "100000000");
    }

    #[test]
    fn clock_ids_are_large_and_configured_ones_kept() {
        assert_eq!(first_id(42), 42);
        assert!(first_id(0) > 1_600_000_000_000);
    }
}
