//! A lenient reader for PDUs that rusmpp refuses (non-ASCII addresses,
//! a receipted_message_id without its NUL, truncated TLVs...). rusmppc
//! closes the connection on any decode error, and the SMSC would send the
//! same PDU again after the reconnect, forever; reading such PDUs here lets
//! the handler answer them instead.

/// The 16-octet header of a PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub length: u32,
    pub command_id: u32,
    pub status: u32,
    pub sequence: u32,
}

pub const HEADER_LEN: usize = 16;
pub const DELIVER_SM: u32 = 0x0000_0005;
pub const SUBMIT_SM_RESP: u32 = 0x8000_0004;
pub const GENERIC_NACK: u32 = 0x8000_0000;
/// Responses have this bit set in their command_id.
pub const RESPONSE_BIT: u32 = 0x8000_0000;

impl Header {
    /// Reads the header at the start of a whole frame.
    pub fn parse(frame: &[u8]) -> Option<Header> {
        let mut r = Reader::new(frame);
        Some(Header {
            length: r.u32()?,
            command_id: r.u32()?,
            status: r.u32()?,
            sequence: r.u32()?,
        })
    }

    pub fn is_response(&self) -> bool {
        self.command_id & RESPONSE_BIT != 0
    }
}

/// A cursor over a PDU body; every read is bounds-checked.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn u8(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    pub fn u16(&mut self) -> Option<u16> {
        let b = self.bytes(2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Option<u32> {
        let b = self.bytes(4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// A NUL-terminated string of at most `max` octets before the NUL; the
    /// octets are read as Latin-1 so nothing is lost or refused.
    pub fn c_string(&mut self, max: usize) -> Option<String> {
        let rest = self.buf.get(self.pos..)?;
        let nul = rest.iter().take(max + 1).position(|&b| b == 0)?;
        let s = latin1(&rest[..nul]);
        self.pos += nul + 1;
        Some(s)
    }

    /// The TLVs after the mandatory fields, as (tag, value); a TLV cut
    /// short by the end of the PDU ends the list.
    pub fn tlvs(mut self) -> impl Iterator<Item = (u16, &'a [u8])> {
        std::iter::from_fn(move || {
            let tag = self.u16()?;
            let len = self.u16()?;
            let value = self.bytes(usize::from(len))?;
            Some((tag, value))
        })
    }
}

/// Octets as Latin-1 characters.
pub fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// A TLV string value: up to its NUL if it has one, else all of it.
pub fn tlv_string(value: &[u8]) -> String {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    latin1(&value[..end])
}

/// The message_id of a submit_sm_resp body (empty when the body is absent,
/// as it is in error responses).
pub fn submit_sm_resp_id(body: &[u8]) -> String {
    let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
    latin1(&body[..end.min(65)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounds_checked() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16(), Some(0x0102));
        assert_eq!(r.u16(), None);
        assert_eq!(r.u8(), Some(3));
        assert_eq!(r.u8(), None);
        assert_eq!(r.bytes(usize::MAX), None);
    }

    #[test]
    fn c_strings_keep_non_ascii_and_need_their_nul() {
        let mut r = Reader::new(b"B\xc4NK\0rest");
        assert_eq!(r.c_string(20).as_deref(), Some("BÄNK"));
        assert_eq!(r.c_string(20), None, "no NUL");
        let mut r = Reader::new(b"toolong\0");
        assert_eq!(r.c_string(3), None);
    }

    #[test]
    fn truncated_tlv_ends_the_list() {
        let body = [0x04, 0x27, 0x00, 0x01, 0x02, 0x00, 0x1E, 0x00, 0x09, b'a'];
        let tlvs: Vec<_> = Reader::new(&body).tlvs().collect();
        assert_eq!(tlvs, vec![(0x0427, &[2u8][..])]);
    }

    #[test]
    fn header_and_ids() {
        let frame = [0, 0, 0, 17, 0x80, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9, 0];
        let h = Header::parse(&frame).unwrap();
        assert_eq!(h.command_id, SUBMIT_SM_RESP);
        assert_eq!(h.sequence, 9);
        assert!(h.is_response());
        assert_eq!(submit_sm_resp_id(b"ab\xffc\0"), "ab\u{ff}c");
        assert_eq!(tlv_string(b"123"), "123");
    }
}
