//! What unsolicited lines mean.

use crate::at::command::{starts_with_ignore_case, strip_prefix_value};
use crate::clcc::{ClccEntry, parse_clcc};
use crate::number::{address, fields, num};
use switchboard_protocol::Caller;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Urc {
    /// `RING`, or `+CRING: <type>` (`voice` false for data and fax calls).
    Ring { voice: bool },
    /// `+CLIP`: the caller of the ringing call.
    Clip(Caller),
    /// A new message stored at `index` in `mem` (`+CMTI`).
    NewMessage { mem: String, index: u16 },
    /// A status report stored at `index` in `mem` (`+CDSI`).
    NewReport { mem: String, index: u16 },
    /// A message delivered directly (`+CMT`), with its PDU.
    DirectMessage { pdu: Option<String> },
    /// A status report delivered directly (`+CDS`), with its PDU.
    DirectReport { pdu: Option<String> },
    /// A call ended (NO CARRIER, BUSY, NO ANSWER, NO DIALTONE, Huawei
    /// `^CEND`, SIMCom `VOICE CALL: END`); `cause` is the 24.008 cause when
    /// the modem gives one, `index` the call's +CLCC index.
    CallEnded { index: Option<u8>, cause: EndCause },
    /// SIMCom `MISSED_CALL: <time> <number>`.
    MissedCall { caller: Caller },
    /// Huawei `^ORIG` (dialling), `^CONF` (alerting), `^CONN` (connected);
    /// SIMCom `VOICE CALL: BEGIN`.
    CallState {
        index: Option<u8>,
        state: VendorCallState,
    },
    /// `+CLCC` reported unsolicited (SIMCom with `AT+CLCC=1`).
    Clcc(ClccEntry),
    /// `+CREG: <stat>` / `+CEREG: <stat>` / `+CGREG`.
    Registration { stat: u8 },
    /// Huawei `^RSSI: <n>` / Quectel-style `+CSQ` pushes.
    Rssi(u8),
    /// The message store is full (`^SMMEMFULL`, `+CIEV: "SMSFULL",1`).
    StorageFull,
    /// The modem restarted (RDY, `^BOOT` is noise, `+CPIN: READY` after a
    /// reset, `+QIND: SMS DONE`, `SMS Ready`).
    Restarted,
    /// Anything else: vendor noise, logged at debug.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorCallState {
    Dialling,
    Alerting,
    Connected,
}

/// Why a call ended, as far as the modem says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCause {
    /// NO CARRIER, or a normal clearing.
    Normal,
    Busy,
    NoAnswer,
    NoDialtone,
    /// Rejected / call refused (24.008 cause 21).
    Rejected,
    /// A 24.008 cause the handler does not single out.
    Other(u16),
}

impl EndCause {
    fn from_cc_cause(c: u16) -> EndCause {
        match c {
            16 | 31 => EndCause::Normal,
            17 => EndCause::Busy,
            18 | 19 => EndCause::NoAnswer,
            21 => EndCause::Rejected,
            _ => EndCause::Other(c),
        }
    }
}

