//! Reading phone numbers people type, with the `phonenumber` crate
//! (libphonenumber's metadata), into E.164.

mod as_written;
mod validity;

use as_written::WrittenRules;
use phonenumber::{Mode, country};
use std::sync::{Arc, OnceLock};
use switchboard_protocol::PhoneNumber;
use validity::Validity;

/// Parses numbers for one configured default region.
#[derive(Debug, Clone)]
pub struct NumberParser {
    region: country::Id,
    validity: Arc<Validity>,
    /// Made at the first number: it loads libphonenumber's metadata (some
    /// megabytes), which a gateway that only receives never needs.
    written: Arc<OnceLock<WrittenRules>>,
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
            written: Arc::new(OnceLock::new()),
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
        let written = self.written.get_or_init(|| WrittenRules::new(self.region));
        if written.is_valid_as_written(input, &self.validity) {
            return PhoneNumber::parse_e164(input).map_err(|e| NumberError::Invalid(e.to_string()));
        }
        let parsed = phonenumber::parse(Some(self.region), input)
            .map_err(|e| NumberError::Unreadable(e.to_string()))?;
        if self.validity.is_valid(&parsed) {
            return e164(&parsed);
        }
        // The crate strips the default region's national prefix even after
        // another country's code: under DE, `+39 06…` (Rome) loses its 0
        // and `+7 812…` under RU its 8. libphonenumber keeps the digits
        // when stripping leaves no valid number; so does this.
        let own = input
            .starts_with('+')
            .then(|| phonenumber::parse(Some(NEUTRAL), input).ok())
            .flatten();
        match own {
            Some(own) if self.validity.is_valid(&own) => e164(&own),
            // The error names the country the number was written for.
            Some(own) => Err(NumberError::Invalid(describe_country(&own))),
            None => Err(NumberError::Invalid(describe_country(&parsed))),
        }
    }
}

/// A region with no national prefix, whose rules strip nothing after a
/// country code: the crate's reading of `+<digits>` under it is the digits
/// as written.
const NEUTRAL: country::Id = country::IT;

/// What `format().mode(Mode::E164)` writes for a number whose country code
/// is known (a valid one's is), without the search for a display format
/// that E.164 does not use.
fn e164(n: &phonenumber::PhoneNumber) -> Result<PhoneNumber, NumberError> {
    let e164 = format!("+{}{}", n.code().value(), n.national());
    debug_assert_eq!(e164, n.format().mode(Mode::E164).to_string());
    PhoneNumber::parse_e164(&e164).map_err(|e| NumberError::Invalid(e.to_string()))
}

