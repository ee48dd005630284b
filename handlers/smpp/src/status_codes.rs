//! SMPP command_status values: their names and what a submit failure with
//! each means for a retry.

/// What a submit_sm_resp status means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Ok,
    /// ESME_RTHROTTLED: too fast; pause the link, retry later.
    Throttled,
    /// ESME_RMSGQFUL: the SMSC's queue (often for this recipient) is full.
    QueueFull,
    /// Worth retrying later as is.
    Temporary,
    /// Will fail again as is: do not retry.
    Permanent,
}

use StatusClass::{Ok, Permanent as P, QueueFull, Temporary as T, Throttled};

/// Every status SMPP 3.4 and 5.0 name, with its class. Codes not listed
/// (vendor-specific 0x400.. among them) are temporary: retrying costs a
/// little, dropping a message that would have gone through costs more, and
/// the host's retry limit and validity end the retries.
const TABLE: &[(u32, &str, StatusClass)] = &[
    (0x00, "ESME_ROK", Ok),
    (0x01, "ESME_RINVMSGLEN", P),
    (0x02, "ESME_RINVCMDLEN", P),
    (0x03, "ESME_RINVCMDID", P),
    // Our session is in the wrong state; a new bind fixes it.
    (0x04, "ESME_RINVBNDSTS", T),
    (0x05, "ESME_RALYBND", T),
    (0x06, "ESME_RINVPRTFLG", P),
    (0x07, "ESME_RINVREGDLVFLG", P),
    (0x08, "ESME_RSYSERR", T),
    (0x0A, "ESME_RINVSRCADR", P),
    (0x0B, "ESME_RINVDSTADR", P),
    (0x0C, "ESME_RINVMSGID", P),
    (0x0D, "ESME_RBINDFAIL", T),
    (0x0E, "ESME_RINVPASWD", T),
    (0x0F, "ESME_RINVSYSID", T),
    (0x11, "ESME_RCANCELFAIL", P),
    (0x13, "ESME_RREPLACEFAIL", P),
    (0x14, "ESME_RMSGQFUL", QueueFull),
    (0x15, "ESME_RINVSERTYP", P),
    (0x33, "ESME_RINVNUMDESTS", P),
    (0x34, "ESME_RINVDLNAME", P),
    (0x40, "ESME_RINVDESTFLAG", P),
    (0x42, "ESME_RINVSUBREP", P),
    (0x43, "ESME_RINVESMCLASS", P),
    (0x44, "ESME_RCNTSUBDL", P),
    // A generic "could not take it now" from most SMSCs.
    (0x45, "ESME_RSUBMITFAIL", T),
    (0x48, "ESME_RINVSRCTON", P),
    (0x49, "ESME_RINVSRCNPI", P),
    (0x50, "ESME_RINVDSTTON", P),
    (0x51, "ESME_RINVDSTNPI", P),
    (0x53, "ESME_RINVSYSTYP", P),
    (0x54, "ESME_RINVREPFLAG", P),
    (0x55, "ESME_RINVNUMMSGS", P),
    (0x58, "ESME_RTHROTTLED", Throttled),
    (0x61, "ESME_RINVSCHED", P),
    (0x62, "ESME_RINVEXPIRY", P),
    (0x63, "ESME_RINVDFTMSGID", P),
    (0x64, "ESME_RX_T_APPN", T),
    (0x65, "ESME_RX_P_APPN", P),
    (0x66, "ESME_RX_R_APPN", P),
    (0x67, "ESME_RQUERYFAIL", T),
    (0xC0, "ESME_RINVTLVSTREAM", P),
    (0xC1, "ESME_RTLVNOTALLWD", P),
    (0xC2, "ESME_RINVTLVLEN", P),
    (0xC3, "ESME_RMISSINGTLV", P),
    (0xC4, "ESME_RINVTLVVAL", P),
    (0xFE, "ESME_RDELIVERYFAILURE", T),
    (0xFF, "ESME_RUNKNOWNERR", T),
    (0x100, "ESME_RSERTYPUNAUTH", P),
    (0x101, "ESME_RPROHIBITED", P),
    (0x102, "ESME_RSERTYPUNAVAIL", T),
    (0x103, "ESME_RSERTYPDENIED", P),
    (0x104, "ESME_RINVDCS", P),
    (0x105, "ESME_RINVSRCADDRSUBUNIT", P),
    (0x106, "ESME_RINVDSTADDRSUBUNIT", P),
    (0x107, "ESME_RINVBCASTFREQINT", P),
    (0x108, "ESME_RINVBCASTALIAS_NAME", P),
    (0x109, "ESME_RINVBCASTAREAFMT", P),
    (0x10A, "ESME_RINVNUMBCAST_AREAS", P),
    (0x10B, "ESME_RINVBCASTCNTTYPE", P),
    (0x10C, "ESME_RINVBCASTMSGCLASS", P),
    (0x10D, "ESME_RBCASTFAIL", T),
    (0x10E, "ESME_RBCASTQUERYFAIL", T),
    (0x10F, "ESME_RBCASTCANCELFAIL", T),
    (0x110, "ESME_RINVBCAST_REP", P),
    (0x111, "ESME_RINVBCASTSRVGRP", P),
    (0x112, "ESME_RINVBCASTCHANIND", P),
];

