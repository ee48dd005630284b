//! Numbers as AT commands carry them: a quoted string and a type of number
//! (27.007: 145 international, 161 national, 129 unknown, 208 alphanumeric).

use switchboard_protocol::{Address, PhoneNumber};

/// Reads `"<number>",<type>` into an address; `None` for an empty number.
pub fn address(number: &str, toa: Option<u16>) -> Option<Address> {
    let n = number.trim().trim_matches('"').trim();
    if n.is_empty() {
        return None;
    }
    let digits = n.strip_prefix('+').unwrap_or(n);
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    // Bit 4..6 of the type is the type of number: 001 international.
    let ton = toa.map(|t| (t >> 4) & 0b111);
    if all_digits && (n.starts_with('+') || ton == Some(1)) {
        if let Ok(p) = PhoneNumber::parse_e164(&format!("+{digits}")) {
            return Some(Address::International(p));
        }
        return Some(Address::Other(digits.to_owned()));
    }
    if all_digits && ton == Some(2) {
        return Some(Address::National(digits.to_owned()));
    }
    if all_digits {
        return Some(Address::Other(digits.to_owned()));
    }
    if ton == Some(5) {
        return Some(Address::Alphanumeric(n.to_owned()));
    }
    // Whatever else a modem prints (`*31#` style, letters): keep it as is
    // so nothing is lost; it is never dialled back from here.
    Some(Address::Other(n.to_owned()))
}

/// The own line's number from an address, when it is international.
pub fn e164(a: &Address) -> Option<PhoneNumber> {
    match a {
        Address::International(p) => Some(p.clone()),
        _ => None,
    }
}

/// Splits an AT parameter list at commas outside quotes, trimming blanks
/// and the quotes: `"SM",3` gives `["SM", "3"]`.
pub fn fields(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_owned()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_owned());
    out
}

/// A field as a number, if it is one.
pub fn num<T: std::str::FromStr>(fields: &[String], i: usize) -> Option<T> {
    fields.get(i).and_then(|f| f.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_by_type() {
        assert_eq!(
            address("\"491701234567\"", Some(145)),
            Some(Address::International(
                PhoneNumber::parse_e164("+491701234567").unwrap()
            ))
        );
        assert_eq!(
            address("+491701234567", Some(129)),
            Some(Address::International(
                PhoneNumber::parse_e164("+491701234567").unwrap()
            ))
        );
        assert_eq!(
            address("01701234567", Some(161)),
            Some(Address::National("01701234567".into()))
        );
        assert_eq!(
            address("3311", Some(129)),
            Some(Address::Other("3311".into()))
        );
        assert_eq!(address("\"\"", Some(128)), None);
    }

    #[test]
    fn fields_respect_quotes() {
        assert_eq!(fields("\"SM\",3"), ["SM", "3"]);
        assert_eq!(fields("1,0,\"a,b\", 4 ,"), ["1", "0", "a,b", "4", ""]);
    }
}
