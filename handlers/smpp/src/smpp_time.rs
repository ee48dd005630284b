//! SMPP time strings: absolute validity_period for submits, and the
//! `YYMMDDhhmm[ss]` dates inside delivery receipts. UTC throughout: receipts
//! carry no zone, and SMSCs that use local time are off by their offset,
//! which is no worse than guessing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `YYMMDDhhmmss000+`: absolute time in UTC (tenths 0, offset 00, `+`).
/// `None` before 2000 or after 2099, which two-digit years cannot say.
pub fn absolute(t: SystemTime) -> Option<String> {
    let secs = t.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let days = i64::try_from(secs / 86_400).ok()?;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    if !(2000..=2099).contains(&y) {
        return None;
    }
    Some(format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}000+",
        y - 2000,
        m,
        d,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    ))
}

/// Reads a receipt date: `YYMMDDhhmm` or `YYMMDDhhmmss` (years 2000-2099).
pub fn parse_receipt_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if !(b.len() == 10 || b.len() == 12) || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| u64::from(b[i] - b'0') * 10 + u64::from(b[i + 1] - b'0');
    let (yy, mo, dd, hh, mi) = (n(0), n(2), n(4), n(6), n(8));
    let ss = if b.len() == 12 { n(10) } else { 0 };
    if !(1..=12).contains(&mo) || dd == 0 || dd > days_in_month(2000 + yy, mo) {
        return None;
    }
    if hh > 23 || mi > 59 || ss > 60 {
        return None;
    }
    let days = days_from_civil(2000 + yy as i64, mo as u32, dd as u32);
    let secs = u64::try_from(days).ok()? * 86_400 + hh * 3600 + mi * 60 + ss;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn absolute_time_is_utc_with_zero_offset() {
        // 2024-02-29 13:45:07 UTC
        assert_eq!(
            absolute(at(1_709_214_307)).as_deref(),
            Some("240229134507000+")
        );
        assert_eq!(absolute(at(0)), None, "1970 cannot be written in YY");
    }

    #[test]
    fn receipt_dates_of_both_lengths() {
        assert_eq!(parse_receipt_date("2402291345"), Some(at(1_709_214_300)));
        assert_eq!(parse_receipt_date("240229134507"), Some(at(1_709_214_307)));
        assert_eq!(parse_receipt_date("2302291345"), None, "2023 has no Feb 29");
        assert_eq!(parse_receipt_date("2413011345"), None);
        assert_eq!(parse_receipt_date("24010125"), None);
        assert_eq!(parse_receipt_date("24010112a0"), None);
        assert_eq!(parse_receipt_date(""), None);
    }

    #[test]
    fn civil_round_trip() {
        for days in [-1, 0, 59, 10_957, 11_016, 20_000, 47_482] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn absolute_and_receipt_agree() {
        let t = at(1_900_000_000); // 2030-03-17 17:46:40
        let s = absolute(t).unwrap();
        assert_eq!(parse_receipt_date(&s[..12]), Some(t));
    }
}
