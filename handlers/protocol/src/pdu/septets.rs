//! GSM 7-bit packing (TS 23.038 6.1.2.1): septets laid LSB first into
//! octets. With a user data header the first septets are the header's
//! (its octets rounded up to whole septets), so the fill bits between the
//! header and the text are simply the unused bits of those septets.

/// Octets that `septets` septets occupy.
pub(super) fn octets_for(septets: usize) -> usize {
    (septets * 7).div_ceil(8)
}

/// Septets that `octets` octets of header occupy, fill bits included.
pub(super) fn septets_for_header(octets: usize) -> usize {
    (octets * 8).div_ceil(7)
}

/// Packs `septets` after `skip` septets' worth of bits, into `out`, which is
/// grown to hold them. Existing octets (the header) are kept; the fill bits
/// stay zero. Each septet's high bit is ignored.
pub(super) fn pack_into(out: &mut Vec<u8>, skip: usize, septets: &[u8]) {
    let total = octets_for(skip + septets.len());
    if out.len() < total {
        out.resize(total, 0);
    }
    for (i, &s) in septets.iter().enumerate() {
        let bit = (skip + i) * 7;
        let (byte, shift) = (bit / 8, bit % 8);
        let v = u16::from(s & 0x7F) << shift;
        if let Some(o) = out.get_mut(byte) {
            *o |= v as u8;
        }
        if shift > 1
            && let Some(o) = out.get_mut(byte + 1)
        {
            *o |= (v >> 8) as u8;
        }
    }
}

/// Unpacks `count` septets that follow `skip` septets. Septets that would
/// lie past the end of `octets` read as missing bits = 0; callers check the
/// length first.
pub(super) fn unpack(octets: &[u8], skip: usize, count: usize) -> Vec<u8> {
    (skip..skip + count)
        .map(|n| {
            let bit = n * 7;
            let (byte, shift) = (bit / 8, bit % 8);
            let lo = u16::from(octets.get(byte).copied().unwrap_or(0));
            let hi = u16::from(octets.get(byte + 1).copied().unwrap_or(0));
            ((((hi << 8) | lo) >> shift) & 0x7F) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hellohello_packs_as_in_every_textbook() {
        // "hellohello" -> E8329BFD4697D9EC37 (the classic SMS-SUBMIT body).
        let mut out = Vec::new();
        pack_into(&mut out, 0, b"hellohello");
        assert_eq!(out, [0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]);
        assert_eq!(unpack(&out, 0, 10), b"hellohello");
    }

    #[test]
    fn eight_septets_fill_seven_octets() {
        // TS 23.038: 8 septets "12345678" fill exactly 7 octets.
        let mut out = Vec::new();
        pack_into(&mut out, 0, b"12345678");
        assert_eq!(out, [0x31, 0xD9, 0x8C, 0x56, 0xB3, 0xDD, 0x70]);
    }

    #[test]
    fn fill_bits_after_a_six_octet_header() {
        // A 6-octet concat header is 48 bits: 7 septets = 49 bits, so one
        // fill bit; "A" (0x41) starts at bit 49 -> 0x41 << 1 = 0x82.
        let mut out = vec![0x05, 0x00, 0x03, 0x01, 0x02, 0x01];
        let skip = septets_for_header(6);
        assert_eq!(skip, 7);
        pack_into(&mut out, skip, b"A");
        assert_eq!(out, [0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x82]);
        assert_eq!(unpack(&out, skip, 1), b"A");
    }
}
