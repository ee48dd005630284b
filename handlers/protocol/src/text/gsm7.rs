//! GSM 03.38 default alphabet and extension table, unpacked (one septet per
//! byte, as SMPP carries it with data_coding 0).

/// The escape septet that introduces an extension-table character.
pub const ESC: u8 = 0x1B;

/// The default alphabet, indexed by septet. 0x1B (escape) maps to a
/// non-breaking space when seen alone, as 3GPP TS 23.038 suggests.
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{a0}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: (septet after ESC, character).
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{c}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// The septets for one character: one for the basic table, two (ESC, x) for
/// the extension table, `None` when GSM 03.38 cannot carry it.
fn encode_char(c: char) -> Option<(u8, Option<u8>)> {
    // ASCII letters and digits sit at their ASCII positions; check them first
    // because they are most of all text.
    if c.is_ascii_alphanumeric() {
        return Some((c as u8, None));
    }
    if c != '\u{a0}'
        && let Some(i) = BASIC.iter().position(|&b| b == c)
    {
        return Some((i as u8, None));
    }
    EXTENSION
        .iter()
        .find(|&&(_, e)| e == c)
        .map(|&(s, _)| (ESC, Some(s)))
}

/// Whether the whole text can be sent in the GSM default alphabet.
pub fn fits_gsm7(s: &str) -> bool {
    s.chars().all(|c| encode_char(c).is_some())
}

/// How many septets the text takes in GSM 03.38 (`None` if it doesn't fit).
pub fn septet_count(s: &str) -> Option<usize> {
    s.chars().try_fold(0usize, |n, c| {
        encode_char(c).map(|(_, ext)| n + if ext.is_some() { 2 } else { 1 })
    })
}

/// Encodes to unpacked septets, `None` if a character is not in GSM 03.38.
pub fn encode_gsm7_unpacked(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let (a, b) = encode_char(c)?;
        out.push(a);
        if let Some(b) = b {
            out.push(b);
        }
    }
    Some(out)
}

/// Decodes unpacked septets. The high bit is ignored (some SMSCs set it);
/// an escape followed by an unknown septet decodes as the basic character,
/// as TS 23.038 asks; a trailing lone escape decodes as a space.
pub fn decode_gsm7_unpacked(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut it = septets.iter().map(|b| b & 0x7F);
    while let Some(s) = it.next() {
        if s == ESC {
            match it.next() {
                Some(x) => match EXTENSION.iter().find(|&&(e, _)| e == x) {
                    Some(&(_, c)) => out.push(c),
                    None => out.push(BASIC[x as usize]),
                },
                None => out.push(' '),
            }
        } else {
            out.push(BASIC[s as usize]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_characters_take_two_septets() {
        let s = "€[]{}^";
        assert_eq!(septet_count(s), Some(12));
        let enc = encode_gsm7_unpacked(s).unwrap();
        assert_eq!(enc[..2], [ESC, 0x65]);
        assert_eq!(decode_gsm7_unpacked(&enc), s);
    }

    #[test]
    fn basic_table_round_trips() {
        let s =
            "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCÄÖÑÜ§¿abcäöñüà";
        assert!(fits_gsm7(s));
        assert_eq!(decode_gsm7_unpacked(&encode_gsm7_unpacked(s).unwrap()), s);
    }

    #[test]
    fn outside_gsm_is_refused() {
        assert!(!fits_gsm7("hello 😀"));
        assert!(!fits_gsm7("ç")); // only capital Ç is in the table
        assert_eq!(encode_gsm7_unpacked("`"), None);
    }
}
