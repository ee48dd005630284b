//! `+CLCC` lines: the modem's list of current calls.

use crate::number::{address, fields, num};
use switchboard_protocol::Address;

/// One call as `+CLCC: <idx>,<dir>,<stat>,<mode>,<mpty>[,<number>,<type>]`
/// lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClccEntry {
    pub index: u8,
    /// Mobile-terminated (incoming).
    pub incoming: bool,
    pub state: ClccState,
    /// Voice (mode 0); data and fax calls are not ours to report.
    pub voice: bool,
    /// Part of a multiparty (joined) call.
    pub multiparty: bool,
    pub number: Option<Address>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClccState {
    Active,
    Held,
    Dialling,
    Alerting,
    Incoming,
    Waiting,
    /// SIMCom reports a released call once with stat 6.
    Released,
}

/// Reads the part after `+CLCC:`.
pub fn parse_clcc(v: &str) -> Option<ClccEntry> {
    let f = fields(v);
    let state = match num::<u8>(&f, 2)? {
        0 => ClccState::Active,
        1 => ClccState::Held,
        2 => ClccState::Dialling,
        3 => ClccState::Alerting,
        4 => ClccState::Incoming,
        5 => ClccState::Waiting,
        6 => ClccState::Released,
        _ => return None,
    };
    Some(ClccEntry {
        index: num(&f, 0)?,
        incoming: num::<u8>(&f, 1)? == 1,
        state,
        voice: num::<u8>(&f, 3).unwrap_or(0) == 0,
        multiparty: num::<u8>(&f, 4).unwrap_or(0) == 1,
        number: f.get(5).and_then(|n| address(n, num(&f, 6))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries() {
        let e = parse_clcc("1,1,4,0,0,\"+491701234567\",145,\"\"").unwrap();
        assert_eq!(e.index, 1);
        assert!(e.incoming && e.voice && !e.multiparty);
        assert_eq!(e.state, ClccState::Incoming);
        assert!(e.number.is_some());
        let e = parse_clcc("2,0,0,0,1").unwrap();
        assert_eq!(e.state, ClccState::Active);
        assert!(e.multiparty && e.number.is_none());
        assert!(parse_clcc("x").is_none());
        assert!(parse_clcc("1,0,9,0,0").is_none());
    }
}