/// Reads one unsolicited line (and the PDU line after it, if any).
pub fn parse(line: &str, pdu: Option<String>) -> Urc {
    let l = line.trim();
    let upper = l.to_ascii_uppercase();
    match upper.as_str() {
        "RING" => return Urc::Ring { voice: true },
        "NO CARRIER" => return ended(EndCause::Normal),
        "BUSY" => return ended(EndCause::Busy),
        "NO ANSWER" => return ended(EndCause::NoAnswer),
        "NO DIALTONE" | "NO DIAL TONE" => return ended(EndCause::NoDialtone),
        "RDY" | "SMS READY" | "+CPIN: READY" => {
            return Urc::Restarted;
        }
        _ => {}
    }
    if value(l, "^SMMEMFULL").is_some() {
        return Urc::StorageFull;
    }
    if let Some(v) = value(l, "+QIND") {
        let f = fields(v);
        if f.first().is_some_and(|n| n.eq_ignore_ascii_case("smsfull")) {
            return Urc::StorageFull;
        }
        if f.first()
            .is_some_and(|n| n.eq_ignore_ascii_case("SMS DONE"))
        {
            return Urc::Restarted;
        }
        return Urc::Other;
    }
    if let Some(v) = value(l, "+CRING") {
        return Urc::Ring {
            voice: v.to_ascii_uppercase().contains("VOICE"),
        };
    }
    if let Some(v) = value(l, "+CLIP") {
        return Urc::Clip(clip_caller(v));
    }
    if let Some(v) = value(l, "+CMTI") {
        return stored(v, |mem, index| Urc::NewMessage { mem, index });
    }
    if let Some(v) = value(l, "+CDSI") {
        return stored(v, |mem, index| Urc::NewReport { mem, index });
    }
    if value(l, "+CMT").is_some() {
        return Urc::DirectMessage { pdu };
    }
    if value(l, "+CDS").is_some() {
        return Urc::DirectReport { pdu };
    }
    if let Some(v) = value(l, "^CEND") {
        // ^CEND: <call_x>,<duration>,<end_status>[,<cc_cause>]
        let f = fields(v);
        let cause = num::<u16>(&f, 3).map_or(EndCause::Normal, EndCause::from_cc_cause);
        return Urc::CallEnded {
            index: num(&f, 0),
            cause,
        };
    }
    for (prefix, state) in [
        ("^ORIG", VendorCallState::Dialling),
        ("^CONF", VendorCallState::Alerting),
        ("^CONN", VendorCallState::Connected),
    ] {
        if let Some(v) = value(l, prefix) {
            return Urc::CallState {
                index: num(&fields(v), 0),
                state,
            };
        }
    }
    if starts_with_ignore_case(l, "VOICE CALL: END") {
        return ended(EndCause::Normal);
    }
    if starts_with_ignore_case(l, "VOICE CALL: BEGIN") {
        return Urc::CallState {
            index: None,
            state: VendorCallState::Connected,
        };
    }
    if let Some(v) = value(l, "MISSED_CALL") {
        // MISSED_CALL: 10:21AM 491701234567 (time, then the number if any).
        let number = v.split_whitespace().nth(1).unwrap_or("");
        let caller = address(number, None).map_or(Caller::Unavailable, Caller::Number);
        return Urc::MissedCall { caller };
    }
    if let Some(v) = value(l, "+CLCC") {
        if let Some(e) = parse_clcc(v) {
            return Urc::Clcc(e);
        }
        return Urc::Other;
    }
    for prefix in ["+CREG", "+CEREG", "+CGREG"] {
        if let Some(v) = value(l, prefix) {
            let f = fields(v);
            // Unsolicited: +CREG: <stat>[,<lac>,<ci>]; a stray query
            // answer has <n>,<stat> first; both end up read by position.
            let stat = if f.len() == 1 || f.get(1).is_some_and(|s| s.len() > 1) {
                num(&f, 0)
            } else {
                num(&f, 1)
            };
            return stat.map_or(Urc::Other, |stat| Urc::Registration { stat });
        }
    }
    if let Some(v) = value(l, "^RSSI") {
        return num::<u8>(&fields(v), 0).map_or(Urc::Other, Urc::Rssi);
    }
    if let Some(v) = value(l, "+CIEV") {
        let f = fields(v);
        if f.first().is_some_and(|n| n.eq_ignore_ascii_case("SMSFULL"))
            && num::<u8>(&f, 1) == Some(1)
        {
            return Urc::StorageFull;
        }
    }
    Urc::Other
}

fn ended(cause: EndCause) -> Urc {
    Urc::CallEnded { index: None, cause }
}

fn value<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    // The prefix must end at a colon (or the line), so +CMT does not match
    // +CMTI.
    let rest = line.get(prefix.len()..)?;
    if !(rest.is_empty() || rest.trim_start().starts_with(':')) {
        return None;
    }
    strip_prefix_value(line, prefix)
}

fn stored(v: &str, make: impl Fn(String, u16) -> Urc) -> Urc {
    let f = fields(v);
    match (f.first(), num::<u16>(&f, 1)) {
        (Some(mem), Some(index)) => make(mem.clone(), index),
        _ => Urc::Other,
    }
}

