//! Final result codes: the line that ends a command's response.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinalResult {
    Ok,
    Error,
    /// `+CME ERROR: <n>` (equipment / SIM), numeric or verbose text.
    Cme(ErrorCode),
    /// `+CMS ERROR: <n>` (message service).
    Cms(ErrorCode),
    /// Vendor "not supported" finals (`COMMAND NOT SUPPORT`, `NOT SUPPORT`).
    NotSupported,
    NoCarrier,
    Busy,
    NoAnswer,
    NoDialtone,
    /// `CONNECT` (data calls; some modems answer `ATD…;` with it).
    Connect,
}

/// An error code as the modem wrote it: a number (+CMEE=1), or a text
/// (+CMEE=2, or a modem ignoring +CMEE=1) mapped to its number when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: Option<u16>,
    pub text: String,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(n) if self.text.parse::<u16>().is_ok() => write!(f, "{n}"),
            Some(n) => write!(f, "{n} ({})", self.text),
            None => f.write_str(&self.text),
        }
    }
}

impl fmt::Display for FinalResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FinalResult::Ok => f.write_str("OK"),
            FinalResult::Error => f.write_str("ERROR"),
            FinalResult::Cme(e) => write!(f, "+CME ERROR: {e}"),
            FinalResult::Cms(e) => write!(f, "+CMS ERROR: {e}"),
            FinalResult::NotSupported => f.write_str("COMMAND NOT SUPPORT"),
            FinalResult::NoCarrier => f.write_str("NO CARRIER"),
            FinalResult::Busy => f.write_str("BUSY"),
            FinalResult::NoAnswer => f.write_str("NO ANSWER"),
            FinalResult::NoDialtone => f.write_str("NO DIALTONE"),
            FinalResult::Connect => f.write_str("CONNECT"),
        }
    }
}

impl FinalResult {
    /// Reads a line as a final result code, if it is one.
    pub fn parse(line: &str) -> Option<FinalResult> {
        let upper = line.trim();
        let r = match upper {
            "OK" => FinalResult::Ok,
            "ERROR" => FinalResult::Error,
            "NO CARRIER" => FinalResult::NoCarrier,
            "BUSY" => FinalResult::Busy,
            "NO ANSWER" => FinalResult::NoAnswer,
            "NO DIALTONE" | "NO DIAL TONE" => FinalResult::NoDialtone,
            "COMMAND NOT SUPPORT" | "COMMAND NOT SUPPORTED" | "NOT SUPPORT" => {
                FinalResult::NotSupported
            }
            _ => {
                if let Some(rest) = upper.strip_prefix("+CME ERROR:") {
                    FinalResult::Cme(ErrorCode::read(rest, cme_code))
                } else if let Some(rest) = upper.strip_prefix("+CMS ERROR:") {
                    FinalResult::Cms(ErrorCode::read(rest, cms_code))
                } else if upper == "CONNECT" || upper.starts_with("CONNECT ") {
                    FinalResult::Connect
                } else {
                    return None;
                }
            }
        };
        Some(r)
    }

    /// The call-related finals (`NO CARRIER`, `BUSY`...) end only a command
    /// that sets up or answers a call; arriving during anything else they
    /// report that a call ended.
    pub fn is_call_result(&self) -> bool {
        matches!(
            self,
            FinalResult::NoCarrier
                | FinalResult::Busy
                | FinalResult::NoAnswer
                | FinalResult::NoDialtone
                | FinalResult::Connect
        )
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, FinalResult::Ok)
    }
}

impl ErrorCode {
    fn read(rest: &str, by_text: fn(&str) -> Option<u16>) -> ErrorCode {
        let text = rest.trim().trim_matches('"').to_owned();
        let code = text.parse::<u16>().ok().or_else(|| by_text(&text));
        ErrorCode { code, text }
    }
}

/// Verbose +CME ERROR texts (3GPP TS 27.007 §9.2) that the handler acts on.
fn cme_code(text: &str) -> Option<u16> {
    let t = text.to_ascii_lowercase();
    let code = match t.as_str() {
        "phone failure" => 0,
        "operation not allowed" => 3,
        "operation not supported" => 4,
        "sim not inserted" => 10,
        "sim pin required" => 11,
        "sim puk required" => 12,
        "sim failure" => 13,
        "sim busy" => 14,
        "sim wrong" => 15,
        "incorrect password" => 16,
        "sim pin2 required" => 17,
        "sim puk2 required" => 18,
        "memory full" => 20,
        "invalid index" => 21,
        "not found" => 22,
        "memory failure" => 23,
        "no network service" => 30,
        "network timeout" => 31,
        "network not allowed - emergency calls only" => 32,
        "unknown" => 100,
        _ => return None,
    };
    Some(code)
}

