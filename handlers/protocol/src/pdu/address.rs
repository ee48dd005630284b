//! Addresses (TS 23.040 9.1.2.5 and TS 24.011 for the SMSC): a type octet,
//! then digits as swapped semi-octets padded with F, or for alphanumeric
//! senders (type 0xD0) GSM 7-bit packed text.

use super::hex::Reader;
use super::{PduError, septets};
use crate::text::{decode_gsm7_unpacked, encode_gsm7_unpacked};
use crate::{Address, PhoneNumber};

/// Semi-octets in a TP address value: 10 octets.
const MAX_TP_SEMI_OCTETS: usize = 20;
/// Octets after the SMSC length octet: the type and 10 octets of digits.
const MAX_SMSC_OCTETS: usize = 11;

const TYPE_INTERNATIONAL: u8 = 0x91;
const TYPE_NATIONAL: u8 = 0xA1;
const TYPE_OTHER: u8 = 0x81;
const TYPE_ALPHANUMERIC: u8 = 0xD0;
const TON_INTERNATIONAL: u8 = 1;
const TON_NATIONAL: u8 = 2;
const TON_ALPHANUMERIC: u8 = 5;

/// The SMSC address that starts every PDU a modem handles: its length
/// counts octets (type included); 0 means none.
pub(super) fn read_smsc(r: &mut Reader) -> Result<Option<Address>, PduError> {
    const FIELD: &str = "SMSC address";
    let at = r.pos();
    let len = r.u8(FIELD)? as usize;
    if len == 0 {
        return Ok(None);
    }
    if len > MAX_SMSC_OCTETS {
        return Err(PduError::AddressLength {
            field: FIELD,
            octet: at,
            len,
            max: MAX_SMSC_OCTETS,
        });
    }
    let type_at = r.pos();
    let bytes = r.take(len, FIELD)?;
    let (ton, value) = ((bytes[0] >> 4) & 0x07, &bytes[1..]);
    if ton == TON_ALPHANUMERIC {
        return Err(PduError::AlphanumericSmsc { octet: type_at });
    }
    // The digit count is not given: a final F is padding.
    let mut n = value.len() * 2;
    if value.last().is_some_and(|b| b >> 4 == 0x0F) {
        n -= 1;
    }
    let digits = semi_octets(value, n, FIELD, type_at + 1)?;
    Ok(Some(from_digits(ton, digits)))
}

/// A TP-OA / TP-DA / TP-RA: its length counts useful semi-octets.
pub(super) fn read_tp(r: &mut Reader, field: &'static str) -> Result<Address, PduError> {
    let at = r.pos();
    let n = r.u8(field)? as usize;
    if n > MAX_TP_SEMI_OCTETS {
        return Err(PduError::AddressLength {
            field,
            octet: at,
            len: n,
            max: MAX_TP_SEMI_OCTETS,
        });
    }
    let ton = (r.u8(field)? >> 4) & 0x07;
    let value_at = r.pos();
    let value = r.take(n.div_ceil(2), field)?;
    if ton == TON_ALPHANUMERIC {
        let septets = septets::unpack(value, 0, n * 4 / 7);
        return Ok(Address::Alphanumeric(decode_gsm7_unpacked(&septets)));
    }
    let digits = semi_octets(value, n, field, value_at)?;
    Ok(from_digits(ton, digits))
}

fn from_digits(ton: u8, digits: String) -> Address {
    match ton {
        TON_INTERNATIONAL => match PhoneNumber::parse_e164(&format!("+{digits}")) {
            Ok(p) => Address::International(p),
            // Too short or long for E.164 (test numbers, some short codes):
            // keep the digits.
            Err(_) => Address::Other(digits),
        },
        TON_NATIONAL => Address::National(digits),
        _ => Address::Other(digits),
    }
}

