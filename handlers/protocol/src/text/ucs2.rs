//! UCS-2 / UTF-16BE, as SMS carries it with data_coding 8.

pub fn encode_ucs2(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Decodes UTF-16BE; unpaired surrogates and an odd trailing byte become
/// U+FFFD rather than an error, since a phone user's text should still be
/// shown.
pub fn decode_ucs2(data: &[u8]) -> String {
    let units = data.chunks(2).map(|c| {
        if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            0xFFFD
        }
    });
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_round_trips_as_surrogate_pair() {
        let enc = encode_ucs2("a😀");
        assert_eq!(enc, [0x00, 0x61, 0xD8, 0x3D, 0xDE, 0x00]);
        assert_eq!(decode_ucs2(&enc), "a😀");
    }
}
