//! Ids with their text forms as API answers show them: a row id behind a
//! prefix that says what it names, so a received message (`in-7`), a call
//! (`call-7`) and an inbox message (`m-7`) never pass for one another or
//! for an outbound message (a bare `7`). Each form is written and read
//! here only; the read is strict (the prefix, then digits only).

/// Received SMS.
pub const INBOUND_PREFIX: &str = "in-";
/// Calls on modem lines.
pub const CALL_PREFIX: &str = "call-";
/// Messages in an IM user's inbox.
pub const INBOX_PREFIX: &str = "m-";

/// A received SMS's id: `in-<n>`.
pub fn inbound(n: i64) -> String {
    format!("{INBOUND_PREFIX}{n}")
}

/// The row id of `in-<n>`.
pub fn parse_inbound(s: &str) -> Option<i64> {
    parse(s, INBOUND_PREFIX)
}

/// A call's id: `call-<n>`.
pub fn call(n: i64) -> String {
    format!("{CALL_PREFIX}{n}")
}

/// The row id of `call-<n>`.
pub fn parse_call(s: &str) -> Option<i64> {
    parse(s, CALL_PREFIX)
}

/// An inbox message's id: `m-<n>`.
pub fn inbox(n: i64) -> String {
    format!("{INBOX_PREFIX}{n}")
}

/// The row id of `m-<n>`.
pub fn parse_inbox(s: &str) -> Option<i64> {
    parse(s, INBOX_PREFIX)
}

/// Digits only after the prefix: `str::parse` alone would take a sign.
fn parse(s: &str, prefix: &str) -> Option<i64> {
    let digits = s.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_reads_back_from_its_own_text_only() {
        for n in [0, 1, 42, i64::MAX] {
            assert_eq!(parse_inbound(&inbound(n)), Some(n));
            assert_eq!(parse_call(&call(n)), Some(n));
            assert_eq!(parse_inbox(&inbox(n)), Some(n));
        }
        assert_eq!(inbound(7), "in-7");
        assert_eq!(call(7), "call-7");
        assert_eq!(inbox(7), "m-7");
        // One kind's id is not another's, nor is a bare row id.
        assert_eq!(parse_call("in-7"), None);
        assert_eq!(parse_inbound("m-7"), None);
        assert_eq!(parse_inbox("7"), None);
    }

    #[test]
    fn only_digits_follow_the_prefix() {
        for bad in [
            "in-",
            "in--1",
            "in-+1",
            "in-1x",
            "in- 1",
            "in-99999999999999999999",
        ] {
            assert_eq!(parse_inbound(bad), None, "{bad}");
        }
    }
}
