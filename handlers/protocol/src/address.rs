//! Phone numbers and network addresses as handlers see them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An E.164 number, stored as `+` and 8..=15 digits. The host validates user
/// input with the `phonenumber` crate before building one; handlers only
/// need the digits.
///
/// `Debug` masks the middle digits so a stray `{:?}` in a log line never
/// leaks a whole number; `Display` prints it in full for the places that are
/// allowed to (its owner, administrators, the wire).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("a phone number must be in E.164 form: '+' then 8 to 15 digits")]
    NotE164,
    #[error("an alphanumeric sender is 1 to 11 characters of GSM text")]
    BadAlphanumeric,
    #[error("an address is 1 to 20 digits")]
    BadDigits,
}

impl PhoneNumber {
    /// Accepts `+` followed by 8..=15 digits, the first not `0`.
    pub fn parse_e164(s: &str) -> Result<Self, AddressError> {
        let digits = s.strip_prefix('+').ok_or(AddressError::NotE164)?;
        let ok = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(PhoneNumber(s.to_owned()))
        } else {
            Err(AddressError::NotE164)
        }
    }

    /// The number with its leading `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+`, as SMPP (TON international) and AT commands
    /// (type 145) carry them.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// A form safe for logs: country code and last two digits only.
    pub fn masked(&self) -> String {
        let d = self.digits();
        let keep_tail = 2.min(d.len());
        let head = &d[..2.min(d.len() - keep_tail)];
        format!("+{head}…{}", &d[d.len() - keep_tail..])
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = AddressError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse_e164(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

/// An address as networks carry it: a sender or recipient of an SMS.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Address {
    /// An international number (SMPP TON 1 / AT type 145).
    International(PhoneNumber),
    /// A national number as the network gave it (TON 2 / type 161); the host
    /// normalises it with its configured default region.
    National(String),
    /// An alphanumeric sender such as `BANK` (TON 5 / type 208).
    Alphanumeric(String),
    /// A short code or any other digits without a known numbering plan.
    Other(String),
}

impl Address {
    /// Builds an alphanumeric sender, checking its length (11 characters is
    /// the GSM limit for TON 5 addresses).
    pub fn alphanumeric(s: &str) -> Result<Self, AddressError> {
        let n = s.chars().count();
        if (1..=11).contains(&n) && crate::text::fits_gsm7(s) {
            Ok(Address::Alphanumeric(s.to_owned()))
        } else {
            Err(AddressError::BadAlphanumeric)
        }
    }

    /// Builds a short code / other digit address.
    pub fn digits(s: &str) -> Result<Self, AddressError> {
        if (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Address::Other(s.to_owned()))
        } else {
            Err(AddressError::BadDigits)
        }
    }

    /// The address as it goes on the wire (digits without `+`, or the text).
    pub fn wire(&self) -> &str {
        match self {
            Address::International(p) => p.digits(),
            Address::National(s) | Address::Alphanumeric(s) | Address::Other(s) => s,
        }
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::International(p) => write!(f, "International({})", p.masked()),
            Address::National(_) => f.write_str("National(…)"),
            Address::Alphanumeric(s) => write!(f, "Alphanumeric({s})"),
            Address::Other(s) if s.len() <= 6 => write!(f, "Other({s})"),
            Address::Other(_) => f.write_str("Other(…)"),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::International(p) => fmt::Display::fmt(p, f),
            Address::National(s) | Address::Alphanumeric(s) | Address::Other(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_accepts_and_rejects() {
        assert!(PhoneNumber::parse_e164("+491701234567").is_ok());
        assert_eq!(
            PhoneNumber::parse_e164("491701234567"),
            Err(AddressError::NotE164)
        );
        assert_eq!(
            PhoneNumber::parse_e164("+0123456789"),
            Err(AddressError::NotE164)
        );
        assert_eq!(
            PhoneNumber::parse_e164("+49 170"),
            Err(AddressError::NotE164)
        );
    }

    #[test]
    fn debug_masks_the_number() {
        let p = PhoneNumber::parse_e164("+491701234567").unwrap();
        let shown = format!("{p:?}");
        assert!(!shown.contains("1701234567"), "{shown}");
        assert!(shown.contains("67"));
    }
}