/// The first `n` semi-octets of `value` (low nibble first) as characters;
/// 0xA..0xE are `*#abc` (TS 24.008 BCD number). An F before the end is an
/// error.
fn semi_octets(value: &[u8], n: usize, field: &'static str, at: usize) -> Result<String, PduError> {
    let mut out = String::with_capacity(n);
    for i in 0..n {
        let byte = value.get(i / 2).copied().unwrap_or(0xFF);
        let nibble = if i % 2 == 0 { byte & 0x0F } else { byte >> 4 };
        let c = match nibble {
            0..=9 => char::from(b'0' + nibble),
            0xA => '*',
            0xB => '#',
            0xC => 'a',
            0xD => 'b',
            0xE => 'c',
            _ => {
                return Err(PduError::BadSemiOctet {
                    field,
                    octet: at + i / 2,
                    nibble,
                });
            }
        };
        out.push(c);
    }
    Ok(out)
}

/// The SMSC address octets; `None` is the single octet "00" (use the SIM's).
pub(super) fn write_smsc(smsc: Option<&Address>) -> Result<Vec<u8>, PduError> {
    const FIELD: &str = "SMSC address";
    let Some(a) = smsc else {
        return Ok(vec![0]);
    };
    let (ty, digits) = digits_of(a, FIELD)?;
    let packed = pack_digits(digits, FIELD)?;
    let mut out = Vec::with_capacity(2 + packed.len());
    out.push(1 + packed.len() as u8);
    out.push(ty);
    out.extend_from_slice(&packed);
    Ok(out)
}

/// A TP address: length in semi-octets, type, value.
pub(super) fn write_tp(
    out: &mut Vec<u8>,
    a: &Address,
    field: &'static str,
) -> Result<(), PduError> {
    if let Address::Alphanumeric(text) = a {
        let septets = encode_gsm7_unpacked(text).ok_or(PduError::BadAddress {
            field,
            reason: "an alphanumeric address must be GSM 7-bit text",
        })?;
        let semi = (septets.len() * 7).div_ceil(4);
        if septets.is_empty() || semi > MAX_TP_SEMI_OCTETS {
            return Err(PduError::BadAddress {
                field,
                reason: "an alphanumeric address is 1 to 11 GSM septets",
            });
        }
        let mut value = Vec::new();
        septets::pack_into(&mut value, 0, &septets);
        out.push(semi as u8);
        out.push(TYPE_ALPHANUMERIC);
        out.extend_from_slice(&value);
        return Ok(());
    }
    let (ty, digits) = digits_of(a, field)?;
    let packed = pack_digits(digits, field)?;
    out.push(digits.len() as u8);
    out.push(ty);
    out.extend_from_slice(&packed);
    Ok(())
}

fn digits_of<'a>(a: &'a Address, field: &'static str) -> Result<(u8, &'a str), PduError> {
    match a {
        Address::International(p) => Ok((TYPE_INTERNATIONAL, p.digits())),
        Address::National(s) => Ok((TYPE_NATIONAL, s)),
        Address::Other(s) => Ok((TYPE_OTHER, s)),
        Address::Alphanumeric(_) => Err(PduError::BadAddress {
            field,
            reason: "an SMSC address cannot be alphanumeric",
        }),
    }
}

