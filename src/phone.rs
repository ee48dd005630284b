//! Reading phone numbers people type, with the `phonenumber` crate
//! (libphonenumber's metadata), into E.164.

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use phonenumber::{Mode, country};
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use switchboard_protocol::PhoneNumber;

/// Parses numbers for one configured default region.
#[derive(Debug, Clone)]
pub struct NumberParser {
    region: country::Id,
    validity: Arc<Validity>,
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
        Some(NumberParser {
            region,
            validity: Arc::new(Validity::default()),
        })
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
        if !self.validity.is_valid(&parsed) {
            return Err(NumberError::Invalid(describe_country(&parsed)));
        }
        // What `format().mode(Mode::E164)` writes for a number whose
        // country code is known (a valid one's is), without the search
        // for a display format that E.164 does not use.
        let e164 = format!("+{}{}", parsed.code().value(), parsed.national());
        debug_assert_eq!(e164, parsed.format().mode(Mode::E164).to_string());
        PhoneNumber::parse_e164(&e164).map_err(|e| NumberError::Invalid(e.to_string()))
    }
}

fn describe_country(n: &phonenumber::PhoneNumber) -> String {
    match n.country().id() {
        Some(id) => format!("{id:?} numbers look different"),
        None => format!("no country uses the code +{}", n.code().value()),
    }
}

/// `phonenumber::is_valid`, answered from the same metadata with each
/// pattern compiled once. The crate looks every pattern up by its source
/// text in one shared, locked LRU cache on every use (hashing patterns of
/// up to some kilobytes), which made reading a number a tenth of the
/// daemon's CPU per message. Country codes shared by several regions
/// (+1, +7, ...) need the crate's region choice and still go through it.
#[derive(Debug, Default)]
struct Validity {
    /// Country code → its region's patterns; `None`: ask the crate.
    codes: RwLock<HashMap<u16, Option<Arc<Patterns>>>>,
}

/// One region's patterns, in the order `phonenumber::number_type` tries
/// them: the general one must match, then any one of the types.
#[derive(Debug)]
struct Patterns {
    general: Pattern,
    types: Vec<Pattern>,
}

#[derive(Debug)]
struct Pattern {
    /// The pattern anchored at the start: the crate's `find(..)` with a
    /// match starting at 0.
    regex: Regex,
    possible_length: Vec<u16>,
}

impl Pattern {
    fn new(d: &Descriptor) -> Option<Pattern> {
        Some(Pattern {
            // As the crate compiles them: whitespace in a pattern is layout.
            // A national number is ASCII digits, so `\d` need not be every
            // Unicode digit: that keeps the compiled patterns several times
            // smaller (a country's set was over a megabyte).
            regex: RegexBuilder::new(&format!("^(?:{}\n)", d.national_number().as_str()))
                .ignore_whitespace(true)
                .unicode(false)
                .build()
                .ok()?,
            possible_length: d.possible_length().to_vec(),
        })
    }

    /// `Descriptor::is_match`.
    fn is_match(&self, national: &str) -> bool {
        (self.possible_length.is_empty() || self.possible_length.contains(&(national.len() as u16)))
            && self.regex.is_match(national)
    }
}

impl Patterns {
    fn new(meta: &Metadata) -> Option<Patterns> {
        let d = meta.descriptors();
        let types = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ];
        Some(Patterns {
            general: Pattern::new(d.general())?,
            types: types
                .into_iter()
                .flatten()
                .map(Pattern::new)
                .collect::<Option<_>>()?,
        })
    }

    fn is_valid(&self, national: &str) -> bool {
        self.general.is_match(national) && self.types.iter().any(|p| p.is_match(national))
    }
}

impl Validity {
    fn is_valid(&self, n: &phonenumber::PhoneNumber) -> bool {
        let code = n.code().value();
        let known = self.codes.read().ok().and_then(|m| m.get(&code).cloned());
        let patterns = match known {
            Some(p) => p,
            None => {
                let p = Self::compile(code);
                if let Ok(mut m) = self.codes.write() {
                    m.insert(code, p.clone());
                }
                p
            }
        };
        match patterns {
            Some(p) => p.is_valid(&n.national().to_string()),
            None => phonenumber::is_valid(n),
        }
    }

    /// The patterns of a code that belongs to exactly one region (or to a
    /// non-geographic entity, "001"), as `phonenumber::is_valid` picks it.
    fn compile(code: u16) -> Option<Arc<Patterns>> {
        let regions = DATABASE.region(&code)?;
        let [region] = regions.as_slice() else {
            return None;
        };
        let meta = if *region == "001" {
            DATABASE.by_code(&code)?.into_iter().next()?
        } else {
            DATABASE.by_id(*region)?
        };
        Patterns::new(meta).map(Arc::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    /// What `parse` answered before the patterns were compiled here.
    fn reference(region: country::Id, input: &str) -> Option<String> {
        let parsed = phonenumber::parse(Some(region), input).ok()?;
        let e164 = parsed.format().mode(Mode::E164).to_string();
        phonenumber::is_valid(&parsed).then_some(e164)
    }

    fn check(p: &NumberParser, region: country::Id, input: &str) {
        let ours = p.parse(input).ok().map(|n| n.as_str().to_owned());
        let theirs = reference(region, input).filter(|e| PhoneNumber::parse_e164(e).is_ok());
        assert_eq!(ours, theirs, "{input}");
    }

    #[test]
    fn examples_of_every_region_agree_with_the_crate() {
        let p = NumberParser::new("DE").unwrap();
        for meta in DATABASE.iter() {
            let d = meta.descriptors();
            let all = [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.voip(),
                d.personal_number(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ];
            for ex in all.into_iter().flatten().filter_map(|d| d.example()) {
                let code = meta.country_code();
                check(&p, country::DE, &format!("+{code}{ex}"));
                // One digit more and one less: mostly invalid.
                check(&p, country::DE, &format!("+{code}{ex}1"));
                check(&p, country::DE, &format!("+{code}{}", &ex[..ex.len() - 1]));
            }
        }
    }

    proptest! {
        // The crate's own validation is slow in debug builds: few cases.
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn random_numbers_agree_with_the_crate(
            cc in prop::sample::select(vec![
                "1", "7", "20", "31", "33", "39", "41", "43", "44", "49", "55",
                "61", "81", "86", "91", "234", "358", "800", "882", "979",
            ]),
            rest in "[0-9]{4,13}",
            national in any::<bool>(),
        ) {
            let p = NumberParser::new("DE").unwrap();
            let input = if national { format!("0{rest}") } else { format!("+{cc}{rest}") };
            check(&p, country::DE, &input);
        }

        #[test]
        fn german_mobile_numbers_agree_with_the_crate(rest in "1[5-7][0-9]{6,10}") {
            let p = NumberParser::new("DE").unwrap();
            check(&p, country::DE, &format!("+49{rest}"));
            check(&p, country::DE, &format!("0{rest}"));
        }
    }
}
