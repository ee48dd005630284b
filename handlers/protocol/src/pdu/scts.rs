//! TP-SCTS and TP-DT (TS 23.040 9.2.3.11): seven swapped semi-octet pairs,
//! YY MM DD hh mm ss and the zone in quarter hours, whose sign is bit 3 of
//! the octet as sent. Two-digit years pivot at 70: 70..99 are 19xx.

use super::PduError;
use super::hex::Reader;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(super) const LEN: usize = 7;
const FIRST_YEAR: i64 = 1970;
const LAST_YEAR: i64 = 2069;

pub(super) fn read(r: &mut Reader, field: &'static str) -> Result<SystemTime, PduError> {
    let at = r.pos();
    let b = r.take(LEN, field)?;
    let bad = |i: usize, what: String| PduError::BadTimestamp {
        field,
        octet: at + i,
        what,
    };
    let mut v = [0i64; 6];
    for (i, slot) in v.iter_mut().enumerate() {
        let (tens, units) = (b[i] & 0x0F, b[i] >> 4);
        if tens > 9 || units > 9 {
            return Err(bad(
                i,
                format!("octet {:#04x} is not two decimal digits", b[i]),
            ));
        }
        *slot = i64::from(tens * 10 + units);
    }
    let [yy, month, day, hour, minute, second] = v;
    let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
    if !(1..=12).contains(&month) {
        return Err(bad(1, format!("month {month}")));
    }
    if !(1..=days_in_month(year, month)).contains(&day) {
        return Err(bad(2, format!("day {day} of month {month}")));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad(3, format!("time {hour:02}:{minute:02}:{second:02}")));
    }
    let tz = b[6];
    let (tens, units) = (tz & 0x07, tz >> 4);
    if units > 9 {
        return Err(bad(6, format!("time zone octet {tz:#04x} is not decimal")));
    }
    let quarters = i64::from(tens * 10 + units);
    let offset = if tz & 0x08 != 0 { -quarters } else { quarters } * 15 * 60;
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    // Local time is UTC plus the zone.
    Ok(from_unix(local - offset))
}

/// Writes `t` in UTC (zone 00), to the second.
pub(super) fn write(out: &mut Vec<u8>, t: SystemTime, field: &'static str) -> Result<(), PduError> {
    let range = || PduError::TimeRange {
        field,
        what: format!("only {FIRST_YEAR}..={LAST_YEAR} fit two year digits"),
    };
    let secs = t.duration_since(UNIX_EPOCH).map_err(|_| range())?.as_secs();
    let secs = i64::try_from(secs).map_err(|_| range())?;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    if year > LAST_YEAR {
        return Err(range());
    }
    for v in [year % 100, month, day, rem / 3600, rem / 60 % 60, rem % 60] {
        let v = v as u8;
        out.push(((v % 10) << 4) | (v / 10));
    }
    out.push(0x00);
    Ok(())
}

fn from_unix(secs: i64) -> SystemTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_bytes(b: &[u8]) -> Result<SystemTime, PduError> {
        read(&mut Reader::new(b), "TP-SCTS")
    }

    fn unix(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn positive_zone_is_subtracted() {
        // 99 30 92 51 61 95 80: 1999-03-29 15:16:59, zone "08" = +8 quarters
        // = +2:00, so 13:16:59 UTC = 922_713_419.
        let t = read_bytes(&[0x99, 0x30, 0x92, 0x51, 0x61, 0x95, 0x80]).unwrap();
        assert_eq!(t, unix(922_713_419));
    }

    #[test]
    fn negative_zone_is_added() {
        // 2024-02-29 23:30:00 at -05:00 (20 quarters: tens 2 with the sign
        // bit = 0x0A, units 0) is 2024-03-01 04:30:00 UTC = 1_709_267_400.
        let t = read_bytes(&[0x42, 0x20, 0x92, 0x32, 0x03, 0x00, 0x0A]).unwrap();
        assert_eq!(t, unix(1_709_267_400));
        // Quarter hours: +05:45 (Nepal) is 23 quarters -> 0x32.
        let np = read_bytes(&[0x42, 0x20, 0x92, 0x32, 0x03, 0x00, 0x32]).unwrap();
        assert_eq!(np, unix(1_709_249_400 - 5 * 3600 - 45 * 60));
    }

    #[test]
    fn writes_utc_and_reads_back() {
        let mut out = Vec::new();
        write(&mut out, unix(1_709_267_400), "TP-SCTS").unwrap();
        assert_eq!(out, [0x42, 0x30, 0x10, 0x40, 0x03, 0x00, 0x00]);
        assert_eq!(read_bytes(&out).unwrap(), unix(1_709_267_400));
        let mut out = Vec::new();
        assert!(write(&mut out, unix(3_200_000_000), "TP-SCTS").is_err());
    }

    #[test]
    fn bad_fields_are_named() {
        assert!(matches!(
            read_bytes(&[0x99, 0x31, 0x92, 0x51, 0x61, 0x95, 0x80]),
            Err(PduError::BadTimestamp { octet: 1, .. })
        ));
        assert!(matches!(
            read_bytes(&[0x99, 0x20, 0x03, 0x51, 0x61, 0x95, 0x80]),
            Err(PduError::BadTimestamp { octet: 2, .. })
        ));
        assert!(matches!(
            read_bytes(&[0x9A, 0x30, 0x92, 0x51, 0x61, 0x95, 0x80]),
            Err(PduError::BadTimestamp { octet: 0, .. })
        ));
        assert!(matches!(
            read_bytes(&[0x99, 0x30]),
            Err(PduError::Truncated {
                need: 7,
                have: 2,
                ..
            })
        ));
    }

    #[test]
    fn calendar_round_trips() {
        for days in [-1, 0, 59, 10_957, 36_524, 36_525, 40_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
