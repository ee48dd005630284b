//! TP-VP (TS 23.040 9.2.3.12): the relative format, and what the enhanced
//! format can say relatively.

use super::PduError;
use super::hex::Reader;
use std::time::Duration;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

/// TP-VP-Format values in the first octet of SMS-SUBMIT (bits 4..3).
pub(super) const VPF_NONE: u8 = 0b00;
pub(super) const VPF_ENHANCED: u8 = 0b01;
pub(super) const VPF_RELATIVE: u8 = 0b10;
pub(super) const VPF_ABSOLUTE: u8 = 0b11;

/// The period a relative TP-VP octet stands for.
pub(super) fn from_relative(v: u8) -> Duration {
    let v = u64::from(v);
    Duration::from_secs(match v {
        0..=143 => (v + 1) * 5 * MINUTE,
        144..=167 => 12 * HOUR + (v - 143) * 30 * MINUTE,
        168..=196 => (v - 166) * DAY,
        _ => (v - 192) * WEEK,
    })
}

/// The smallest relative TP-VP that lasts at least `d` (the SC should not
/// give up before the sender would); 63 weeks at most.
pub(super) fn to_relative(d: Duration) -> u8 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let v = if s <= 12 * HOUR {
        s.div_ceil(5 * MINUTE).max(1) - 1
    } else if s <= DAY {
        143 + (s - 12 * HOUR).div_ceil(30 * MINUTE)
    } else if s <= 30 * DAY {
        166 + s.div_ceil(DAY)
    } else {
        192 + s.div_ceil(WEEK).max(5)
    };
    v.min(255) as u8
}

/// Reads the TP-VP that `vpf` announces. Absolute periods give `None`: a
/// point in time has no relative meaning without the time of sending.
pub(super) fn read(r: &mut Reader, vpf: u8) -> Result<Option<Duration>, PduError> {
    match vpf {
        VPF_RELATIVE => Ok(Some(from_relative(r.u8("TP-VP (relative)")?))),
        VPF_ABSOLUTE => {
            r.take(7, "TP-VP (absolute)")?;
            Ok(None)
        }
        VPF_ENHANCED => {
            let b = r.take(7, "TP-VP (enhanced)")?;
            Ok(match b[0] & 0b111 {
                0b001 => Some(from_relative(b[1])),
                0b010 => Some(Duration::from_secs(u64::from(b[1]))),
                0b011 => {
                    let bcd = |x: u8| u64::from((x & 0x0F) * 10 + (x >> 4));
                    let ok = b[1..4].iter().all(|x| x & 0x0F <= 9 && x >> 4 <= 9);
                    ok.then(|| {
                        Duration::from_secs(bcd(b[1]) * HOUR + bcd(b[2]) * MINUTE + bcd(b[3]))
                    })
                }
                _ => None,
            })
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_ranges() {
        // 0xAA = 170 -> 4 days (the "hellohello" example).
        assert_eq!(from_relative(0xAA), Duration::from_secs(4 * DAY));
        assert_eq!(from_relative(0), Duration::from_secs(5 * MINUTE));
        assert_eq!(from_relative(143), Duration::from_secs(12 * HOUR));
        assert_eq!(
            from_relative(144),
            Duration::from_secs(12 * HOUR + 30 * MINUTE)
        );
        assert_eq!(from_relative(167), Duration::from_secs(DAY));
        assert_eq!(from_relative(168), Duration::from_secs(2 * DAY));
        assert_eq!(from_relative(196), Duration::from_secs(30 * DAY));
        assert_eq!(from_relative(197), Duration::from_secs(5 * WEEK));
        assert_eq!(from_relative(255), Duration::from_secs(63 * WEEK));
    }

    #[test]
    fn every_octet_round_trips_and_rounding_goes_up() {
        for v in 0..=255u8 {
            assert_eq!(to_relative(from_relative(v)), v, "{v}");
        }
        for s in (0..70 * WEEK).step_by(997) {
            let d = Duration::from_secs(s);
            let v = to_relative(d);
            assert!(from_relative(v) >= d || v == 255, "{s}");
            if v > 0 {
                assert!(from_relative(v - 1) < d, "{s}");
            }
        }
    }
}
