//! Message id normalisation: the id of a submit_sm_resp and the id inside
//! its delivery report must compare equal, although some SMSCs write one in
//! hex and the other in decimal (Kannel's msg-id-type). Both are turned into
//! one canonical form: lowercase hex without leading zeros whenever one side
//! is decimal, the id as given otherwise.

use crate::config::DlrIdFormat;
use switchboard_protocol::NetworkMessageId;

/// The id from a submit_sm_resp, normalised.
pub fn from_submit_resp(raw: &str, format: DlrIdFormat) -> NetworkMessageId {
    let raw = raw.trim();
    NetworkMessageId(match format {
        DlrIdFormat::AsIs => raw.to_owned(),
        // Reports in hex, responses in decimal: the response converts.
        DlrIdFormat::Hex => decimal_to_hex(raw).unwrap_or_else(|| raw.to_owned()),
        // Reports in decimal, responses in hex: the response is the hex side.
        DlrIdFormat::Decimal => canonical_hex(raw).unwrap_or_else(|| raw.to_owned()),
    })
}

/// The id from a delivery report (receipted_message_id or `id:`), normalised.
pub fn from_report(raw: &str, format: DlrIdFormat) -> NetworkMessageId {
    let raw = raw.trim();
    NetworkMessageId(match format {
        DlrIdFormat::AsIs => raw.to_owned(),
        DlrIdFormat::Hex => canonical_hex(raw).unwrap_or_else(|| raw.to_owned()),
        DlrIdFormat::Decimal => decimal_to_hex(raw).unwrap_or_else(|| raw.to_owned()),
    })
}

/// `"0001234"` → `"4d2"`; `None` when not a decimal number that fits 128 bits.
fn decimal_to_hex(s: &str) -> Option<String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u128>().ok().map(|n| format!("{n:x}"))
}

/// `"00AbC"` → `"abc"`; `None` when not hex. Works on any length, so long
/// hex ids (UUID-like) survive.
fn canonical_hex(s: &str) -> Option<String> {
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let trimmed = s.trim_start_matches('0');
    Some(if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_ascii_lowercase()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(resp: &str, report: &str, f: DlrIdFormat) -> (String, String) {
        (from_submit_resp(resp, f).0, from_report(report, f).0)
    }

    #[test]
    fn as_is_only_trims() {
        assert_eq!(
            pair(" 0A1b ", "0A1b", DlrIdFormat::AsIs),
            ("0A1b".into(), "0A1b".into())
        );
    }

    #[test]
    fn decimal_response_hex_report() {
        let (a, b) = pair("1234567890", "499602D2", DlrIdFormat::Hex);
        assert_eq!(a, "499602d2");
        assert_eq!(a, b);
        let (a, b) = pair("255", "000000ff", DlrIdFormat::Hex);
        assert_eq!((a.as_str(), b.as_str()), ("ff", "ff"));
    }

    #[test]
    fn hex_response_decimal_report() {
        let (a, b) = pair("499602D2", "1234567890", DlrIdFormat::Decimal);
        assert_eq!(a, "499602d2");
        assert_eq!(a, b);
        let (a, b) = pair("0", "0000", DlrIdFormat::Decimal);
        assert_eq!((a.as_str(), b.as_str()), ("0", "0"));
    }

    #[test]
    fn ids_that_do_not_parse_pass_through() {
        assert_eq!(from_submit_resp("abc-123", DlrIdFormat::Hex).0, "abc-123");
        assert_eq!(from_report("xyz", DlrIdFormat::Decimal).0, "xyz");
        // Longer than u128: kept rather than mangled.
        let big = "9".repeat(60);
        assert_eq!(from_report(&big, DlrIdFormat::Decimal).0, big);
    }
}
