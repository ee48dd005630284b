//! TP-UDL and TP-UD: the user data header, then the body, in septets for
//! the GSM 7-bit alphabet (TP-UDL counts septets, header and fill bits
//! included) or octets otherwise.

use super::hex::Reader;
use super::{PduError, septets};
use crate::text::{Coding, UdhError, parse_udh};
use crate::{Concat, PartBody};

/// Septets in a GSM 7-bit TP-UD.
pub(super) const MAX_SEPTETS: usize = 160;
/// Octets in any TP-UD.
pub(super) const MAX_OCTETS: usize = 140;

/// What a TP-UD held.
pub(super) struct UserData {
    /// IEs without UDHL.
    pub udh: Option<Vec<u8>>,
    pub concat: Option<Concat>,
    pub body: PartBody,
}

/// Reads TP-UDL and TP-UD. `udhi` is the TP-UDHI bit of the first octet.
pub(super) fn read(r: &mut Reader, udhi: bool, coding: Coding) -> Result<UserData, PduError> {
    let udl_at = r.pos();
    let udl = r.u8("TP-UDL")? as usize;
    let (max, unit) = match coding {
        Coding::Gsm7 => (MAX_SEPTETS, "septets"),
        _ => (MAX_OCTETS, "octets"),
    };
    if udl > max {
        return Err(PduError::UserDataLength {
            octet: udl_at,
            udl,
            unit,
            max,
        });
    }
    let ud_at = r.pos();
    let ud = match coding {
        Coding::Gsm7 => r.take(septets::octets_for(udl), "TP-UD")?,
        _ => r.take(udl, "TP-UD")?,
    };
    let (udh, concat, header_octets) = if udhi {
        let header = read_header(ud, ud_at)?;
        (Some(header.0), header.1, header.2)
    } else {
        (None, None, 0)
    };
    let data = match coding {
        Coding::Gsm7 => {
            let skip = septets::septets_for_header(header_octets);
            if skip > udl {
                return Err(PduError::HeaderPastLength {
                    octet: udl_at,
                    udl,
                    header: skip,
                });
            }
            septets::unpack(ud, skip, udl - skip)
        }
        _ => ud[header_octets..].to_vec(),
    };
    Ok(UserData {
        udh,
        concat,
        body: PartBody { coding, data },
    })
}

/// The header's IEs, its concatenation element, and its size with UDHL.
/// A concatenation element with impossible numbers (part 0, part 3 of 2) is
/// not an error: the part is then delivered as if it stood alone.
fn read_header(ud: &[u8], at: usize) -> Result<(Vec<u8>, Option<Concat>, usize), PduError> {
    let Some(&udhl) = ud.first() else {
        return Err(PduError::Udh {
            octet: at,
            source: UdhError::Empty,
        });
    };
    let header_octets = 1 + udhl as usize;
    let header = ud.get(..header_octets).ok_or(PduError::Udh {
        octet: at,
        source: UdhError::TooLong(udhl as usize, ud.len() - 1),
    })?;
    let concat = match parse_udh(header) {
        Ok((concat, _)) => concat,
        Err(UdhError::BadConcat { .. }) => None,
        Err(source) => return Err(PduError::Udh { octet: at, source }),
    };
    Ok((header[1..].to_vec(), concat, header_octets))
}

/// Checks IEs we are about to send: every element must lie within the
/// header.
pub(super) fn check_udh(ies: &[u8]) -> Result<Option<Concat>, PduError> {
    if ies.len() >= MAX_OCTETS {
        return Err(PduError::UdhTooLong {
            len: ies.len(),
            max: MAX_OCTETS - 1,
        });
    }
    let mut header = Vec::with_capacity(ies.len() + 1);
    header.push(ies.len() as u8);
    header.extend_from_slice(ies);
    match parse_udh(&header) {
        Ok((concat, _)) => Ok(concat),
        Err(UdhError::BadConcat { .. }) => Ok(None),
        Err(source) => Err(PduError::Udh { octet: 0, source }),
    }
}

/// Writes TP-UDL and TP-UD. The caller sets TP-UDHI when `udh` is `Some`.
pub(super) fn write(
    out: &mut Vec<u8>,
    udh: Option<&[u8]>,
    body: &PartBody,
) -> Result<(), PduError> {
    if let Some(ies) = udh {
        check_udh(ies)?;
    }
    let header_octets = udh.map_or(0, |u| u.len() + 1);
    let mut ud = Vec::with_capacity(MAX_OCTETS);
    if let Some(ies) = udh {
        ud.push(ies.len() as u8);
        ud.extend_from_slice(ies);
    }
    let udl = match body.coding {
        Coding::Gsm7 => {
            if let Some((index, &value)) = body.data.iter().enumerate().find(|(_, s)| **s > 0x7F) {
                return Err(PduError::BadSeptet { index, value });
            }
            let skip = septets::septets_for_header(header_octets);
            let udl = skip + body.data.len();
            if udl > MAX_SEPTETS {
                return Err(too_long(body, header_octets, MAX_SEPTETS, "septets"));
            }
            septets::pack_into(&mut ud, skip, &body.data);
            udl
        }
        Coding::Ucs2 | Coding::Binary => {
            let udl = header_octets + body.data.len();
            if udl > MAX_OCTETS {
                return Err(too_long(body, header_octets, MAX_OCTETS, "octets"));
            }
            ud.extend_from_slice(&body.data);
            udl
        }
        Coding::Latin1 => return Err(PduError::UnsupportedCoding(body.coding)),
    };
    out.push(udl as u8);
    out.extend_from_slice(&ud);
    Ok(())
}

