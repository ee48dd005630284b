//! TP-DCS (TS 23.038 clause 4): which alphabet the user data is in.
//!
//! Only the alphabet matters to the gateway; message class, compression and
//! the message-waiting groups are read leniently. Reserved values fall back
//! to the GSM 7-bit default alphabet, as TS 23.038 asks.

use super::PduError;
use crate::text::Coding;

pub(super) fn decode(dcs: u8) -> Coding {
    match dcs >> 4 {
        // General data coding (0x0_..0x3_) and automatic deletion
        // (0x4_..0x7_): bits 3..2 are the alphabet. Compressed text (bit 5)
        // is passed on as binary since it cannot be read as text.
        0x0..=0x7 if dcs & 0x20 != 0 => Coding::Binary,
        0x0..=0x7 => match (dcs >> 2) & 0b11 {
            0b01 => Coding::Binary,
            0b10 => Coding::Ucs2,
            _ => Coding::Gsm7,
        },
        // Message waiting, store message, UCS-2.
        0xE => Coding::Ucs2,
        // Data coding / message class: bit 2 is 8-bit data.
        0xF if dcs & 0x04 != 0 => Coding::Binary,
        // Reserved groups 0x8_..0xB_, message waiting discard/store (GSM 7-bit).
        _ => Coding::Gsm7,
    }
}

pub(super) fn encode(coding: Coding) -> Result<u8, PduError> {
    match coding {
        Coding::Gsm7 => Ok(0x00),
        Coding::Binary => Ok(0x04),
        Coding::Ucs2 => Ok(0x08),
        Coding::Latin1 => Err(PduError::UnsupportedCoding(coding)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_values() {
        assert_eq!(decode(0x00), Coding::Gsm7);
        assert_eq!(decode(0x04), Coding::Binary);
        assert_eq!(decode(0x08), Coding::Ucs2);
        // Class 0 (flash) and class 1..3 with the alphabet in bits 3..2.
        assert_eq!(decode(0x10), Coding::Gsm7);
        assert_eq!(decode(0x18), Coding::Ucs2);
        assert_eq!(decode(0x16), Coding::Binary);
        assert_eq!(decode(0xF0), Coding::Gsm7);
        assert_eq!(decode(0xF5), Coding::Binary);
        // Message waiting: voicemail indicator in UCS-2 / GSM.
        assert_eq!(decode(0xE0), Coding::Ucs2);
        assert_eq!(decode(0xC8), Coding::Gsm7);
        assert_eq!(decode(0xD0), Coding::Gsm7);
        // Reserved alphabet and reserved groups fall back to GSM 7-bit.
        assert_eq!(decode(0x0C), Coding::Gsm7);
        assert_eq!(decode(0x88), Coding::Gsm7);
        // Compressed.
        assert_eq!(decode(0x20), Coding::Binary);
        // Automatic deletion group, UCS-2.
        assert_eq!(decode(0x48), Coding::Ucs2);
    }

    #[test]
    fn encodes_the_three_alphabets() {
        assert_eq!(encode(Coding::Gsm7), Ok(0x00));
        assert_eq!(encode(Coding::Binary), Ok(0x04));
        assert_eq!(encode(Coding::Ucs2), Ok(0x08));
        assert!(encode(Coding::Latin1).is_err());
    }
}