/// Swapped semi-octets, F-padded to whole octets.
fn pack_digits(digits: &str, field: &'static str) -> Result<Vec<u8>, PduError> {
    if digits.len() > MAX_TP_SEMI_OCTETS {
        return Err(PduError::BadAddress {
            field,
            reason: "an address has at most 20 digits",
        });
    }
    let nibbles = digits
        .chars()
        .map(|c| match c {
            '0'..='9' => Ok(c as u8 - b'0'),
            '*' => Ok(0xA),
            '#' => Ok(0xB),
            'a' => Ok(0xC),
            'b' => Ok(0xD),
            'c' => Ok(0xE),
            _ => Err(PduError::BadAddress {
                field,
                reason: "an address is digits (and * # a b c)",
            }),
        })
        .collect::<Result<Vec<u8>, _>>()?;
    Ok(nibbles
        .chunks(2)
        .map(|pair| pair[0] | (pair.get(1).copied().unwrap_or(0x0F) << 4))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(a: &Address) -> Vec<u8> {
        let mut out = Vec::new();
        write_tp(&mut out, a, "TP-DA").unwrap();
        out
    }

    fn read(bytes: &[u8]) -> Result<Address, PduError> {
        read_tp(&mut Reader::new(bytes), "TP-OA")
    }

    #[test]
    fn international_number_swaps_and_pads() {
        // +46708251358 -> 0B 91 6407281553F8 (the "hellohello" example).
        let a = Address::International(PhoneNumber::parse_e164("+46708251358").unwrap());
        let enc = tp(&a);
        assert_eq!(enc, [0x0B, 0x91, 0x64, 0x07, 0x28, 0x15, 0x53, 0xF8]);
        assert_eq!(read(&enc).unwrap(), a);
    }

    #[test]
    fn national_and_short_codes_keep_their_type() {
        assert_eq!(tp(&Address::National("0170123".into()))[..2], [7, 0xA1]);
        assert_eq!(tp(&Address::Other("1234".into())), [4, 0x81, 0x21, 0x43]);
        assert_eq!(
            read(&[4, 0x81, 0x21, 0x43]).unwrap(),
            Address::Other("1234".into())
        );
        assert_eq!(
            read(&[3, 0xA1, 0xA1, 0xFB]).unwrap(),
            Address::National("1*#".into())
        );
    }

    #[test]
    fn alphanumeric_sender_is_packed_septets() {
        // "BANK": 4 septets = 28 bits = 7 semi-octets, type D0.
        // B=0x42 A=0x41 N=0x4E K=0x4B -> C2 A0 73 09.
        let a = Address::Alphanumeric("BANK".into());
        let enc = tp(&a);
        assert_eq!(enc, [0x07, 0xD0, 0xC2, 0xA0, 0x73, 0x09]);
        assert_eq!(read(&enc).unwrap(), a);
        // 11 characters is the most: 77 bits -> 20 semi-octets.
        let long = Address::Alphanumeric("Information".into());
        assert_eq!(tp(&long)[0], 20);
        assert_eq!(read(&tp(&long)).unwrap(), long);
        let mut out = Vec::new();
        assert!(
            write_tp(
                &mut out,
                &Address::Alphanumeric("Informations".into()),
                "TP-DA"
            )
            .is_err()
        );
    }

    #[test]
    fn smsc_length_counts_octets() {
        // +31624000000 -> 07 91 1326040000F0.
        let a = Address::International(PhoneNumber::parse_e164("+31624000000").unwrap());
        let enc = write_smsc(Some(&a)).unwrap();
        assert_eq!(enc, [0x07, 0x91, 0x13, 0x26, 0x04, 0x00, 0x00, 0xF0]);
        assert_eq!(read_smsc(&mut Reader::new(&enc)).unwrap(), Some(a));
        assert_eq!(write_smsc(None).unwrap(), [0]);
        assert_eq!(read_smsc(&mut Reader::new(&[0])).unwrap(), None);
    }

    #[test]
    fn bad_addresses_say_where() {
        assert_eq!(
            read(&[21, 0x91]),
            Err(PduError::AddressLength {
                field: "TP-OA",
                octet: 0,
                len: 21,
                max: 20
            })
        );
        assert_eq!(
            read(&[4, 0x91, 0x21]),
            Err(PduError::Truncated {
                field: "TP-OA",
                octet: 2,
                need: 2,
                have: 1
            })
        );
        assert_eq!(
            read(&[4, 0x81, 0x21, 0xF3]),
            Err(PduError::BadSemiOctet {
                field: "TP-OA",
                octet: 3,
                nibble: 0xF
            })
        );
        assert!(matches!(
            read_smsc(&mut Reader::new(&[12])),
            Err(PduError::AddressLength {
                octet: 0,
                len: 12,
                ..
            })
        ));
    }
}