/// `+CLIP: <number>,<type>[,<subaddr>,<satype>,<alpha>,<CLI validity>]`.
pub fn clip_caller(v: &str) -> Caller {
    let f = fields(v);
    let validity: Option<u8> = num(&f, 5);
    match validity {
        Some(1) => return Caller::Withheld,
        Some(2) => return Caller::Unavailable,
        _ => {}
    }
    let number = f.first().map(String::as_str).unwrap_or("");
    match address(number, num(&f, 1)) {
        Some(a) => Caller::Number(a),
        // No number and no validity: most modems mean "restricted" when
        // the type is 128 (unknown, no number), else the network gave none.
        None if num::<u16>(&f, 1) == Some(128) => Caller::Withheld,
        None => Caller::Unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{Address, PhoneNumber};

    fn intl(s: &str) -> Address {
        Address::International(PhoneNumber::parse_e164(s).unwrap())
    }

    #[test]
    fn rings_and_callers() {
        assert_eq!(parse("RING", None), Urc::Ring { voice: true });
        assert_eq!(parse("+CRING: VOICE", None), Urc::Ring { voice: true });
        assert_eq!(parse("+CRING: REL ASYNC", None), Urc::Ring { voice: false });
        assert_eq!(
            parse("+CLIP: \"+491701234567\",145,\"\",0,\"\",0", None),
            Urc::Clip(Caller::Number(intl("+491701234567")))
        );
        assert_eq!(
            parse("+CLIP: \"\",128,\"\",0,\"\",1", None),
            Urc::Clip(Caller::Withheld)
        );
        assert_eq!(
            parse("+CLIP: \"\",129,,,,2", None),
            Urc::Clip(Caller::Unavailable)
        );
        assert_eq!(parse("+CLIP: \"\",128", None), Urc::Clip(Caller::Withheld));
    }

    #[test]
    fn messages_and_reports() {
        assert_eq!(
            parse("+CMTI: \"SM\",3", None),
            Urc::NewMessage {
                mem: "SM".into(),
                index: 3
            }
        );
        assert_eq!(
            parse("+CDSI: \"SR\",0", None),
            Urc::NewReport {
                mem: "SR".into(),
                index: 0
            }
        );
        assert_eq!(
            parse("+CMT: ,24", Some("07".into())),
            Urc::DirectMessage {
                pdu: Some("07".into())
            }
        );
        assert_eq!(parse("+CDS: 25", None), Urc::DirectReport { pdu: None });
        assert_eq!(parse("+CMTI: \"SM\"", None), Urc::Other);
    }

    #[test]
    fn vendor_call_codes() {
        assert_eq!(
            parse("^CEND:1,0,104,17", None),
            Urc::CallEnded {
                index: Some(1),
                cause: EndCause::Busy
            }
        );
        assert_eq!(
            parse("VOICE CALL: END: 000012", None),
            Urc::CallEnded {
                index: None,
                cause: EndCause::Normal
            }
        );
        assert_eq!(
            parse("MISSED_CALL: 10:21AM 491701234567", None),
            Urc::MissedCall {
                caller: Caller::Number(Address::Other("491701234567".into()))
            }
        );
        assert_eq!(
            parse("^CONF:1", None),
            Urc::CallState {
                index: Some(1),
                state: VendorCallState::Alerting
            }
        );
        assert_eq!(
            parse("NO CARRIER", None),
            Urc::CallEnded {
                index: None,
                cause: EndCause::Normal
            }
        );
    }

    #[test]
    fn radio_noise() {
        assert_eq!(parse("+CREG: 5", None), Urc::Registration { stat: 5 });
        assert_eq!(
            parse("+CREG: 1,\"00C3\",\"0000A13F\"", None),
            Urc::Registration { stat: 1 }
        );
        assert_eq!(parse("+CREG: 2,1", None), Urc::Registration { stat: 1 });
        assert_eq!(parse("^RSSI:14", None), Urc::Rssi(14));
        assert_eq!(parse("+CIEV: \"SMSFULL\",1", None), Urc::StorageFull);
        assert_eq!(parse("RDY", None), Urc::Restarted);
        assert_eq!(parse("+QIND: SMS DONE", None), Urc::Restarted);
        assert_eq!(parse("+QIND: \"smsfull\",\"SM\"", None), Urc::StorageFull);
        assert_eq!(parse("^SMMEMFULL: \"SM\"", None), Urc::StorageFull);
        assert_eq!(parse("^BOOT:1234,0,0,0,6", None), Urc::Other);
    }
}
