//! Joining the parts of a concatenated SMS back into text.

use super::{Coding, PartBody, decode};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReassemblyError {
    #[error("no parts")]
    Empty,
    #[error("part {0} appears twice with different content")]
    Conflict(u8),
    #[error("parts are coded differently ({0:?} and {1:?})")]
    MixedCoding(Coding, Coding),
}

/// Joins parts given in any order (numbered from 1) and decodes the result.
/// The user data is joined before decoding so that a UCS-2 character whose
/// surrogate pair straddles two parts survives. Identical duplicates (a
/// network resending a part) are ignored; missing parts are simply absent,
/// the caller decides whether to wait for them.
pub fn reassemble(parts: &[(u8, PartBody)]) -> Result<String, ReassemblyError> {
    let mut sorted: Vec<&(u8, PartBody)> = parts.iter().collect();
    sorted.sort_by_key(|(seq, _)| *seq);
    let coding = sorted.first().ok_or(ReassemblyError::Empty)?.1.coding;
    let mut data = Vec::new();
    let mut last: Option<&(u8, PartBody)> = None;
    for part in sorted {
        if part.1.coding != coding {
            return Err(ReassemblyError::MixedCoding(coding, part.1.coding));
        }
        if let Some(prev) = last
            && prev.0 == part.0
        {
            if prev.1.data != part.1.data {
                return Err(ReassemblyError::Conflict(part.0));
            }
            continue;
        }
        data.extend_from_slice(&part.1.data);
        last = Some(part);
    }
    Ok(decode(coding, &data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::plan;
    use proptest::prelude::*;

    fn parts_of(text: &str) -> Vec<(u8, PartBody)> {
        let p = plan(text);
        p.parts
            .into_iter()
            .enumerate()
            .map(|(i, data)| {
                (
                    i as u8 + 1,
                    PartBody {
                        coding: p.coding,
                        data,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn emoji_across_parts_survives() {
        let text = format!("{}😀😀", "ü".repeat(66));
        let mut parts = parts_of(&text);
        parts.reverse();
        assert_eq!(reassemble(&parts).unwrap(), text);
    }

    #[test]
    fn conflicting_duplicate_is_an_error() {
        let mut parts = parts_of(&"a".repeat(300));
        let mut dup = parts[0].clone();
        dup.1.data[0] = b'b';
        parts.push(dup);
        assert_eq!(reassemble(&parts), Err(ReassemblyError::Conflict(1)));
    }

    proptest! {
        #[test]
        fn any_order_with_duplicates_gives_the_text(
            text in "\\PC{1,500}",
            seed in any::<u64>(),
        ) {
            let mut parts = parts_of(&text);
            let n = parts.len();
            parts.push(parts[(seed as usize) % n].clone());
            // A deterministic shuffle from the seed.
            let mut s = seed;
            for i in (1..parts.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                parts.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(reassemble(&parts).unwrap(), text);
        }
    }
}