pub const ESME_ROK: u32 = 0x00;
pub const ESME_RINVMSGLEN: u32 = 0x01;
pub const ESME_RINVCMDLEN: u32 = 0x02;
pub const ESME_RINVCMDID: u32 = 0x03;
pub const ESME_RTHROTTLED: u32 = 0x58;
pub const ESME_RMSGQFUL: u32 = 0x14;
pub const ESME_RX_T_APPN: u32 = 0x64;

fn lookup(code: u32) -> Option<&'static (u32, &'static str, StatusClass)> {
    TABLE.iter().find(|(c, _, _)| *c == code)
}

/// The status's SMPP name, if it has one.
pub fn name(code: u32) -> Option<&'static str> {
    lookup(code).map(|(_, n, _)| *n)
}

/// How a submit failing with this status should be treated.
pub fn classify(code: u32) -> StatusClass {
    match lookup(code) {
        Some((_, _, class)) => *class,
        None => StatusClass::Temporary,
    }
}

/// `ESME_RINVDSTADR (0x0B)`, or `status 0x0400 (vendor-specific)`.
pub fn describe(code: u32) -> String {
    match name(code) {
        Some(n) => format!("{n} (0x{code:02X})"),
        None if (0x400..=0x4FF).contains(&code) => {
            format!("status 0x{code:04X} (vendor-specific)")
        }
        None => format!("status 0x{code:02X} (unknown)"),
    }
}

/// What a person should check when a bind is refused with this status.
/// `name` is the `[[smpp]]` table's name.
pub fn bind_hint(code: u32, name: &str) -> String {
    match code {
        0x0E => format!("check password of [[smpp]] '{name}'"),
        0x0F => format!("check system_id of [[smpp]] '{name}'"),
        0x53 => format!("check system_type of [[smpp]] '{name}' (most SMSCs want it empty)"),
        0x0D => format!(
            "check system_id and password of [[smpp]] '{name}', that the SMSC allows \
             this address, and how many sessions the account may open"
        ),
        0x05 => "the SMSC says this account is already bound: an old session may still \
                 be open on its side and usually times out"
            .to_owned(),
        0x58 => "the SMSC is throttling binds: reconnecting more slowly".to_owned(),
        0x03 | 0x04 => format!(
            "the SMSC may not offer this bind type: try bind = \"transmitter_receiver\" \
             (or \"transceiver\") in [[smpp]] '{name}'"
        ),
        _ => format!("check the settings of [[smpp]] '{name}' with the SMSC's operator"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_the_statuses_that_matter() {
        let cases = [
            (0x00, StatusClass::Ok),
            (0x58, StatusClass::Throttled),
            (0x14, StatusClass::QueueFull),
            (0x08, StatusClass::Temporary),
            (0x45, StatusClass::Temporary),
            (0x64, StatusClass::Temporary),
            (0x0A, StatusClass::Permanent),
            (0x0B, StatusClass::Permanent),
            (0x01, StatusClass::Permanent),
            (0x65, StatusClass::Permanent),
            (0x66, StatusClass::Permanent),
            (0x0400, StatusClass::Temporary),
            (0xDEAD, StatusClass::Temporary),
        ];
        for (code, class) in cases {
            assert_eq!(classify(code), class, "0x{code:X}");
        }
    }

    #[test]
    fn descriptions_name_and_code() {
        assert_eq!(describe(0x0B), "ESME_RINVDSTADR (0x0B)");
        assert_eq!(describe(0x58), "ESME_RTHROTTLED (0x58)");
        assert_eq!(describe(0x104), "ESME_RINVDCS (0x104)");
        assert_eq!(describe(0x401), "status 0x0401 (vendor-specific)");
        assert_eq!(describe(0x99), "status 0x99 (unknown)");
    }

    #[test]
    fn table_has_no_duplicates() {
        for (i, (a, _, _)) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|(b, _, _)| a != b), "0x{a:X}");
        }
    }

    #[test]
    fn table_agrees_with_rusmpp() {
        // rusmpp's CommandStatus knows the same codes; catch typos here.
        for (code, _, _) in TABLE {
            let status = rusmpp::CommandStatus::from(*code);
            assert_eq!(u32::from(status), *code);
        }
    }

    #[test]
    fn bind_hints_name_the_key() {
        assert!(bind_hint(0x0E, "op1").contains("password of [[smpp]] 'op1'"));
        assert!(bind_hint(0x0F, "op1").contains("system_id"));
    }
}