fn too_long(body: &PartBody, udh_octets: usize, max: usize, unit: &'static str) -> PduError {
    PduError::BodyTooLong {
        coding: body.coding,
        len: body.data.len(),
        unit,
        udh_octets,
        max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gsm(data: &[u8]) -> PartBody {
        PartBody {
            coding: Coding::Gsm7,
            data: data.to_vec(),
        }
    }

    #[test]
    fn udl_counts_header_septets_with_the_fill_bit() {
        let mut out = Vec::new();
        write(&mut out, Some(&[0x00, 0x03, 0x2A, 0x02, 0x01]), &gsm(b"Hi")).unwrap();
        // 7 header septets + 2 = 9; 9 septets = 63 bits = 8 octets.
        assert_eq!(out[0], 9);
        assert_eq!(out.len(), 1 + 8);
        let ud = read(&mut Reader::new(&out), true, Coding::Gsm7).unwrap();
        assert_eq!(ud.body, gsm(b"Hi"));
        assert_eq!(ud.udh.as_deref(), Some(&[0x00, 0x03, 0x2A, 0x02, 0x01][..]));
        assert_eq!(
            ud.concat,
            Some(Concat {
                reference: 0x2A,
                total: 2,
                seq: 1
            })
        );
    }

    #[test]
    fn limits_are_160_septets_and_140_octets() {
        let mut out = Vec::new();
        assert!(write(&mut out, None, &gsm(&[0x41; 160])).is_ok());
        assert!(write(&mut out, None, &gsm(&[0x41; 161])).is_err());
        assert!(write(&mut out, Some(&[0, 3, 1, 2, 1]), &gsm(&[0x41; 153])).is_ok());
        assert!(matches!(
            write(&mut out, Some(&[0, 3, 1, 2, 1]), &gsm(&[0x41; 154])),
            Err(PduError::BodyTooLong {
                max: 160,
                udh_octets: 6,
                ..
            })
        ));
        let ucs = PartBody {
            coding: Coding::Ucs2,
            data: vec![0; 134],
        };
        assert!(write(&mut out, Some(&[0, 3, 1, 2, 1]), &ucs).is_ok());
        assert!(write(&mut out, Some(&[8, 4, 1, 1, 2, 1]), &ucs).is_err());
        assert!(matches!(
            write(&mut out, None, &gsm(&[0x80])),
            Err(PduError::BadSeptet {
                index: 0,
                value: 0x80
            })
        ));
    }

    #[test]
    fn bad_lengths_are_errors() {
        // UDL 161 septets.
        assert!(matches!(
            read(&mut Reader::new(&[161]), false, Coding::Gsm7),
            Err(PduError::UserDataLength { udl: 161, .. })
        ));
        // UDL 5 octets, 2 present.
        assert!(matches!(
            read(&mut Reader::new(&[5, 1, 2]), false, Coding::Binary),
            Err(PduError::Truncated {
                field: "TP-UD",
                octet: 1,
                need: 5,
                have: 2
            })
        ));
        // Header length 9 in a 3-octet UD.
        assert!(matches!(
            read(&mut Reader::new(&[3, 9, 0, 0]), true, Coding::Binary),
            Err(PduError::Udh {
                octet: 1,
                source: UdhError::TooLong(9, 2)
            })
        ));
        // UDHI with UDL 0.
        assert!(matches!(
            read(&mut Reader::new(&[0]), true, Coding::Ucs2),
            Err(PduError::Udh {
                source: UdhError::Empty,
                ..
            })
        ));
        // 2 septets of UD but a 6-octet header (7 septets).
        assert!(matches!(
            read(&mut Reader::new(&[2, 5, 0]), true, Coding::Gsm7),
            Err(PduError::Udh { .. })
        ));
        assert!(matches!(
            read(&mut Reader::new(&[6, 5, 0, 3, 1, 1, 1]), true, Coding::Gsm7),
            Err(PduError::HeaderPastLength {
                udl: 6,
                header: 7,
                ..
            })
        ));
    }

    #[test]
    fn impossible_concat_numbers_are_kept_as_plain_header() {
        let ud = read(
            &mut Reader::new(&[7, 5, 0, 3, 1, 0, 1, 0x41]),
            true,
            Coding::Binary,
        )
        .unwrap();
        assert_eq!(ud.concat, None);
        assert_eq!(ud.udh.as_deref(), Some(&[0, 3, 1, 0, 1][..]));
        assert_eq!(ud.body.data, [0x41]);
    }
}
