//! Recognising unsolicited lines before knowing what they mean.

use super::command::starts_with_ignore_case;

/// `+CMT: ...` and `+CDS: <len>` (PDU mode) are followed by a PDU line that
/// belongs to them.
pub fn has_pdu_line(line: &str) -> bool {
    starts_with_ignore_case(line, "+CMT:") || starts_with_ignore_case(line, "+CDS:")
}

/// Bare-text unsolicited codes (no `+`/`^` prefix) that must not be taken
/// for a bare-text response such as the answer to `+CGMI`.
const BARE: [&str; 12] = [
    "RING",
    "RDY",
    "CALL READY",
    "SMS READY",
    "NO CARRIER",
    "BUSY",
    "NO ANSWER",
    "VOICE CALL:",
    "MISSED_CALL:",
    "NORMAL POWER DOWN",
    "UNDER-VOLTAGE",
    "OVER-VOLTAGE",
];

/// A line that is certainly not a bare-text response.
pub fn looks_unsolicited(line: &str) -> bool {
    line.starts_with('+')
        || line.starts_with('^')
        || BARE.iter().any(|b| starts_with_ignore_case(line, b))
}

/// A line that is only hex digits: a PDU.
pub fn is_hex_line(line: &str) -> bool {
    !line.is_empty() && line.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_headers_and_bare_codes() {
        assert!(has_pdu_line("+CMT: ,24"));
        assert!(has_pdu_line("+CDS: 25"));
        assert!(!has_pdu_line("+CDSI: \"SR\",3"));
        assert!(looks_unsolicited("^RSSI:14"));
        assert!(looks_unsolicited("RING"));
        assert!(looks_unsolicited("MISSED_CALL: 10:21AM 491701234567"));
        assert!(!looks_unsolicited("huawei"));
        assert!(!looks_unsolicited("SIMCOM_SIM800L"));
        assert!(is_hex_line("0791FF"));
        assert!(!is_hex_line("OK"));
    }
}
