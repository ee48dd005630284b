//! Addresses to and from SMPP's TON/NPI/digits.

use switchboard_protocol::{Address, PhoneNumber};

pub const TON_INTERNATIONAL: u8 = 1;
pub const TON_NATIONAL: u8 = 2;
pub const TON_ALPHANUMERIC: u8 = 5;
pub const NPI_UNKNOWN: u8 = 0;
pub const NPI_ISDN: u8 = 1;

/// TON, NPI and address text of a sender.
pub fn source_to_wire(a: &Address) -> (u8, u8, &str) {
    match a {
        Address::International(p) => (TON_INTERNATIONAL, NPI_ISDN, p.digits()),
        Address::National(s) => (TON_NATIONAL, NPI_ISDN, s),
        Address::Alphanumeric(s) => (TON_ALPHANUMERIC, NPI_UNKNOWN, s),
        // Short codes: Kannel sends digits without '+' as national/ISDN
        // (2/1) unless told otherwise, and that is what SMSCs tuned for
        // Kannel-style ESMEs (most of them) accept for short codes.
        Address::Other(s) => (TON_NATIONAL, NPI_ISDN, s),
    }
}

/// TON, NPI and digits of a recipient: always international E.164.
pub fn dest_to_wire(p: &PhoneNumber) -> (u8, u8, &str) {
    (TON_INTERNATIONAL, NPI_ISDN, p.digits())
}

/// An address the SMSC sent, from its TON and text.
pub fn from_wire(ton: u8, addr: &str) -> Address {
    let addr = addr.trim();
    let international = || {
        let digits = addr.strip_prefix('+').unwrap_or(addr);
        PhoneNumber::parse_e164(&format!("+{digits}")).ok()
    };
    match ton {
        TON_INTERNATIONAL => international()
            .map(Address::International)
            .unwrap_or_else(|| Address::Other(addr.to_owned())),
        TON_NATIONAL => Address::National(addr.to_owned()),
        TON_ALPHANUMERIC => Address::Alphanumeric(addr.to_owned()),
        // Unknown TON with a '+' is still unmistakably international.
        _ if addr.starts_with('+') => international()
            .map(Address::International)
            .unwrap_or_else(|| Address::Other(addr.to_owned())),
        _ => Address::Other(addr.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_map_to_ton_npi() {
        let p = PhoneNumber::parse_e164("+491701234567").unwrap();
        assert_eq!(
            source_to_wire(&Address::International(p.clone())),
            (1, 1, "491701234567")
        );
        assert_eq!(
            source_to_wire(&Address::Alphanumeric("ACME".into())),
            (5, 0, "ACME")
        );
        assert_eq!(
            source_to_wire(&Address::National("01701234567".into())).0,
            2
        );
        assert_eq!(
            source_to_wire(&Address::Other("4242".into())),
            (2, 1, "4242")
        );
        assert_eq!(dest_to_wire(&p), (1, 1, "491701234567"));
    }

    #[test]
    fn wire_addresses_map_back() {
        assert!(matches!(
            from_wire(1, "491701234567"),
            Address::International(_)
        ));
        assert!(matches!(
            from_wire(0, "+491701234567"),
            Address::International(_)
        ));
        assert_eq!(from_wire(1, "12"), Address::Other("12".into()));
        assert_eq!(from_wire(2, "0170123"), Address::National("0170123".into()));
        assert_eq!(from_wire(5, "BANK"), Address::Alphanumeric("BANK".into()));
        assert_eq!(from_wire(3, "4242"), Address::Other("4242".into()));
    }
}