/// Verbose +CMS ERROR texts (3GPP TS 27.005 §3.2.5) that the handler acts on.
fn cms_code(text: &str) -> Option<u16> {
    let t = text.to_ascii_lowercase();
    let code = match t.as_str() {
        "unassigned (unallocated) number" | "unassigned number" => 1,
        "operator determined barring" => 8,
        "call barred" => 10,
        "short message transfer rejected" => 21,
        "destination out of service" | "destination out of order" => 27,
        "unidentified subscriber" => 28,
        "facility rejected" => 29,
        "unknown subscriber" => 30,
        "network out of order" => 38,
        "temporary failure" => 41,
        "congestion" => 42,
        "resources unavailable, unspecified" | "resources unavailable" => 47,
        "requested facility not subscribed" => 50,
        "invalid short message transfer reference value" => 81,
        "invalid mandatory information" => 96,
        "protocol error, unspecified" => 111,
        "me failure" => 300,
        "sms service of me reserved" => 301,
        "operation not allowed" => 302,
        "operation not supported" => 303,
        "invalid pdu mode parameter" => 304,
        "invalid text mode parameter" => 305,
        "sim not inserted" => 310,
        "sim pin required" => 311,
        "ph-sim pin required" => 312,
        "sim failure" => 313,
        "sim busy" => 314,
        "sim wrong" => 315,
        "sim puk required" => 316,
        "memory failure" => 320,
        "invalid memory index" => 321,
        "memory full" | "sim full" => 322,
        "smsc address unknown" => 330,
        "no network service" => 331,
        "network timeout" => 332,
        "no +cnma acknowledgement expected" => 340,
        "unknown error" => 500,
        _ => return None,
    };
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_finals() {
        assert_eq!(FinalResult::parse("OK"), Some(FinalResult::Ok));
        assert_eq!(FinalResult::parse("ERROR"), Some(FinalResult::Error));
        assert_eq!(
            FinalResult::parse("NO CARRIER"),
            Some(FinalResult::NoCarrier)
        );
        assert_eq!(FinalResult::parse("BUSY"), Some(FinalResult::Busy));
        assert_eq!(FinalResult::parse("NO ANSWER"), Some(FinalResult::NoAnswer));
        assert_eq!(
            FinalResult::parse("NO DIALTONE"),
            Some(FinalResult::NoDialtone)
        );
        assert_eq!(
            FinalResult::parse("CONNECT 9600"),
            Some(FinalResult::Connect)
        );
        assert_eq!(
            FinalResult::parse("COMMAND NOT SUPPORT"),
            Some(FinalResult::NotSupported)
        );
        assert_eq!(FinalResult::parse("+CSQ: 20,99"), None);
        assert_eq!(FinalResult::parse("OKAY"), None);
        assert_eq!(FinalResult::parse("CONNECTED"), None);
    }

    #[test]
    fn numeric_and_verbose_errors() {
        let e = FinalResult::parse("+CMS ERROR: 38").unwrap();
        assert_eq!(
            e,
            FinalResult::Cms(ErrorCode {
                code: Some(38),
                text: "38".into()
            })
        );
        assert_eq!(e.to_string(), "+CMS ERROR: 38");
        let e = FinalResult::parse("+CME ERROR: incorrect password").unwrap();
        assert!(matches!(
            e,
            FinalResult::Cme(ErrorCode { code: Some(16), .. })
        ));
        assert_eq!(e.to_string(), "+CME ERROR: 16 (incorrect password)");
        let e = FinalResult::parse("+CMS ERROR: Network out of order").unwrap();
        assert!(matches!(
            e,
            FinalResult::Cms(ErrorCode { code: Some(38), .. })
        ));
        let e = FinalResult::parse("+CME ERROR: something odd").unwrap();
        assert!(matches!(e, FinalResult::Cme(ErrorCode { code: None, .. })));
    }

    #[test]
    fn call_results_are_told_apart() {
        assert!(FinalResult::NoCarrier.is_call_result());
        assert!(!FinalResult::Error.is_call_result());
    }
}
