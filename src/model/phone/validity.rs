//! Whether a number is valid, from libphonenumber's metadata with each
//! pattern compiled once.

use phonenumber::metadata::{DATABASE, Descriptor, Descriptors, Metadata};
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// `phonenumber::is_valid`, answered from the same metadata with each
/// pattern compiled once. The crate looks every pattern up by its source
/// text in one shared, locked LRU cache on every use (hashing patterns of
/// up to some kilobytes), which made reading a number a tenth of the
/// daemon's CPU per message. Country codes shared by several regions
/// (+1, +7, ...) need the crate's region choice and still go through it.
#[derive(Debug, Default)]
pub(super) struct Validity {
    /// Country code → its region's patterns; `None`: ask the crate.
    codes: RwLock<HashMap<u16, Option<Arc<Patterns>>>>,
}

/// One region's patterns, in the order `phonenumber::number_type` tries
/// them: the general one must match, then any one of the types.
#[derive(Debug)]
pub(super) struct Patterns {
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

/// A region's number types, in the order `phonenumber::number_type` tries
/// them.
pub(super) fn number_types(d: &Descriptors) -> [Option<&Descriptor>; 10] {
    [
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
    ]
}

impl Patterns {
    fn new(meta: &Metadata) -> Option<Patterns> {
        let d = meta.descriptors();
        Some(Patterns {
            general: Pattern::new(d.general())?,
            types: number_types(d)
                .into_iter()
                .flatten()
                .map(Pattern::new)
                .collect::<Option<_>>()?,
        })
    }

    pub(super) fn is_valid(&self, national: &str) -> bool {
        self.general.is_match(national) && self.types.iter().any(|p| p.is_match(national))
    }
}

impl Validity {
    pub(super) fn is_valid(&self, n: &phonenumber::PhoneNumber) -> bool {
        match self.patterns(n.code().value()) {
            Some(p) => p.is_valid(&n.national().to_string()),
            None => phonenumber::is_valid(n),
        }
    }

    /// The patterns of `code` when it belongs to one region; `None` when
    /// the crate must choose among several (or the code is unknown).
    pub(super) fn patterns(&self, code: u16) -> Option<Arc<Patterns>> {
        if let Some(known) = self.codes.read().ok().and_then(|m| m.get(&code).cloned()) {
            return known;
        }
        let p = Self::compile(code);
        if let Ok(mut m) = self.codes.write() {
            m.insert(code, p.clone());
        }
        p
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
