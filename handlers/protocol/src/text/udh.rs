//! The user data header: concatenation information elements.

use super::Concat;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UdhError {
    #[error("user data header length {0} runs past the end of the user data ({1} octets)")]
    TooLong(usize, usize),
    #[error("information element 0x{0:02x} runs past the end of the header")]
    BadElement(u8),
    #[error("concatenation element says part {seq} of {total}")]
    BadConcat { seq: u8, total: u8 },
    #[error("user data is empty but says it has a header")]
    Empty,
}

/// A concatenation UDH including its length octet: the 8-bit reference
/// element (IEI 0x00) when the reference fits, else the 16-bit one (0x08).
pub fn concat_udh(reference: u16, total: u8, seq: u8) -> Vec<u8> {
    match u8::try_from(reference) {
        Ok(r) => vec![0x05, 0x00, 0x03, r, total, seq],
        Err(_) => {
            let [hi, lo] = reference.to_be_bytes();
            vec![0x06, 0x08, 0x04, hi, lo, total, seq]
        }
    }
}

/// Splits user data that starts with a UDH into the concatenation element
/// (if present) and the payload after the header. Other elements are
/// skipped.
pub fn parse_udh(user_data: &[u8]) -> Result<(Option<Concat>, &[u8]), UdhError> {
    let (&udhl, rest) = user_data.split_first().ok_or(UdhError::Empty)?;
    let udhl = udhl as usize;
    if udhl > rest.len() {
        return Err(UdhError::TooLong(udhl, rest.len()));
    }
    let (mut header, payload) = rest.split_at(udhl);
    let mut concat = None;
    while let [iei, len, tail @ ..] = header {
        let len = *len as usize;
        if len > tail.len() {
            return Err(UdhError::BadElement(*iei));
        }
        let (value, next) = tail.split_at(len);
        match (*iei, value) {
            (0x00, &[r, total, seq]) => concat = Some(check(r as u16, total, seq)?),
            (0x08, &[hi, lo, total, seq]) => {
                concat = Some(check(u16::from_be_bytes([hi, lo]), total, seq)?)
            }
            _ => {}
        }
        header = next;
    }
    if header.len() == 1 {
        return Err(UdhError::BadElement(header[0]));
    }
    Ok((concat, payload))
}

fn check(reference: u16, total: u8, seq: u8) -> Result<Concat, UdhError> {
    if total == 0 || seq == 0 || seq > total {
        return Err(UdhError::BadConcat { seq, total });
    }
    Ok(Concat {
        reference,
        total,
        seq,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_reference_sizes() {
        for r in [7u16, 300] {
            let mut ud = concat_udh(r, 3, 2);
            ud.extend_from_slice(b"abc");
            let (c, payload) = parse_udh(&ud).unwrap();
            assert_eq!(
                c,
                Some(Concat {
                    reference: r,
                    total: 3,
                    seq: 2
                })
            );
            assert_eq!(payload, b"abc");
        }
    }

    #[test]
    fn bad_headers_are_errors_not_panics() {
        assert_eq!(parse_udh(&[]), Err(UdhError::Empty));
        assert_eq!(parse_udh(&[9, 0, 3]), Err(UdhError::TooLong(9, 2)));
        assert_eq!(parse_udh(&[3, 0, 3, 1]), Err(UdhError::BadElement(0)));
        assert_eq!(
            parse_udh(&[5, 0, 3, 1, 2, 3]),
            Err(UdhError::BadConcat { seq: 3, total: 2 })
        );
    }
}
