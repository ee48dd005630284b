//! Reading phone numbers people type, with the `phonenumber` crate
//! (libphonenumber's metadata), into E.164.

use phonenumber::{Mode, country};
use switchboard_protocol::PhoneNumber;

/// Parses numbers for one configured default region.
#[derive(Debug, Clone, Copy)]
pub struct NumberParser {
    region: country::Id,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("is empty")]
    Empty,
    #[error("is not a phone number ({0}); write it as +<country code><number>, e.g. +491701234567")]
    Unreadable(String),
    #[error("is not a valid number for its country ({0})")]
    Invalid(String),
}

impl NumberParser {
    /// `region` has been checked by the config loader.
    pub fn new(region: &str) -> Option<Self> {
        let region = region.to_ascii_uppercase().parse().ok()?;
        Some(NumberParser { region })
    }

    /// International (`+49…`, `0049…`) or national (`0170 …`) forms.
    pub fn parse(&self, input: &str) -> Result<PhoneNumber, NumberError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(NumberError::Empty);
        }
        // libphonenumber reads letters as keypad digits ("1-800-FLOWERS");
        // for an SMS recipient that turns a typo into somebody's number.
        if let Some(bad) = input
            .chars()
            .find(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.' | '/')))
        {
            return Err(NumberError::Unreadable(format!(
                "'{bad}' is not part of a phone number"
            )));
        }
        let parsed = phonenumber::parse(Some(self.region), input)
            .map_err(|e| NumberError::Unreadable(e.to_string()))?;
        let e164 = parsed.format().mode(Mode::E164).to_string();
        if !phonenumber::is_valid(&parsed) {
            return Err(NumberError::Invalid(describe_country(&parsed)));
        }
        PhoneNumber::parse_e164(&e164).map_err(|e| NumberError::Invalid(e.to_string()))
    }
}

fn describe_country(n: &phonenumber::PhoneNumber) -> String {
    match n.country().id() {
        Some(id) => format!("{id:?} numbers look different"),
        None => format!("no country uses the code +{}", n.code().value()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_forms_agree() {
        let p = NumberParser::new("de").unwrap();
        let a = p.parse("+49 170 1234567").unwrap();
        assert_eq!(a.as_str(), "+491701234567");
        assert_eq!(p.parse("0170 1234567").unwrap(), a);
        assert_eq!(p.parse("0049 170 1234567").unwrap(), a);
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        let p = NumberParser::new("DE").unwrap();
        assert!(matches!(p.parse("hello"), Err(NumberError::Unreadable(_))));
        assert!(matches!(
            p.parse("+49 1"),
            Err(NumberError::Invalid(_) | NumberError::Unreadable(_))
        ));
        assert_eq!(p.parse("  "), Err(NumberError::Empty));
        assert!(matches!(
            p.parse("0049-bad-number"),
            Err(NumberError::Unreadable(_))
        ));
    }
}
