//! SMPP time strings: absolute validity_period for submits, and the
//! `YYMMDDhhmm[ss]` dates inside delivery receipts. UTC throughout: receipts
//! carry no zone, and SMSCs that use local time are off by their offset,
//! which is no worse than guessing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// `YYMMDDhhmmss000+`: absolute time in UTC (tenths 0, offset 00, `+`).
/// `None` before 2000 or after 2099, which two-digit years cannot say.
pub fn absolute(t: SystemTime) -> Option<String> {
    let secs = t.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let dt = OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
    if !(2000..=2099).contains(&dt.year()) {
        return None;
    }
    Some(format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}000+",
        dt.year() - 2000,
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    ))
}

/// Reads a receipt date: `YYMMDDhhmm` or `YYMMDDhhmmss` (years 2000-2099).
/// A leap second (`ss` = 60) reads as the first second of the next minute.
pub fn parse_receipt_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if !(b.len() == 10 || b.len() == 12) || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    let (yy, mo, dd, hh, mi) = (n(0), n(2), n(4), n(6), n(8));
    let ss = if b.len() == 12 { n(10) } else { 0 };
    let leap = ss == 60;
    let date =
        Date::from_calendar_date(2000 + i32::from(yy), Month::try_from(mo).ok()?, dd).ok()?;
    let time = Time::from_hms(hh, mi, if leap { 59 } else { ss }).ok()?;
    let secs = PrimitiveDateTime::new(date, time)
        .assume_utc()
        .unix_timestamp()
        + i64::from(leap);
    UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(secs).ok()?))
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
    fn calendar_round_trip() {
        // Day counts since 1970-01-01: 2000-01-01, 2000-02-29 (a leap day:
        // 2000 is divisible by 400), 2024-10-04, 2099-12-31.
        for days in [10_957, 11_016, 20_000, 47_481] {
            for secs_of_day in [0, 1, 43_199, 86_399] {
                let t = at(days * 86_400 + secs_of_day);
                let s = absolute(t).unwrap();
                assert_eq!(parse_receipt_date(&s[..12]), Some(t), "{s}");
            }
        }
        assert_eq!(
            absolute(at(11_016 * 86_400)).as_deref(),
            Some("000229000000000+")
        );
    }

    #[test]
    fn two_digit_years_span_2000_to_2099() {
        // 1999-12-31 23:59:59, 2000-01-01 00:00:00
        assert_eq!(absolute(at(946_684_799)), None);
        assert_eq!(
            absolute(at(946_684_800)).as_deref(),
            Some("000101000000000+")
        );
        // 2099-12-31 23:59:59, 2100-01-01 00:00:00
        assert_eq!(
            absolute(at(4_102_444_799)).as_deref(),
            Some("991231235959000+")
        );
        assert_eq!(absolute(at(4_102_444_800)), None);
        assert_eq!(absolute(UNIX_EPOCH - Duration::from_secs(1)), None);
        assert_eq!(absolute(at(1 << 40)), None, "year 36812");

        assert_eq!(parse_receipt_date("0001010000"), Some(at(946_684_800)));
        assert_eq!(parse_receipt_date("991231235959"), Some(at(4_102_444_799)));
        assert_eq!(parse_receipt_date("0002290000"), Some(at(951_782_400)));
        assert_eq!(parse_receipt_date("9902290000"), None, "2099 has no Feb 29");
    }

    #[test]
    fn receipt_date_fields_are_checked() {
        assert_eq!(parse_receipt_date("2400011200"), None, "month 0");
        assert_eq!(parse_receipt_date("2404311200"), None, "April 31");
        assert_eq!(parse_receipt_date("2401001200"), None, "day 0");
        assert_eq!(parse_receipt_date("2401012400"), None, "hour 24");
        assert_eq!(parse_receipt_date("2401011260"), None, "minute 60");
        assert_eq!(parse_receipt_date("240101120061"), None, "second 61");
        assert_eq!(parse_receipt_date("24010112000"), None, "11 digits");
        assert_eq!(parse_receipt_date("2401011200000"), None, "13 digits");
        assert_eq!(parse_receipt_date("24010112\u{e9}"), None, "not a digit");
        // A leap second is the next minute's first: 2025-01-01 00:00:00.
        assert_eq!(parse_receipt_date("241231235960"), Some(at(1_735_689_600)));
        assert_eq!(parse_receipt_date("2501010000"), Some(at(1_735_689_600)));
    }

    #[test]
    fn absolute_and_receipt_agree() {
        let t = at(1_900_000_000); // 2030-03-17 17:46:40
        let s = absolute(t).unwrap();
        assert_eq!(parse_receipt_date(&s[..12]), Some(t));
    }
}
