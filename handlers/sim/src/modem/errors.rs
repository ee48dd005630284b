//! Final results a command can fail with, and the verbose texts of +CME
//! (27.007 9.2) and +CMS (27.005 3.2.5) errors for `AT+CMEE=2`.

/// How a command ended when it did not end in OK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fail {
    /// Plain `ERROR` (bad syntax, unknown command on most modems).
    Error,
    /// An unknown command: `COMMAND NOT SUPPORT` on Huawei, else ERROR.
    Unsupported,
    /// `+CME ERROR: <n>` (plain ERROR with +CMEE=0).
    Cme(u16),
    /// `+CMS ERROR: <n>` (numeric unless +CMEE=2).
    Cms(u16),
    /// Another final result code (`NO CARRIER` for ATA with nothing ringing).
    Result(&'static str),
}

pub(crate) const CME_NOT_ALLOWED: u16 = 3;
pub(crate) const CME_NOT_SUPPORTED: u16 = 4;
pub(crate) const CME_SIM_PIN: u16 = 11;
pub(crate) const CME_SIM_PUK: u16 = 12;
pub(crate) const CME_WRONG_PASSWORD: u16 = 16;
pub(crate) const CME_NO_NETWORK: u16 = 30;

pub(crate) const CMS_NOT_ALLOWED: u16 = 302;
pub(crate) const CMS_NOT_SUPPORTED: u16 = 303;
pub(crate) const CMS_INVALID_PDU: u16 = 304;
pub(crate) const CMS_SIM_PIN: u16 = 311;
pub(crate) const CMS_SIM_PUK: u16 = 316;
pub(crate) const CMS_INVALID_INDEX: u16 = 321;
pub(crate) const CMS_MEMORY_FULL: u16 = 322;
pub(crate) const CMS_NO_NETWORK: u16 = 331;
pub(crate) const CMS_NO_CNMA_EXPECTED: u16 = 340;

pub(crate) fn cme_text(n: u16) -> &'static str {
    match n {
        0 => "phone failure",
        3 => "operation not allowed",
        4 => "operation not supported",
        10 => "SIM not inserted",
        11 => "SIM PIN required",
        12 => "SIM PUK required",
        13 => "SIM failure",
        14 => "SIM busy",
        15 => "SIM wrong",
        16 => "incorrect password",
        20 => "memory full",
        21 => "invalid index",
        22 => "not found",
        30 => "no network service",
        31 => "network timeout",
        _ => "unknown",
    }
}

pub(crate) fn cms_text(n: u16) -> &'static str {
    match n {
        1 => "Unassigned (unallocated) number",
        8 => "Operator determined barring",
        21 => "Short message transfer rejected",
        27 => "Destination out of service",
        38 => "Network out of order",
        41 => "Temporary failure",
        42 => "Congestion",
        47 => "Resources unavailable, unspecified",
        300 => "ME failure",
        302 => "operation not allowed",
        303 => "operation not supported",
        304 => "invalid PDU mode parameter",
        310 => "SIM not inserted",
        311 => "SIM PIN required",
        313 => "SIM failure",
        314 => "SIM busy",
        316 => "SIM PUK required",
        321 => "invalid memory index",
        322 => "memory full",
        330 => "SMSC address unknown",
        331 => "no network service",
        332 => "network timeout",
        340 => "no +CNMA acknowledgement expected",
        515 => "Please wait, init or command processing in progress",
        _ => "unknown error",
    }
}

/// The numeric code of a verbose result (for `ATV0`).
pub(crate) fn numeric(result: &str) -> &'static str {
    match result {
        "OK" => "0",
        "CONNECT" => "1",
        "RING" => "2",
        "NO CARRIER" => "3",
        "NO DIALTONE" => "6",
        "BUSY" => "7",
        "NO ANSWER" => "8",
        _ => "4",
    }
}