fn describe_country(n: &phonenumber::PhoneNumber) -> String {
    let code = n.code().value();
    match n.country().id() {
        Some(id) => format!("{id:?} numbers look different"),
        // A code several regions share, none of whose numbers look so.
        None if phonenumber::metadata::DATABASE.region(&code).is_some() => {
            format!("+{code} numbers look different")
        }
        None => format!("no country uses the code +{code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::metadata::DATABASE;
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
        let p = parser("DE");
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

    /// The crate's answer: under the default region, or for a number with
    /// its country code that reading made invalid, under the region that
    /// strips nothing (see `parse`).
    fn reference(region: country::Id, input: &str) -> Option<String> {
        let read = |r: country::Id| {
            let parsed = phonenumber::parse(Some(r), input).ok()?;
            let e164 = parsed.format().mode(Mode::E164).to_string();
            phonenumber::is_valid(&parsed).then_some(e164)
        };
        read(region).or_else(|| input.starts_with('+').then(|| read(NEUTRAL)).flatten())
    }

    /// Numbers with their country code keep what the default region would
    /// strip when stripping leaves no number (a crate quirk).
    #[test]
    fn another_countrys_number_keeps_its_leading_digits() {
        for (region, input, want) in [
            ("DE", "+39 06 6981 2345", "+390669812345"),
            ("GB", "+390669812345", "+390669812345"),
            ("RU", "+7 812 345-67-89", "+78123456789"),
            ("BR", "+55900981449", "+55900981449"),
        ] {
            let p = NumberParser::new(region).unwrap();
            let got = p.parse(input).map(|n| n.as_str().to_owned());
            assert_eq!(got.as_deref(), Ok(want), "{input} under {region}");
        }
        // A wrong one is named for the country it was written for.
        assert_eq!(
            parser("DE").parse("+39 06 12"),
            Err(NumberError::Invalid("+39 numbers look different".into()))
        );
        // Stripping that leaves a valid number still happens.
        assert_eq!(
            parser("DE").parse("+49 0170 1234567").unwrap().as_str(),
            "+491701234567"
        );
    }

    fn check(p: &NumberParser, region: country::Id, input: &str) {
        let ours = p.parse(input).ok().map(|n| n.as_str().to_owned());
        let theirs = reference(region, input).filter(|e| PhoneNumber::parse_e164(e).is_ok());
        assert_eq!(ours, theirs, "{input}");
    }

    /// `+<code><example>` for every example number of every region, with
    /// one digit more and one less (mostly invalid).
    fn examples() -> Vec<String> {
        let mut out = Vec::new();
        for meta in DATABASE.iter() {
            let d = meta.descriptors();
            let all = std::iter::once(Some(d.general())).chain(validity::number_types(d));
            for ex in all.flatten().filter_map(|d| d.example()) {
                let code = meta.country_code();
                out.push(format!("+{code}{ex}"));
                out.push(format!("+{code}{ex}1"));
                out.push(format!("+{code}{}", &ex[..ex.len() - 1]));
            }
        }
        out
    }

    #[test]
    fn examples_of_every_region_agree_with_the_crate() {
        let p = parser("DE");
        for n in examples() {
            check(p, country::DE, &n);
        }
    }

    /// Default regions whose prefixes differ in kind: an IDD that does not
    /// start with 0 (RU), no national prefix (IT), national prefixes
    /// rewritten by pattern (AR), a national prefix of 1 (US). (Few: the
    /// crate's shared regex cache makes each region slow in debug builds.)
    const DEFAULTS: [&str; 4] = ["US", "RU", "IT", "AR"];

    impl NumberParser {
        fn as_written(&self, input: &str) -> bool {
            self.written
                .get_or_init(|| WrittenRules::new(self.region))
                .is_valid_as_written(input, &self.validity)
        }
    }

    /// One parser per region for all tests: each compiles its patterns as
    /// it meets country codes, which is slow in debug builds.
    fn parser(region: &str) -> &'static NumberParser {
        static PARSERS: std::sync::LazyLock<Vec<(&str, NumberParser)>> =
            std::sync::LazyLock::new(|| {
                ["DE"]
                    .into_iter()
                    .chain(DEFAULTS)
                    .map(|r| (r, NumberParser::new(r).unwrap()))
                    .collect()
            });
        PARSERS
            .iter()
            .find(|(r, _)| *r == region)
            .map(|(_, p)| p)
            .unwrap()
    }

    /// A number read as written must be exactly what the crate reads.
    fn check_as_written(p: &NumberParser, region: &str, input: &str) {
        if p.as_written(input) {
            let id: country::Id = region.parse().unwrap();
            assert_eq!(
                reference(id, input).as_deref(),
                Some(input),
                "{input} under {region}"
            );
        }
    }

    #[test]
    fn examples_read_as_written_agree_with_the_crate_under_other_default_regions() {
        for region in DEFAULTS {
            for n in examples() {
                check_as_written(parser(region), region, &n);
            }
        }
    }

    #[test]
    fn an_e164_number_is_read_as_written() {
        let p = parser("DE");
        assert!(p.as_written("+491701234567"));
        assert!(p.as_written("+33612345678"));
        // A national prefix after the country code, an IDD after the plus,
        // separators: the crate's rules decide.
        assert!(!p.as_written("+4901701234567"));
        assert!(!p.as_written("+00491701234567"));
        assert!(!p.as_written("+49 170 1234567"));
        assert_eq!(p.parse("+4901701234567").unwrap().as_str(), "+491701234567");
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
            let p = parser("DE");
            let input = if national { format!("0{rest}") } else { format!("+{cc}{rest}") };
            check(p, country::DE, &input);
        }

        #[test]
        fn german_mobile_numbers_agree_with_the_crate(rest in "1[5-7][0-9]{6,10}") {
            let p = parser("DE");
            check(p, country::DE, &format!("+49{rest}"));
            check(p, country::DE, &format!("0{rest}"));
        }

        #[test]
        fn numbers_read_as_written_agree_with_the_crate_under_any_default_region(
            region in prop::sample::select(DEFAULTS.to_vec()),
            cc in prop::sample::select(vec![
                "1", "7", "20", "39", "44", "49", "54", "55", "81", "86", "358", "800", "882",
            ]),
            rest in "[0-9]{4,13}",
        ) {
            check_as_written(parser(region), region, &format!("+{cc}{rest}"));
        }
    }
}
