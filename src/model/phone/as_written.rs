//! Numbers already written in E.164 (`+491701234567`), read without the
//! crate's general parser.
//!
//! Nearly every number an API client sends is in this form, and
//! `phonenumber::parse` spends most of its time (and some twenty
//! allocations) on the forms people type. For `+<digits>` it only strips
//! the plus, splits off the country code and applies the *default*
//! region's international and national prefixes. When neither of those
//! prefixes applies, its result is the digits as written, so this reads
//! them directly. Every other input goes through the crate; a property test
//! holds the two paths to the same answers.

use super::validity::Validity;
use phonenumber::country;
use phonenumber::metadata::DATABASE;
use regex::{Regex, RegexBuilder};

/// What `phonenumber::parse` takes from the default region for a number
/// written with a plus.
#[derive(Debug)]
pub(super) struct WrittenRules {
    /// The default region's international (IDD) prefix, anchored: the
    /// crate strips it after the plus (`+0049…`).
    idd: Option<Regex>,
    /// The default region's national prefix: the crate strips it after
    /// the country code (`+49 0170…`).
    national_prefix: Option<String>,
    /// The default region rewrites national prefixes by pattern (e.g.
    /// Argentina's): then every number goes through the crate.
    rewrites: bool,
    /// Country codes the metadata knows, by value.
    codes: Vec<bool>,
}

/// Longest country code, and the national number's length limits, as the
/// crate checks them.
const MAX_CODE_DIGITS: usize = 3;
const MIN_NATIONAL: usize = 2;
const MAX_NATIONAL: usize = 17;

impl WrittenRules {
    pub(super) fn new(region: country::Id) -> WrittenRules {
        let meta = DATABASE.by_id(region.as_ref());
        let idd = meta.and_then(|m| m.international_prefix()).map(|re| {
            RegexBuilder::new(&format!("^(?:{}\n)", re.as_str()))
                .ignore_whitespace(true)
                .unicode(false)
                .build()
        });
        let mut codes = vec![false; 10usize.pow(MAX_CODE_DIGITS as u32)];
        for m in DATABASE.iter() {
            if let Some(known) = codes.get_mut(usize::from(m.country_code())) {
                *known = true;
            }
        }
        WrittenRules {
            // A pattern this build cannot compile sends everything to the
            // crate, like a rewriting region.
            rewrites: meta.is_none_or(|m| m.national_prefix_for_parsing().is_some())
                || matches!(idd, Some(Err(_))),
            idd: idd.and_then(Result::ok),
            national_prefix: meta.and_then(|m| m.national_prefix()).map(str::to_owned),
            codes,
        }
    }

    /// Whether `input` is `+<digits>`, the default region's prefixes do not
    /// apply to it and it is valid: then it is its own E.164 form. `false`
    /// leaves it to the crate (which also words the errors).
    pub(super) fn is_valid_as_written(&self, input: &str, validity: &Validity) -> bool {
        self.check(input, validity).is_some()
    }

    fn check(&self, input: &str, validity: &Validity) -> Option<()> {
        let digits = input.strip_prefix('+')?;
        if self.rewrites
            || digits.len() <= MIN_NATIONAL
            || digits.len() > MAX_CODE_DIGITS + MAX_NATIONAL
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
            || self.idd.as_ref().is_some_and(|re| re.is_match(digits))
        {
            return None;
        }
        // Country codes are prefix-free: the first known one is the one.
        let (code, national) = (1..=MAX_CODE_DIGITS).find_map(|len| {
            let code: u16 = digits.get(..len)?.parse().ok()?;
            self.codes
                .get(usize::from(code))
                .copied()
                .unwrap_or(false)
                .then(|| (code, &digits[len..]))
        })?;
        if national.len() < MIN_NATIONAL
            || self
                .national_prefix
                .as_deref()
                .is_some_and(|p| national.starts_with(p))
        {
            return None;
        }
        validity.patterns(code)?.is_valid(national).then_some(())
    }
}
