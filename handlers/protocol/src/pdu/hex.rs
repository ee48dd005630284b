//! Hex text as AT commands carry PDUs, and a bounds-checked octet reader.

use super::PduError;
use std::fmt::Write as _;

/// Parses hex digits (either case). Surrounding whitespace, as a modem's
/// line may leave, is ignored; anything else that is not a hex digit is an
/// error naming its position.
pub(super) fn parse(hex: &str) -> Result<Vec<u8>, PduError> {
    let lead = hex.len() - hex.trim_start().len();
    let s = hex.trim();
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut hi: Option<u8> = None;
    for (i, c) in s.char_indices() {
        let v = c.to_digit(16).ok_or(PduError::BadHex {
            index: lead + i,
            found: c,
        })? as u8;
        match hi.take() {
            Some(h) => out.push((h << 4) | v),
            None => hi = Some(v),
        }
    }
    if hi.is_some() {
        return Err(PduError::OddHex { len: s.len() });
    }
    Ok(out)
}

/// Upper-case hex, as modems print and expect it.
pub(super) fn format(octets: &[u8]) -> String {
    let mut s = String::with_capacity(octets.len() * 2);
    for b in octets {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// Reads octets front to back; every read names the field it is for, so a
/// short PDU says what was missing and where.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// The position of the next octet.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    pub(super) fn u8(&mut self, field: &'static str) -> Result<u8, PduError> {
        Ok(self.take(1, field)?[0])
    }

    pub(super) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], PduError> {
        let rest = &self.bytes[self.pos..];
        if rest.len() < n {
            return Err(PduError::Truncated {
                field,
                octet: self.pos,
                need: n,
                have: rest.len(),
            });
        }
        self.pos += n;
        Ok(&rest[..n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_cases_and_trims() {
        assert_eq!(parse(" 0aFf\r\n").unwrap(), [0x0A, 0xFF]);
        assert_eq!(format(&[0x0A, 0xFF]), "0AFF");
    }

    #[test]
    fn names_bad_digits_and_odd_length() {
        assert_eq!(
            parse("0G"),
            Err(PduError::BadHex {
                index: 1,
                found: 'G'
            })
        );
        assert_eq!(
            parse("  0 1"),
            Err(PduError::BadHex {
                index: 3,
                found: ' '
            })
        );
        assert_eq!(parse("012"), Err(PduError::OddHex { len: 3 }));
        assert_eq!(
            parse("é0"),
            Err(PduError::BadHex {
                index: 0,
                found: 'é'
            })
        );
    }

    #[test]
    fn reader_reports_what_and_where() {
        let mut r = Reader::new(&[1, 2]);
        assert_eq!(r.u8("a").unwrap(), 1);
        assert_eq!(
            r.take(3, "TP-UD"),
            Err(PduError::Truncated {
                field: "TP-UD",
                octet: 1,
                need: 3,
                have: 1
            })
        );
    }
}
